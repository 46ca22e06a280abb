// Grading conventions (--extract, --no-strict) and the extraction-level forms: tables of [gold, pred, expected],
// each expected value decided by what the convention says and by the mathematics, not by running the verifier.
import { describe, expect, it } from "vitest";
import { verify, extractAnswer } from "./verify.js";
import { boxCandidate, extractCandidates } from "./extract.js";
import { EXTRACT_NAMES, gradingLabel, parseExtractConvention, parseGradingLabel, type ExtractConvention } from "./conventions.js";

type Row = [gold: string, pred: string, expected: boolean];

function check(rows: readonly Row[], extract?: ExtractConvention, strict?: boolean) {
  for (const [gold, pred, expected] of rows) {
    const r = verify(gold, pred, { ...(extract ? { extract } : {}), ...(strict === undefined ? {} : { strict }) });
    expect([gold, pred, extract ?? "any", r.correct]).toEqual([gold, pred, extract ?? "any", expected]);
  }
}

// One response set graded under each convention: what is found where.
const NO_BOX = "We add them: 2 + 3 = 5. So the sum is 5.";
const BOX = "First 2 + 2 = 4, then \\boxed{5}.";
const BOX_THEN_TEXT = "So \\boxed{5}. Answer: 6";
const TAG = "<think>Maybe 4.</think><answer>5</answer>";
const TAG_WITH_BOX = "<answer>the value is \\boxed{5}, not 4</answer>";
const ANCHOR = "Adding gives 4, plus one.\nThe answer is 5.";
const HASHES = "2 + 3 = 5 apples\n#### 5";
const TWO_BOXES = "\\boxed{4} was wrong; redo: \\boxed{5}";

describe("extraction conventions", () => {
  it("any: the whole response is searched (rlvd's default, unchanged)", () => {
    check([["5", NO_BOX, true], ["5", BOX, true], ["6", BOX_THEN_TEXT, false], ["5", BOX_THEN_TEXT, true], ["5", TAG, true], ["5", TAG_WITH_BOX, true],
      ["5", ANCHOR, true], ["5", HASHES, true], ["5", TWO_BOXES, true], ["4", TWO_BOXES, false]]);
    check([["5", NO_BOX, true]], "any");
  });
  it("boxed: only the last box; no box is wrong", () => {
    check([["5", NO_BOX, false], ["5", BOX, true], ["4", BOX, false], ["5", BOX_THEN_TEXT, true], ["6", BOX_THEN_TEXT, false], ["5", TAG, false],
      ["5", TAG_WITH_BOX, true], ["5", ANCHOR, false], ["5", HASHES, false], ["5", TWO_BOXES, true], ["4", TWO_BOXES, false],
      ["5", "\\fbox{5}", true], ["5", "5", false]], "boxed");
    expect(verify("5", NO_BOX, { extract: "boxed" }).status).toBe("no_answer");
  });
  it("answer-tag: only the last <answer> tag (a box inside it first)", () => {
    check([["5", NO_BOX, false], ["5", BOX, false], ["5", TAG, true], ["4", TAG, false], ["5", TAG_WITH_BOX, true], ["4", TAG_WITH_BOX, false],
      ["5", "<answer>4</answer> ... <answer>5</answer>", true], ["4", "<answer>4</answer> ... <answer>5</answer>", false],
      ["\\frac{1}{2}", "<answer>$\\frac12$</answer>", true], ["5", ANCHOR, false]], "answer-tag");
  });
  it("final: answer anchors and the box, never a stray number", () => {
    check([["5", NO_BOX, false], ["5", BOX, true], ["5", TAG, true], ["5", ANCHOR, true], ["4", ANCHOR, false], ["5", HASHES, true],
      ["5", "The final answer is $5$. I hope it is correct.", true], ["5", "Answer: 5", true], ["5", "we get 5 in the end", false],
      ["5", "5", true], ["42", "work\n#### 42", true],
      // a markdown heading is not GSM8K's "####" anchor
      ["2", "#### Step 2: add\nSo we get $5$", false], ["5", "#### Step 2: add\nSo we get $5$", false]], "final");
    check([["5", "#### Step 2: add\nSo we get $5$", true], ["2", "#### Step 2: add\nSo we get $5$", false]]);
  });
  it("strict (math-verify's option): variables matched by position only when off; x = 5 matches 5 either way", () => {
    check([["x + 1", "$y + 1$", false], ["5", "$x = 5$", true], ["x = 5", "$5$", true]], "any", true);
    check([["x + 1", "$y + 1$", true], ["5", "$x = 5$", true], ["x = 5", "$5$", true], ["x + 1", "$y + 2$", false]], "any", false);
  });
});

describe("extraction forms", () => {
  it("a bare predicted answer is read as one", () => {
    check([["x^2 - 4", "(x-2)(x+2)", true], ["x^2 - 4", "(x-2)(x+3)", false], ["\\frac{3}{4}", "3/4", true], ["-7", "-7", true],
      ["\\sqrt{2}", "\\sqrt{2}", true], ["2\\pi", "2\\pi", true], ["(1,2)", "(1, 2)", true], ["x^2-4", "the product (x-2)(x+2) maybe", false]]);
    // the pred[] column of an eval output, graded as free text
    expect(extractAnswer("(x-2)(x+2)")).toBe("(x-2)(x+2)");
  });
  it("an answer prefix takes the whole answer after it, not its first number", () => {
    check([["3x - 1", "Answer: 3x - 1", true], ["3", "Answer: 3x - 1", false], ["3x-1", "The answer is 3x - 1.", true],
      ["2x+5", "So the answer is: 2x + 5", true], ["5", "Answer: 5 apples", true], ["x^2", "#### x^2", true],
      ["12", "the answer is 12 because 3 times 4 is 12", true]]);
    expect(extractAnswer("Answer: 3x - 1")).toBe("3x - 1");
  });
  it("answer anchors in other languages (lighteval's answer words)", () => {
    check([
      ["15", "所以答案是15个", true], ["16", "所以答案是15个", false], ["\\frac{1}{2}", "最终答案：$\\frac{1}{2}$", true],
      ["12", "On calcule 3 fois 4.\nRéponse : 12", true], ["9", "Calculamos 4 + 5 = 9 y luego 10.\nRespuesta: 9", true],
      ["4", "Wir rechnen 2 + 2 und 7.\nAntwort: 4", true], ["7", "Считаем 3 + 4 и 8.\nОтвет: 7", true],
      ["3", "計算すると 3 です。\n回答：3", true], ["6", "Obliczamy 2 i 9.\nOdpowiedź: 6", true], ["8", "Hesaplarsak 5 ve 1.\nCevap: 8", true],
    ], "final");
    // the anchor finds the answer; without anchors "final" sees nothing
    check([["7", "Считаем 3 + 4 = 7 и 8", false]], "final");
    // a word that merely contains an answer word is not an anchor
    check([["2", "Svaret blev annorlunda 2", false]], "final");
  });
  it("numbers glued to CJK characters", () => {
    check([["15", "一共有15个苹果", true], ["30", "答案：30元", true], ["42", "合計は42個です", true]]);
  });
  it("an unparsed box is no answer, never a fragment of it", () => {
    check([["2", "so \\boxed{\\sum_{k=1}^{10} 2^k}", false], ["7", "$\\boxed{\\lim_{x\\to 0} 7x}$", false],
      ["1", "we set $k=1$ and get \\boxed{\\sum_{k=1}^{10} 2^k}", false], ["10", "\\boxed{\\int_0^{10} x dx}", false]]);
    check([["2", "so \\boxed{\\sum_{k=1}^{10} 2^k}", false]], "boxed");
    const r = verify("2", "so \\boxed{\\sum_{k=1}^{10} 2^k}");
    expect(r.status).toBe("parse_error");
    expect(r.extracted).toBe("\\sum_{k=1}^{10} 2^k");
    // a box that parses is still found next to one that does not
    check([["5", "\\boxed{\\sum_k 2^k} no wait, \\boxed{5}", true]]);
  });
});

describe("the convention table", () => {
  it("parses every declared name and rejects others in one line", () => {
    for (const n of EXTRACT_NAMES) expect(parseExtractConvention(n)).toBe(n);
    expect(() => parseExtractConvention("last-box")).toThrow(/^--extract must be one of any, boxed, answer-tag, final \(got "last-box"\)$/);
    expect(() => parseExtractConvention(undefined, "body.extract")).toThrow(/^body\.extract must be one of/);
  });
  it("labels round-trip, and a missing label is the default", () => {
    for (const extract of EXTRACT_NAMES) for (const strict of [true, false]) expect(parseGradingLabel(gradingLabel({ extract, strict }))).toEqual({ extract, strict });
    expect(gradingLabel({ extract: "boxed" })).toBe("boxed");
    expect(gradingLabel({ extract: "boxed", strict: false })).toBe("boxed non-strict");
    expect(parseGradingLabel(null)).toEqual({ extract: "any", strict: true });
  });
});

describe("the box shortcut", () => {
  it("gives the first candidate of the full search whenever it applies, and stays out of the way otherwise", () => {
    const responses = [BOX, BOX_THEN_TEXT, TAG_WITH_BOX, TWO_BOXES, NO_BOX, ANCHOR, "so \\boxed{\\sum_{k=1}^{10} 2^k}", "$\\boxed{1}, \\boxed{2}$",
      "\\boxed{5} and later Answer: 6", "The final answer is $\\boxed{3}$. I hope it is correct.", "\\boxed{}", "x \\boxed{10\\%} percent",
      "**Answer**: \\boxed{4}<|im_end|>\\boxed{9}"];
    let applied = 0;
    for (const r of responses) for (const extract of EXTRACT_NAMES) {
      const short = boxCandidate(r, { extract });
      if (short === null) continue;
      applied++;
      const full = extractCandidates(r, { extract })[0]!;
      expect([r, extract, short[0]!.text, short[0]!.lastBox]).toEqual([r, extract, full.text, full.lastBox]);
    }
    expect(applied).toBeGreaterThan(10);
    expect(boxCandidate(TAG_WITH_BOX)).toBeNull();
    expect(boxCandidate(BOX, { extract: "answer-tag" })).toBeNull();
    expect(boxCandidate("The final answer is $\\boxed{3}$. I hope it is correct.")).toBeNull();
  });
});
