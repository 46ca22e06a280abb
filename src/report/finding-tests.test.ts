// The length and keyword ratios' breakdown (issue 18): by correctness and by the base's four coarse bins.
import { describe, expect, it } from "vitest";
import { addTextFindingTests, findingTests, findingTestsWithoutTexts, type QuestionText, type TextPart } from "./finding-tests.js";
import { studyBins } from "../metrics/bins.js";
import type { QuestionResult } from "../metrics/summary.js";

// 8 questions at n = 8 (coarse bins at n = 8: 0-2, 3-4, 5-6, 7-8), two per coarse bin by the base's counts
const baseCorrect = [0, 2, 3, 4, 5, 6, 7, 8];
const results = (correct: number[]): QuestionResult[] => correct.map((c, i) => ({ question_id: `q${i}`, n: 8, correct: c }));
// per question: [correct responses, their chars, their keywords, incorrect chars, incorrect keywords] (8 responses each)
type Row = [number, number, number, number, number];
const texts = (rows: Row[]): Map<string, QuestionText> => new Map(rows.map(([cr, cc, ck, ic, ik], i) =>
  [`q${i}`, { responses: 8, chars: cc + ic, keywords: ck + ik, correct: { responses: cr, chars: cc, keywords: ck } }]));
const base: Row[] = baseCorrect.map((c, i) => [c, c * 40, c, (8 - c) * 60, (8 - c) * 2 + (i % 2)]);
// the trained model: every response half as long, and keywords gone from correct responses
const other: Row[] = base.map(([cr, cc, , ic, ik]) => [cr, cc / 2, 0, ic / 2, ik]);

const run = () => findingTests({
  results: new Map([["base", results(baseCorrect)], ["rl", results(baseCorrect)]]), base: "base", scheme: studyBins(8),
  texts: new Map([["base", texts(base)], ["rl", texts(other)]]),
}, { alpha: 0.05, margin: 0.01, text_margin: 0.05, resamples: 500, min_bin: 1, seed: 3 });

describe("the text ratios' breakdown", () => {
  it("gives each part the ratio of its own per-response means, by correctness and by coarse base bin", () => {
    const t = run().models["rl"]!;
    const length = t.length!, keywords = t.keywords!;
    // every response half as long: every part's length ratio is 0.5, its interval [0.5, 0.5]
    expect(length.estimate).toBeCloseTo(0.5, 12);
    for (const p of [...length.by_correctness, ...length.by_bin]) {
      expect([p.label, p.ratio!.estimate, ...p.ratio!.ci]).toEqual([p.label, expect.closeTo(0.5, 12), expect.closeTo(0.5, 12), expect.closeTo(0.5, 12)]);
    }
    expect(length.by_bin.map((p) => [p.label, p.questions])).toEqual([["0-2", 2], ["3-4", 2], ["5-6", 2], ["7-8", 2]]);
    // correct responses: 35 of 64 across the questions, 40 characters each in the base
    const correct = length.by_correctness[0]!;
    expect([correct.label, correct.base, correct.other, correct.questions]).toEqual(["correct", 40, 20, 7]);
    // incorrect: 60 characters each; the question solved 8 of 8 has none
    expect(length.by_correctness[1]).toMatchObject({ label: "incorrect", base: 60, other: 30, questions: 7 });
    // keywords: none left in correct responses (ratio 0), the incorrect ones unchanged (ratio 1)
    expect(keywords.by_correctness[0]!.ratio!.estimate).toBe(0);
    expect(keywords.by_correctness[1]!.ratio!.estimate).toBeCloseTo(1, 12);
    // bin 7-8 by hand: base keywords 7 + 2 + 0 (q6) and 8 + 0 + 1 (q7) over 16 responses; rl keeps only the incorrect ones' 2 + 0 and 0 + 1
    const top = keywords.by_bin[3]!;
    expect([top.base, top.other]).toEqual([18 / 16, 3 / 16]);
    expect(top.ratio!.estimate).toBeCloseTo(3 / 18, 12);
    // bin 0-2 by hand: base 16 (q0, no correct response) + 2 + 13 (q1); rl loses only q1's 2 correct ones
    const bottom = keywords.by_bin[0]!;
    expect(bottom.ratio!.estimate).toBeCloseTo(29 / 31, 12);
  });

  it("leaves a part without a ratio when the base's mean there is 0", () => {
    const noKeywords: Row[] = base.map(([cr, cc, , ic, ik]) => [cr, cc, 0, ic, ik]);
    const t = findingTests({
      results: new Map([["base", results(baseCorrect)], ["rl", results(baseCorrect)]]), base: "base", scheme: studyBins(8),
      texts: new Map([["base", texts(noKeywords)], ["rl", texts(base)]]),
    }, { alpha: 0.05, margin: 0.01, text_margin: 0.05, resamples: 200, min_bin: 1, seed: 1 }).models["rl"]!;
    const correct: TextPart = t.keywords!.by_correctness[0]!;
    expect([correct.base, correct.ratio]).toEqual([0, null]);
    expect(t.keywords!.by_correctness[1]!.ratio).not.toBeNull();
  });
});

describe("the findings' tests in two parts (analyze runs the first while its text scans run)", () => {
  it("draw what one pass draws: the same tests without texts, then the same text ratios, for several models and pairs", () => {
    const more = baseCorrect.map((c) => Math.max(0, c - 1));
    const inputs = {
      results: new Map([["base", results(baseCorrect)], ["rl", results(more)], ["distill", results(baseCorrect.map((c) => Math.min(8, c + 1)))]]),
      base: "base", scheme: studyBins(8),
      entropy: new Map(["base", "rl", "distill"].map((m, j) => [m, new Map(baseCorrect.map((c, i) => [`q${i}`, (c + j) / 5]))])),
      texts: new Map([["base", texts(base)], ["rl", texts(other)], ["distill", texts(base)]]),
      pairs: [["rl", "distill", "accuracy"], ["distill", "rl", "capability"]] as Array<[string, string, "accuracy" | "capability"]>,
    };
    const settings = { alpha: 0.05, margin: 0.01, text_margin: 0.05, resamples: 300, min_bin: 1, seed: 9 };
    const whole = findingTests(inputs, settings);
    const first = findingTestsWithoutTexts({ ...inputs, texts: undefined } as Omit<typeof inputs, "texts">, settings);
    for (const t of Object.values(first.models)) expect([t.length, t.keywords]).toEqual([undefined, undefined]);
    expect(JSON.stringify(addTextFindingTests(first, inputs, settings))).toBe(JSON.stringify(whole));
    // the text ratios are there, and differ between the models: each has seeds of its own
    expect(whole.models["rl"]!.length!.estimate).toBeCloseTo(0.5, 12);
    expect(whole.models["distill"]!.length!.estimate).toBeCloseTo(1, 12);
    expect(Object.keys(whole.pairs)).toHaveLength(2);
  });
});
