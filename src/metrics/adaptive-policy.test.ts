import { describe, expect, it } from "vitest";
import { finalBinProbabilities, predictiveCounts, StoppingProgram } from "./adaptive-policy.js";
import { binIndex, binsFromUpperEdges } from "./bins.js";
import type { BetaMixture } from "./fit-beta-binomial.js";
import { lbeta, lchoose } from "./fit-special.js";

/** The beta-binomial mixture's predictive written out term by term (no recurrence), as the reference. */
function predictiveDirect(m: BetaMixture, n: number, c: number, rest: number): number[] {
  const wb = 1 - m.w0 - m.w1;
  const like = (x: number) => {
    // P(c of n, then x of rest) / C(n, c) under each component
    const beta = wb * Math.exp(lchoose(rest, x) + lbeta(m.a + c + x, m.b + n - c + rest - x) - lbeta(m.a, m.b));
    const zero = c === 0 && x === 0 ? m.w0 : 0;
    const one = c === n && x === rest ? m.w1 : 0;
    return beta + zero + one;
  };
  const marginal = wb * Math.exp(lbeta(m.a + c, m.b + n - c) - lbeta(m.a, m.b)) + (c === 0 ? m.w0 : 0) + (c === n ? m.w1 : 0);
  return Array.from({ length: rest + 1 }, (_, x) => like(x) / marginal);
}

describe("predictiveCounts", () => {
  const prior = { a: 0.7, b: 1.3, w0: 0.1, w1: 0.05 };
  it.each([
    [16, 0, 20], [16, 16, 20], [16, 5, 40], [0, 0, 8],
  ])("c = %i of n = %i: matches the term-by-term mixture and sums to 1", (n, c, rest) => {
    const got = predictiveCounts(prior, n, c, rest);
    const want = predictiveDirect(prior, n, c, rest);
    for (let x = 0; x <= rest; x++) expect(got[x]!).toBeCloseTo(want[x]!, 12);
    expect(got.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
  });
  it("a count far into one tail does not underflow the rest of the pmf", () => {
    const got = predictiveCounts({ a: 50, b: 0.5, w0: 0, w1: 0 }, 200, 199, 800);
    expect(got.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
  });
});

describe("StoppingProgram", () => {
  // a tiny problem small enough to enumerate every deterministic policy by hand
  const scheme = binsFromUpperEdges([0, 1, 2, 4], 4);
  const prior = { a: 1.2, b: 0.8, w0: 0.1, w1: 0 };
  const schedule = [1, 2, 4];
  const keep = 0.25;

  /** Expected samples after round 0 and expected misses of one policy, by walking every path. */
  function walk(stop0: boolean[], stop1: boolean[]) {
    let samples = 0, misses = 0;
    const p0 = predictiveCounts(prior, 0, 0, 1);
    for (let c0 = 0; c0 <= 1; c0++) {
      const missAt = (n: number, c: number) => 1 - Math.max(...finalBinProbabilities(prior, scheme, n, c, 4));
      if (stop0[c0]) {
        samples += p0[c0]! * keep * 3;
        misses += p0[c0]! * (1 - keep) * missAt(1, c0);
        continue;
      }
      const p1 = predictiveCounts(prior, 1, c0, 1);
      for (let x = 0; x <= 1; x++) {
        const w = p0[c0]! * p1[x]!, c1 = c0 + x;
        samples += w * 1;
        if (stop1[c1]) {
          samples += w * keep * 2;
          misses += w * (1 - keep) * missAt(2, c1);
        } else samples += w * 2;
      }
    }
    return { samples, misses };
  }

  it.each([0, 0.5, 3, 40])("at price %f the program's cost is the least over all 32 policies", (mu) => {
    const program = new StoppingProgram({ prior, scheme, schedule, round: 0, keep, canStop: () => true });
    const sol = program.solve(mu);
    const p0 = predictiveCounts(prior, 0, 0, 1);
    const dp = [0, 1].reduce((s, c) => s + p0[c]! * (sol.samples[0]![c]! + mu * sol.misses[0]![c]!), 0);
    let best = Number.POSITIVE_INFINITY;
    for (let bits = 0; bits < 32; bits++) {
      const stop0 = [0, 1].map((i) => ((bits >> i) & 1) === 1);
      const stop1 = [0, 1, 2].map((i) => ((bits >> (2 + i)) & 1) === 1);
      const w = walk(stop0, stop1);
      best = Math.min(best, w.samples + mu * w.misses);
    }
    expect(dp).toBeCloseTo(best, 12);
  });

  it("forbidden states never stop; price 0 stops everything allowed, an infinite price nothing", () => {
    const program = new StoppingProgram({ prior, scheme, schedule, round: 0, keep, canStop: (_n, c) => c > 0 });
    const free = program.solve(0);
    expect([...free.stop[0]!]).toEqual([0, 1]);
    expect([...free.stop[1]!]).toEqual([0, 1, 1]);
    const none = program.solve(Number.POSITIVE_INFINITY);
    expect([...none.stop[0]!, ...none.stop[1]!].every((d) => d === 0)).toBe(true);
  });

  it("withinBudget keeps the expected changed bins within the budget and spends most of it", () => {
    const big = binsFromUpperEdges([0, 4, 16, 32, 64, 128, 192, 256], 256);
    const sched = [16, 32, 64, 128, 256];
    const p = { a: 0.6, b: 0.5, w0: 0.03, w1: 0 };
    const program = new StoppingProgram({ prior: p, scheme: big, schedule: sched, round: 0, keep: 0.05, canStop: (_n, c) => c > 0 });
    const counts = Array.from({ length: 17 }, (_, c) => c);
    for (const budget of [0.2, 1, 3]) {
      const sol = program.withinBudget(counts, 0.1, budget);
      const expected = 0.1 + counts.reduce((s, c) => s + sol.misses[0]![c]!, 0);
      expect(expected).toBeLessThanOrEqual(budget + 1e-9);
      expect(expected).toBeGreaterThan(budget * 0.8);
    }
    // over budget already: nothing more stops
    const over = program.withinBudget(counts, 5, 3);
    expect([...over.stop[0]!].every((d) => d === 0)).toBe(true);
  });

  it("the bins of the final count: a count already at the full n is certain", () => {
    const big = binsFromUpperEdges([0, 4, 16, 256], 256);
    const probs = finalBinProbabilities({ a: 1, b: 1, w0: 0, w1: 0 }, big, 256, 10, 256);
    expect([...probs]).toEqual([0, 0, 1, 0]);
    expect(binIndex(big, 10, 256)).toBe(2);
  });
});
