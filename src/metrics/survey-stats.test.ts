import { describe, expect, it } from "vitest";
import { bestSplit, fitLogistic, rankSplits, solveSpd, standardise, wilsonShare, worldsForHalfWidth } from "./survey-stats.js";

describe("wilsonShare", () => {
  it("matches the Wilson score interval computed by hand", () => {
    // 7 of 10, z = 1.959964: centre (0.7 + z²/20) / (1 + z²/10) = 0.644490, half 0.247716
    const s = wilsonShare(7, 10);
    expect(s.share).toBeCloseTo(0.7, 12);
    expect(s.ci![0]).toBeCloseTo(0.396774, 5);
    expect(s.ci![1]).toBeCloseTo(0.892207, 5);
  });
  it("is pinned to 0 and 1 at the ends and empty at n = 0", () => {
    // 0 of 20: upper bound z² / (n + z²) = 3.841459 / 23.841459
    expect(wilsonShare(0, 20).ci).toEqual([0, expect.closeTo(0.161125, 5)]);
    expect(wilsonShare(20, 20).ci![1]).toBe(1);
    expect(wilsonShare(0, 0)).toEqual({ holds: 0, n: 0, share: null, ci: null });
    expect(() => wilsonShare(3, 2)).toThrow(/holds <= n/);
  });
  it("sizes a survey: about 43 worlds for +-0.15 at a share of one half", () => {
    const n = worldsForHalfWidth(0.15);
    const at = (m: number) => { const s = wilsonShare(Math.floor(m / 2), m); return Math.max(s.share! - s.ci![0], s.ci![1] - s.share!); };
    expect(at(n)).toBeLessThanOrEqual(0.15);
    expect(at(n - 1)).toBeGreaterThan(0.15);
    expect(n).toBeGreaterThanOrEqual(40);
    expect(n).toBeLessThanOrEqual(44);
  });
});

describe("standardise", () => {
  it("centres and scales by the population sd; a constant column stays 0", () => {
    const s = standardise([[1, 5], [2, 5], [3, 5]]);
    expect(s.mean).toEqual([2, 5]);
    expect(s.sd[0]).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect(s.sd[1]).toBe(0);
    expect(s.columns.map((r) => r[0])).toEqual([expect.closeTo(-1.224745, 5), 0, expect.closeTo(1.224745, 5)]);
    expect(s.columns.every((r) => r[1] === 0)).toBe(true);
  });
});

describe("solveSpd", () => {
  it("solves a 2x2 system and refuses a singular one", () => {
    // [[4, 2], [2, 3]] x = [2, 1]: x = [0.5, 0]
    expect(solveSpd([[4, 2], [2, 3]], [2, 1])).toEqual([expect.closeTo(0.5, 12), expect.closeTo(0, 12)]);
    expect(() => solveSpd([[1, 1], [1, 1]], [1, 1])).toThrow(/positive definite/);
  });
});

describe("fitLogistic", () => {
  it("reproduces the closed form of one binary predictor: intercept logit(p0), slope logit(p1) - logit(p0)", () => {
    // group x = 0: 2 of 5 hold; group x = 1: 4 of 5 hold
    const x = [[0], [0], [0], [0], [0], [1], [1], [1], [1], [1]];
    const y = [1, 1, 0, 0, 0, 1, 1, 1, 1, 0];
    const f = fitLogistic(x, y);
    expect(f.converged).toBe(true);
    expect(f.beta[0]).toBeCloseTo(Math.log(0.4 / 0.6), 8);
    expect(f.beta[1]).toBeCloseTo(Math.log(4) - Math.log(0.4 / 0.6), 8);
    // standard errors: 1 / (n p (1 - p)) per group's logit, the slope's the sum of both
    expect(f.se[0]).toBeCloseTo(Math.sqrt(1 / 1.2), 6);
    expect(f.se[1]).toBeCloseTo(Math.sqrt(1 / 1.2 + 1 / 0.8), 6);
    // log-likelihood: 2 ln 0.4 + 3 ln 0.6 + 4 ln 0.8 + ln 0.2
    expect(f.logLik).toBeCloseTo(2 * Math.log(0.4) + 3 * Math.log(0.6) + 4 * Math.log(0.8) + Math.log(0.2), 8);
  });
  it("with a ridge, converges on separable data and satisfies the penalised score equations", () => {
    const x = [[-1.5, 0.2], [-0.5, -1], [0.5, 0.7], [1.5, 0.1]];
    const y = [0, 0, 1, 1];
    const f = fitLogistic(x, y, { ridge: 1 });
    expect(f.converged).toBe(true);
    const mu = x.map((r) => 1 / (1 + Math.exp(-(f.beta[0]! + f.beta[1]! * r[0]! + f.beta[2]! * r[1]!))));
    const residual = y.map((v, i) => v - mu[i]!);
    expect(residual.reduce((s, r) => s + r, 0)).toBeCloseTo(0, 9);
    for (const j of [0, 1]) expect(x.reduce((s, r, i) => s + r[j]! * residual[i]!, 0)).toBeCloseTo(f.beta[j + 1]!, 9);
    expect(f.beta[1]).toBeGreaterThan(0);
  });
  it("refuses outcomes that are not 0/1 and mismatched rows", () => {
    expect(() => fitLogistic([[0]], [2])).toThrow(/0 or 1/);
    expect(() => fitLogistic([[0], [1]], [1])).toThrow(/rows/);
  });
});

describe("bestSplit and rankSplits", () => {
  it("finds the threshold with the fewest majority-vote errors", () => {
    // thresholds 1.5..5.5 leave 2, 2, 1, 2, 2 errors; 3.5 is best; no split errs on 2 (the 2 holds)
    const s = bestSplit([1, 2, 3, 4, 5, 6], [0, 0, 0, 1, 1, 0])!;
    expect(s.threshold).toBe(3.5);
    expect(s.errors).toBe(1);
    expect(s.baseline).toBe(2);
    expect(s.left).toEqual({ n: 3, holds: 0 });
    expect(s.right).toEqual({ n: 3, holds: 2 });
  });
  it("never splits between equal values, and a constant knob has no split", () => {
    const s = bestSplit([1, 1, 2, 2], [0, 1, 1, 1])!;
    expect(s.threshold).toBe(1.5);
    expect(bestSplit([3, 3, 3], [0, 1, 0])).toBeNull();
  });
  it("ranks knobs by the errors of their best split", () => {
    const rows = [[0, 5, 1], [1, 4, 1], [2, 3, 1], [3, 2, 1]];
    const y = [0, 1, 0, 1];
    // knob 0 and knob 1 both leave 1 error at best, knob 2 is constant; the tiebreak puts knob 1 first
    const ranked = rankSplits(rows, y, [0.1, -2]);
    expect(ranked.map((s) => s.knob)).toEqual([1, 0]);
    expect(ranked.map((s) => s.errors)).toEqual([1, 1]);
  });
});
