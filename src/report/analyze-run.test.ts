import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sampleBinomial } from "../metrics/fit-simulate.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { importCountsFile } from "../store/import-counts.js";
import { importSamplesFile } from "../store/import-samples.js";
import { analyzeRun } from "./analyze-run.js";
import { formatAnalysis } from "./analysis-text.js";

const tmp = useTmpDirs();

/** base: samples with answers; rl: counts only. Every expected value below is worked out by hand. */
async function fixture(): Promise<string> {
  const dir = tmp();
  const run = join(dir, "run");
  const base = [
    ["q1", ["1", "1", "2", null], [true, true, false, false], ["wait, \\boxed{1}", "\\boxed{1}", "hmm \\boxed{2}", "no answer here"]],
    ["q2", ["5", "6", "7", "8"], [false, false, false, false], ["a", "bb", "ccc", "dddd"]],
    ["q3", ["3", "3", "3", "3"], [true, true, true, true], ["xx", "xx", "xx", "xx"]],
  ] as const;
  const lines = base.flatMap(([q, answers, verdicts, texts]) =>
    answers.map((a, i) => ({ model: "base", question: q, sample_index: i, response: texts[i], extracted: a, correct: verdicts[i] })),
  );
  await importSamplesFile(run, writeJsonl(dir, "base.jsonl", lines));
  await importCountsFile(run, writeJsonl(dir, "rl.jsonl", [
    { model: "rl", question: "q1", n: 4, correct: 4 },
    { model: "rl", question: "q2", n: 4, correct: 0 },
    { model: "rl", question: "q3", n: 4, correct: 3 },
  ]));
  return run;
}

describe("analyzeRun", () => {
  it("summarises each model with hand-checked accuracy, pass@k, maj@k and entropy", async () => {
    const a = await analyzeRun(await fixture(), { base: "base" });
    const base = a.models.base!;
    expect(base.questions).toBe(3);
    expect(base.samples_per_question).toBe(4);
    expect(base.samples_total).toBe(12);
    expect(base.accuracy).toBeCloseTo(0.5, 12); // (2/4 + 0 + 4/4) / 3
    expect(base.pass_at_k["2"]).toBeCloseTo((5 / 6 + 0 + 1) / 3, 12);
    expect(base.pass_at_k["4"]).toBeCloseTo(2 / 3, 12);
    expect(base.unsolved).toBe(1);
    expect(base.epsilon).toBeCloseTo(1 - 0.05 ** (1 / 4), 12);
    expect(base.maj_at_k!["4"]).toBeCloseTo(2 / 3, 12); // q1 "1" wins, q2 four-way tie of wrong answers, q3 right
    const h1 = -(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25)); // "1" x2, "2", no answer
    expect(base.answer_entropy).toBeCloseTo((h1 + Math.log(4) + 0) / 3, 12);
    expect(base.bins.map((b) => [b.label, b.questions])).toEqual([["0", 1], ["1", 0], ["2", 1], ["3", 0], ["4", 1]]);
    // lengths: correct responses are "wait, \boxed{1}" (15), "\boxed{1}" (9) and four "xx"
    expect(base.length!.chars.correct).toBeCloseTo((15 + 9 + 4 * 2) / 6, 12);
    expect(base.length!.chars.incorrect).toBeCloseTo((13 + 14 + 1 + 2 + 3 + 4) / 6, 12);
    expect(base.keywords!.by_keyword.wait).toEqual({ correct: 1 / 6, incorrect: 0 });
    expect(base.keywords!.by_keyword.hmm).toEqual({ correct: 0, incorrect: 1 / 6 });
    expect(a.models.rl!.accuracy).toBeCloseTo((1 + 0 + 0.75) / 3, 12);
    expect(a.models.rl!.maj_at_k).toBeUndefined(); // counts only: no answers to vote with
  });

  it("compares against the base's bins: per-bin deltas and the transition matrix", async () => {
    const a = await analyzeRun(await fixture(), { base: "base" });
    expect(a.comparisons).toHaveLength(1);
    const c = a.comparisons[0]!;
    expect(c.questions).toBe(3);
    const byLabel = Object.fromEntries(c.bin_accuracy_delta.map((b) => [b.label, b]));
    expect(byLabel["2"]).toMatchObject({ questions: 1, base_accuracy: 0.5, other_accuracy: 1, delta: 0.5 });
    expect(byLabel["4"]).toMatchObject({ questions: 1, base_accuracy: 1, other_accuracy: 0.75, delta: -0.25 });
    expect(byLabel["1"]).toMatchObject({ questions: 0, delta: null });
    expect(c.transition).toEqual([
      [1, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 1, 0],
    ]);
    expect(c.pass_at_k_delta["1"]).toBeCloseTo((1 + 0 + 0.75) / 3 - 0.5, 12);
    expect(c.pass_at_k_delta["4"]).toBeCloseTo(0, 12);
    expect(c.significance.accuracy.delta).toBeCloseTo(0.25 / 3, 12);
    expect(formatAnalysis(a)).toContain("rl vs base (3 shared questions");
  });

  it("has no comparisons without a base, and rejects an unknown base", async () => {
    const run = await fixture();
    // the fixture has a model literally named "base", which is the default
    expect((await analyzeRun(run)).base).toBe("base");
    await expect(analyzeRun(run, { base: "nope" })).rejects.toThrow(/no model named nope \(models: base, rl\)/);
  });

  it("warns about questions with fewer samples", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await importCountsFile(run, writeJsonl(dir, "c.jsonl", [
      { model: "m", question: "a", n: 8, correct: 1 },
      { model: "m", question: "b", n: 8, correct: 2 },
      { model: "m", question: "c", n: 5, correct: 5 },
    ]));
    const a = await analyzeRun(run);
    expect(a.models.m!.samples_per_question).toBe(5);
    expect(a.models.m!.short_questions).toEqual(["c"]);
    expect(a.warnings.join("\n")).toMatch(/model m: 1 questions have fewer samples than the rest: c/);
  });

  it("says what unequal sample counts and a k beyond n do, never dropping either silently", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const lines = [];
    for (let q = 0; q < 12; q++) {
      const n = q === 3 ? 4 : 16; // one short question
      lines.push({ model: "base", question: `q${q}`, n, correct: Math.min(n, q) });
      lines.push({ model: "rl", question: `q${q}`, n, correct: Math.min(n, q + 1) });
    }
    await importCountsFile(run, writeJsonl(dir, "c.jsonl", lines));
    const a = await analyzeRun(run, { ks: [1, 4, 16, 300] });
    const w = a.warnings.join("\n");
    expect(w).toMatch(/model base: 1 questions have fewer samples than the rest: q3; pass@k at each k is over the questions with at least k samples \(k = 5\.\.16 over 11 of 12 questions\); bins and epsilon refer to the modal n = 16/);
    expect(w).toContain("comparison base -> rl: k = 300 requested, but no shared question has that many samples in both models: not tested");
    expect(w).toContain("comparison base -> rl: pass@16 is tested over the 11 of 12 shared questions with at least 16 samples in both models");
    const c = a.comparisons[0]!;
    expect(Object.keys(c.significance.pass_at_k)).toEqual(["1", "4", "16"]);
    expect(c.untested_ks).toEqual([300]);
    expect(a.models.base!.pass_at_k["16"]).toBeDefined();
    // the findings' capability test is at the modal n = 16, over the 11 questions that have it
    expect(a.finding_tests!.models.rl!.capability).toMatchObject({ k: 16, n: 11 });
  });
});

describe("analyzeRun: pass@k beyond n", () => {
  it("fits counts-only data and reports pass@k up to 16 n with intervals, the unbiased numbers unchanged", async () => {
    const { seededRng } = await import("../metrics/rng.js");
    const dir = tmp();
    const run = join(dir, "run");
    // p ~ Beta(1, 1): the population's pass@k is k / (k + 1)
    const rng = seededRng(5);
    const lines = Array.from({ length: 400 }, (_, i) => {
      const p = rng();
      return { model: "m", question: `q${i}`, n: 16, correct: sampleBinomial(rng, 16, p) };
    });
    await importCountsFile(run, writeJsonl(dir, "counts.jsonl", lines));
    const a = await analyzeRun(run, { fitKs: [3000] });
    const m = a.models.m!;
    const fit = m.pass_at_k_fit!;
    const ks = Object.keys(fit).map(Number).sort((x, y) => x - y);
    expect(ks[0]).toBe(1);
    expect(ks).toContain(256);
    expect(ks).toContain(3000);
    let last = 0;
    for (const k of ks) {
      const p = fit[String(k)]!;
      expect(p.estimate).toBeGreaterThanOrEqual(last);
      expect(p.ci[0]).toBeLessThanOrEqual(p.estimate);
      expect(p.ci[1]).toBeGreaterThanOrEqual(p.estimate);
      last = p.estimate;
    }
    expect(fit["256"]!.estimate).toBeGreaterThan(256 / 257 - 0.02);
    expect(fit["16"]!.estimate).toBeCloseTo(m.pass_at_k["16"]!, 1);
    expect(m.pass_at_k_fit_model!.samples_per_question).toBe(16);
    // below n the reported curve is still the unbiased estimator
    expect(Object.keys(m.pass_at_k)).toHaveLength(16);
    const off = await analyzeRun(run, { fit: false });
    expect(off.models.m!.pass_at_k_fit).toBeUndefined();
  });
});

describe("analyzeRun: fit per base bin", () => {
  it("fits each other model on the questions of each base bin, only when asked", async () => {
    const run = await fixture();
    const a = await analyzeRun(run, { base: "base", fitBins: true });
    const bins = a.models.rl!.pass_at_k_fit_bins!;
    // base bins at n = 4: q2 (0 correct) in "0", q1 (2) in "2", q3 (4) in "4"
    expect(bins.map((b) => [b.label, b.questions])).toEqual([["0", 1], ["2", 1], ["4", 1]]);
    for (const b of bins) expect(Object.keys(b.pass_at_k_fit)).toEqual(["4", "16", "64"]);
    // rl solved q2 (base bin 0) never: its fitted pass@64 there stays below the one in base bin 4 (rl 3 of 4)
    expect(bins[0]!.pass_at_k_fit["64"]!.estimate).toBeLessThan(bins[2]!.pass_at_k_fit["64"]!.estimate);
    expect(a.models.base!.pass_at_k_fit_bins).toBeUndefined();
    expect((await analyzeRun(run, { base: "base" })).models.rl!.pass_at_k_fit_bins).toBeUndefined();
  });
});
