import { bootstrapMeanCI, mean } from "./bootstrap.js";
import { Mulberry32Bulk } from "../core/mulberry32.js";

export type PairedResult = {
  /** mean(other - base) over questions */
  delta: number;
  /** bootstrap percentile interval of delta */
  ci: [number, number];
  /** two-sided p-value of a sign-flip permutation test (H0: per-question differences are symmetric around 0) */
  p_value: number;
};

export type PairedOptions = { resamples?: number; permutations?: number; confidence?: number; seed?: number };

/**
 * Compares two models on the same questions. Per-question differences are the unit: a sign-flip permutation
 * test gives the p-value without a normality assumption, and a bootstrap over questions gives the interval.
 */
export function pairedDifference(base: Float64Array, other: Float64Array, options: PairedOptions = {}): PairedResult {
  if (base.length !== other.length) throw new RangeError(`paired test needs equal lengths (${base.length} vs ${other.length})`);
  const { resamples = 1000, permutations = 2000, confidence = 0.95, seed = 0 } = options;
  const q = base.length;
  const diff = new Float64Array(q);
  for (let i = 0; i < q; i++) diff[i] = other[i]! - base[i]!;
  const delta = mean(diff);
  const ci = bootstrapMeanCI(diff, { resamples, confidence, seed });
  const observed = Math.abs(delta * q);
  // seededRng(seed + 1), one value per question and permutation, drawn a permutation at a time
  const draws = new Mulberry32Bulk(seed + 1);
  const u = new Float64Array(q);
  let atLeast = 0;
  for (let p = 0; p < permutations; p++) {
    draws.fillUniform(u);
    let s = 0;
    for (let i = 0; i < q; i++) s += u[i]! < 0.5 ? diff[i]! : -diff[i]!;
    // A small tolerance so exact ties (e.g. all-zero differences) count as "at least as extreme".
    if (Math.abs(s) >= observed - 1e-9) atLeast++;
  }
  return { delta, ci, p_value: q === 0 ? 1 : (atLeast + 1) / (permutations + 1) };
}
