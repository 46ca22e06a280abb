/**
 * Holm's step-down adjustment: the family-wise error rate of rejecting any true null among m tests stays at
 * alpha when the i-th smallest p-value is compared with alpha / (m - i + 1) and testing stops at the first
 * failure. Adjusted p-values: p_(i)' = max over j <= i of min(1, (m - j + 1) p_(j)); reject where p' < alpha.
 */
export function holmAdjust(p: readonly number[]): number[] {
  const m = p.length;
  const order = [...p.keys()].sort((a, b) => p[a]! - p[b]!);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach((i, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[i]!));
    out[i] = running;
  });
  return out;
}
