import { Mulberry32Bulk } from "../core/mulberry32.js";

export type BootstrapOptions = { resamples?: number; confidence?: number; seed?: number };
const DEFAULTS = { resamples: 1000, confidence: 0.95, seed: 0 } satisfies Required<BootstrapOptions>;

/**
 * Percentile bootstrap confidence intervals for the means of several per-question columns, resampling
 * questions (the unit the study's claims generalise over). All columns share the same resampled indices,
 * so intervals of related metrics (pass@k for several k) are consistent with each other.
 */
export function bootstrapMeanCIs(columns: readonly Float64Array[], options: BootstrapOptions = {}): Array<[number, number]> {
  const { resamples, confidence, seed } = { ...DEFAULTS, ...options };
  if (columns.length === 0) return [];
  const q = columns[0]!.length;
  if (q === 0) return columns.map(() => [Number.NaN, Number.NaN]);
  const draws = new Mulberry32Bulk(seed); // randomInt(seededRng(seed), q), a resample at a time
  const drawn = new Int32Array(q);
  const C = columns.length;
  const means = columns.map(() => new Float64Array(resamples));
  const sums = new Float64Array(C);
  // row-major copy: a drawn question's values lie together (one cache line, not one per column); each column
  // is still summed in draw order, so the sums are the same doubles
  const rows = new Float64Array(q * C);
  for (let c = 0; c < C; c++) for (let i = 0; i < q; i++) rows[i * C + c] = columns[c]![i]!;
  for (let r = 0; r < resamples; r++) {
    sums.fill(0);
    draws.fillInts(drawn, q);
    for (let j = 0; j < q; j++) {
      const o = drawn[j]! * C;
      for (let c = 0; c < C; c++) sums[c]! += rows[o + c]!;
    }
    for (let c = 0; c < C; c++) means[c]![r] = sums[c]! / q;
  }
  const alpha = (1 - confidence) / 2;
  return means.map((m) => {
    m.sort();
    return [quantileSorted(m, alpha), quantileSorted(m, 1 - alpha)];
  });
}

export function bootstrapMeanCI(values: Float64Array, options: BootstrapOptions = {}): [number, number] {
  return bootstrapMeanCIs([values], options)[0]!;
}

/** Linear-interpolated quantile of an ascending array. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return values.length === 0 ? Number.NaN : s / values.length;
}
