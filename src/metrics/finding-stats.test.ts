import { describe, expect, it } from "vitest";
import { contrastFromReplicates } from "./contrast.js";
import { millerMadowEntropy } from "./entropy-mm.js";
import { binomialCdf, clopperPearsonLower, clopperPearsonUpper, pairedBinaryBounds, pairedBinaryP } from "./exact-binomial.js";
import { binomialDraw, fixedBenchmarkAccuracy, fixedBenchmarkInterval, normalQuantile } from "./fixed-benchmark.js";
import { holmAdjust } from "./holm.js";
import { seededRng } from "./rng.js";
import { splitCounts } from "./split-bins.js";
import { summarizeModel } from "./summary.js";
import { studyBins } from "./bins.js";

/** Exact binomial tail from BigInt binomial coefficients (an independent reference). */
function exactCdf(x: number, m: number, theta: number): number {
  let s = 0;
  let choose = 1n;
  for (let j = 0; j <= x; j++) {
    if (j > 0) choose = (choose * BigInt(m - j + 1)) / BigInt(j);
    s += Number(choose) * theta ** j * (1 - theta) ** (m - j);
  }
  return s;
}

describe("exact binomial bounds", () => {
  it("matches exact tail sums", () => {
    for (const [x, m, t] of [[0, 10, 0.3], [3, 10, 0.3], [7, 20, 0.55], [12, 40, 0.1], [29, 30, 0.9]] as const) {
      expect(binomialCdf(x, m, t)).toBeCloseTo(exactCdf(x, m, t), 12);
    }
  });

  it("gives the closed-form Clopper-Pearson bounds at 0 and m successes", () => {
    // P(X <= 0 | U) = (1 - U)^m = a  and  P(X >= m | L) = L^m = a
    expect(clopperPearsonUpper(0, 10, 0.025)).toBeCloseTo(1 - 0.025 ** (1 / 10), 10);
    expect(clopperPearsonLower(10, 10, 0.025)).toBeCloseTo(0.025 ** (1 / 10), 10);
    // a bound is where the tail equals a
    const u = clopperPearsonUpper(4, 25, 0.05);
    expect(binomialCdf(4, 25, u)).toBeCloseTo(0.05, 9);
  });

  it("excludes 0 from the paired bound exactly when the exact McNemar test rejects at a / 2", () => {
    const a = 0.05;
    for (let onlyBase = 0; onlyBase <= 6; onlyBase++) {
      for (let onlyOther = 0; onlyOther <= 14; onlyOther++) {
        const m = onlyBase + onlyOther;
        if (m === 0) continue;
        const [lo, hi] = pairedBinaryBounds(onlyBase, onlyOther, 500, a);
        const mcnemar = 1 - binomialCdf(onlyOther - 1, m, 0.5); // P(X >= onlyOther | m, 1/2)
        expect(lo > 0, `${onlyBase}/${onlyOther}`).toBe(mcnemar < a / 2);
        expect(lo).toBeLessThanOrEqual((onlyOther - onlyBase) / 500);
        expect(hi).toBeGreaterThanOrEqual((onlyOther - onlyBase) / 500);
      }
    }
  });

  it("covers the true difference for new questions at least at the nominal level", () => {
    // 500 questions; 2% won by the other model, 1% by the base: delta = +0.01
    const rng = seededRng(11);
    let missesUpper = 0, missesLower = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      let b = 0, c = 0;
      for (let i = 0; i < 500; i++) {
        const u = rng();
        if (u < 0.01) b++;
        else if (u < 0.03) c++;
      }
      const [lo, hi] = pairedBinaryBounds(b, c, 500, 0.05);
      if (hi < 0.01) missesUpper++;
      if (lo > 0.01) missesLower++;
    }
    expect(missesUpper / trials).toBeLessThanOrEqual(0.05);
    expect(missesLower / trials).toBeLessThanOrEqual(0.05);
  });

  it("turns the bound into p-values that agree with it", () => {
    const p = pairedBinaryP(4, 12, 500, 0.03);
    expect(p.below).toBeGreaterThan(0);
    expect(p.below).toBeLessThan(1);
    expect(pairedBinaryBounds(4, 12, 500, p.below * 1.02)[1]).toBeLessThan(0.03);
    expect(pairedBinaryBounds(4, 12, 500, p.below * 0.98)[1]).toBeGreaterThanOrEqual(0.03);
    expect(pairedBinaryP(4, 12, 500, 0).above).toBeCloseTo(pairedBinaryP(12, 4, 500, 0).below, 12);
  });
});

describe("Holm", () => {
  it("adjusts by step-down multipliers, kept monotone", () => {
    // sorted: .005 x4 = .02, .01 x3 = .03, .03 x2 = .06, .04 x1 = .04 -> max(.06, .04) = .06
    const adj = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((x, i) => expect(adj[i]).toBeCloseTo(x, 12));
    expect(holmAdjust([0.6, 0.9])).toEqual([1, 1]);
  });
});

describe("Miller-Madow entropy", () => {
  it("adds (K - 1) / 2N to the plug-in entropy", () => {
    const groups = { group: Int32Array.from([0, 0, 1, 1]), size: [2, 2], correct: [true, false] };
    expect(millerMadowEntropy(groups)).toBeCloseTo(Math.log(2) + 1 / 8, 12);
    // one outcome: no correction; a missing answer counts as an outcome
    expect(millerMadowEntropy({ group: Int32Array.from([0, 0, 0]), size: [3], correct: [true] })).toBe(0);
    const withMissing = { group: Int32Array.from([0, -1]), size: [1], correct: [true] };
    expect(millerMadowEntropy(withMissing)).toBeCloseTo(Math.log(2) + 1 / 4, 12);
  });

  it("is less biased than the plug-in entropy for few samples", () => {
    // 4 equally likely answers, 16 samples: true entropy ln 4
    const rng = seededRng(3);
    let plug = 0, mm = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      const group = Int32Array.from({ length: 16 }, () => Math.floor(rng() * 4));
      const size = [0, 1, 2, 3].map((g) => group.filter((x) => x === g).length);
      const compact = size.filter((x) => x > 0);
      const h = -compact.reduce((s, c) => s + (c / 16) * Math.log(c / 16), 0);
      plug += h / trials;
      mm += millerMadowEntropy({ group, size, correct: size.map(() => false) }) / trials;
    }
    expect(Math.abs(mm - Math.log(4))).toBeLessThan(Math.abs(plug - Math.log(4)) / 3);
  });
});

describe("split-sample counts", () => {
  it("splits each question's count into two halves with the hypergeometric mean", () => {
    const results = Array.from({ length: 4000 }, (_, i) => ({ question_id: `q${i}`, n: 256, correct: 40 }));
    const splits = splitCounts(results, 1);
    for (const s of splits) {
      expect([s.nA, s.nB, s.cA + s.cB]).toEqual([128, 128, 40]);
    }
    const meanA = splits.reduce((a, s) => a + s.cA, 0) / splits.length;
    expect(meanA).toBeCloseTo(20, 0); // 40 x 128 / 256
    // hypergeometric variance: c (n-c)/n^2 * nA (n - nA)/(n - 1) = 40 * 216 / 65536 * 128 * 128 / 255
    const v = splits.reduce((a, s) => a + (s.cA - meanA) ** 2, 0) / splits.length;
    expect(v).toBeCloseTo((40 * 216 / 65536) * (128 * 128) / 255, 0);
    expect(splitCounts(results.slice(0, 3), 1)).toEqual(splits.slice(0, 3)); // a question's split ignores the others
  });
});

describe("fixed-benchmark intervals", () => {
  it("normal quantiles", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.05)).toBeCloseTo(-1.644854, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });

  it("binomial draws have the binomial mean and variance", () => {
    const rng = seededRng(5);
    const xs = Array.from({ length: 20000 }, () => binomialDraw(rng, 256, 0.7));
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length;
    expect(m).toBeCloseTo(256 * 0.7, 0);
    expect(v / (256 * 0.7 * 0.3)).toBeCloseTo(1, 1);
  });

  it("the analytic accuracy interval agrees with the parametric bootstrap", () => {
    const base = Array.from({ length: 200 }, (_, i) => ({ question_id: `q${i}`, n: 64, correct: (i * 7) % 65 }));
    const other = base.map((r) => ({ ...r, correct: Math.min(64, r.correct + 3) }));
    const [lo, hi] = fixedBenchmarkAccuracy(base, other, 0.05);
    const [blo, bhi] = fixedBenchmarkInterval(base, other, (n, c) => c / n, { resamples: 3000, seed: 2, alpha: 0.05 });
    expect(blo).toBeCloseTo(lo, 2);
    expect(bhi).toBeCloseTo(hi, 2);
  });
});

describe("contrasts from replicates", () => {
  it("gives percentile bounds and one-sided p-values that agree with them", () => {
    const reps = Float64Array.from({ length: 99 }, (_, i) => (i + 1) / 100); // 0.01 .. 0.99
    const c = contrastFromReplicates(0.5, reps, 10, 0.05, [0, 0.5, 1], "test");
    expect(c.ci[0]).toBeCloseTo(0.059, 10);
    expect(c.ci[1]).toBeCloseTo(0.941, 10);
    expect(c.p["0"]).toEqual({ above: 1 / 100, below: 1 });
    expect(c.p["1"]).toEqual({ above: 1, below: 1 / 100 });
    expect(c.p["0.5"]).toEqual({ above: 51 / 100, below: 51 / 100 });
  });
});

describe("unequal sample counts", () => {
  it("computes pass@k at each k over the questions with at least k samples", () => {
    const results = [
      { question_id: "a", n: 8, correct: 1 },
      { question_id: "b", n: 8, correct: 0 },
      { question_id: "c", n: 5, correct: 5 },
    ];
    const s = summarizeModel(results, studyBins(8));
    expect(s.samples_per_question).toBe(5);
    expect(s.modal_n).toBe(8);
    expect(Object.keys(s.pass_at_k)).toHaveLength(8);
    expect(s.pass_at_k["8"]).toBeCloseTo((1 + 0) / 2, 12); // a and b only
    expect(s.pass_at_k["5"]).toBeCloseTo((5 / 8 + 0 + 1) / 3, 12); // pass@5 of 1 in 8 = 1 - C(7,5)/C(8,5) = 5/8
    expect(s.pass_at_k_questions).toEqual([{ from_k: 6, to_k: 8, questions: 2 }]);
    expect(s.epsilon).toBeCloseTo(1 - 0.05 ** (1 / 8), 12);
  });
});
