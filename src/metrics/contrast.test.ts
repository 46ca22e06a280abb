import { describe, expect, it } from "vitest";
import { bootstrapSplitSums, bootstrapSums } from "./contrast.js";
import { seededRng } from "./rng.js";
import { bootstrapKindMeanCIs, bootstrapMeanCIs } from "./bootstrap.js";

/** The columns bootstrapSplitSums stands for, written out one by one (its contract). */
function explicitColumns(all: Float64Array[], sub: Float64Array[], group: Int32Array, groups: number): Float64Array[] {
  const cols: Float64Array[] = [...all, ...sub, ...all.map((a, c) => a.map((x, i) => x - sub[c]![i]!))];
  for (let g = 0; g < groups; g++) for (const a of all) cols.push(a.map((x, i) => (group[i] === g ? x : 0)));
  return cols;
}

/** Random per-question sums: `sub` a part of `all`, as correct responses are of all responses. */
function fixture(q: number, integer: boolean, seed: number) {
  const rng = seededRng(seed);
  const all = Array.from({ length: 4 }, () => new Float64Array(q));
  const sub = Array.from({ length: 4 }, () => new Float64Array(q));
  for (let c = 0; c < 4; c++) {
    for (let i = 0; i < q; i++) {
      const x = integer ? Math.floor(rng() * 200_000) : rng() * 3.7;
      all[c]![i] = x;
      sub[c]![i] = integer ? Math.floor(x * rng()) : x * rng();
    }
  }
  // some questions outside every group (-1), as a question missing from the base's bins is
  const group = Int32Array.from({ length: q }, () => Math.floor(rng() * 5) - 1);
  return { all, sub, group };
}

describe("bootstrapSplitSums", () => {
  it("returns bootstrapSums' replicates bit for bit on integer sums (the fast path)", () => {
    for (const [q, seed] of [[1, 1], [7, 2], [300, 3]] as const) {
      const { all, sub, group } = fixture(q, true, seed);
      const fast = bootstrapSplitSums(all, sub, group, 4, 500, seed + 10);
      const reference = bootstrapSums(explicitColumns(all, sub, group, 4), 500, seed + 10);
      expect(fast.length).toBe(4 * 3 + 4 * 4);
      fast.forEach((col, c) => expect(Array.from(col), `column ${c}`).toEqual(Array.from(reference[c]!)));
    }
  });

  it("gives the same bit for bit with another number of columns (the loop that is not unrolled)", () => {
    const { all, sub, group } = fixture(90, true, 8);
    const a = all.slice(0, 3), b = sub.slice(0, 3);
    const fast = bootstrapSplitSums(a, b, group, 4, 300, 21);
    const reference = bootstrapSums(explicitColumns(a, b, group, 4), 300, 21);
    expect(fast.length).toBe(3 * 3 + 4 * 3);
    fast.forEach((col, c) => expect(Array.from(col), `column ${c}`).toEqual(Array.from(reference[c]!)));
  });

  it("falls back to bootstrapSums where values are not integers, with the same result", () => {
    const { all, sub, group } = fixture(120, false, 5);
    const fast = bootstrapSplitSums(all, sub, group, 4, 200, 9);
    const reference = bootstrapSums(explicitColumns(all, sub, group, 4), 200, 9);
    fast.forEach((col, c) => expect(Array.from(col), `column ${c}`).toEqual(Array.from(reference[c]!)));
  });

  it("a single question: every replicate holds its own values, split as promised", () => {
    const all = [Float64Array.from([3]), Float64Array.from([10])];
    const sub = [Float64Array.from([1]), Float64Array.from([4])];
    const out = bootstrapSplitSums(all, sub, Int32Array.from([1]), 2, 3, 0);
    // all, sub, all - sub, group 0 (empty), group 1
    expect(out.map((c) => c[2])).toEqual([3, 10, 1, 4, 2, 6, 0, 0, 3, 10]);
  });
});

describe("bootstrapMeanCIs", () => {
  /** The intervals written out the plain way: columns summed one by one in draw order, then percentiles. */
  function reference(columns: Float64Array[], resamples: number, seed: number): Array<[number, number]> {
    const q = columns[0]!.length;
    const rng = seededRng(seed);
    const means = columns.map(() => new Float64Array(resamples));
    for (let r = 0; r < resamples; r++) {
      const sums = columns.map(() => 0);
      for (let j = 0; j < q; j++) {
        const i = Math.floor(rng() * q);
        columns.forEach((col, c) => (sums[c] += col[i]!));
      }
      sums.forEach((s, c) => (means[c]![r] = s / q));
    }
    return means.map((m) => {
      const sorted = Array.from(m).sort((a, b) => a - b);
      const at = (p: number) => {
        const pos = (sorted.length - 1) * p, lo = Math.floor(pos), hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
      };
      const alpha = (1 - 0.95) / 2; // as bootstrapMeanCIs derives it (not exactly 0.025)
      return [at(alpha), at(1 - alpha)];
    });
  }

  it("gives the plain computation's intervals exactly, for fractional values over several columns", () => {
    const rng = seededRng(11);
    const columns = Array.from({ length: 9 }, () => Float64Array.from({ length: 137 }, () => rng() / 3));
    expect(bootstrapMeanCIs(columns, { resamples: 400, seed: 4 })).toEqual(reference(columns, 400, 4));
  });

  it("gives the same intervals from kinds of rows as from the rows written out, for 1 to 9 columns", () => {
    const rng = seededRng(12);
    for (let width = 1; width <= 9; width++) {
      const kinds = 3 + width;
      const table = Array.from({ length: width }, () => Float64Array.from({ length: kinds }, () => rng() / 7));
      const kindOf = Int32Array.from({ length: 211 }, () => Math.floor(rng() * kinds));
      const columns = table.map((col) => Float64Array.from(kindOf, (k) => col[k]!));
      const want = reference(columns, 300, width);
      expect(bootstrapKindMeanCIs(kindOf, table, { resamples: 300, seed: width })).toEqual(want);
      expect(bootstrapMeanCIs(columns, { resamples: 300, seed: width })).toEqual(want);
    }
  });
});
