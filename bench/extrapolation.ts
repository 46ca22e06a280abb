/**
 * Validation of pass@k beyond n (docs/analysis.md, "Extrapolation"): for every model, draw random subsets of m
 * samples per question from the full counts (hypergeometrically: a uniform subset of the recorded samples),
 * predict pass@N at the full N from the subset alone, and compare with the measured pass@N of the full counts.
 * Prints, per model and m: mean error (bias), mean |error|, RMSE and 95% interval coverage over the repetitions,
 * for the naive plug-in (pass@m of the subset), the power-law fit of the subset's anchors (k = 1, 2, 4, .., m)
 * and the beta-binomial fits. Asserts nothing.
 *
 *   npx tsx bench/extrapolation.ts [--counts FILE.jsonl] [--run DIR] [--subsets 16,32,64] [--reps 100] [--resamples 100]
 *   npx tsx bench/extrapolation.ts --first --run DIR1,DIR2,.. [--subsets 64,128,256]
 *
 * --counts reads `rlvd import counts` lines ({"question", "model", "n", "correct"}); the default is the study's
 * MATH-500 counts (../shared/data/paper, n = 256). --run reads every model's per-question results from a run folder
 * (graded samples or counts).
 *
 * --first (validation (a) of issue 22, on the full preset's k = 1024 run folders): the subset of every question is
 * its first m samples by sample_index, what a run of m samples would have drawn, so each (run, model, m) is one
 * prediction; the table pools them over models and runs (error, and how often the 95% interval covers).
 */
import { parseArgs } from "node:util";
import { passAtKCurve } from "../src/metrics/pass-at-k.js";
import { passAtKFit, type FitMethod } from "../src/metrics/fit-predict.js";
import type { FitVariant } from "../src/metrics/fit-beta-binomial.js";
import { fitPowerLaw, powerLawPassAtK } from "../src/metrics/fit-power-law.js";
import { sampleHypergeometric } from "../src/metrics/fit-simulate.js";
import { seededRng } from "../src/metrics/rng.js";
import { countsByModel, outcomesByModel } from "./study-counts.js";

const { values } = parseArgs({
  options: {
    counts: { type: "string", default: "../shared/data/paper/math500-base-correct-counts.jsonl" },
    run: { type: "string" },
    subsets: { type: "string", default: "16,32,64" },
    reps: { type: "string", default: "100" },
    resamples: { type: "string", default: "100" },
    seed: { type: "string", default: "1" },
    methods: { type: "string", default: "zero/posterior,beta/posterior,zero/population,beta/population" },
    first: { type: "boolean", default: false },
  },
});
const subsets = values.subsets!.split(",").map(Number);
const reps = Number(values.reps);
const resamples = Number(values.resamples);
const methods = values.methods!.split(",").map((s) => {
  const [variant, method, censor] = s.split("/") as [FitVariant | "auto", FitMethod, string | undefined];
  return { label: `fit ${s}`, variant, method, censorAbove: censor === undefined ? 1 : Number(censor) };
});

const fmt = (x: number) => (x >= 0 ? " " : "") + x.toFixed(4);
type Prediction = { estimate: number; ci?: [number, number] };
/** Every predictor's pass@N from one subset of counts. */
function predict(sub: Array<{ n: number; correct: number }>, N: number, seed: number): Map<string, Prediction> {
  const out = new Map<string, Prediction>();
  const m = Math.min(...sub.map((q) => q.n));
  const curves = sub.map((q) => passAtKCurve(q.n, q.correct));
  const meanAt = (k: number) => curves.reduce((s, c) => s + c[k]!, 0) / curves.length;
  out.set("naive pass@m", { estimate: meanAt(m) });
  const anchors: Array<{ k: number; passAtK: number }> = [];
  for (let k = 1; k <= m; k *= 2) anchors.push({ k, passAtK: meanAt(k) });
  const law = fitPowerLaw(anchors);
  if (law) out.set("power law of anchors", { estimate: powerLawPassAtK(law, N) });
  for (const { label, variant, method, censorAbove } of methods) {
    const p = passAtKFit(sub, { ks: [N], variant, method, censorAbove, resamples, seed }).points[String(N)]!;
    out.set(label, { estimate: p.estimate, ci: p.ci });
  }
  return out;
}

if (values.first) {
  if (!values.run) throw new Error("--first needs --run DIR[,DIR..]");
  const pooled = new Map<string, Array<{ err: number; covered?: boolean; width?: number }>>();
  for (const dir of values.run.split(",")) {
    for (const [model, outcomes] of await outcomesByModel(dir)) {
      const N = Math.min(...outcomes.map((o) => o.length));
      const target = outcomes.reduce((s, o) => s + passAtKCurve(N, o.slice(0, N).filter(Boolean).length)[N]!, 0) / outcomes.length;
      const line: string[] = [];
      for (const m of subsets) {
        if (m >= N) continue;
        const sub = outcomes.map((o) => ({ n: m, correct: o.slice(0, m).filter(Boolean).length }));
        for (const [label, p] of predict(sub, N, m)) {
          const key = `${String(m).padStart(5)} ${String(N / m).padStart(3)}x  ${label}`;
          let l = pooled.get(key);
          if (!l) pooled.set(key, (l = []));
          l.push({ err: p.estimate - target, ...(p.ci ? { covered: p.ci[0] <= target && target <= p.ci[1], width: p.ci[1] - p.ci[0] } : {}) });
          if (label === methods[0]!.label) line.push(`m=${m} ${fmt(p.estimate - target)}${p.ci ? (p.ci[0] <= target && target <= p.ci[1] ? " (in CI)" : " (outside CI)") : ""}`);
        }
      }
      console.log(`${dir} ${model}: ${outcomes.length} questions, N = ${N}, pass@${N} = ${target.toFixed(4)}; ${methods[0]!.label}: ${line.join(", ")}`);
    }
  }
  console.log(`\npooled over every (run, model): ${"m".padStart(5)}    x  predictor, then bias, mean|err|, max|err|, cover95, mean width, predictions`);
  for (const [key, l] of [...pooled].sort(([a], [b]) => a.localeCompare(b))) {
    const e = l.map((r) => r.err);
    const withCi = l.filter((r) => r.covered !== undefined);
    const cover = withCi.length ? `${((100 * withCi.filter((r) => r.covered).length) / withCi.length).toFixed(0)}%` : "-";
    const width = withCi.length ? (withCi.reduce((s, r) => s + r.width!, 0) / withCi.length).toFixed(4) : "-";
    console.log(`  ${key.padEnd(36)} ${fmt(e.reduce((s, x) => s + x, 0) / e.length).padStart(8)} ${(e.reduce((s, x) => s + Math.abs(x), 0) / e.length).toFixed(4).padStart(8)} ${Math.max(...e.map(Math.abs)).toFixed(4).padStart(8)} ${cover.padStart(6)} ${width.padStart(7)} ${String(l.length).padStart(4)}`);
  }
  process.exit(0);
}

const byModel = await countsByModel({ run: values.run, counts: values.counts });

type Tally = { err: number[]; covered: number; intervals: number };
const tally = (): Tally => ({ err: [], covered: 0, intervals: 0 });

console.log(`source: ${values.run ?? values.counts}; ${reps} repetitions per subset size, ${resamples} bootstrap resamples per fit\n`);
for (const [model, full] of byModel) {
  const N = Math.min(...full.map((r) => r.n));
  const target = full.reduce((s, r) => s + passAtKCurve(r.n, r.correct)[N]!, 0) / full.length;
  console.log(`${model}: ${full.length} questions, N = ${N}, measured pass@${N} = ${target.toFixed(4)}`);
  console.log(`  ${"m".padStart(4)}  ${"x".padStart(3)}  ${"predictor".padEnd(24)} ${"bias".padStart(8)} ${"mean|err|".padStart(9)} ${"rmse".padStart(8)} ${"max|err|".padStart(8)} ${"cover95".padStart(7)} ${"width".padStart(7)}`);
  for (const m of subsets) {
    if (m >= N) continue;
    const rng = seededRng(Number(values.seed) * 1000 + m);
    const rows = new Map<string, Tally & { width: number[] }>();
    const row = (label: string) => {
      let t = rows.get(label);
      if (!t) rows.set(label, (t = { ...tally(), width: [] }));
      return t;
    };
    const started = Date.now();
    for (let r = 0; r < reps; r++) {
      const sub = full.map((q) => ({ n: m, correct: sampleHypergeometric(rng, q.n, q.correct, m) }));
      const curves = sub.map((q) => passAtKCurve(q.n, q.correct));
      const meanAt = (k: number) => curves.reduce((s, c) => s + c[k]!, 0) / curves.length;
      row("naive pass@m").err.push(meanAt(m) - target);
      const anchors: Array<{ k: number; passAtK: number }> = [];
      for (let k = 1; k <= m; k *= 2) anchors.push({ k, passAtK: meanAt(k) });
      const law = fitPowerLaw(anchors);
      if (law) row("power law of anchors").err.push(powerLawPassAtK(law, N) - target);
      for (const { label, variant, method, censorAbove } of methods) {
        const fit = passAtKFit(sub, { ks: [N], variant, method, censorAbove, resamples, seed: r });
        const p = fit.points[String(N)]!;
        const t = row(label);
        t.err.push(p.estimate - target);
        t.intervals++;
        t.width.push(p.ci[1] - p.ci[0]);
        if (p.ci[0] <= target && target <= p.ci[1]) t.covered++;
      }
    }
    for (const [label, t] of rows) {
      const e = t.err;
      const bias = e.reduce((s, x) => s + x, 0) / e.length;
      const mae = e.reduce((s, x) => s + Math.abs(x), 0) / e.length;
      const rmse = Math.sqrt(e.reduce((s, x) => s + x * x, 0) / e.length);
      const max = Math.max(...e.map(Math.abs));
      const cover = t.intervals ? `${((100 * t.covered) / t.intervals).toFixed(0)}%` : "-";
      const width = t.width.length ? (t.width.reduce((s, x) => s + x, 0) / t.width.length).toFixed(4) : "-";
      console.log(`  ${String(m).padStart(4)}  ${String(N / m).padStart(3)}  ${label.padEnd(24)} ${fmt(bias).padStart(8)} ${mae.toFixed(4).padStart(9)} ${rmse.toFixed(4).padStart(8)} ${max.toFixed(4).padStart(8)} ${cover.padStart(7)} ${width.padStart(7)}`);
    }
    console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  console.log("");
}
