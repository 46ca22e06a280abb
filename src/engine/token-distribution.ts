// The next-token distribution of one row of logits under temperature / top-k / top-p, and a draw from it.
// Shared by independent sampling (one draw per sequence) and tree sampling (many draws per prefix).
import type { FloatArray } from "./kernels.js";

export type TokenDistribution = {
  /** log-sum-exp of the row at temperature 1: log p(t) = logits[t] - lse (NaN when not asked for) */
  lse: number;
  /** sum of the unnormalised weights left in probs */
  total: number;
  /** the token when sampling is greedy (temperature 0), else -1 */
  greedy: number;
};

/**
 * Fills probs[0..V) with unnormalised weights of the row at [off, off + V) after temperature, top-k and top-p
 * (tokens cut by top-k/top-p get weight 0). `order` is scratch space of V ints. Without `withLse` (no log-probs
 * wanted) the pass at temperature 1 is skipped where the weights do not need it: lse is then NaN, and the weights,
 * total and greedy token are the same bits as with it.
 */
export function tokenDistribution(logits: FloatArray, off: number, V: number, temperature: number, topK: number, topP: number,
                                  probs: Float64Array, order: Int32Array, withLse = true): TokenDistribution {
  let m = -Infinity, arg = 0;
  for (let i = 0; i < V; i++) if (logits[off + i]! > m) { m = logits[off + i]!; arg = i; }
  if (!withLse && temperature === 0) return { lse: NaN, total: NaN, greedy: arg };
  let z = 0;
  if (withLse || temperature === 1) {
    for (let i = 0; i < V; i++) {
      const e = Math.exp(logits[off + i]! - m);
      probs[i] = e;
      z += e;
    }
  }
  const lse = withLse ? m + Math.log(z) : NaN;
  if (temperature === 0) return { lse, total: z, greedy: arg };
  let total = z;
  if (temperature !== 1) {
    total = 0;
    for (let i = 0; i < V; i++) {
      probs[i] = Math.exp((logits[off + i]! - m) / temperature);
      total += probs[i]!;
    }
  }
  if ((topK > 0 && topK < V) || topP < 1) {
    for (let i = 0; i < V; i++) order[i] = i;
    const sorted = Array.from(order).sort((a, b) => probs[b]! - probs[a]! || a - b);
    let keep = topK > 0 ? Math.min(topK, V) : V;
    if (topP < 1) {
      let kept = 0;
      for (let i = 0; i < keep; i++) kept += probs[sorted[i]!]!;
      let cum = 0;
      for (let i = 0; i < keep; i++) {
        cum += probs[sorted[i]!]!;
        if (cum >= topP * kept) { keep = i + 1; break; }
      }
    }
    for (let i = keep; i < V; i++) probs[sorted[i]!] = 0;
    total = 0;
    for (let i = 0; i < V; i++) total += probs[i]!;
  }
  return { lse, total, greedy: -1 };
}

/** The token whose cumulative weight first exceeds u (u uniform in [0, total)). */
export function drawToken(probs: Float64Array, V: number, u: number): number {
  let cum = 0, pick = -1;
  for (let i = 0; i < V; i++) {
    if (probs[i] === 0) continue;
    cum += probs[i]!;
    pick = i;
    if (cum > u) break;
  }
  return pick;
}

/**
 * cum[i] = probs[0] + ... + probs[i], summed in index order as drawToken sums them (a zero adds nothing), so that
 * drawCumulative gives drawToken's token for any u in fewer steps: for the many draws of one tree node.
 */
export function cumulate(probs: Float64Array, V: number, cum: Float64Array): void {
  let c = 0;
  for (let i = 0; i < V; i++) {
    if (probs[i] !== 0) c += probs[i]!;
    cum[i] = c;
  }
}

/**
 * drawToken(probs, V, u) by binary search over cumulate's sums: the first i with cum[i] > u (its weight is not 0,
 * since the sum grew there), else (u at or past the total) the last token of weight > 0, as drawToken's scan ends.
 */
export function drawCumulative(cum: Float64Array, probs: Float64Array, V: number, u: number): number {
  if (!(cum[V - 1]! > u)) {
    for (let i = V - 1; i >= 0; i--) if (probs[i] !== 0) return i;
    return -1;
  }
  let lo = 0, hi = V - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Appends a token's text; a stop string that now appears ends the text just before it. */
export function appendPiece(text: string, piece: string, stop: readonly string[]): { text: string; stopped: boolean } {
  const before = text.length;
  const next = text + piece;
  for (const s of stop) {
    const at = next.indexOf(s, Math.max(0, before - s.length + 1));
    if (at >= 0) return { text: next.slice(0, at), stopped: true };
  }
  return { text: next, stopped: false };
}
