/**
 * The study's published MATH-500 figures per base model, derived from its own per-question results
 * (../shared/data/paper/math500-base-correct-counts.jsonl: correct counts of 256 samples per question): the
 * questions in each difficulty bin, accuracy and pass@k at k = 1, 16, 256. Prints the JSON that
 * presets/real/published.json holds and says whether the shipped file still matches.
 *
 *   npx tsx bench/published-figures.ts [COUNTS_FILE]
 */
import { existsSync, readFileSync } from "node:fs";
import { binIndex, studyBins } from "../src/metrics/bins.js";
import { passAtK } from "../src/metrics/pass-at-k.js";
import { countsByModel } from "./study-counts.js";

const file = process.argv[2] ?? new URL("../../shared/data/paper/math500-base-correct-counts.jsonl", import.meta.url).pathname;
if (!existsSync(file)) {
  console.error(`${file}: no such file (pass the study's counts file)`);
  process.exit(1);
}
const models: Record<string, unknown> = {};
let n = 0;
for (const [model, counts] of await countsByModel({ counts: file })) {
  n = counts[0]!.n;
  if (counts.some((c) => c.n !== n)) throw new Error(`${model}: mixed sample counts`);
  const scheme = studyBins(n);
  const bins = Object.fromEntries(scheme.bins.map((b) => [b.label, 0]));
  for (const c of counts) bins[scheme.bins[binIndex(scheme, c.correct, n)]!.label]! += 1;
  const mean = (k: number) => Number((counts.reduce((s, c) => s + passAtK(n, c.correct, k), 0) / counts.length).toFixed(4));
  models[model] = { bins, accuracy: mean(1), pass_at_k: { "16": mean(16), "256": mean(256) } };
}
const figures = {
  source:
    "Kim et al. 2025, arXiv 2505.14216: the study's per-question correct counts of 256 samples on MATH-500 per base model " +
    "(math500-base-correct-counts.jsonl of its material), summarised by bench/published-figures.ts",
  dataset: "MATH-500",
  n,
  models,
};
console.log(JSON.stringify(figures, null, 2));
const shipped = new URL("../presets/real/published.json", import.meta.url).pathname;
if (existsSync(shipped)) {
  const same = JSON.stringify(JSON.parse(readFileSync(shipped, "utf8"))) === JSON.stringify(figures);
  console.error(same ? `${shipped}: matches` : `${shipped}: differs from the counts (rewrite it with this output)`);
}
