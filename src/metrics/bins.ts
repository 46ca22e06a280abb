/**
 * Difficulty bins: questions are grouped by how many of the BASE model's samples were correct.
 *
 * A scheme is a list of inclusive count ranges at a reference sample count `n`. Counts from a model with a
 * different number of samples are placed by their success fraction rescaled to `n`, so base and trained models
 * with different sample counts share one set of bins. Zero correct always means the "0" bin.
 */
export type Bin = { label: string; lo: number; hi: number };
export type BinScheme = { n: number; bins: Bin[] };

/** The study's upper edges at n = 256: [0] [1-4] [5-16] [17-32] [33-64] [65-128] [129-192] [193-256]. */
export const STUDY_UPPER_EDGES_256 = [0, 4, 16, 32, 64, 128, 192, 256] as const;
/** The four coarse bins of the length and keyword analysis: 0-64, 65-128, 129-192, 193-256. */
export const COARSE_UPPER_EDGES_256 = [64, 128, 192, 256] as const;

/** The study's bins for n samples: its edges scaled by n / 256 and rounded; ranges left empty by rounding are dropped. */
export function studyBins(n: number): BinScheme {
  return binsFromUpperEdges(scaleEdges(STUDY_UPPER_EDGES_256, n), n);
}

/** The coarse bins scaled to n samples (the first includes 0). */
export function coarseBins(n: number): BinScheme {
  return binsFromUpperEdges(scaleEdges(COARSE_UPPER_EDGES_256, n), n);
}

/**
 * Bins from increasing inclusive upper edges: the first bin is [0, e0], the next (e0, e1], ...
 * The last edge must be n so that every count has a bin.
 */
export function binsFromUpperEdges(edges: readonly number[], n: number): BinScheme {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bins need a positive sample count (got ${n})`);
  if (edges.length === 0) throw new RangeError("bins need at least one edge");
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    if (!Number.isInteger(e) || e < 0) throw new RangeError(`bin edge ${e} is not a non-negative integer`);
    if (i > 0 && e < edges[i - 1]!) throw new RangeError(`bin edges must increase (${edges.join(",")})`);
  }
  if (edges[edges.length - 1] !== n) throw new RangeError(`the last bin edge must equal n = ${n} (got ${edges[edges.length - 1]})`);
  const bins: Bin[] = [];
  let lo = 0;
  for (const hi of edges) {
    if (hi >= lo) bins.push({ label: lo === hi ? `${lo}` : `${lo}-${hi}`, lo, hi });
    lo = Math.max(lo, hi + 1);
  }
  return { n, bins };
}

function scaleEdges(edges256: readonly number[], n: number): number[] {
  return edges256.map((e) => Math.round((e * n) / 256));
}

/**
 * Index of the bin that holds `correct` of `n` samples. When n differs from the scheme's, the count is
 * rescaled to the scheme's n (a fraction, compared with the inclusive upper edges).
 */
export function binIndex(scheme: BinScheme, correct: number, n: number): number {
  if (correct <= 0) return 0;
  const scaled = n === scheme.n ? correct : (correct * scheme.n) / n;
  const { bins } = scheme;
  for (let i = 0; i < bins.length; i++) {
    if (bins[i]!.hi === 0) continue; // the zero bin holds only zero
    if (scaled <= bins[i]!.hi) return i;
  }
  return bins.length - 1;
}
