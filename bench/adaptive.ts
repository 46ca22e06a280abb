/**
 * Adaptive sampling simulated on recorded counts (docs/analysis.md, "Adaptive sampling"): every question's full
 * run is its recorded N outcomes (c correct); the adaptive run draws its rounds from them without replacement, so
 * drawing all N reproduces the full run exactly. Per model, over many seeded repetitions: the share of questions
 * placed in the full run's bin, accuracy and pass@N against the full run's values and 95% bootstrap intervals,
 * and the samples spent (and saved). Asserts nothing.
 *
 *   npx tsx bench/adaptive.ts [--counts FILE.jsonl | --run DIR [--models a,b]] [--reps 20] [--settle 0.9] [--taper 1] [--keep 0.05]
 *     [--unsolved 1] [--schedule 16,24,..,256 (default: the study's rounds scaled to the recorded n)]
 */
import { parseArgs } from "node:util";
import { countsByModel } from "./study-counts.js";
import { ADAPTIVE_DEFAULTS, AdaptiveAllocator, adaptiveSchedule, type AdaptiveRule } from "../src/metrics/adaptive.js";
import { binIndex, studyBins } from "../src/metrics/bins.js";
import { bootstrapMeanCIs } from "../src/metrics/bootstrap.js";
import { sampleHypergeometric } from "../src/metrics/fit-simulate.js";
import { passAtKCurve } from "../src/metrics/pass-at-k.js";
import { seededRng } from "../src/metrics/rng.js";

const { values } = parseArgs({
  options: {
    counts: { type: "string", default: "../shared/data/paper/math500-base-correct-counts.jsonl" },
    run: { type: "string", description: "a run folder instead: every model's stored per-question results (e.g. the full preset's k = 1024)" },
    models: { type: "string", description: "only these models (comma-separated)" },
    reps: { type: "string", default: "20" },
    rule: { type: "string", default: ADAPTIVE_DEFAULTS.rule },
    misses: { type: "string", default: String(ADAPTIVE_DEFAULTS.misses) },
    settle: { type: "string", default: String(ADAPTIVE_DEFAULTS.settle) },
    keep: { type: "string", default: String(ADAPTIVE_DEFAULTS.keep) },
    taper: { type: "string", default: String(ADAPTIVE_DEFAULTS.taper) },
    unsolved: { type: "string", default: String(ADAPTIVE_DEFAULTS.unsolvedSettle), description: "unsolvedSettle" },
    schedule: { type: "string", description: "default: the study's rounds scaled to the recorded n (adaptiveSchedule)" },
    tokens: { type: "string", default: "600", description: "mean generated tokens per sample, for the GPU-hours proxy" },
  },
});
const byModel = await countsByModel({ counts: values.counts, run: values.run });
const only = values.models ? new Set(values.models.split(",")) : null;
const recordedN = Math.min(...[...byModel.values()].flat().map((q) => q.n));
const schedule = values.schedule ? values.schedule.split(",").map(Number) : adaptiveSchedule(recordedN);
const reps = Number(values.reps);
/** one line per model of the closing table */
const table: string[] = [];
console.log(`schedule ${schedule.join(",")}, rule ${values.rule}, misses ${values.misses}, settle ${values.settle}, keep ${values.keep}, taper ${values.taper}, unsolved ${values.unsolved}; ${reps} repetitions per model\n`);
for (const [model, full] of byModel) {
  if (only && !only.has(model)) continue;
  const N = schedule[schedule.length - 1]!;
  if (full.some((q) => q.n !== N)) throw new Error(`${model}: every question needs n = ${N} recorded samples`);
  const scheme = studyBins(N);
  const fullAcc = full.reduce((s, q) => s + q.correct / N, 0) / full.length;
  const fullPass = full.reduce((s, q) => s + passAtKCurve(N, q.correct)[N]!, 0) / full.length;
  const [accCi, passCi] = bootstrapMeanCIs([Float64Array.from(full, (q) => q.correct / N), Float64Array.from(full, (q) => passAtKCurve(N, q.correct)[N]!)], { resamples: 2000 });
  const fullBins = full.map((q) => binIndex(scheme, q.correct, N));
  const rows: Array<{ expected: number; sameBin: number; acc: number; pass: number; share: number; perBin: number[]; qPerBin: number[] }> = [];
  const started = Date.now();
  for (let r = 0; r < reps; r++) {
    const rng = seededRng(100 + r);
    const alloc = new AdaptiveAllocator(full.length, scheme, { schedule, rule: values.rule as AdaptiveRule, misses: Number(values.misses), settle: Number(values.settle), keep: Number(values.keep), taper: Number(values.taper), unsolvedSettle: Number(values.unsolved) });
    const drawn = full.map(() => ({ n: 0, c: 0 }));
    for (let req = alloc.request(); req.length > 0; req = alloc.request()) {
      for (const { question, samples } of req) {
        const q = full[question]!, d = drawn[question]!;
        const got = sampleHypergeometric(rng, N - d.n, q.correct - d.c, samples);
        d.n += samples;
        d.c += got;
        alloc.record(question, samples, got);
      }
      alloc.decide(rng);
    }
    const e = alloc.estimates();
    const same = alloc.questions.filter((q, i) => q.bin === fullBins[i]).length / full.length;
    const expected = alloc.questions.reduce((s, q) => s + q.bin_probability, 0) / full.length;
    rows.push({ expected, sameBin: same, acc: e.accuracy, pass: e.pass_at_full, share: e.samples / e.samples_full, perBin: e.samples_per_bin, qPerBin: e.questions_per_bin });
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));
  const inside = (xs: number[], ci: [number, number]) => xs.filter((x) => x >= ci[0] && x <= ci[1]).length / xs.length;
  const share = rows.map((r) => r.share);
  console.log(`${model}: ${full.length} questions, full run N = ${N} (${(Date.now() - started) / 1000} s)`);
  console.log(`  same bin as the full run: mean ${(100 * mean(rows.map((r) => r.sameBin))).toFixed(1)}%, worst ${(100 * Math.min(...rows.map((r) => r.sameBin))).toFixed(1)}%; the posteriors expected ${(100 * mean(rows.map((r) => r.expected))).toFixed(1)}%`);
  console.log(`  accuracy: full ${fullAcc.toFixed(4)} [${accCi![0].toFixed(4)}, ${accCi![1].toFixed(4)}]; adaptive mean ${mean(rows.map((r) => r.acc)).toFixed(4)} (sd ${sd(rows.map((r) => r.acc)).toFixed(4)}), inside the full interval ${(100 * inside(rows.map((r) => r.acc), accCi!)).toFixed(0)}%`);
  console.log(`  pass@${N}: full ${fullPass.toFixed(4)} [${passCi![0].toFixed(4)}, ${passCi![1].toFixed(4)}]; adaptive mean ${mean(rows.map((r) => r.pass)).toFixed(4)} (sd ${sd(rows.map((r) => r.pass)).toFixed(4)}), inside the full interval ${(100 * inside(rows.map((r) => r.pass), passCi!)).toFixed(0)}%`);
  const tokens = Number(values.tokens);
  const saved = 1 - mean(share);
  console.log(`  samples: ${(100 * mean(share)).toFixed(1)}% of the full run (max ${(100 * Math.max(...share)).toFixed(1)}%); saved ${(saved * full.length * N).toFixed(0)} samples, ~${((saved * full.length * N * tokens) / 1e6).toFixed(1)}M generated tokens at ${tokens} tokens per sample`);
  const accIn = inside(rows.map((r) => r.acc), accCi!), passIn = inside(rows.map((r) => r.pass), passCi!);
  table.push(
    `| ${model} | ${(100 * mean(share)).toFixed(1)}% | ${((saved * full.length * N * tokens) / 1e6).toFixed(1)}M | ${(100 * mean(rows.map((r) => r.sameBin))).toFixed(1)}% (worst ${(100 * Math.min(...rows.map((r) => r.sameBin))).toFixed(1)}%) | ${(100 * accIn).toFixed(0)}% | ${(100 * passIn).toFixed(0)}% |`,
  );
  const perBin = scheme.bins.map((b, i) => `${b.label}: ${(mean(rows.map((r) => r.perBin[i]!)) / Math.max(1, mean(rows.map((r) => r.qPerBin[i]!)))).toFixed(0)}`);
  console.log(`  mean samples per question by estimated bin: ${perBin.join(", ")}\n`);
}
console.log(`| model | samples used | tokens saved (at ${values.tokens} per sample) | same bin (mean, worst) | accuracy inside the full run's 95% CI | pass@N inside |`);
console.log("|---|---|---|---|---|---|");
for (const line of table) console.log(line);
