import { describe, expect, it } from "vitest";
import { AdaptiveAllocator, adaptiveSchedule, finalBin, type AdaptiveOptions } from "./adaptive.js";
import { binsFromUpperEdges, studyBins } from "./bins.js";
import { sampleBeta, sampleBinomial } from "./fit-simulate.js";
import { seededRng } from "./rng.js";

/** One adaptive run on questions with known p: returns the allocator after its last round. */
function run(ps: number[], seed: number, options: AdaptiveOptions & { schedule: number[] }) {
  const rng = seededRng(seed);
  const scheme = studyBins(options.schedule[options.schedule.length - 1]!);
  const alloc = new AdaptiveAllocator(ps.length, scheme, options);
  for (let req = alloc.request(); req.length > 0; req = alloc.request()) {
    for (const { question, samples } of req) alloc.record(question, samples, sampleBinomial(rng, samples, ps[question]!));
    alloc.decide(rng);
  }
  return alloc;
}

describe("adaptive sampling", () => {
  const rng = seededRng(42);
  // a population like the study's: some never solved, many rarely, a bulk spread out
  const ps = Array.from({ length: 150 }, () => (rng() < 0.08 ? 0 : sampleBeta(rng, 0.5, 0.7)));
  const N = 64;

  // the default priced rule (unsolved questions allowed to stop, so pass@N's increments are tested too) and the
  // first version's tapered threshold with its stricter rule for unsolved questions
  it.each([
    { label: "budget, misses 5%", options: { schedule: [8, 16, 32, 64], rule: "budget", misses: 0.05, keep: 0.2, unsolvedSettle: 0.9 } },
    { label: "threshold, tapered, unsolved held to 0.9", options: { schedule: [8, 16, 32, 64], rule: "threshold", settle: 0.8, keep: 0.2, taper: 1, unsolvedSettle: 0.9 } },
  ] satisfies Array<{ label: string; options: AdaptiveOptions & { schedule: number[] } }>)("$label: returns unbiased accuracy and pass@N over seeded replications, while the naive c / n is biased", ({ options }) => {
    const truthAcc = ps.reduce((s, p) => s + p, 0) / ps.length;
    const truthPass = ps.reduce((s, p) => s + (1 - (1 - p) ** N), 0) / ps.length;
    const acc: number[] = [], pass: number[] = [], naive: number[] = [], share: number[] = [];
    for (let r = 0; r < 150; r++) {
      const a = run(ps, 1000 + r, options);
      const e = a.estimates();
      acc.push(e.accuracy);
      pass.push(e.pass_at_full);
      naive.push(a.questions.reduce((s, q) => s + q.correct / q.n, 0) / ps.length);
      share.push(e.samples / e.samples_full);
    }
    const stats = (xs: number[]) => {
      const m = xs.reduce((s, x) => s + x, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
      return { m, se: sd / Math.sqrt(xs.length) };
    };
    const A = stats(acc), P = stats(pass), B = stats(naive);
    expect(Math.abs(A.m - truthAcc)).toBeLessThan(4 * A.se);
    expect(Math.abs(P.m - truthPass)).toBeLessThan(4 * P.se);
    // the test can fail: stopping on what was seen biases the plain per-question fraction
    expect(Math.abs(B.m - truthAcc)).toBeGreaterThan(4 * B.se);
    // and it did save samples
    expect(stats(share).m).toBeLessThan(0.8);
  }, 600_000);

  it("stops settled questions: one always solved or never solved needs few samples, one near a bin edge all", () => {
    const fill = seededRng(3);
    const a = run([1, 0, 0.5, ...Array.from({ length: 60 }, () => fill())], 7, { schedule: [16, 32, 64, 128, 256], rule: "threshold", settle: 0.9, keep: 1e-9 });
    expect(a.questions[0]!.n).toBe(16);
    expect(a.questions[2]!.n).toBeGreaterThanOrEqual(128); // p = 0.5 is the edge between 65-128 and 129-192 at n = 256
    // never solved in 16: the zero-inflated prior cannot rule out a rare success, so it is sampled further
    expect(a.questions[1]!.n).toBeGreaterThan(16);
  });

  it("finalBin: with the full n drawn the bin is certain; the predictive over the rest sums to a probability", () => {
    const scheme = binsFromUpperEdges([0, 4, 16, 256], 256);
    const prior = { a: 0.5, b: 0.5, w0: 0.05, w1: 0 };
    expect(finalBin(prior, scheme, 256, 3, 256)).toEqual({ bin: 1, probability: 1 });
    const r = finalBin(prior, scheme, 16, 0, 256);
    expect(r.probability).toBeGreaterThan(0);
    expect(r.probability).toBeLessThanOrEqual(1);
    expect(finalBin(prior, scheme, 128, 64, 256).bin).toBe(3);
  });

  it("rejects bad settings", () => {
    const scheme = studyBins(16);
    expect(() => new AdaptiveAllocator(3, scheme, { schedule: [8, 8] })).toThrow(/increasing/);
    expect(() => new AdaptiveAllocator(3, scheme, { keep: 0 })).toThrow(/keep/);
  });
});

describe("adaptiveSchedule", () => {
  it("scales the study's rounds to k, ends at k, and merges rounds that collapse", () => {
    expect(adaptiveSchedule(256)).toEqual([16, 24, 32, 48, 64, 96, 128, 192, 256]);
    expect(adaptiveSchedule(1024)).toEqual([64, 96, 128, 192, 256, 384, 512, 768, 1024]);
    expect(adaptiveSchedule(16)).toEqual([1, 2, 3, 4, 6, 8, 12, 16]);
    expect(adaptiveSchedule(1)).toEqual([1]);
  });
});
