import { describe, expect, it } from "vitest";
import { binsFromUpperEdges } from "./bins.js";
import { analyzeSeries, solvedTransitions } from "./series.js";
import type { QuestionResult } from "./summary.js";

const n = 16;
const counts = (cs: Record<string, number>): QuestionResult[] => Object.entries(cs).map(([question_id, correct]) => ({ question_id, n, correct }));
// bins [0], [1-8], [9-16] of the base's 16 samples
const scheme = binsFromUpperEdges([0, 8, 16], n);

describe("analyzeSeries on hand-made counts", () => {
  // base bins: a -> "0", b and c -> "1-8", d -> "9-16"
  const base = counts({ a: 0, b: 2, c: 8, d: 16 });
  const step10 = counts({ a: 1, b: 0, c: 8, d: 16 });
  const step20 = counts({ a: 0, b: 0, c: 12, d: 16 });
  // given out of order: the series is by step
  const { entries, fall } = analyzeSeries([{ model: "rl@step-20", step: 20, results: step20 }, { model: "rl@step-10", step: 10, results: step10 }], { results: base, scheme });

  it("orders the snapshots by step", () => {
    expect(entries.map((e) => [e.model, e.step])).toEqual([["rl@step-10", 10], ["rl@step-20", 20]]);
  });

  it("gives accuracy and pass@k at 1 and 16 (256 is beyond n = 16)", () => {
    expect(entries[0]!.accuracy).toBeCloseTo(25 / 64, 12); // (1 + 0 + 8 + 16) / (4 x 16)
    expect(entries[0]!.pass_at_k).toEqual({ "1": expect.closeTo(25 / 64, 12), "16": expect.closeTo(3 / 4, 12) }); // a, c, d solved
    expect(entries[1]!.accuracy).toBeCloseTo(28 / 64, 12);
    expect(entries[1]!.pass_at_k["16"]).toBeCloseTo(1 / 2, 12); // c, d
  });

  it("measures every step on the base's bins", () => {
    expect(entries[0]!.bin_accuracy).toEqual([
      { label: "0", questions: 1, accuracy: 1 / 16 },
      { label: "1-8", questions: 2, accuracy: (0 + 8 / 16) / 2 },
      { label: "9-16", questions: 1, accuracy: 1 },
    ]);
    // c moved up to 12 of 16 but stays in the base's "1-8" bin: the bins do not move with the snapshot
    expect(entries[1]!.bin_accuracy.map((b) => b.accuracy)).toEqual([0, (0 + 12 / 16) / 2, 1]);
  });

  it("counts questions won and lost from the previous snapshot and from the base", () => {
    // step 10 against the base: a won (0 -> 1), b lost (2 -> 0)
    expect(entries[0]).toMatchObject({ won: 1, lost: 1, won_from_base: 1, lost_from_base: 1 });
    // step 20 against step 10: a lost again (1 -> 0); against the base: only b lost (a is unsolved in both)
    expect(entries[1]).toMatchObject({ won: 0, lost: 1, won_from_base: 0, lost_from_base: 1 });
  });

  it("pairs pass@N with the base (N = 16 here)", () => {
    // per-question pass@16 differences: step 10: a +1, b -1 -> 0; step 20: b -1 -> -1/4
    expect(entries[0]!.pass_at_n_vs_base).toMatchObject({ k: 16, delta: 0 });
    expect(entries[1]!.pass_at_n_vs_base!.delta).toBeCloseTo(-0.25, 12);
    // a resample of 4 questions without b has difference 0 (chance (3/4)^4 = 32%): the interval reaches 0, no fall
    expect(entries[1]!.pass_at_n_vs_base!.ci[1]).toBe(0);
    expect(fall).toEqual({ k: 16, step: null, model: null });
  });
});

describe("the first step at which capability falls", () => {
  // 40 questions, all solved by the base; step 100 loses 1 of them, step 200 loses 20, step 300 wins 10 back
  const ids = Array.from({ length: 40 }, (_, i) => `q${i}`);
  const make = (unsolved: number) => ids.map((question_id, i) => ({ question_id, n, correct: i < unsolved ? 0 : 4 }));
  const base = make(0);
  const series = [
    { model: "rl@step-100", step: 100, results: make(1) },
    { model: "rl@step-200", step: 200, results: make(20) },
    { model: "rl@step-300", step: 300, results: make(10) },
  ];

  it("is the first snapshot whose paired pass@N interval lies below zero", () => {
    const { entries, fall } = analyzeSeries(series, { results: base, scheme });
    // 1 of 40 lost: differences are 0 except one -1; a resample without it (chance (39/40)^40 = 36%) reaches 0
    expect(entries[0]!.pass_at_n_vs_base!.ci[1]).toBe(0);
    // 20 of 40 lost: delta -1/2, and a bootstrap mean of 40 draws with p = 1/2 is far from 0
    expect(entries[1]!.pass_at_n_vs_base!.delta).toBeCloseTo(-0.5, 12);
    expect(entries[1]!.pass_at_n_vs_base!.ci[1]).toBeLessThan(0);
    expect(fall).toEqual({ k: 16, step: 200, model: "rl@step-200" });
    // step 300 against step 200: questions 10..19 won back, none lost
    expect(entries[2]).toMatchObject({ won: 10, lost: 0, won_from_base: 0, lost_from_base: 10 });
  });

  it("without a base: no bins, no comparison with the base, won/lost only between snapshots", () => {
    const { entries, fall } = analyzeSeries(series, null);
    expect(entries[0]).toMatchObject({ bin_accuracy: [], won: null, lost: null, won_from_base: null, pass_at_n_vs_base: null });
    expect(entries[1]).toMatchObject({ won: 0, lost: 19 });
    expect(fall).toEqual({ k: null, step: null, model: null });
  });

  it("refuses two snapshots at one step", () => {
    expect(() => analyzeSeries([series[0]!, { ...series[1]!, step: 100 }], null)).toThrow(/two snapshots at step 100/);
  });
});

describe("solvedTransitions", () => {
  it("counts only questions both models have", () => {
    const before = [{ question_id: "x", n: 4, correct: 0 }, { question_id: "y", n: 4, correct: 2 }];
    const after = [{ question_id: "x", n: 8, correct: 1 }, { question_id: "z", n: 8, correct: 0 }];
    expect(solvedTransitions(before, after)).toEqual({ won: 1, lost: 0 });
  });
});
