/**
 * Seeded draws for simulating evaluations: Beta and Binomial variates, and a hypergeometric subset of recorded
 * outcomes. Used by the fit's and adaptive sampling's tests and benchmarks to build populations with a known
 * distribution of success probabilities.
 */
import type { Rng } from "./rng.js";

/** Standard normal by Box-Muller. */
export function sampleNormal(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted for shape < 1. */
export function sampleGamma(rng: Rng, shape: number): number {
  if (shape < 1) return sampleGamma(rng, shape + 1) * Math.pow(1 - rng(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = sampleNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

export function sampleBeta(rng: Rng, a: number, b: number): number {
  const x = sampleGamma(rng, a);
  const y = sampleGamma(rng, b);
  return x + y > 0 ? x / (x + y) : 0.5;
}

/** Binomial(n, p) by n Bernoulli draws (n is at most a few thousand here). */
export function sampleBinomial(rng: Rng, n: number, p: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) if (rng() < p) c++;
  return c;
}

/** Correct answers among m of n recorded samples (c correct) drawn without replacement. */
export function sampleHypergeometric(rng: Rng, n: number, c: number, m: number): number {
  let good = c, total = n, got = 0;
  for (let i = 0; i < m; i++) {
    if (rng() * total < good) {
      got++;
      good--;
    }
    total--;
  }
  return got;
}
