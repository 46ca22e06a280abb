/**
 * Intervals for this fixed benchmark: the questions are held fixed and only each question's samples are
 * random (a parametric bootstrap: every count is redrawn as Binomial(n_i, c_i / n_i) for both models). The
 * bootstrap over questions answers "how would the change look on new questions like these"; this one answers
 * "how much of the change on these very questions is sampling noise", and is typically several times narrower.
 */
import { quantileSorted } from "./bootstrap.js";
import { seededRng, type Rng } from "./rng.js";
import type { QuestionResult } from "./summary.js";

/** Binomial(n, p) by inversion, counting the rarer outcome so the cost is O(n min(p, 1 - p)). */
export function binomialDraw(rng: Rng, n: number, p: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return n;
  const flip = p > 0.5;
  const q = flip ? 1 - p : p;
  const u = rng();
  let pmf = Math.pow(1 - q, n);
  let cdf = pmf, x = 0;
  while (u > cdf && x < n) {
    pmf *= ((n - x) / (x + 1)) * (q / (1 - q));
    x++;
    cdf += pmf;
  }
  return flip ? n - x : x;
}

/** (1 - 2 alpha) interval of mean(value(other) - value(base)) with both models' counts redrawn per question. */
export function fixedBenchmarkInterval(
  base: readonly QuestionResult[], other: readonly QuestionResult[], value: (n: number, c: number) => number,
  options: { resamples: number; seed: number; alpha: number },
): [number, number] {
  const q = base.length;
  if (q === 0) return [Number.NaN, Number.NaN];
  const rng = seededRng(options.seed);
  const reps = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    let s = 0;
    for (let i = 0; i < q; i++) {
      const b = base[i]!, o = other[i]!;
      s += value(o.n, binomialDraw(rng, o.n, o.correct / o.n)) - value(b.n, binomialDraw(rng, b.n, b.correct / b.n));
    }
    reps[r] = s / q;
  }
  reps.sort();
  return [quantileSorted(reps, options.alpha), quantileSorted(reps, 1 - options.alpha)];
}

/** Standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile needs p in (0, 1) (got ${p})`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5, r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Fixed-benchmark interval of the accuracy change: mean(c/n) is linear in the counts, so its within-question
 * variance is exact, sum_i [p_o(1 - p_o)/n_o + p_b(1 - p_b)/n_b] / q^2 with the observed rates, and the
 * interval is normal.
 */
export function fixedBenchmarkAccuracy(base: readonly QuestionResult[], other: readonly QuestionResult[], alpha: number): [number, number] {
  const q = base.length;
  if (q === 0) return [Number.NaN, Number.NaN];
  let d = 0, v = 0;
  for (let i = 0; i < q; i++) {
    const pb = base[i]!.correct / base[i]!.n, po = other[i]!.correct / other[i]!.n;
    d += po - pb;
    v += (po * (1 - po)) / other[i]!.n + (pb * (1 - pb)) / base[i]!.n;
  }
  const half = normalQuantile(1 - alpha) * Math.sqrt(v) / q;
  return [d / q - half, d / q + half];
}

/**
 * Fixed-benchmark interval of the pass@n change at k = n: a question counts as solved with probability
 * 1 - (1 - c/n)^n under redrawn samples, so each resample needs one uniform per question and model.
 */
export function fixedBenchmarkAtN(base: readonly QuestionResult[], other: readonly QuestionResult[], options: { resamples: number; seed: number; alpha: number }): [number, number] {
  const q = base.length;
  if (q === 0) return [Number.NaN, Number.NaN];
  const solved = (r: QuestionResult) => 1 - Math.pow(1 - r.correct / r.n, r.n);
  const pb = base.map(solved), po = other.map(solved);
  const rng = seededRng(options.seed);
  const reps = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    let s = 0;
    for (let i = 0; i < q; i++) s += (rng() < po[i]! ? 1 : 0) - (rng() < pb[i]! ? 1 : 0);
    reps[r] = s / q;
  }
  reps.sort();
  return [quantileSorted(reps, options.alpha), quantileSorted(reps, 1 - options.alpha)];
}
