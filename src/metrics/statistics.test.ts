import { describe, expect, it } from "vitest";
import { bootstrapMeanCI, bootstrapMeanCIs, mean, quantileSorted } from "./bootstrap.js";
import { perQuestionAccuracy, perQuestionPassAtK, powersOfTwoUpTo, summarizeModel, type QuestionResult } from "./summary.js";
import { studyBins } from "./bins.js";
import { pairedDifference } from "./paired-test.js";
import { seededRng } from "./rng.js";

describe("bootstrap", () => {
  it("gives a degenerate interval for constant data", () => {
    const [lo, hi] = bootstrapMeanCI(new Float64Array(50).fill(0.3));
    expect(lo).toBeCloseTo(0.3, 12);
    expect(hi).toBeCloseTo(0.3, 12);
  });

  it("matches the normal approximation for a large 0/1 sample", () => {
    const rng = seededRng(7);
    const values = Float64Array.from({ length: 2000 }, () => (rng() < 0.3 ? 1 : 0));
    const m = mean(values);
    const se = Math.sqrt((m * (1 - m)) / values.length);
    const [lo, hi] = bootstrapMeanCI(values, { resamples: 2000, seed: 3 });
    expect(lo).toBeLessThan(m);
    expect(hi).toBeGreaterThan(m);
    expect((hi - lo) / 2).toBeCloseTo(1.96 * se, 2);
  });

  it("is reproducible from its seed", () => {
    const v = Float64Array.from({ length: 100 }, (_, i) => (i * 37) % 11);
    expect(bootstrapMeanCI(v, { seed: 5 })).toEqual(bootstrapMeanCI(v, { seed: 5 }));
  });

  it("interpolates quantiles", () => {
    expect(quantileSorted([0, 10, 20, 30, 40], 0.5)).toBe(20);
    expect(quantileSorted([0, 10], 0.25)).toBe(2.5);
  });
});

describe("paired difference", () => {
  it("finds no difference between identical models", () => {
    const a = Float64Array.from({ length: 40 }, (_, i) => (i % 5) / 4);
    const r = pairedDifference(a, a);
    expect(r.delta).toBe(0);
    expect(r.p_value).toBe(1);
  });

  it("computes the mean difference and detects a consistent shift", () => {
    const base = Float64Array.from({ length: 60 }, (_, i) => (i % 10) / 20);
    const other = base.map((x, i) => x + (i % 3 === 0 ? 0.2 : 0.1));
    const r = pairedDifference(base, other, { permutations: 1000 });
    expect(r.delta).toBeCloseTo((20 * 0.2 + 40 * 0.1) / 60, 12);
    expect(r.p_value).toBeCloseTo(1 / 1001, 12); // no sign flip is as extreme as all-positive differences
    expect(r.ci[0]).toBeGreaterThan(0.1 - 1e-12);
    expect(r.ci[1]).toBeLessThan(0.2 + 1e-12);
  });

  it("gives a large p-value to differences that are symmetric noise", () => {
    const base = new Float64Array(100).fill(0.5);
    const other = base.map((x, i) => x + (i % 2 === 0 ? 0.1 : -0.1));
    expect(pairedDifference(base, other).p_value).toBeGreaterThan(0.5);
  });
});

describe("model summary intervals", () => {
  it("are the bootstraps of the per-question columns, with some questions short of samples", () => {
    const rng = seededRng(21);
    const results: QuestionResult[] = Array.from({ length: 90 }, (_, i) => {
      const n = i % 9 === 0 ? 8 + (i % 4) : 32;
      return { question_id: `q${i}`, n, correct: Math.floor(rng() ** 2 * (n + 1)) };
    });
    const s = summarizeModel(results, studyBins(32), { resamples: 300, seed: 5 });
    const o = { resamples: 300, seed: 5 };
    const bandKs = powersOfTwoUpTo(8);
    const bands = bootstrapMeanCIs(bandKs.map((k) => perQuestionPassAtK(results, k)), o);
    bandKs.forEach((k, i) => expect(s.pass_at_k_ci[String(k)]).toEqual(bands[i]));
    for (const k of [16, 32]) expect(s.pass_at_k_ci[String(k)]).toEqual(bootstrapMeanCI(perQuestionPassAtK(results.filter((r) => r.n >= k), k), o));
    expect(s.accuracy_ci).toEqual(bootstrapMeanCI(perQuestionAccuracy(results), o));
    expect(Object.keys(s.pass_at_k_ci)).toEqual(["1", "2", "4", "8", "16", "32"]);
  });
});
