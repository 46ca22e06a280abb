/**
 * The baseline extrapolation: a power law in k for the aggregate failure, -log(pass@k) = A k^(-beta), fitted by
 * least squares on log(-log pass@k) against log k at the anchor points (Schaeffer et al. 2025 fit this form to
 * the aggregate curve; they show it holds only when the left tail of the p distribution is a power law).
 */
export type PowerLaw = { A: number; beta: number };

/** Fits the anchors (k, pass@k); anchors with pass@k of 0 or 1 carry no information on this scale and are skipped. */
export function fitPowerLaw(anchors: ReadonlyArray<{ k: number; passAtK: number }>): PowerLaw | null {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const { k, passAtK } of anchors) {
    if (!(k >= 1) || !(passAtK > 0 && passAtK < 1)) continue;
    xs.push(Math.log(k));
    ys.push(Math.log(-Math.log(passAtK)));
  }
  if (xs.length < 2) return null;
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { A: Math.exp(my - slope * mx), beta: -slope };
}

export function powerLawPassAtK(law: PowerLaw, k: number): number {
  return Math.exp(-law.A * Math.pow(k, -law.beta));
}
