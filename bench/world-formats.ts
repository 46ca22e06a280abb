/**
 * Which solution formats each model of an embedded study writes, and how often each is right: the reasoning
 * patterns behind accuracy changes (docs/world.md). The same table the study's report shows, for a run folder
 * whose report predates it. Reads a study's run folder.
 *
 *   npx tsx bench/world-formats.ts runs/demo-quick
 */
import { parseArgs } from "node:util";
import { WORLD_FORMATS } from "../src/experiment/stages/report.js";
import { classTable, tallyClasses } from "../src/report/response-classes.js";
import { textTable } from "../src/report/text-table.js";
import { withStore } from "../src/store/store.js";

const { positionals } = parseArgs({ allowPositionals: true });
const run = positionals[0];
if (!run) throw new Error("usage: npx tsx bench/world-formats.ts RUN_DIR");

const tallies = await withStore(run, {}, (s) => tallyClasses(s, WORLD_FORMATS));
const models = [...new Set(tallies.map((t) => t.model))].sort();
const table = classTable(tallies, models, WORLD_FORMATS);
if (!table) throw new Error(`${run}: no response in any of the world's formats`);
process.stdout.write(textTable(table.header, table.rows));
