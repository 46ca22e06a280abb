/**
 * Which solution formats each model of an embedded study writes, and how often each is right: the reasoning
 * patterns behind accuracy changes (docs/world.md). Reads a study's run folder.
 *
 *   npx tsx bench/world-formats.ts runs/demo-quick
 */
import { parseArgs } from "node:util";
import { withStore } from "../src/store/store.js";
import { detectFormat } from "../src/world/solutions.js";

const { positionals } = parseArgs({ allowPositionals: true });
const run = positionals[0];
if (!run) throw new Error("usage: npx tsx bench/world-formats.ts RUN_DIR");

// identical responses are grouped in SQL, each distinct text classified once
const rows = await withStore(run, {}, (s) => s.all<{ model: string; head: string; n: number; correct: number }>(
  "SELECT model, text AS head, count(*)::INT AS n, sum(correct::INT)::INT AS correct FROM samples GROUP BY 1, 2"));
type Tally = { n: number; correct: number };
const byModel = new Map<string, Map<string, Tally>>();
for (const r of rows) {
  const formats = byModel.get(r.model) ?? new Map<string, Tally>();
  const f = detectFormat(r.head);
  const t = formats.get(f) ?? { n: 0, correct: 0 };
  t.n += r.n;
  t.correct += r.correct;
  formats.set(f, t);
  byModel.set(r.model, formats);
}
const names = ["direct", "steps", "check", "shortcut", "other"];
const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);
console.log(`${"model".padEnd(20)}${names.map((f) => `${f} (share, right)`.padStart(24)).join("")}`);
for (const [model, formats] of [...byModel].sort(([a], [b]) => a.localeCompare(b))) {
  const total = [...formats.values()].reduce((s, t) => s + t.n, 0);
  const cells = names.map((f) => {
    const t = formats.get(f);
    return (t ? `${pct(t.n / total)} ${pct(t.correct / t.n)}` : "-").padStart(24);
  });
  console.log(`${model.padEnd(20)}${cells.join("")}`);
}
