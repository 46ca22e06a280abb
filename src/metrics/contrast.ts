/**
 * A contrast is one number a finding is judged on (a paired difference, a difference of bin means, a ratio of
 * means), with a two-sided interval whose ends are one-sided bounds at `alpha`, and one-sided p-values against
 * the thresholds the finding names (0, or the flatness margin). Every interval says its target: new questions
 * drawn like these (the questions are resampled) or this fixed benchmark (only the samples are random).
 */
import { Mulberry32Bulk } from "../core/mulberry32.js";
import { quantileSorted } from "./bootstrap.js";

export type IntervalTarget = "new questions" | "this benchmark";

export type Contrast = {
  estimate: number;
  /** [lower, upper]: each end a one-sided bound at alpha, so the pair is a (1 - 2 alpha) interval */
  ci: [number, number];
  /** units the contrast is over (questions) */
  n: number;
  /** the test, in words */
  method: string;
  target: IntervalTarget;
  /** one-sided p-values by threshold: `above` for H1 value > t, `below` for H1 value < t */
  p: Record<string, { above: number; below: number }>;
  /** the same contrast with the questions held fixed (within-question sampling only), when computed */
  ci_fixed?: [number, number];
};

export const thresholdKey = (t: number): string => String(t);

/** Percentile-bootstrap contrast from the replicates of a statistic (sorted in place). */
export function contrastFromReplicates(
  estimate: number, replicates: Float64Array, n: number, alpha: number, thresholds: readonly number[], method: string,
): Contrast {
  const finite = replicates.filter((x) => Number.isFinite(x)).sort();
  const b = finite.length;
  const p: Contrast["p"] = {};
  for (const t of thresholds) {
    let atMost = 0, atLeast = 0;
    for (let i = 0; i < b; i++) {
      if (finite[i]! <= t) atMost++;
      if (finite[i]! >= t) atLeast++;
    }
    p[thresholdKey(t)] = { above: (atMost + 1) / (b + 1), below: (atLeast + 1) / (b + 1) };
  }
  const ci: [number, number] = b === 0 ? [Number.NaN, Number.NaN] : [quantileSorted(finite, alpha), quantileSorted(finite, 1 - alpha)];
  return { estimate, ci, n, method, target: "new questions", p };
}

/**
 * Bootstrap over questions of group means: each resample draws q questions with replacement and returns, per
 * group, the mean of `values` over the drawn questions of that group (NaN for a group left empty). `group[i]`
 * is question i's group (-1: in none). Returns one Float64Array of replicate means per group.
 */
export function bootstrapGroupMeans(
  values: Float64Array, group: Int32Array, groups: number, resamples: number, seed: number,
): Float64Array[] {
  const q = values.length;
  // randomInt(seededRng(seed), q) draw after draw, drawn a resample at a time
  const draws = new Mulberry32Bulk(seed);
  const drawn = new Int32Array(q);
  const out = Array.from({ length: groups }, () => new Float64Array(resamples));
  const sum = new Float64Array(groups), count = new Float64Array(groups);
  for (let r = 0; r < resamples; r++) {
    sum.fill(0);
    count.fill(0);
    draws.fillInts(drawn, q);
    for (let j = 0; j < q; j++) {
      const i = drawn[j]!;
      const g = group[i]!;
      if (g < 0) continue;
      sum[g]! += values[i]!;
      count[g]!++;
    }
    for (let g = 0; g < groups; g++) out[g]![r] = count[g]! === 0 ? Number.NaN : sum[g]! / count[g]!;
  }
  return out;
}

/** Bootstrap over questions of several per-question columns' sums (shared indices), for ratios of means. */
export function bootstrapSums(columns: readonly Float64Array[], resamples: number, seed: number): Float64Array[] {
  const q = columns[0]?.length ?? 0;
  const draws = new Mulberry32Bulk(seed);
  const drawn = new Int32Array(q);
  const out = columns.map(() => new Float64Array(resamples));
  for (let r = 0; r < resamples; r++) {
    draws.fillInts(drawn, q);
    for (let j = 0; j < q; j++) {
      const i = drawn[j]!;
      for (let c = 0; c < columns.length; c++) out[c]![r]! += columns[c]![i]!;
    }
  }
  return out;
}

/**
 * bootstrapSums of columns that are parts of a few whole columns, computed with fewer additions. Given C whole
 * columns `all` and C columns `sub` (a part of each: e.g. the correct responses' sums), and a group per row
 * (-1: none), returns the replicate sums of the columns in this order: `all`, `sub`, `all - sub` (row by row),
 * then per group g the C columns of `all` with rows outside g set to 0 — the same arrays, bit for bit, that
 * bootstrapSums returns for those 2C + C + groups x C columns with the same seed: it draws the same rows, and
 * when every value is an integer (counts, character totals) and no sum can pass 2^53, every partial sum is an
 * exact integer, so adding each drawn row's 2C values once (times the number of times it was drawn) and
 * deriving the rest gives identical doubles. With
 * other values it builds the columns and calls bootstrapSums. (At 7,500 questions x 10,000 resamples the
 * study's text ratios spent most of analyze's JavaScript time in bootstrapSums' 28 additions a draw.)
 */
export function bootstrapSplitSums(
  all: readonly Float64Array[], sub: readonly Float64Array[], group: Int32Array, groups: number, resamples: number, seed: number,
): Float64Array[] {
  const C = all.length;
  const q = all[0]?.length ?? 0;
  const columns = () => [
    ...all, ...sub, ...all.map((a, c) => a.map((x, i) => x - sub[c]![i]!)),
    ...Array.from({ length: groups }, (_, g) => all.map((a) => a.map((x, i) => (group[i] === g ? x : 0)))).flat(),
  ];
  let exact = true;
  for (const cols of [all, sub]) {
    for (const col of cols) {
      let max = 0;
      for (let i = 0; i < q && exact; i++) {
        const x = col[i]!;
        if (!Number.isInteger(x)) exact = false;
        else max = Math.max(max, Math.abs(x));
      }
      // |each partial sum| <= q x max (and the differences' <= 2 q x max): exact below 2^53
      if (2 * max * q > Number.MAX_SAFE_INTEGER) exact = false;
    }
  }
  if (!exact) return bootstrapSums(columns(), resamples, seed);
  const W = 2 * C;
  const rows = new Float64Array(q * W);
  for (let i = 0; i < q; i++) {
    for (let c = 0; c < C; c++) {
      rows[i * W + c] = all[c]![i]!;
      rows[i * W + C + c] = sub[c]![i]!;
    }
  }
  const out = Array.from({ length: 3 * C + groups * C }, () => new Float64Array(resamples));
  const acc = new Float64Array(W);
  const gacc = new Float64Array(Math.max(1, groups) * C);
  const draws = new Mulberry32Bulk(seed);
  const drawn = new Int32Array(q);
  // how often each row was drawn: with exact integer sums the order of the additions cannot show, so a
  // resample is summed row by row in storage order (count x value), not in the random order of its draws
  const times = new Float64Array(q);
  for (let r = 0; r < resamples; r++) {
    acc.fill(0);
    gacc.fill(0);
    times.fill(0);
    draws.fillInts(drawn, q);
    for (let j = 0; j < q; j++) times[drawn[j]!]!++;
    if (C === 4) {
      // the text ratios' shape (numerator and responses of both models), unrolled into registers
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let i = 0, o = 0; i < q; i++, o += 8) {
        const m = times[i]!;
        if (m === 0) continue;
        const x0 = m * rows[o]!, x1 = m * rows[o + 1]!, x2 = m * rows[o + 2]!, x3 = m * rows[o + 3]!;
        a0 += x0; a1 += x1; a2 += x2; a3 += x3;
        s0 += m * rows[o + 4]!; s1 += m * rows[o + 5]!; s2 += m * rows[o + 6]!; s3 += m * rows[o + 7]!;
        const g = group[i]!;
        if (g >= 0 && g < groups) {
          const go = g * 4;
          gacc[go]! += x0; gacc[go + 1]! += x1; gacc[go + 2]! += x2; gacc[go + 3]! += x3;
        }
      }
      acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3; acc[4] = s0; acc[5] = s1; acc[6] = s2; acc[7] = s3;
    } else {
      for (let i = 0, o = 0; i < q; i++, o += W) {
        const m = times[i]!;
        if (m === 0) continue;
        for (let c = 0; c < W; c++) acc[c]! += m * rows[o + c]!;
        const g = group[i]!;
        if (g >= 0 && g < groups) for (let c = 0, go = g * C; c < C; c++) gacc[go + c]! += m * rows[o + c]!;
      }
    }
    for (let c = 0; c < C; c++) {
      out[c]![r] = acc[c]!;
      out[C + c]![r] = acc[C + c]!;
      out[2 * C + c]![r] = acc[c]! - acc[C + c]!;
    }
    for (let k = 0; k < groups * C; k++) out[3 * C + k]![r] = gacc[k]!;
  }
  return out;
}

/** A paired mean difference (per-question `diff`), bootstrapped over questions. */
export function pairedMeanContrast(
  diff: Float64Array, options: { alpha: number; resamples: number; seed: number; thresholds: readonly number[]; method?: string },
): Contrast {
  const q = diff.length;
  let s = 0;
  for (let i = 0; i < q; i++) s += diff[i]!;
  const reps = bootstrapGroupMeans(diff, new Int32Array(q), 1, options.resamples, options.seed)[0]!;
  return contrastFromReplicates(q === 0 ? Number.NaN : s / q, reps, q, options.alpha, options.thresholds,
    options.method ?? `paired bootstrap over questions (${options.resamples} resamples), percentile bounds`);
}
