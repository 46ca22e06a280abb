/**
 * How many samples per question a run needs for a chosen confidence-interval width, from a pilot's counts.
 *
 * The pilot's counts are fitted with the beta-binomial mixture (fit-beta-binomial.ts): for accuracy the whole
 * distribution (the bulk matters), for pass@k at k > 1 the tail fit `rlvd analyze` uses (the rarely-solved
 * questions matter; bench/plan.ts measured the whole-distribution fit overstating pass@256's width by 40-50% from
 * a 16-sample pilot, the tail fit within 10%). Under that fit a question's count at n samples is beta-binomial, so the
 * per-question variance of any estimator computed from c of n is exact: Var = sum_c P(c) est(c)^2 - (sum_c P(c)
 * est(c))^2. It includes both the spread of difficulty over questions and the binomial noise of n samples; the
 * mean over Q questions then has standard error sqrt(Var / Q), and a 95% interval is about 2 * 1.96 of that wide
 * (what rlvd's percentile bootstrap over questions approximates). The difficulty part does not shrink with n:
 * when the target width is below the n -> infinity floor, only more questions help, and the plan says how many.
 */
import { logPatternProbability, type BetaMixture } from "./fit-beta-binomial.js";
import { passAtKCurve } from "./pass-at-k.js";
import { populationPassAtK } from "./fit-predict.js";
import { lbeta } from "./fit-special.js";

/** P(c of n) for c = 0..n under the mixture. */
export function mixturePmf(m: BetaMixture, n: number): Float64Array {
  const out = new Float64Array(n + 1);
  for (let c = 0; c <= n; c++) out[c] = Math.exp(logPatternProbability(m, n, c));
  return out;
}

/** Per-question variance of the unbiased pass@k estimator from n samples (k = 1: accuracy), under the mixture. */
export function estimatorVariance(m: BetaMixture, n: number, k: number): number {
  if (k > n) throw new RangeError(`pass@${k} needs at least ${k} samples per question (got n = ${n})`);
  const pmf = mixturePmf(m, n);
  let s = 0, s2 = 0;
  for (let c = 0; c <= n; c++) {
    const v = k === 1 ? c / n : passAtKCurve(n, c)[k]!;
    s += pmf[c]! * v;
    s2 += pmf[c]! * v * v;
  }
  return Math.max(0, s2 - s * s);
}

/** The n -> infinity limit: the variance over questions of their true pass@k, 1 - (1 - p)^k. */
export function difficultyVariance(m: BetaMixture, k: number): number {
  // E[(1 - (1-p)^k)^2] = 1 - 2 E[(1-p)^k] + E[(1-p)^{2k}]
  const wb = 1 - m.w0 - m.w1;
  const eFail = (j: number) => m.w0 + wb * Math.exp(lbeta(m.a, m.b + j) - lbeta(m.a, m.b));
  const mean = populationPassAtK(m, k);
  return Math.max(0, 1 - 2 * eFail(k) + eFail(2 * k) - mean * mean);
}

export type PlanRow = { n: number; width: Record<string, number | null> };
export type PlanTarget = {
  k: number;
  /** smallest n on the grid whose expected interval width is at most the target; null when none is */
  n: number | null;
  /** the width no n can beat with this many questions */
  floor_width: number;
  /** questions needed for the target width at the largest n on the grid, when n alone cannot reach it */
  questions_needed: number | null;
};
export type SamplePlan = { questions: number; target_width: number; confidence: number; rows: PlanRow[]; targets: PlanTarget[] };

export type PlanOptions = { ks?: readonly number[]; width: number; questions: number; confidence?: number; maxN?: number };

/**
 * Expected interval widths on a grid of n (powers of two up to maxN) and the n each k needs. `fitFor(k)` gives the
 * mixture to plan pass@k with (plan-run.ts uses the whole-distribution fit for accuracy and the tail fit for k > 1).
 */
export function planSamples(fitFor: (k: number) => BetaMixture, options: PlanOptions): SamplePlan {
  const { width, questions, confidence = 0.95, maxN = 4096 } = options;
  const ks = [...new Set(options.ks ?? [1])].sort((a, b) => a - b);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const w = (variance: number, q: number) => 2 * z * Math.sqrt(variance / q);
  const grid: number[] = [];
  for (let n = 1; n <= maxN; n *= 2) grid.push(n);
  for (const k of ks) if (k <= maxN && !grid.includes(k)) grid.push(k);
  grid.sort((a, b) => a - b);
  const rows: PlanRow[] = grid.map((n) => ({ n, width: Object.fromEntries(ks.map((k) => [String(k), k <= n ? w(estimatorVariance(fitFor(k), n, k), questions) : null])) }));
  const targets: PlanTarget[] = ks.map((k) => {
    const hit = rows.find((r) => r.width[String(k)] !== null && r.width[String(k)]! <= width);
    const m = fitFor(k);
    const floorVar = difficultyVariance(m, k);
    const top = rows[rows.length - 1]!;
    const topVar = k <= top.n ? estimatorVariance(m, top.n, k) : floorVar;
    return {
      k,
      n: hit ? hit.n : null,
      floor_width: w(floorVar, questions),
      questions_needed: hit ? null : Math.ceil((4 * z * z * topVar) / (width * width)),
    };
  });
  return { questions, target_width: width, confidence, rows, targets };
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
