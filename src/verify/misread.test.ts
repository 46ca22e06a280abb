import { describe, expect, it } from "vitest";
import { verify } from "./verify.js";

// Forms the verifier used to misread (issue 13, part 2). Each row is [gold, pred, expected]; the expected
// value is decided by the mathematics (a hand computation noted beside the less obvious ones), never by
// running the verifier. `pred` is an already-extracted answer unless the table says it is a response.

type Row = [gold: string, pred: string, expected: boolean];

function table(rows: Row[], predIsAnswer = true) {
  for (const [gold, pred, expected] of rows) {
    it(`${JSON.stringify(gold).slice(0, 90)} vs ${JSON.stringify(pred).slice(0, 90)} -> ${expected}`, () => {
      const r = verify(gold, pred, { predIsAnswer });
      expect(r.correct, JSON.stringify(r).slice(0, 400)).toBe(expected);
    });
  }
}

/** (x + 1)^n written out term by term with its binomial coefficients, `change` added to the constant term. */
function expansion(n: number, change = 0): string {
  const terms: string[] = [];
  let c = 1n;
  for (let k = n; k >= 0; k--) {
    // coefficient of x^k in (x+1)^n is C(n, k); walk k downwards: C(n, k-1) = C(n, k) * k / (n - k + 1)
    const coef = k === 0 ? c + BigInt(change) : c;
    terms.push(k === 0 ? String(coef) : `${coef === 1n ? "" : coef}x${k === 1 ? "" : `^{${k}}`}`);
    c = (c * BigInt(k)) / BigInt(n - k + 1);
  }
  return terms.join(" + ");
}

describe("mixed numbers", () => {
  table([
    ["2.75", "2 3/4", true], // 2 + 3/4
    ["2 3/4", "\\frac{11}{4}", true],
    ["\\frac{11}{4}", "2\\frac34", true],
    ["2 3/4", "1.5", false], // not 2*3/4
    ["\\frac{16}{3}", "5\\ \\frac{1}{3}", true], // 5 + 1/3 = 16/3
    ["5\\ \\frac{1}{3}", "5.333333", true],
    ["5\\ \\frac{1}{3}", "\\frac{5}{3}", false],
    ["-\\frac{7}{2}", "-3 1/2", true],
    ["10 1/8", "10.125", true],
    ["1 5/4", "1.5", false], // 5/4 is no proper fraction: not a mixed number, so not 2.25 either
  ]);
});

describe("words in \\text{} beside a number", () => {
  table([
    ["42", "42\\text{ apples}", true],
    ["42\\text{ apples}", "42", true],
    ["42", "42\\text{ widgets}", true],
    ["42", "43\\text{ widgets}", false],
    ["\\frac{3}{4}", "\\frac34\\text{ of a cup}", true],
    ["17", "17 \\text{ red marbles}", true],
    ["2\\pi", "2\\pi\\text{ radians}", true],
    ["12", "12\\text{ and }13", false],
    ["0.25", "25\\text{ percent}", true], // a word with meaning stays: 25 percent
  ]);
});

describe("clock times", () => {
  table([
    ["9:15", "9:15:00", true],
    ["9:15:00", "9:15", true],
    ["9:15", "9:16", false],
    ["9:15:30", "9:15", false],
    ["7:05 \\text{ p.m.}", "19:05", true],
    ["19:05", "7:05 pm", true],
    ["7:05 a.m.", "19:05", false],
    ["7:05 pm", "7:05 am", false],
    ["7:05 \\text{ p.m.}", "7:05", true], // an hour 1-12 without a meridiem takes the gold's half of the day
    ["19:05", "7:05", false], // ... but against a 24-hour time it is 07:05
    ["12:00 \\text{ p.m.}", "12:00", true], // noon
    ["12:30 a.m.", "0:30", true], // half past midnight
    ["12:30 a.m.", "12:30 p.m.", false],
    ["3:75", "\\frac{3}{75}", true], // no time (75 minutes): a ratio
  ]);
});

describe("Indian digit grouping", () => {
  table([
    ["1234567", "12,\\!34,\\!567", true], // 12 lakh 34 thousand 567
    ["12,\\!34,\\!567", "1234567", true],
    ["1,\\!00,\\!000", "100000", true], // one lakh
    ["1{,}23{,}45{,}678", "12345678", true], // 1 crore 23 lakh ...
    ["12,\\!34,\\!567", "1234568", false],
    ["1,234,567", "12,\\!34,\\!567", true], // the same number grouped two ways
    ["\\{10, 20, 30, 400\\}", "10,20,30,400", true], // plain commas: four numbers, not 102030400
  ]);
});

describe("a named function vs y =", () => {
  table([
    ["g(t) = t^2 - 1", "y = t^2 - 1", true],
    ["y = t^2 - 1", "g(t) = t^2 - 1", true],
    ["g(t) = t^2 - 1", "y = t^2 + 1", false],
    ["y = 2x + 1", "f(x) = 2x + 1", true],
    ["f(x) = 2x + 1", "g(x) = 1 + 2x", true],
    ["f(x) = 2x + 1", "2x + 1", true], // an assignment gold meets its right side
    ["2x + 1", "f(x) = 2x + 1", true],
    ["f(x) = 2x + 1", "f(t) = 2t + 1", false], // strict: the variable is part of the answer
    ["f(x) = x^2", "y = t^2", false],
    ["x = 5", "y = 5", false], // two unknowns, not one function named twice
  ]);
});

describe("robustness: unknown commands, double escapes, equations against values", () => {
  table([
    ["7", "\\q = 7", false], // \q is no command: no answer, and never the 7 beside it
    ["q = 7", "\\q = 7", false],
    ["\\frac{1}{2}", "\\\\frac{1}{2}", true],
    ["\\\\frac{1}{2}", "0.5", true],
    ["\\\\sqrt{2}", "\\sqrt 2", true],
    ["\\{1, 2\\}", "\\\\{1, 2\\\\}", true],
    ["\\\\left( 1, 2 \\\\right)", "(1,2)", true],
    ["\\\\begin{pmatrix} 1 \\\\\\\\ 2 \\\\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", true],
    ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 1 & 2 \\end{pmatrix}", false], // a column is not a row
    ["x + y = 0", "0", false], // an equation (a line), not the value 0
    ["x + y = 0", "y = -x", true],
    ["x - y = 3", "3", false],
  ]);
  table([
    ["\\frac{1}{2}", "The answer is $\\\\boxed{\\\\frac{1}{2}}$", true],
    ["\\frac{1}{2}", "So the answer is $\\\\boxed{\\\\frac{1}{3}}$", false],
  ], false);
});

describe("exact before numeric: no float false positives", () => {
  table([
    ["[0, \\infty)", "[10^{-10^{6}}, \\infty)", false], // 10^(-10^6) > 0
    ["0", "10^{-10^{6}}", false],
    ["10^{-10^{6}}", "10^{-1000000}", true],
    ["x \\ge 0", "[10^{-10^{6}}, \\infty)", false],
    ["1", "1 + 10^{-400}", false],
    ["\\frac{1}{3}", "\\frac{10^{400}}{3 \\cdot 10^{400} + 1}", false],
  ]);
});

describe("exact before numeric: irrational constants in 80 digits", () => {
  table([
    ["\\sqrt{2}", "\\frac{665857}{470832}", false], // a convergent of sqrt 2, 1.6e-12 off: doubles cannot tell
    ["\\sqrt{2}", "\\sqrt{2} + 10^{-20}", false],
    ["\\pi", "\\pi + 10^{-15}", false],
    ["\\pi", "\\frac{355}{113}", false],
    ["2", "\\sqrt{2} \\cdot \\sqrt{2}", true],
    ["(\\sqrt{2} + \\sqrt{3})^2", "5 + 2\\sqrt{6}", true],
    ["\\frac{1 + \\sqrt{5}}{2}", "\\frac{2}{\\sqrt{5} - 1}", true], // the golden ratio twice
    ["\\sqrt[3]{2}", "2^{1/3}", true],
    ["\\frac{\\pi}{3}", "60^\\circ", true],
    ["\\sqrt{2}", "1.4142135623730951", true], // a decimal keeps its rule: a full double is accepted
    ["e^{\\pi\\sqrt{163}}", "262537412640768744", false], // Ramanujan's constant is 7.5e-13 short of it
    ["e^{1/2}", "\\sqrt{e}", true],
    ["\\exp(3)", "e \\cdot e^2", true],
    ["0", "\\pi \\cdot 10^{-20}", false],
    ["0", "\\sqrt{2} \\cdot \\sqrt{2} - 2", true],
  ]);
});

describe("exact before numeric: numbers doubles overflow", () => {
  table([
    ["2^{5000}", "2^{5001}", false],
    ["2^{5000}", "4^{2500}", true],
    ["2^{5000}", "2 \\cdot 2^{4999}", true],
    ["3000!", "3001!", false],
    ["3001!", "3001 \\cdot 3000!", true],
    ["2^{10}", "1024", true],
    ["2^{100000}", "2^{100001}", false], // past the exact limit: told apart by log-magnitude
    ["2^{100000}", "4^{50000}", true],
    ["2^{100000}", "2^{100000} + 1", false], // a sum near a huge value is never taken as equal
    ["2^{100000}", "\\infty", false], // finite is not infinite
    ["-2^{100000}", "2^{100000}", false],
    ["10^{10^{10^{10}}}", "10^{10^{10^{11}}}", false],
    ["10^{10^{10^{10}}}", "\\infty", false],
    ["\\infty", "\\infty", true],
    ["170!", "171!", false],
  ]);
});

describe("long numbers are one number", () => {
  const digits = "1234567890".repeat(60); // 600 digits
  table([
    [digits, digits, true],
    [digits, `${digits.slice(0, 599)}1`, false],
    [digits, `${digits.slice(0, 400)} \\cdot ${digits.slice(400)}`, false], // not a product of 400-digit chunks
    [`${digits}.5`, `${digits}.50`, true],
  ]);
});

describe("exact identity testing", () => {
  table([
    ["(x+1)^{15}", expansion(15), true],
    [expansion(15), "(x+1)^{15}", true],
    ["(x+1)^{15}", expansion(15, 1), false], // constant term off by one
    ["(x+1)^{40}", expansion(40), true],
    ["(x+1)^{40}", expansion(40, -1), false],
    ["(a+b)^3", "a^3 + 3a^2b + 3ab^2 + b^3", true],
    ["(a+b)^3", "a^3 + 3a^2b + 3ab^2 + b^3 + 1", false],
    ["\\frac{x^2 - 1}{x - 1}", "x + 1", true], // equal wherever both are defined
    ["\\sqrt{x^2}", "x", false], // |x|, not x, for x < 0
    ["\\sqrt{x^2}", "|x|", true],
    ["\\lfloor x \\rfloor", "x", false], // equal at every integer, not as functions
  ]);
});
