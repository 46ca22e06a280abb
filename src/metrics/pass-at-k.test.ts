import { describe, expect, it } from "vitest";
import { capabilityAtN, expectedPassAtK, passAtK, passAtKCurve, passAtKCurves } from "./pass-at-k.js";
import { unsolvedEpsilon } from "./epsilon.js";

/** Exact 1 - C(n-c,k)/C(n,k) with BigInt binomials: an independent reference. */
function exactPassAtK(n: number, c: number, k: number): number {
  const binom = (a: number, b: number): bigint => {
    if (b < 0 || b > a) return 0n;
    let r = 1n;
    for (let i = 1; i <= b; i++) r = (r * BigInt(a - b + i)) / BigInt(i);
    return r;
  };
  const num = binom(n - c, k);
  const den = binom(n, k);
  const scale = 10n ** 30n;
  return 1 - Number((num * scale) / den) / 1e30;
}

describe("pass@k", () => {
  it("matches hand-computed values", () => {
    // n=4, c=2: pass@1 = 1/2, pass@2 = 1 - C(2,2)/C(4,2) = 5/6, pass@3 = pass@4 = 1
    const curve = passAtKCurve(4, 2);
    expect(curve[1]).toBeCloseTo(0.5, 12);
    expect(curve[2]).toBeCloseTo(5 / 6, 12);
    expect(curve[3]).toBe(1);
    expect(curve[4]).toBe(1);
    // n=5, c=1: pass@k = k/5
    for (let k = 1; k <= 5; k++) expect(passAtK(5, 1, k)).toBeCloseTo(k / 5, 12);
  });

  it("agrees with exact BigInt binomials at n = 1024", () => {
    for (const c of [0, 1, 3, 17, 500, 1023, 1024]) {
      const curve = passAtKCurve(1024, c);
      for (const k of [1, 2, 10, 64, 256, 1000, 1024]) {
        expect(curve[k]).toBeCloseTo(exactPassAtK(1024, c, k), 10);
        expect(passAtK(1024, c, k)).toBeCloseTo(curve[k]!, 12);
      }
    }
  });

  it("is finite, monotone in k, c/n at k=1 and 1(c>0) at k=n", () => {
    for (const n of [1, 7, 256, 1024]) {
      for (const c of [0, 1, Math.floor(n / 3), n]) {
        const curve = passAtKCurve(n, c);
        expect(curve[1]).toBeCloseTo(c / n, 12);
        expect(curve[n]).toBe(capabilityAtN(c));
        for (let k = 2; k <= n; k++) {
          expect(Number.isFinite(curve[k])).toBe(true);
          expect(curve[k]!).toBeGreaterThanOrEqual(curve[k - 1]! - 1e-15);
        }
      }
    }
  });

  it("is unbiased: its mean over binomial draws equals 1-(1-p)^k", () => {
    // E[pass@k estimator] = sum_c Binom(c; n, p) * estimate(n, c) must equal the population value.
    const n = 20;
    const p = 0.13;
    for (const k of [1, 3, 10, 20]) {
      let expectation = 0;
      let coeff = 1; // C(n, c)
      for (let c = 0; c <= n; c++) {
        if (c > 0) coeff = (coeff * (n - c + 1)) / c;
        expectation += coeff * p ** c * (1 - p) ** (n - c) * passAtK(n, c, k);
      }
      expect(expectation).toBeCloseTo(expectedPassAtK(p, k), 10);
    }
  });

  it("rejects impossible counts", () => {
    expect(() => passAtKCurve(4, 5)).toThrow(/correct/);
    expect(() => passAtKCurve(0, 0)).toThrow(/positive/);
    expect(() => passAtK(4, 1, 5)).toThrow(/k/);
  });
});

describe("unsolved epsilon", () => {
  it("is 1 - 0.05^(1/256) ~ 0.01163 at n = 256", () => {
    expect(unsolvedEpsilon(256)).toBeCloseTo(0.0116339, 6);
  });
  it("satisfies (1 - eps)^n = 1 - confidence", () => {
    for (const [n, conf] of [[10, 0.9], [256, 0.95], [1024, 0.99]] as const) {
      expect((1 - unsolvedEpsilon(n, conf)) ** n).toBeCloseTo(1 - conf, 10);
    }
  });
});

describe("passAtKCurves", () => {
  it("remembers each (n, c)'s curve: the values of passAtKCurve, one array per pattern", () => {
    const curve = passAtKCurves();
    for (const [n, c] of [[8, 3], [8, 0], [16, 3], [8, 8], [1, 1]] as const) {
      expect(Array.from(curve(n, c))).toEqual(Array.from(passAtKCurve(n, c)));
      expect(curve(n, c)).toBe(curve(n, c));
    }
    expect(curve(8, 3)).not.toBe(curve(16, 3));
    expect(() => curve(4, 5)).toThrow(RangeError);
  });
});
