import { describe, expect, expectTypeOf, it } from "vitest";
import { answersEquivalent, extractAnswer, verify, type VerifyResult } from "./verify.js";

type Row = [gold: string, pred: string, expected: boolean];

function table(rows: Row[], predIsAnswer = true) {
  for (const [gold, pred, expected] of rows) {
    it(`${JSON.stringify(gold)} vs ${JSON.stringify(pred)} -> ${expected}`, () => {
      const r = verify(gold, pred, { predIsAnswer });
      expect(r.correct, JSON.stringify(r)).toBe(expected);
    });
  }
}

// Hand-written regression tables [gold, pred, expected], grouped by the answer form they exercise.
describe("verify: numbers", () => {
  // Exact rationals where possible; a decimal meets an exact value after rounding to 6 places;
  // a rounded decimal never equals an irrational.
  table([
    ["\\frac{1}{2}", "0.5", true],
    ["\\frac12", "\\dfrac{1}{2}", true],
    ["\\frac{1}{3}", "0.333333", true],
    ["\\frac{1}{3}", "0.33", false],
    ["\\sqrt{2}", "1.41", false],
    ["\\sqrt{2}", "\\frac{2}{\\sqrt{2}}", true],
    ["2\\sqrt{2}", "\\sqrt{8}", true],
    ["\\sqrt3", "\\sqrt{3}", true],
    ["-\\frac{1}{2}", "\\frac{-1}{2}", true],
    [".5", "\\frac{1}{2}", true],
    ["0.5", "1/2", true],
    ["3\\frac{1}{2}", "\\frac{7}{2}", true],
    ["3\\frac12", "3.5", true],
    ["1\\frac{1}{4}", "\\frac54", true],
    ["2.5 \\times 10^{3}", "2500", true],
    ["2500", "2.5e3", true],
    ["7", "7.0", true],
    ["7", "7.01", false],
    ["4\\pi", "4 \\pi", true],
    ["\\frac{\\pi}{4}", "0.785", false],
    ["\\frac{9}{4}\\pi", "\\frac94\\pi", true],
    ["100", "10^2", true],
    ["120", "5!", true],
    ["\\binom{5}{2}", "10", true],
    ["\\infty", "\\infty", true],
    ["-\\infty", "\\infty", false],
  ]);
});

describe("verify: thousands separators, units, currency", () => {
  table([
    ["1,000,000", "1000000", true],
    ["10{,}000", "10000", true],
    ["10,\\!000", "10000", true],
    ["1000", "1,000", true],
    ["\\$18.90", "18.9", true],
    ["18.90", "\\$18.90", true],
    ["12\\text{ cm}^2", "12", true],
    ["12", "12 \\text{ square units}", true],
    ["125", "125\\textnormal{ miles}", true],
    ["15", "15 \\mbox{ cm}", true],
  ]);
});

describe("verify: percent and degrees", () => {
  // MATH grades 25% as 25 and as 0.25; degrees equal their value and their radians.
  table([
    ["25\\%", "25", true],
    ["25\\%", "0.25", true],
    ["25", "25\\%", true],
    ["25\\%", "2.5", false],
    ["60^\\circ", "60", true],
    ["60^\\circ", "\\frac{\\pi}{3}", true],
    ["90^\\circ", "\\pi", false],
    ["30", "30^{\\circ}", true],
    ["45", "45 degrees", true],
  ]);
});

describe("verify: bases and multiple choice", () => {
  table([
    ["1011_2", "1011_{2}", true],
    ["1011_2", "1011", true],
    ["1011_2", "11", false],
    ["204_5", "204_{5}", true],
    ["\\text{(C)}", "C", true],
    ["\\textbf{(B)}", "(B)", true],
    ["A", "B", false],
    ["\\text{(C)}", "(C) Plane", true],
  ]);
});

describe("verify: expressions with variables", () => {
  table([
    ["x^2+2x+1", "(x+1)^2", true],
    ["x^2+2x+1", "(x-1)^2", false],
    ["\\frac{x+2}{7}", "\\frac{x}{7}+\\frac{2}{7}", true],
    ["\\sin x \\cos x", "\\frac{\\sin 2x}{2}", true],
    ["\\tan^2 y + 1", "\\sec^2 y", true],
    ["4a-2", "2(2a-1)", true],
    ["4a-2", "4b-2", false],
    ["\\pi r^2", "r^2\\pi", true],
    ["2k+2", "2(k+1)", true],
    ["(a+5)(b+2)", "ab+2a+5b+10", true],
  ]);
});

describe("verify: equations and inequalities", () => {
  table([
    ["y=2x+3", "y=3+2x", true],
    ["y = 2x+3", "2x - y + 3 = 0", true],
    ["y=2x+3", "y=2x-3", false],
    ["x=5", "5", true],
    ["5", "x = 5", true],
    ["x = 5", "y = 5", false],
    ["2x+z=1", "1", false],
    ["x \\ge 5", "5 \\le x", true],
    ["x < 1", "-x > -1", true],
    ["x < 1", "x > -1", false],
    ["x \\le 2", "x < 2", false],
    ["x \\ge 2", "[2, \\infty)", true],
    ["x > 2", "[2,\\infty)", false],
    ["-2 < x \\le 7", "(-2, 7]", true],
  ]);
});

describe("verify: intervals, sets, tuples", () => {
  table([
    ["(1,2)", "(2,1)", false],
    ["(1,2)", "(1, 2)", true],
    ["[0,1)", "[0,1]", false],
    ["(-\\infty, 3] \\cup (5, \\infty)", "(5,\\infty)\\cup(-\\infty,3]", true],
    ["(-\\infty, 3] \\cup (5, \\infty)", "(-\\infty, 3) \\cup (5, \\infty)", false],
    ["\\{1,2,3\\}", "3,2,1", true],
    ["1,2,3", "\\{1,2\\}", false],
    ["-2, 1", "1, -2", true],
    ["(6,31,-1)", "(6, 31, -1)", true],
    ["(6,31,-1)", "(31, 6, -1)", false],
    ["\\left( 3, \\frac{\\pi}{2} \\right)", "(3, \\frac{\\pi}{2})", true],
    ["1 \\pm \\sqrt{19}", "1+\\sqrt{19}, 1-\\sqrt{19}", true],
    ["\\pm 2", "2", false],
    ["\\pm 2", "-2, 2", true],
    ["\\mathbb{R}", "(-\\infty, \\infty)", true],
  ]);
});

describe("verify: vectors, matrices, complex numbers, text", () => {
  table([
    ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}", true],
    ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}2\\\\1\\end{pmatrix}", false],
    ["\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}", true],
    ["\\begin{pmatrix} 1/2 \\\\ 3 \\end{pmatrix}", "(0.5, 3)", true],
    ["\\begin{pmatrix} 6 & 8 \\\\ 10 & 12 \\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}+\\begin{pmatrix}5&6\\\\7&8\\end{pmatrix}", true],
    ["\\begin{pmatrix} 2 & 1 \\\\ 4 & 3 \\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}\\begin{pmatrix}0&1\\\\1&0\\end{pmatrix}", true],
    ["(2,4)", "2\\begin{pmatrix}1\\\\2\\end{pmatrix}", true],
    ["3+4i", "4i+3", true],
    ["2i", "(1+i)^2", true],
    ["1-i", "1+i", false],
    ["\\text{Evelyn}", "evelyn", true],
    ["\\text{odd}", "\\text{even}", false],
    ["\\text{no solution}", "\\text{No Solution}", true],
  ]);
});

describe("verify: plain-text and less common spellings", () => {
  table([
    ["5\\sqrt{2}", "5*sqrt(2)", true],
    ["\\frac{\\sqrt2}{2}", "sqrt(2)/2", true],
    ["2\\pi", "2pi", true],
    ["\\emptyset", "\\{\\}", true],
    ["f^{-1}(x) = \\frac{x-3}{2}", "\\frac{x-3}{2}", true],
    ["5", "\\text{The answer is } 5", true],
    ["[-3, 2]", "-3 \\le x \\le 2", true],
    ["e^{i\\pi}", "-1", true],
    ["\\arctan 1", "\\frac{\\pi}{4}", true],
    ["\\log 100", "2", true],
    ["(1, -2, 3)", "\\begin{pmatrix} 1 \\\\ -2 \\\\ 3 \\end{pmatrix}", true],
    ["\\{2\\}", "2", true],
    ["y^2 = 4x", "4x = y^2", true],
    ["x=2 \\text{ or } x=3", "2,3", true],
    ["1\\frac{1}{2}\\text{ cups}", "1.5", true],
    ["-\\frac{\\sqrt{2}}{2}", "-\\frac{1}{\\sqrt{2}}", true],
    ["\\text{3 hours}", "3", true],
    ["0.\\overline{3}", "\\frac13", true],
    ["4:30 \\text{ p.m.}", "4:30pm", true],
    ["4:30 \\text{ p.m.}", "4:30 a.m.", false],
    ["12:00", "12:00", true],
    ["12:00", "1:00", false],
  ]);
});

describe("verify: extraction from responses", () => {
  table(
    [
      ["5", "so the answer is $\\boxed{5}$.", true],
      ["5", "First $\\boxed{4}$, but wait: actually $\\boxed{5}$", true],
      ["5", "The answer is 5.", true],
      ["5", "Final Answer: The final answer is $5$. I hope it is correct.", true],
      ["5", "<answer>5</answer>", true],
      ["5", "**Answer:** **5**", true],
      ["5", "$\\boxed{5}$<|im_end|> $\\boxed{6}$", true],
      ["1,2", "The roots are $\\boxed{1}$ and $\\boxed{2}$.", true],
      // side-by-side boxes are a list only for a list gold; otherwise the last box wins
      ["2", "The roots are $\\boxed{1}$ and $\\boxed{2}$.", true],
      ["1", "The roots are $\\boxed{1}$ and $\\boxed{2}$.", false],
      ["\\frac{1}{2}", "\\fbox{1/2}", true],
      ["\\frac{14}{3}", "We get $2+\\frac{5}{3}+1=\\boxed{\\frac{14}{3}}$", true],
      ["9", "So, 196 has 9 positive divisors.", true],
      ["-\\frac{\\pi}{6}", "The value is $-\\frac{\\pi}{6}$ radians.", true],
      ["3", "\\[ x = 3 \\]", true],
      ["(2,12) \\cup (12,102)", "the domain is $x \\in \\boxed{(2,12) \\cup (12,102)}$", true],
    ],
    false,
  );
});

describe("verify: how models write boxed answers", () => {
  // Spellings seen in model outputs: units and currency inside the box, assignments, approximations,
  // degrees for radians, repeating decimals, option letters.
  table(
    [
      ["10\\sqrt{3}", "The answer is $10 \\sqrt 3$", true],
      ["\\frac{\\sqrt{6}}{3}", "$\\boxed{\\sqrt{\\frac{2}{3}}}$", true],
      ["\\text{Monday}", "\\boxed{Monday}", true],
      ["B", "The answer is (B).", true],
      ["\\text{(B)}", "The correct option is \\boxed{B}", true],
      ["y = -\\frac{1}{2}x + 3", "$\\boxed{y=3-\\frac{x}{2}}$", true],
      ["\\sqrt[3]{2}", "$\\boxed{2^{1/3}}$", true],
      ["i", "$\\boxed{\\sqrt{-1}}$", true],
      ["6.02 \\times 10^{23}", "$\\boxed{6.02 \\cdot 10^{23}}$", true],
      ["1000", "$\\boxed{\\$1,\\!000}$", true],
      ["-4, 4", "$\\boxed{\\pm 4}$", true],
      ["\\frac{5}{3}", "$\\boxed{1.\\overline{6}}$", true],
      ["\\frac{25}{2}", "$\\boxed{12.5\\text{ square units}}$", true],
      ["(3,-1)", "$\\boxed{(x,y) = (3,-1)}$", true],
      ["\\frac{1}{6}", "$\\boxed{\\frac{1}{6} \\approx 0.167}$", true],
      ["\\frac{1}{6}", "$\\boxed{0.167}$", false],
      ["\\frac{\\pi}{2}", "\\boxed{90^\\circ}", true],
      ["f(x) = 2x+1", "\\boxed{2x+1}", true],
      ["a=2, b=3", "\\boxed{b = 3, a = 2}", true],
      ["2", "\\boxed{2.}", true],
      ["18", "She makes 9 * 2 = $18 every day.\n#### 18", true],
      ["\\frac{69}{7}", "so $\\boxed{9\\frac{6}{7}}$, that is, \\[\\boxed{9.857142857142858}\\]", true],
    ],
    false,
  );
});

describe("verify: result shape and statuses", () => {
  it("reports no_answer when a response has no answer", () => {
    const r = verify("5", "I do not know.");
    expect(r).toMatchObject({ correct: false, status: "no_answer", extracted: null });
  });
  it("carries the extracted and normalised forms", () => {
    const r = verify("\\frac12", "Thus $\\boxed{\\dfrac{1}{2}}$.");
    expect(r.status).toBe("ok");
    expect(r.correct).toBe(true);
    expect(r.extracted).toBe("\\dfrac{1}{2}");
    expect(r.pred.normalized).toBe("\\frac{1}{2}");
    expect(r.gold.parsed).toBe("1/2");
  });
  it("reports parse_error for an answer it cannot read", () => {
    const r = verify("5", "$\\boxed{\\int_0^1 x\\,dx}$");
    expect(r.correct).toBe(false);
    expect(r.status).toBe("parse_error");
  });
  it("times out cooperatively with a tiny limit", () => {
    const r = verify("x^2+1", "$(x+1)^2-2x$", { timeoutMs: -1 });
    expect(r.status).toBe("timeout");
    expect(r.correct).toBe(false);
  });
  it("has a typed result", () => {
    expectTypeOf(verify).returns.toEqualTypeOf<VerifyResult>();
    expectTypeOf<VerifyResult["status"]>().toEqualTypeOf<"ok" | "no_answer" | "parse_error" | "timeout">();
  });
});

describe("extractAnswer and answersEquivalent", () => {
  it("extracts the last box", () => {
    expect(extractAnswer("a $\\boxed{1}$ then $\\boxed{\\frac{2}{3}}$.")).toBe("\\frac{2}{3}");
  });
  it("returns null without an answer", () => {
    expect(extractAnswer("no idea")).toBeNull();
  });
  it("groups equivalent extracted answers", () => {
    expect(answersEquivalent("\\frac{1}{2}", "0.5")).toBe(true);
    expect(answersEquivalent("x=3", "3")).toBe(true);
    expect(answersEquivalent("2", "3")).toBe(false);
  });
  it("never throws on odd input", () => {
    for (const x of [undefined, null, 5, {}] as unknown as string[]) {
      expect(() => verify(x, x)).not.toThrow();
      expect(() => extractAnswer(x)).not.toThrow();
      expect(() => answersEquivalent(x, x)).not.toThrow();
    }
  });
});

describe("public exports", () => {
  it("exposes the verifier API from the package root", async () => {
    const root = await import("../index.js");
    for (const name of ["verify", "extractAnswer", "answersEquivalent", "verifyBatch", "VerifierPool", "DEFAULT_VERIFY_OPTIONS"]) {
      expect(root, name).toHaveProperty(name);
    }
  });
});
