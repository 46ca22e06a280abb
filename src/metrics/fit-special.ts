/**
 * Special functions the beta-binomial fit needs, all in log space: log-gamma, log-beta, log binomial coefficient.
 *
 * lgamma uses the Lanczos approximation (g = 7, 9 coefficients; relative error ~1e-15 for x >= 0.5) with the
 * reflection formula below 0.5. Everything downstream works with differences of lbeta values, never with B(a, b)
 * itself, because B(a, b + k) underflows long before k = 10^4.
 */
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log Γ(x) for x > 0. */
export function lgamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lgamma needs x > 0 (got ${x})`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b). */
export function lbeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/** log C(n, c). */
export function lchoose(n: number, c: number): number {
  if (c < 0 || c > n) return Number.NEGATIVE_INFINITY;
  if (c === 0 || c === n) return 0;
  return lgamma(n + 1) - lgamma(c + 1) - lgamma(n - c + 1);
}

/**
 * 1 - B(a, b + k) / B(a, b) = E[1 - (1 - p)^k] for p ~ Beta(a, b), with the ratio formed in log space. expm1 keeps
 * small values (k = 1 on a hard population) accurate.
 */
export function betaCapability(a: number, b: number, k: number): number {
  if (k <= 0) return 0;
  return -Math.expm1(lbeta(a, b + k) - lbeta(a, b));
}
