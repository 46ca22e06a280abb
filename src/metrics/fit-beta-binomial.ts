/**
 * Maximum-likelihood fit of the distribution of per-question success probabilities p_i from counts (n_i, c_i).
 *
 * The model is a mixture: with weight w0 the question is never solved (p = 0), with weight w1 always (p = 1),
 * otherwise p ~ Beta(a, b). "beta" fixes w0 = w1 = 0 (the beta-binomial of Schaeffer et al. 2025, "How Do Large
 * Language Monkeys Get Their Power (Laws)?", and Kazdan et al. 2025, "Efficient Prediction of Pass@k Scaling");
 * "zero" frees w0 (the zero-inflated prior of Verine et al. 2026); "zero-one" frees both. The likelihood is the
 * exact beta-binomial one, C(n, c) B(a + c, b + n - c) / B(a, b), summed over the mixture, in log space.
 *
 * Parameters are optimised unconstrained: log a, log b and the mixture weights as a softmax over
 * [0, t0, t1], with Nelder-Mead from several starts. Counts are grouped by distinct (n, c) first, so a fit costs
 * O(distinct patterns) per likelihood evaluation (at most n + 1 at a fixed n), and a bootstrap resample only
 * reweights the groups.
 */
import { nelderMead } from "./fit-optimize.js";
import { lbeta, lchoose } from "./fit-special.js";

export type FitVariant = "beta" | "zero" | "zero-one";
export const FIT_VARIANTS: readonly FitVariant[] = ["beta", "zero", "zero-one"];

export type BetaMixture = { a: number; b: number; /** mass at p = 0 */ w0: number; /** mass at p = 1 */ w1: number };

export type MixtureFit = BetaMixture & {
  variant: FitVariant;
  log_likelihood: number;
  /** free parameters: 2, 3 or 4 */
  parameters: number;
  aic: number;
};

/** Counts grouped by distinct (n, c): `weight` questions had c of n correct. */
export type CountPatterns = { n: Int32Array; c: Int32Array; weight: Float64Array; logChoose: Float64Array; maxN: number };

export function countPatterns(results: ReadonlyArray<{ n: number; correct: number }>): CountPatterns {
  const index = new Map<string, number>();
  const n: number[] = [];
  const c: number[] = [];
  const weight: number[] = [];
  for (const r of results) {
    if (!Number.isInteger(r.n) || r.n < 1 || !Number.isInteger(r.correct) || r.correct < 0 || r.correct > r.n) {
      throw new RangeError(`a fit needs 0 <= correct <= n with n >= 1 (got ${r.correct} of ${r.n})`);
    }
    const key = `${r.n}:${r.correct}`;
    let i = index.get(key);
    if (i === undefined) {
      index.set(key, (i = n.length));
      n.push(r.n);
      c.push(r.correct);
      weight.push(0);
    }
    weight[i]! += 1;
  }
  return {
    n: Int32Array.from(n), c: Int32Array.from(c), weight: Float64Array.from(weight),
    logChoose: Float64Array.from(n, (ni, g) => lchoose(ni, c[g]!)), maxN: Math.max(0, ...n),
  };
}

/** log P(c of n | mixture) for one pattern. */
export function logPatternProbability(m: BetaMixture, n: number, c: number): number {
  const wb = 1 - m.w0 - m.w1;
  const logBeta = wb > 0 ? Math.log(wb) + lchoose(n, c) + lbeta(m.a + c, m.b + n - c) - lbeta(m.a, m.b) : Number.NEGATIVE_INFINITY;
  const point = (c === 0 ? m.w0 : 0) + (c === n ? m.w1 : 0);
  if (point <= 0) return logBeta;
  const lp = Math.log(point);
  const hi = Math.max(lp, logBeta);
  return hi + Math.log(Math.exp(lp - hi) + Math.exp(logBeta - hi));
}

/**
 * Sum over patterns of weight * log P(c of n). The Beta part needs lgamma(a + c) - lgamma(a) for every c up to
 * max n, and the like for b and a + b: these are running sums of logs (Γ(x + 1) = x Γ(x)), built once per call, so
 * an evaluation costs O(max n + patterns) logarithms instead of six lgamma calls per pattern.
 */
export function logLikelihood(m: BetaMixture, patterns: CountPatterns, weights: ArrayLike<number> = patterns.weight, censorAbove?: number): number {
  const maxN = patterns.maxN;
  const ra = risingLogs(m.a, maxN);
  const rb = risingLogs(m.b, maxN);
  const rab = risingLogs(m.a + m.b, maxN);
  const wb = 1 - m.w0 - m.w1;
  const logWb = wb > 0 ? Math.log(wb) : Number.NEGATIVE_INFINITY;
  const logP = (n: number, c: number, logChoose: number) => logWb + logChoose + ra[c]! + rb[n - c]! - rab[n]!;
  // censored likelihood: a count above floor(f n) only says "more than that" (its probability: 1 - P(c <= T))
  const censoredLog = new Map<number, number>();
  const threshold = (n: number) => Math.floor((censorAbove ?? 1) * n);
  const logAbove = (n: number) => {
    let v = censoredLog.get(n);
    if (v === undefined) {
      let below = m.w0;
      let logChoose = 0; // log C(n, c), stepped: C(n, c + 1) = C(n, c) (n - c) / (c + 1)
      for (let c = 0; c <= threshold(n); c++) {
        below += Math.exp(logP(n, c, logChoose));
        logChoose += Math.log((n - c) / (c + 1));
      }
      censoredLog.set(n, (v = Math.log(Math.max(1e-300, 1 - below))));
    }
    return v;
  };
  let s = 0;
  for (let g = 0; g < patterns.n.length; g++) {
    const w = weights[g]!;
    if (w === 0) continue;
    const n = patterns.n[g]!, c = patterns.c[g]!;
    if (censorAbove !== undefined && c > threshold(n)) {
      s += w * logAbove(n);
      continue;
    }
    const logBeta = logP(n, c, patterns.logChoose[g]!);
    const point = (c === 0 ? m.w0 : 0) + (c === n ? m.w1 : 0);
    if (point <= 0) s += w * logBeta;
    else {
      const lp = Math.log(point);
      const hi = Math.max(lp, logBeta);
      s += w * (hi + Math.log(Math.exp(lp - hi) + Math.exp(logBeta - hi)));
    }
  }
  return s;
}

/** out[j] = log Γ(x + j) - log Γ(x) = sum of log(x + i) for i < j. */
function risingLogs(x: number, maxJ: number): Float64Array {
  const out = new Float64Array(maxJ + 1);
  for (let j = 1; j <= maxJ; j++) out[j] = out[j - 1]! + Math.log(x + j - 1);
  return out;
}

// bounds keep the optimiser off degenerate corners: a, b in [e^-8, e^9], weights down to ~e^-25
const LOG_MIN = -8;
const LOG_MAX = 9;
const T_MIN = -25;
const T_MAX = 25;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function decode(theta: readonly number[], variant: FitVariant): BetaMixture {
  const a = Math.exp(clamp(theta[0]!, LOG_MIN, LOG_MAX));
  const b = Math.exp(clamp(theta[1]!, LOG_MIN, LOG_MAX));
  const t0 = variant === "beta" ? Number.NEGATIVE_INFINITY : clamp(theta[2]!, T_MIN, T_MAX);
  const t1 = variant === "zero-one" ? clamp(theta[3]!, T_MIN, T_MAX) : Number.NEGATIVE_INFINITY;
  const z = 1 + Math.exp(t0) + Math.exp(t1);
  return { a, b, w0: Math.exp(t0) / z, w1: Math.exp(t1) / z };
}

function encode(m: BetaMixture, variant: FitVariant): number[] {
  const wb = Math.max(1e-12, 1 - m.w0 - m.w1);
  const theta = [Math.log(m.a), Math.log(m.b)];
  if (variant !== "beta") theta.push(Math.log(Math.max(m.w0, 1e-11) / wb));
  if (variant === "zero-one") theta.push(Math.log(Math.max(m.w1, 1e-11) / wb));
  return theta;
}

export type FitOptions = {
  variant?: FitVariant;
  /** per-pattern weights (a bootstrap resample); default: the pattern counts */
  weights?: ArrayLike<number>;
  /** extra starting point (the full-data fit, when refitting resamples) */
  start?: BetaMixture;
  /**
   * fit the left tail: counts above this fraction of n enter only as "above" (a censored likelihood), so the
   * shape of the easy bulk cannot pull the tail that pass@k at large k depends on
   */
  censorAbove?: number;
  /** starts to try besides `start`; a bootstrap refit passes 0 and only polishes `start` */
  starts?: number;
};

/** The maximum-likelihood mixture for the counts. */
export function fitMixture(patterns: CountPatterns, options: FitOptions = {}): MixtureFit {
  const variant = options.variant ?? "zero";
  const weights = options.weights ?? patterns.weight;
  let total = 0;
  for (let g = 0; g < patterns.n.length; g++) total += weights[g]!;
  if (!(total > 0)) throw new RangeError("a fit needs at least one question");
  const nll = (theta: number[]) => -logLikelihood(decode(theta, variant), patterns, weights, options.censorAbove);

  const starts: BetaMixture[] = [];
  if (options.start) starts.push(options.start);
  const mom = momentStart(patterns, weights);
  const grid: BetaMixture[] = [
    mom,
    { a: 0.3, b: 0.3, w0: 0.05, w1: 0.05 },
    { a: 0.1, b: 1, w0: 0.02, w1: 0.02 },
    { a: 1, b: 0.1, w0: 0.02, w1: 0.02 },
    { a: 2, b: 2, w0: 0.1, w1: 0.1 },
  ];
  starts.push(...grid.slice(0, options.starts ?? grid.length));

  let best: { theta: number[]; value: number } | null = null;
  const polishOnly = options.start !== undefined && options.starts === 0;
  for (const s of starts) {
    // a resample's parameters differ from the full fit's by far more than 1e-3 (log scale), so its polish can stop there
    let r = nelderMead(nll, encode(s, variant), polishOnly ? { step: 0.05, tolerance: 1e-7, xTolerance: 2e-3 } : { step: 0.7 });
    // a restart from the optimum escapes the simplex collapsing early on a ridge
    if (!polishOnly) r = nelderMead(nll, r.x, { step: 0.2 });
    if (best === null || r.value < best.value) best = { theta: r.x, value: r.value };
  }
  const m = decode(best!.theta, variant);
  const parameters = variant === "beta" ? 2 : variant === "zero" ? 3 : 4;
  const log_likelihood = -best!.value;
  return { ...m, variant, log_likelihood, parameters, aic: 2 * parameters - 2 * log_likelihood };
}

/** Method-of-moments Beta from the success fractions (a reasonable first start). */
function momentStart(patterns: CountPatterns, weights: ArrayLike<number>): BetaMixture {
  let s = 0, s2 = 0, w = 0, within = 0;
  for (let g = 0; g < patterns.n.length; g++) {
    const f = patterns.c[g]! / patterns.n[g]!;
    s += weights[g]! * f;
    s2 += weights[g]! * f * f;
    within += weights[g]! * (f * (1 - f)) / patterns.n[g]!;
    w += weights[g]!;
  }
  const mu = clamp(s / w, 0.01, 0.99);
  const v = Math.max(1e-4, s2 / w - (s / w) ** 2 - within / w);
  const k = clamp((mu * (1 - mu)) / v - 1, 0.05, 1000);
  return { a: mu * k, b: (1 - mu) * k, w0: 0.02, w1: 0.02 };
}
