// Unit tests for each stage on its own: extraction, normalisation, parsing, comparison.
import { describe, expect, it } from "vitest";
import { extractCandidates, goldCandidates, cleanResponse } from "./extract.js";
import { normalizeLatex, boxContents } from "./normalize.js";
import { parseLatex, ParseError } from "./parse.js";
import { equivalent, TimeoutSignal } from "./compare.js";
import { show } from "./ast.js";

const first = (text: string) => extractCandidates(text)[0]?.text ?? null;

describe("extract", () => {
  it("takes the last box, with balanced braces", () => {
    expect(first("$\\boxed{1}$ no: $\\boxed{\\frac{a}{b^{2}}}$")).toBe("\\frac{a}{b^{2}}");
    expect(first("\\fbox{7}")).toBe("7");
  });
  it("joins boxes that stand side by side into a list, and drops a repeated one", () => {
    expect(first("\\boxed{1}, \\boxed{2} and \\boxed{3}")).toBe("1,2,3");
    expect(first("\\boxed{6} so \\boxed{6}")).toBe("6");
  });
  it("prefers 'final answer is ... I hope' over everything", () => {
    expect(first("\\boxed{3}. Final Answer: The final answer is $4$. I hope it is correct.")).toBe("4");
  });
  it("reads <answer> tags, 'answer:' anchors and plain trailing numbers", () => {
    expect(first("<answer>\\frac{1}{2}</answer>")).toBe("\\frac{1}{2}");
    expect(first("Answer: $7$ is what we get, then $8$ later")).toBe("7");
    expect(first("... so there are 12 ways.")).toBe("12");
    expect(first("a total of $1,234")).toBe("1,234");
  });
  it("joins math regions connected by and/or", () => {
    expect(first("the roots are $-2$ and $1$")).toBe("-2,1");
  });
  it("marks a percent after math", () => {
    expect(first("a loss of $28$ percent")).toBe("28\\%");
  });
  it("ignores everything after a chat end token and markdown bold", () => {
    expect(cleanResponse("x **5** <|im_end|> 6")).toBe("x 5 ");
    expect(first("$\\boxed{5}$<|im_end|>$\\boxed{6}$")).toBe("5");
  });
  it("finds nothing in a response without an answer", () => {
    expect(extractCandidates("I am not sure.")).toEqual([]);
  });
  it("reads a bare gold as it stands", () => {
    expect(goldCandidates("\\left( 3, \\frac{\\pi}{2} \\right)")[0]!.text).toBe("\\left( 3, \\frac{\\pi}{2} \\right)");
    expect(goldCandidates("$\\boxed{4}$")[0]!.text).toBe("4");
  });
  it("honours match types; plain-text-only mode reads decimal commas and spaced thousands", () => {
    expect(extractCandidates("so 5", { matchTypes: ["latex"] })).toEqual([]);
    expect(extractCandidates("so $5$", { matchTypes: ["expr"] })[0]!.text).toBe("5");
    const text = (t: string) => extractCandidates(t, { matchTypes: ["expr"] })[0]!.text;
    expect(text("Soucis : 2,74 $ a..")).toBe("2.74");
    expect(text("1 000")).toBe("1000");
    expect(text("7,425,000")).toBe("7425000");
  });
});

describe("normalize", () => {
  const cases: [string, string][] = [
    ["\\dfrac{1}{2}", "\\frac{1}{2}"],
    ["\\tfrac12", "\\frac12"],
    ["\\left( 1, 2 \\right)", "( 1, 2 )"],
    ["10{,}000", "10000"],
    ["10,\\!000", "10000"],
    ["7,425,000", "7425000"],
    ["(12,102)", "(12,102)"],
    ["1 000", "1000"],
    ["\\$5.50", "5.50"],
    ["28 percent", "28\\%"],
    ["60^\\circ", "60°"],
    ["60^{\\circ}", "60°"],
    ["45 degrees", "45°"],
    ["\\text{Evelyn}", "Evelyn"],
    ["15\\mbox{ cm}^2", "15"],
    ["125 \\textnormal{ miles}", "125"],
    ["x \\in [0, 1)", "[0, 1)"],
    ["\\text{(C)} Plane", "C"],
    ["6 \\text{ and } 8", "6,8"],
    ["\\boxed{1}\\boxed{2}", "1,2"],
    ["5.", "5"],
    [".5", ".5"],
    ["\\\\frac{1}{2}", "\\frac{1}{2}"],
    ["\\mathbb{R}", "\\reals"],
  ];
  for (const [input, out] of cases) it(`${JSON.stringify(input)} -> ${JSON.stringify(out)}`, () => expect(normalizeLatex(input)).toBe(out));
  it("is idempotent", () => {
    for (const [input] of cases) expect(normalizeLatex(normalizeLatex(input))).toBe(normalizeLatex(input));
  });
  it("finds boxes with nested and escaped braces", () => {
    expect(boxContents("\\boxed{\\{1,2\\}} and \\boxed{a{b}c}").map((b) => b.content)).toEqual(["\\{1,2\\}", "a{b}c"]);
  });
});

describe("parse", () => {
  const p = (s: string) => show(parseLatex(s));
  it("reads numbers, fractions and shorthands", () => {
    expect(p("\\frac12")).toBe("1/2");
    expect(p("\\frac{10}{9}")).toBe("10/9");
    expect(p("\\sqrt3")).toBe("sqrt(3)");
    expect(p("\\sqrt[3]{8}")).toBe("root(8,3)");
    expect(p("3\\frac12")).toBe("3+1/2");
    expect(p("2\\frac{x}{y}")).toBe("2*x/y");
    expect(p("1.5e3")).toBe("1500");
    expect(p("1011_2")).toBe("1011_2");
  });
  it("reads relations, lists, sets, tuples, intervals and unions", () => {
    expect(p("x \\le 2")).toBe("x<=2");
    expect(p("1,2,3")).toBe("1,2,3");
    expect(p("\\{1,2\\}")).toBe("{1,2}");
    expect(p("(1,2]")).toBe("(1,2]");
    expect(p("[0,1) \\cup (2,3)")).toBe("[0,1)∪(2,3)");
    expect(p("1 \\pm \\sqrt{2}")).toBe("1±sqrt(2)");
  });
  it("reads functions, absolute values, factorials, percent and degrees", () => {
    expect(p("\\sin^2 x")).toBe("sin(x)^2");
    expect(p("\\log_2 8")).toBe("log(8,2)");
    expect(p("|x-1|")).toBe("abs(x-1)");
    expect(p("5!")).toBe("factorial(5)");
    expect(p("25\\%")).toBe("25%");
    expect(p("60°")).toBe("60°");
  });
  it("reads matrices and text", () => {
    expect(p("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}")).toBe("[1,2;3,4]");
    expect(p("Evelyn")).toBe('"Evelyn"');
  });
  it("rejects what is not a final answer, and pathological nesting", () => {
    for (const bad of ["\\int_0^1 x dx", "\\frac{1}{", "(", "\\foo", "{".repeat(500) + "1" + "}".repeat(500), "1+".repeat(5000) + "1"]) {
      expect(() => parseLatex(bad)).toThrow(ParseError);
    }
  });
});

describe("compare", () => {
  const o = { floatRounding: 6, strict: true, allowSetRelationComp: false, deadline: Infinity };
  const eq = (g: string, pr: string, opts = o) => equivalent(parseLatex(g), parseLatex(pr), opts);
  it("chains exact, rounded and numeric checks", () => {
    expect(eq("1/3", "0.333333")).toBe(true);
    expect(eq("1/3", "0.3333")).toBe(false);
    expect(eq("\\sqrt{2}", "1.41421356237")).toBe(false);
    expect(eq("\\sqrt{2}", "1.414213562373095")).toBe(true);
    expect(eq("1/3", "0.33", { ...o, floatRounding: 2 })).toBe(true);
  });
  it("tests identities with variables at random points", () => {
    expect(eq("(x+1)^2", "x^2+2x+1")).toBe(true);
    expect(eq("\\frac{1}{x}", "x^{-1}")).toBe(true);
    expect(eq("x+1", "y+1")).toBe(false);
    expect(eq("x+1", "y+1", { ...o, strict: false })).toBe(true);
  });
  it("is asymmetric where the gold guides", () => {
    expect(eq("x \\ge 2", "[2, \\infty)")).toBe(true);
    expect(eq("[2, \\infty)", "x \\ge 2")).toBe(false);
    expect(eq("[2, \\infty)", "x \\ge 2", { ...o, allowSetRelationComp: true })).toBe(true);
    expect(eq("a+3z=0", "0")).toBe(false);
    expect(eq("k=1", "1")).toBe(true);
  });
  it("compares equations up to a factor and inequalities up to a positive factor", () => {
    expect(eq("x^2/4 + y^2/3 = 1", "x^2/16 + y^2/12 = 1/4")).toBe(true);
    expect(eq("x < 1", "2x < 2")).toBe(true);
    expect(eq("x < 1", "-x < -1")).toBe(false);
  });
  it("gives up with TimeoutSignal past the deadline", () => {
    expect(() => eq("x+1", "x+2", { ...o, deadline: 0 })).toThrow(TimeoutSignal);
  });
});
