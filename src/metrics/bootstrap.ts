import { Mulberry32Bulk } from "../core/mulberry32.js";

export type BootstrapOptions = { resamples?: number; confidence?: number; seed?: number };
const DEFAULTS = { resamples: 1000, confidence: 0.95, seed: 0 } satisfies Required<BootstrapOptions>;

/**
 * Percentile bootstrap confidence intervals for the means of several per-question columns, resampling
 * questions (the unit the study's claims generalise over). All columns share the same resampled indices,
 * so intervals of related metrics (pass@k for several k) are consistent with each other.
 */
export function bootstrapMeanCIs(columns: readonly Float64Array[], options: BootstrapOptions = {}): Array<[number, number]> {
  if (columns.length === 0) return [];
  return bootstrapKindMeanCIs(Int32Array.from({ length: columns[0]!.length }, (_, i) => i), columns, options);
}

/**
 * bootstrapMeanCIs of columns whose rows repeat: question i's values are row `kinds[i]` of `table` (one array
 * per column, indexed by kind). A model's per-question pass@k depends on (n, c) alone, so its 7,500 questions
 * have a few hundred kinds, whose rows fit in the fastest cache. The intervals are exactly those of the
 * columns written out per question: each column is summed in draw order, the same doubles in the same order.
 */
export function bootstrapKindMeanCIs(kinds: Int32Array, table: readonly Float64Array[], options: BootstrapOptions = {}): Array<[number, number]> {
  const { resamples, confidence, seed } = { ...DEFAULTS, ...options };
  const C = table.length;
  if (C === 0) return [];
  const q = kinds.length;
  if (q === 0) return table.map(() => [Number.NaN, Number.NaN]);
  // row-major copy: a drawn kind's values lie together
  const T = table[0]!.length;
  const rows = new Float64Array(T * C);
  for (let c = 0; c < C; c++) for (let t = 0; t < T; t++) rows[t * C + c] = table[c]![t]!;
  const draws = new Mulberry32Bulk(seed); // randomInt(seededRng(seed), q), a resample at a time
  const drawn = new Int32Array(q);
  const means = table.map(() => new Float64Array(resamples));
  for (let r = 0; r < resamples; r++) {
    draws.fillInts(drawn, q);
    for (let j = 0; j < q; j++) drawn[j] = kinds[drawn[j]!]! * C;
    // four columns per pass, each summed in a register of its own: the sums do not wait on one another
    for (let c = 0; c < C; c += 4) {
      const width = Math.min(4, C - c);
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      if (width === 4) {
        for (let j = 0; j < q; j++) {
          const o = drawn[j]! + c;
          s0 += rows[o]!;
          s1 += rows[o + 1]!;
          s2 += rows[o + 2]!;
          s3 += rows[o + 3]!;
        }
      } else if (width === 3) {
        for (let j = 0; j < q; j++) {
          const o = drawn[j]! + c;
          s0 += rows[o]!;
          s1 += rows[o + 1]!;
          s2 += rows[o + 2]!;
        }
      } else if (width === 2) {
        for (let j = 0; j < q; j++) {
          const o = drawn[j]! + c;
          s0 += rows[o]!;
          s1 += rows[o + 1]!;
        }
      } else {
        for (let j = 0; j < q; j++) s0 += rows[drawn[j]! + c]!;
      }
      const sums = [s0, s1, s2, s3];
      for (let w = 0; w < width; w++) means[c + w]![r] = sums[w]! / q;
    }
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
