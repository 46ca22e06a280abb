// Student-t quantiles against published table values, and seed intervals computed by hand.
import { describe, expect, it } from "vitest";
import { seedInterval, studentQuantile, studentTwoSided } from "./seeds.js";

describe("Student t", () => {
  it("matches the two-sided 95% and 99% table values", () => {
    // t(0.975, df) and t(0.995, df) from standard tables
    const table95: Array<[number, number]> = [[1, 12.706], [2, 4.303], [3, 3.182], [4, 2.776], [5, 2.571], [9, 2.262], [10, 2.228], [30, 2.042]];
    for (const [df, t] of table95) expect(studentQuantile(0.95, df)).toBeCloseTo(t, 2);
    expect(studentQuantile(0.99, 2)).toBeCloseTo(9.925, 2);
    expect(studentQuantile(0.99, 7)).toBeCloseTo(3.499, 2);
    expect(studentQuantile(0.95, 2000)).toBeCloseTo(1.961, 2); // tends to the normal 1.960
  });

  it("is a distribution: 0 at 0, increasing, tending to 1; df = 1 is the Cauchy", () => {
    for (const df of [1, 2, 3, 6, 11]) {
      expect(studentTwoSided(0, df)).toBe(0);
      let last = 0;
      for (const t of [0.1, 0.5, 1, 2, 5, 50]) {
        const p = studentTwoSided(t, df);
        expect(p).toBeGreaterThan(last);
        last = p;
      }
      expect(studentTwoSided(1e6, df)).toBeCloseTo(1, 5);
    }
    expect(studentTwoSided(1, 1)).toBeCloseTo(0.5, 12); // Cauchy: P(|X| <= 1) = 1/2
  });
});

describe("seedInterval", () => {
  it("gives mean, sample sd and the t interval", () => {
    const r = seedInterval([0.6, 0.7, 0.8]);
    expect(r.mean).toBeCloseTo(0.7, 12);
    expect(r.sd).toBeCloseTo(0.1, 12);
    const half = 4.302653 * (0.1 / Math.sqrt(3)); // t(0.975, 2) = 4.302653
    expect(r.ci[0]).toBeCloseTo(0.7 - half, 5);
    expect(r.ci[1]).toBeCloseTo(0.7 + half, 5);
    expect(r.values).toEqual([0.6, 0.7, 0.8]);
  });

  it("cuts the interval to a range when given (rates stay in [0, 1])", () => {
    const r = seedInterval([0.95, 1, 1], 0.95, [0, 1]);
    expect(r.ci[1]).toBe(1);
    expect(r.ci[0]).toBeCloseTo(0.9833333 - 4.302653 * (Math.sqrt(0.05 ** 2 / 3 * 2 / 2) / Math.sqrt(3)), 4);
    expect(seedInterval([0.95, 1, 1]).ci[1]).toBeGreaterThan(1);
  });

  it("has zero width for one value or equal values, and rejects none", () => {
    expect(seedInterval([0.3]).ci).toEqual([0.3, 0.3]);
    const same = seedInterval([0.5, 0.5, 0.5]);
    expect(same.ci[0]).toBeCloseTo(0.5, 12);
    expect(same.ci[1]).toBeCloseTo(0.5, 12);
    expect(() => seedInterval([])).toThrow(/at least one/);
  });
});
