/**
 * Where RLVR gains and loses among the questions the base rarely solves, grouped by the kinds of facts each
 * question's chain uses: the analysis behind the quick world's design (docs/world.md). Reads a study's run folder.
 *
 *   npx tsx bench/world-bins.ts runs/demo-quick [--trained rlvr]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { withStore } from "../src/store/store.js";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { trained: { type: "string", default: "rlvr" } } });
const run = positionals[0];
if (!run) throw new Error("usage: npx tsx bench/world-bins.ts RUN_DIR [--trained rlvr]");
type Meta = { length: number; facts: string };
const meta = new Map(readFileSync(join(run, "stages", "world", "test.jsonl"), "utf8").trim().split("\n")
  .map((l) => JSON.parse(l) as { id: string; meta: Meta }).map((q) => [q.id, q.meta]));
const trained = values.trained!;
const rows = await withStore(run, {}, (s) => s.all<{ q: string; model: string; c: number; n: number }>(
  "SELECT question_id AS q, model, sum(correct::INT)::INT AS c, count(*)::INT AS n FROM samples WHERE model IN ('base', ?) GROUP BY 1, 2", [trained]));
const byQuestion = new Map<string, { base?: number; trained?: number; n: number }>();
for (const r of rows) {
  const e = byQuestion.get(r.q) ?? { n: r.n };
  if (r.model === "base") e.base = r.c;
  else e.trained = r.c;
  byQuestion.set(r.q, e);
}
// the rarely-solved bin: 1..4 correct of 256, scaled to n
const groups = new Map<string, { questions: number; delta: number; lost: number }>();
for (const [q, e] of byQuestion) {
  if (e.base === undefined || e.trained === undefined) continue;
  if (e.base < 1 || e.base > Math.max(4, Math.round((4 * e.n) / 256))) continue;
  const m = meta.get(q)!;
  const kinds = m.facts.split(",").filter((s) => s !== "known").sort().join("+") || "all known";
  const key = `length ${m.length}: ${kinds}`;
  const g = groups.get(key) ?? { questions: 0, delta: 0, lost: 0 };
  g.questions++;
  g.delta += (e.trained - e.base) / e.n;
  if (e.trained === 0) g.lost++;
  groups.set(key, g);
}
console.log(`${trained} vs base on the questions the base solves rarely (1-4 of 256, scaled), by the facts they use:`);
for (const [k, g] of [...groups].sort((a, b) => b[1].questions - a[1].questions)) {
  console.log(`  ${k.padEnd(40)} ${String(g.questions).padStart(3)} questions, mean accuracy change ${(g.delta / g.questions >= 0 ? "+" : "") + (g.delta / g.questions).toFixed(3)}, ${g.lost} became unsolved`);
}
