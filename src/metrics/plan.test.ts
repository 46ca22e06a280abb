import { describe, expect, it } from "vitest";
import { difficultyVariance, estimatorVariance, mixturePmf, normalQuantile, planSamples } from "./plan.js";
import { passAtKCurve } from "./pass-at-k.js";
import { sampleBeta, sampleBinomial } from "./fit-simulate.js";
import { seededRng } from "./rng.js";

describe("sample plan", () => {
  it("the mixture's count distribution sums to 1", () => {
    const pmf = mixturePmf({ a: 0.3, b: 2, w0: 0.1, w1: 0.2 }, 50);
    expect(pmf.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    expect(pmf[0]!).toBeGreaterThan(0.1);
  });

  it("matches the closed form under Beta(1, 1): c is uniform on 0..n, Var(c / n) = (n + 2) / (12 n)", () => {
    const m = { a: 1, b: 1, w0: 0, w1: 0 };
    for (const n of [1, 4, 64]) expect(estimatorVariance(m, n, 1)).toBeCloseTo((n + 2) / (12 * n), 12);
    expect(difficultyVariance(m, 1)).toBeCloseTo(1 / 12, 12);
    // E[(1-(1-p)^k)^2] - (k/(k+1))^2 with p uniform: 1 - 2/(k+1) + 1/(2k+1) - (k/(k+1))^2
    const k = 8;
    expect(difficultyVariance(m, k)).toBeCloseTo(1 - 2 / (k + 1) + 1 / (2 * k + 1) - (k / (k + 1)) ** 2, 12);
    expect(estimatorVariance(m, 4096, k)).toBeCloseTo(difficultyVariance(m, k), 3);
  });

  it("predicts the spread of the mean over questions seen in simulation", () => {
    const m = { a: 0.5, b: 0.8, w0: 0.1, w1: 0 };
    const rng = seededRng(3);
    const Q = 200, n = 16, reps = 400;
    for (const k of [1, 4]) {
      const means: number[] = [];
      for (let r = 0; r < reps; r++) {
        let s = 0;
        for (let q = 0; q < Q; q++) {
          const p = rng() < m.w0 ? 0 : sampleBeta(rng, m.a, m.b);
          s += passAtKCurve(n, sampleBinomial(rng, n, p))[k]!;
        }
        means.push(s / Q);
      }
      const mu = means.reduce((a, b) => a + b, 0) / reps;
      const sd = Math.sqrt(means.reduce((a, b) => a + (b - mu) ** 2, 0) / (reps - 1));
      expect(sd / Math.sqrt(estimatorVariance(m, n, k) / Q)).toBeGreaterThan(0.88);
      expect(sd / Math.sqrt(estimatorVariance(m, n, k) / Q)).toBeLessThan(1.12);
    }
  });

  it("picks the smallest n that reaches the width, and asks for more questions below the floor", () => {
    const m = { a: 0.7, b: 0.7, w0: 0.02, w1: 0 };
    const plan = planSamples(() => m, { ks: [1, 64], width: 0.09, questions: 500, maxN: 1024 });
    for (const t of plan.targets) {
      expect(t.n).not.toBeNull();
      const row = plan.rows.find((r) => r.n === t.n)!;
      expect(row.width[String(t.k)]!).toBeLessThanOrEqual(0.09);
      const before = plan.rows.filter((r) => r.n < t.n! && r.width[String(t.k)] !== null);
      for (const r of before) expect(r.width[String(t.k)]!).toBeGreaterThan(0.09);
    }
    // the accuracy floor with 500 questions is about 2 * 1.96 * sqrt(Var(p) / 500) ~ 0.065: 0.02 needs more questions
    const tight = planSamples(() => m, { ks: [1], width: 0.02, questions: 500, maxN: 1024 });
    expect(tight.targets[0]!.n).toBeNull();
    expect(tight.targets[0]!.floor_width).toBeGreaterThan(0.02);
    expect(tight.targets[0]!.questions_needed!).toBeGreaterThan(500);
  });

  it("normal quantiles", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 7);
  });
});
