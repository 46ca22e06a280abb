import { describe, expect, it } from "vitest";
import { betaCapability, lbeta, lgamma } from "./fit-special.js";
import { countPatterns, fitMixture, logPatternProbability } from "./fit-beta-binomial.js";
import { fitBest, fitKs, passAtKFit, populationPassAtK, posteriorPassAtK } from "./fit-predict.js";
import { fitPowerLaw, powerLawPassAtK } from "./fit-power-law.js";
import { sampleBeta, sampleBinomial, sampleHypergeometric } from "./fit-simulate.js";
import { seededRng } from "./rng.js";

/** Simulated counts: p_i from `drawP`, c_i ~ Binomial(n, p_i). */
function simulate(questions: number, n: number, seed: number, drawP: (rng: () => number) => number) {
  const rng = seededRng(seed);
  return Array.from({ length: questions }, () => ({ n, correct: sampleBinomial(rng, n, drawP(rng)) }));
}

/** Midpoint-rule integral over [0, 1]. */
function integrate(f: (p: number) => number, steps = 200000): number {
  let s = 0;
  for (let i = 0; i < steps; i++) s += f((i + 0.5) / steps);
  return s / steps;
}

describe("special functions", () => {
  it("lgamma matches known values", () => {
    expect(lgamma(1)).toBeCloseTo(0, 13);
    expect(lgamma(2)).toBeCloseTo(0, 13);
    expect(lgamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(lgamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(lgamma(0.1)).toBeCloseTo(2.252712651734206, 12);
    expect(lgamma(100)).toBeCloseTo(359.1342053695754, 9);
    expect(lbeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 13);
  });

  it("Beta(1,1) gives Cap_k = k / (k + 1) and Beta(2,1) gives 1 - 2 / ((k + 1)(k + 2)), out to k = 10^4", () => {
    for (const k of [1, 2, 7, 64, 1000, 10000]) {
      expect(betaCapability(1, 1, k)).toBeCloseTo(k / (k + 1), 12);
      expect(betaCapability(2, 1, k)).toBeCloseTo(1 - 2 / ((k + 1) * (k + 2)), 12);
    }
  });
});

describe("beta-binomial likelihood", () => {
  it("is a probability distribution over c, and matches numerical integration", () => {
    const m = { a: 0.4, b: 1.7, w0: 0.1, w1: 0.05 };
    let total = 0;
    for (let c = 0; c <= 20; c++) total += Math.exp(logPatternProbability(m, 20, c));
    expect(total).toBeCloseTo(1, 12);
    // P(c = 3 of 10) for a plain Beta(2.5, 1.5): integral of C(10,3) p^3 (1-p)^7 Beta density
    const beta = { a: 2.5, b: 1.5, w0: 0, w1: 0 };
    const density = (p: number) => Math.exp((2.5 - 1) * Math.log(p) + (1.5 - 1) * Math.log(1 - p) - lbeta(2.5, 1.5));
    const numeric = integrate((p) => 120 * p ** 3 * (1 - p) ** 7 * density(p));
    expect(Math.exp(logPatternProbability(beta, 10, 3))).toBeCloseTo(numeric, 7);
  });
});

describe("maximum-likelihood fit", () => {
  it("recovers a known Beta(0.5, 1.5) from simulated counts", () => {
    const results = simulate(4000, 32, 1, (rng) => sampleBeta(rng, 0.5, 1.5));
    const fit = fitMixture(countPatterns(results), { variant: "beta" });
    expect(Math.abs(fit.a - 0.5) / 0.5).toBeLessThan(0.1);
    expect(Math.abs(fit.b - 1.5) / 1.5).toBeLessThan(0.12);
  });

  it("recovers zero inflation, prefers it by AIC, and predicts the true plateau", () => {
    // 30% of questions never solvable, the rest p ~ Beta(1, 2): Cap_k = 0.7 (1 - 2 / (k + 2))
    const results = simulate(3000, 16, 2, (rng) => (rng() < 0.3 ? 0 : sampleBeta(rng, 1, 2)));
    const patterns = countPatterns(results);
    const zero = fitMixture(patterns, { variant: "zero" });
    const beta = fitMixture(patterns, { variant: "beta" });
    expect(Math.abs(zero.w0 - 0.3)).toBeLessThan(0.04);
    expect(Math.abs(zero.a - 1)).toBeLessThan(0.2);
    expect(Math.abs(zero.b - 2)).toBeLessThan(0.4);
    expect(zero.log_likelihood).toBeGreaterThan(beta.log_likelihood);
    expect(fitBest(patterns, "auto").variant).not.toBe("beta");
    for (const k of [64, 1024, 10000]) expect(populationPassAtK(zero, k)).toBeCloseTo(0.7 * (1 - 2 / (k + 2)), 1);
    // the plain beta, forced to explain the zeros with its left tail, keeps climbing past the plateau
    expect(populationPassAtK(beta, 10000)).toBeGreaterThan(populationPassAtK(zero, 10000));
  });

  it("recovers mass at p = 1 with the zero-one variant", () => {
    const results = simulate(3000, 16, 3, (rng) => { const u = rng(); return u < 0.2 ? 0 : u < 0.45 ? 1 : sampleBeta(rng, 2, 2); });
    const fit = fitMixture(countPatterns(results), { variant: "zero-one" });
    expect(Math.abs(fit.w0 - 0.2)).toBeLessThan(0.04);
    expect(Math.abs(fit.w1 - 0.25)).toBeLessThan(0.04);
  });
});

describe("prediction", () => {
  it("is monotone in k, bounded by 1 - w0, with intervals around the estimate", () => {
    const results = simulate(400, 16, 4, (rng) => (rng() < 0.1 ? 0 : sampleBeta(rng, 0.3, 0.8)));
    for (const method of ["population", "posterior"] as const) {
      const fit = passAtKFit(results, { method, resamples: 50 });
      const ks = Object.keys(fit.points).map(Number);
      expect(Math.max(...ks)).toBeGreaterThanOrEqual(16 * 16);
      let last = 0;
      for (const k of ks) {
        const p = fit.points[String(k)]!;
        expect(p.estimate).toBeGreaterThanOrEqual(last);
        expect(p.estimate).toBeLessThanOrEqual(1 - fit.fit.w0 + 1e-12);
        expect(p.ci[0]).toBeLessThanOrEqual(p.estimate + 1e-9);
        expect(p.ci[1]).toBeGreaterThanOrEqual(p.estimate - 1e-9);
        last = p.estimate;
      }
    }
  });

  it("the posterior pass@k of one question matches numerical integration over its posterior", () => {
    const m = { a: 0.6, b: 1.4, w0: 0, w1: 0 };
    const a = 0.6 + 2, b = 1.4 + 14; // 2 of 16 correct
    const post = (p: number) => Math.exp((a - 1) * Math.log(p) + (b - 1) * Math.log(1 - p) - lbeta(a, b));
    const numeric = integrate((p) => (1 - (1 - p) ** 100) * post(p));
    expect(posteriorPassAtK(m, 16, 2, 100)).toBeCloseTo(numeric, 6);
    // an unsolved question under a zero-inflated prior keeps some mass at p = 0: its pass@k stays below 1
    const z = { a: 1, b: 3, w0: 0.5, w1: 0 };
    expect(posteriorPassAtK(z, 16, 0, 1e6)).toBeLessThan(0.5);
    expect(posteriorPassAtK(z, 16, 1, 1e6)).toBeCloseTo(1, 6);
  });

  it("predicts pass@256 from 32 samples per question close to the full-count value on a simulated population", () => {
    const rng = seededRng(9);
    const ps = Array.from({ length: 2000 }, () => (rng() < 0.05 ? 0 : sampleBeta(rng, 0.4, 0.6)));
    const full = ps.map((p) => sampleBinomial(rng, 256, p));
    const truth = full.filter((c) => c > 0).length / full.length;
    const sub = full.map((c) => ({ n: 32, correct: sampleHypergeometric(rng, 256, c, 32) }));
    const fit = passAtKFit(sub, { ks: [256], resamples: 0 });
    expect(Math.abs(fit.points["256"]!.estimate - truth)).toBeLessThan(0.015);
  });

  it("fitKs reaches 16 n and includes requested k", () => {
    expect(fitKs(1024)).toContain(16384);
    expect(fitKs(8, [3000])).toContain(3000);
  });
});

describe("power-law baseline", () => {
  it("recovers an exact power law", () => {
    const law = { A: 0.8, beta: 0.35 };
    const anchors = [1, 2, 4, 8, 16].map((k) => ({ k, passAtK: powerLawPassAtK(law, k) }));
    const fit = fitPowerLaw(anchors)!;
    expect(fit.A).toBeCloseTo(0.8, 10);
    expect(fit.beta).toBeCloseTo(0.35, 10);
    expect(fitPowerLaw([{ k: 1, passAtK: 1 }])).toBeNull();
  });
});
