/**
 * pass@k for any k, including k far beyond the samples drawn, from a fitted mixture of per-question success
 * probabilities (fit-beta-binomial.ts), with a percentile bootstrap interval over questions.
 *
 * Two predictors:
 * - "population": Cap_k = E[1 - (1 - p)^k] under the fitted distribution = w1 + wb (1 - B(a, b + k) / B(a, b)),
 *   the distributional forecast of Schaeffer et al. 2025 and Kazdan et al. 2025.
 * - "posterior" (default): the empirical-Bayes posterior predictive, averaged over the questions at hand: each
 *   question's own (n_i, c_i) updates the fitted prior to a posterior mixture (Beta(a + c, b + n - c) plus the
 *   point masses it is compatible with), and its pass@k is that posterior's E[1 - (1 - p)^k] (the estimator of
 *   Verine et al. 2026; Hariri et al. 2025's scorio uses per-question Beta posteriors with a fixed prior). A
 *   question already solved contributes about 1 at large k whatever the prior's shape, so only the never- or
 *   rarely-solved questions lean on the fit.
 * Below n the unbiased estimator (pass-at-k.ts) is what rlvd reports; the fit is for k beyond it.
 */
import { randomInt, seededRng } from "./rng.js";
import { quantileSorted } from "./bootstrap.js";
import { countPatterns, fitMixture, logPatternProbability, FIT_VARIANTS, type BetaMixture, type CountPatterns, type FitVariant, type MixtureFit } from "./fit-beta-binomial.js";
import { betaCapability, lbeta, lchoose, lgamma } from "./fit-special.js";

export type FitMethod = "population" | "posterior";
export type FitPoint = { estimate: number; ci: [number, number] };

export type PassAtKFitOptions = {
  /** the mixture; "auto" picks the lowest AIC among the three */
  variant?: FitVariant | "auto";
  method?: FitMethod;
  /** see FitOptions.censorAbove; 1 fits every count as it is */
  censorAbove?: number;
  /** k values to predict; default: powers of two up to max(16 n, 16384) */
  ks?: readonly number[];
  resamples?: number;
  confidence?: number;
  seed?: number;
};
/** The settings docs/analysis.md validated: a Beta fitted to the tail (counts above n/4 censored), posterior predictive. */
export const FIT_DEFAULTS = { variant: "beta", method: "posterior", censorAbove: 0.25, resamples: 200, confidence: 0.95, seed: 0 } satisfies Required<Omit<PassAtKFitOptions, "ks">>;

export type PassAtKFit = {
  fit: MixtureFit;
  method: FitMethod;
  questions: number;
  resamples: number;
  /** keyed by k */
  points: Record<string, FitPoint>;
};

/** Cap_k under the fitted distribution alone. */
export function populationPassAtK(m: BetaMixture, k: number): number {
  return m.w1 + (1 - m.w0 - m.w1) * betaCapability(m.a, m.b, k);
}

/** E[1 - (1 - p)^k | c of n] for one question under the fitted prior. */
export function posteriorPassAtK(m: BetaMixture, n: number, c: number, k: number): number {
  const { w1, betaWeight } = posteriorWeights(m, n, c);
  return w1 + betaWeight * betaCapability(m.a + c, m.b + n - c, k);
}

/** Posterior mixture weights of one question: mass at 0, mass at 1, and the updated Beta's share. */
export function posteriorWeights(m: BetaMixture, n: number, c: number): { w0: number; w1: number; betaWeight: number } {
  const total = logPatternProbability(m, n, c);
  const wb = 1 - m.w0 - m.w1;
  const betaWeight = wb > 0 ? Math.exp(Math.log(wb) + lbeta(m.a + c, m.b + n - c) - lbeta(m.a, m.b) + lchoose(n, c) - total) : 0;
  const w0 = c === 0 && m.w0 > 0 ? Math.exp(Math.log(m.w0) - total) : 0;
  const w1 = c === n && m.w1 > 0 ? Math.exp(Math.log(m.w1) - total) : 0;
  return { w0, w1, betaWeight };
}

/** Mean predicted pass@k over the patterns (weighted), by the chosen method. */
export function predictPassAtK(m: BetaMixture, patterns: CountPatterns, k: number, method: FitMethod, weights: ArrayLike<number> = patterns.weight): number {
  return predictPassAtKs(m, patterns, [k], method, weights)[0]!;
}

/**
 * predictPassAtK for several k at once: each pattern's posterior weights and lbeta(a + c, b + n - c) are formed
 * once, leaving two lgamma calls per pattern and k.
 */
export function predictPassAtKs(m: BetaMixture, patterns: CountPatterns, ks: readonly number[], method: FitMethod, weights: ArrayLike<number> = patterns.weight): number[] {
  if (method === "population") return ks.map((k) => populationPassAtK(m, k));
  const sums = new Array<number>(ks.length).fill(0);
  let w = 0;
  for (let g = 0; g < patterns.n.length; g++) {
    const wg = weights[g]!;
    if (wg === 0) continue;
    const n = patterns.n[g]!, c = patterns.c[g]!;
    const { w1, betaWeight } = posteriorWeights(m, n, c);
    const a = m.a + c, b = m.b + n - c;
    const base = lgamma(b) - lgamma(a + b);
    ks.forEach((k, i) => {
      // 1 - B(a, b + k) / B(a, b) = 1 - Γ(b + k) Γ(a + b) / (Γ(b) Γ(a + b + k))
      const cap = -Math.expm1(lgamma(b + k) - lgamma(a + b + k) - base);
      sums[i]! += wg * (w1 + betaWeight * cap);
    });
    w += wg;
  }
  return sums.map((s) => s / w);
}

/** The k values a fit reports by default: powers of two up to max(16 n, 16384), plus any extra. */
export function fitKs(n: number, extra: readonly number[] = []): number[] {
  const top = Math.max(16 * n, 16384);
  const ks = new Set<number>();
  for (let k = 1; k <= top; k *= 2) ks.add(k);
  for (const k of extra) if (Number.isInteger(k) && k >= 1) ks.add(k);
  return [...ks].sort((x, y) => x - y);
}

/** Chooses the variant by AIC when asked to. */
export function fitBest(patterns: CountPatterns, variant: FitVariant | "auto", censorAbove?: number): MixtureFit {
  if (variant !== "auto") return fitMixture(patterns, { variant, censorAbove });
  let best: MixtureFit | null = null;
  for (const v of FIT_VARIANTS) {
    const f = fitMixture(patterns, { variant: v, censorAbove });
    if (best === null || f.aic < best.aic) best = f;
  }
  return best!;
}

/** The fit and its predicted pass@k with bootstrap intervals (questions resampled, the mixture refitted each time). */
export function passAtKFit(results: ReadonlyArray<{ n: number; correct: number }>, options: PassAtKFitOptions = {}): PassAtKFit {
  const { variant, method, censorAbove, resamples, confidence, seed } = { ...FIT_DEFAULTS, ...options };
  if (results.length === 0) throw new RangeError("a pass@k fit needs at least one question");
  const patterns = countPatterns(results);
  const ks = options.ks ?? fitKs(Math.min(...results.map((r) => r.n)));
  const fit = fitBest(patterns, variant, censorAbove);
  const estimates = predictPassAtKs(fit, patterns, ks, method);

  // bootstrap: a multinomial resample of questions is a reweighting of the patterns
  const rng = seededRng(seed);
  const q = results.length;
  const cumulative = new Float64Array(patterns.n.length);
  let acc = 0;
  for (let g = 0; g < patterns.n.length; g++) cumulative[g] = acc += patterns.weight[g]!;
  const draws = ks.map(() => new Float64Array(resamples));
  const weights = new Float64Array(patterns.n.length);
  for (let r = 0; r < resamples; r++) {
    weights.fill(0);
    for (let j = 0; j < q; j++) weights[upperBound(cumulative, randomInt(rng, q))]! += 1;
    const refit = fitMixture(patterns, { variant: fit.variant, weights, start: fit, starts: 0, censorAbove });
    predictPassAtKs(refit, patterns, ks, method, weights).forEach((v, i) => (draws[i]![r] = v));
  }
  const alpha = (1 - confidence) / 2;
  const points: Record<string, FitPoint> = {};
  ks.forEach((k, i) => {
    const d = draws[i]!.sort();
    points[String(k)] = { estimate: estimates[i]!, ci: resamples > 0 ? [quantileSorted(d, alpha), quantileSorted(d, 1 - alpha)] : [Number.NaN, Number.NaN] };
  });
  return { fit, method, questions: q, resamples, points };
}

/** First index whose cumulative weight exceeds x. */
function upperBound(cumulative: Float64Array, x: number): number {
  let lo = 0, hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
