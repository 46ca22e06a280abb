/**
 * Checks `rlvd plan` against what a full run measures: from a random pilot of m samples per question (drawn
 * hypergeometrically from the full counts), predict the 95% interval width of accuracy and pass@k at the full N;
 * compare with the width of the percentile-bootstrap interval the full counts give (what `rlvd analyze` reports).
 * Prints a table; asserts nothing.
 *
 *   npx tsx bench/plan.ts [--counts FILE.jsonl] [--pilot 16] [--reps 20] [--k 1,16,256]
 */
import { parseArgs } from "node:util";
import { countsByModel } from "./study-counts.js";
import { bootstrapMeanCIs } from "../src/metrics/bootstrap.js";
import { countPatterns } from "../src/metrics/fit-beta-binomial.js";
import { fitBest } from "../src/metrics/fit-predict.js";
import { sampleHypergeometric } from "../src/metrics/fit-simulate.js";
import { passAtKCurve } from "../src/metrics/pass-at-k.js";
import { estimatorVariance, normalQuantile } from "../src/metrics/plan.js";
import { seededRng } from "../src/metrics/rng.js";

const { values } = parseArgs({
  options: {
    counts: { type: "string", default: "../shared/data/paper/math500-base-correct-counts.jsonl" },
    pilot: { type: "string", default: "16" },
    reps: { type: "string", default: "20" },
    k: { type: "string", default: "1,16,256" },
  },
});
const m = Number(values.pilot);
const ks = values.k!.split(",").map(Number);
const byModel = await countsByModel({ counts: values.counts });
const z = normalQuantile(0.975);
console.log(`pilot: ${m} samples per question, ${values.reps} pilots per model; widths of 95% intervals at the full N\n`);
for (const [model, full] of byModel) {
  const N = Math.min(...full.map((r) => r.n));
  const Q = full.length;
  const measured = bootstrapMeanCIs(ks.map((k) => Float64Array.from(full, (r) => (k === 1 ? r.correct / r.n : passAtKCurve(r.n, r.correct)[k]!))), { resamples: 2000 });
  const rng = seededRng(7);
  const predicted = ks.map(() => [] as number[]);
  for (let r = 0; r < Number(values.reps); r++) {
    const pilot = full.map((q) => ({ n: m, correct: sampleHypergeometric(rng, q.n, q.correct, m) }));
    const fit = fitBest(countPatterns(pilot), "auto");
    const tail = fitBest(countPatterns(pilot), "beta", 0.25);
    ks.forEach((k, i) => predicted[i]!.push(2 * z * Math.sqrt(estimatorVariance(k === 1 ? fit : tail, N, k) / Q)));
  }
  console.log(`${model} (${Q} questions, N = ${N})`);
  console.log(`  ${"metric".padEnd(10)} ${"full-run bootstrap width".padStart(25)} ${"planned from pilot: mean".padStart(25)} ${"min".padStart(7)} ${"max".padStart(7)}`);
  ks.forEach((k, i) => {
    const p = predicted[i]!;
    const w = measured[i]![1] - measured[i]![0];
    console.log(`  ${(k === 1 ? "accuracy" : `pass@${k}`).padEnd(10)} ${w.toFixed(4).padStart(25)} ${(p.reduce((s, x) => s + x, 0) / p.length).toFixed(4).padStart(25)} ${Math.min(...p).toFixed(4).padStart(7)} ${Math.max(...p).toFixed(4).padStart(7)}`);
  });
  console.log("");
}
