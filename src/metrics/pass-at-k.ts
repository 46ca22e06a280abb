/**
 * Unbiased pass@k from n samples with c correct (Chen et al. 2021): 1 - C(n-c, k) / C(n, k).
 *
 * Never forms a binomial coefficient (they overflow past n ~ 1000). The ratio r_k = C(n-c, k) / C(n, k) obeys
 * r_0 = 1 and r_{k+1} = r_k * (n - c - k) / (n - k): every factor lies in [0, 1], so the running product is
 * stable and underflows gracefully to 0 (pass@k -> 1) instead of producing NaN.
 */
export function passAtKCurve(n: number, c: number): Float64Array {
  checkCounts(n, c);
  const curve = new Float64Array(n + 1); // curve[k] = pass@k, curve[0] = 0 by convention
  let ratio = 1;
  for (let k = 1; k <= n; k++) {
    const failures = n - c - (k - 1);
    ratio = failures <= 0 ? 0 : ratio * (failures / (n - (k - 1)));
    curve[k] = 1 - ratio;
  }
  return curve;
}

/**
 * passAtKCurve remembered per (n, c): a model's thousands of questions share a few hundred count patterns (at
 * most n + 1 per n). The curves returned are shared: read them, do not write them.
 */
export function passAtKCurves(): (n: number, c: number) => Float64Array {
  const byN = new Map<number, Float64Array[]>();
  return (n, c) => {
    let row = byN.get(n);
    if (row === undefined) byN.set(n, (row = []));
    return (row[c] ??= passAtKCurve(n, c));
  };
}

/** pass@k for a single k (1 <= k <= n). O(k). */
export function passAtK(n: number, c: number, k: number): number {
  checkCounts(n, c);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`pass@k needs 1 <= k <= n (k=${k}, n=${n})`);
  let ratio = 1;
  for (let j = 0; j < k; j++) {
    const failures = n - c - j;
    if (failures <= 0) return 1;
    ratio *= failures / (n - j);
  }
  return 1 - ratio;
}

/** Capability at k = n: the question was solved at least once. */
export function capabilityAtN(c: number): number {
  return c > 0 ? 1 : 0;
}

/** Population pass@k when the per-sample success probability p is known: 1 - (1 - p)^k. */
export function expectedPassAtK(p: number, k: number): number {
  return 1 - Math.pow(1 - p, k);
}

function checkCounts(n: number, c: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer (got ${n})`);
  if (!Number.isInteger(c) || c < 0 || c > n) throw new RangeError(`correct must be an integer in [0, n] (got ${c} of ${n})`);
}
