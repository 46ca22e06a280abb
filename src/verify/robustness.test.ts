import { describe, expect, it } from "vitest";
import { verifyBatch } from "./pool.js";
import { verify, type VerifyResult } from "./verify.js";
import { mulberry32 } from "../core/mulberry32.js";

// The robustness bar of issue 13: 2,000 pathological strings (nesting 10k deep, 10^{10^{10^{10}}},
// (x+1)^{1000}, 1 MB of digits, and seeded mixes of such pieces) never crash the verifier, never blow the
// stack, and never hang past the time limit: through the pool's verifyBatch, whose limit is hard (a worker
// is killed), and through the in-process verify, whose limit is cooperative.


const nest = (open: string, inner: string, close: string, depth: number) => open.repeat(depth) + inner + close.repeat(depth);
const tower = (base: string, height: number) => nest(`${base}^{`, base, "}", height);
const expansion = (n: number) => Array.from({ length: n + 1 }, (_, k) => `${k + 1}x^{${n - k}}`).join("+");

/** The named worst cases, each once. */
function namedCases(): string[] {
  const digits = "7".repeat(1 << 20);
  return [
    digits, // 1 MB of digits
    `0.${digits}`,
    `\\boxed{${digits}}`,
    `${digits.slice(0, 500_000)},${digits.slice(0, 500_000)}`,
    nest("{", "1", "}", 10_000),
    nest("(", "x", ")", 10_000),
    nest("[", "1", "]", 10_000),
    nest("\\frac{", "1", "}{2}", 10_000),
    nest("\\sqrt{", "2", "}", 10_000),
    nest("\\left(", "1", "\\right)", 10_000),
    nest("\\boxed{", "1", "}", 10_000),
    nest("\\text{", "a", "}", 10_000),
    nest("-", "1", "", 10_000),
    nest("|", "x", "|", 5000),
    tower("10", 3), // 10^{10^{10^{10}}}
    tower("10", 50),
    tower("2", 1000),
    "10^{10^{10^{10}}} - 10^{10^{10^{10}}}",
    "(x+1)^{1000}",
    expansion(1000),
    "(x+1)^{65536}",
    "(x+1)^{10^{10}}",
    "2^{5000} - 2^{5001}",
    "100000!",
    "(10^{10})!",
    "5000! / 4999!",
    "10^{-10^{6}}",
    "\\frac{3^{40000}}{2^{63000}+1}",
    "\\q = 7",
    "\\q".repeat(50_000),
    "\\\\".repeat(100_000) + "frac12",
    "\\\\frac{".repeat(3000) + "1" + "}{2}".repeat(3000),
    "2 3/4 ".repeat(10_000),
    "9:15:00 ".repeat(10_000),
    "1" + ",23".repeat(5000) + ",456",
    "12,\\!34,\\!567".repeat(5000),
    "42\\text{ apples}".repeat(5000),
    "g(t) = ".repeat(5000) + "t",
    "x + y = ".repeat(5000) + "0",
    "\\begin{pmatrix}" + Array.from({ length: 200 }, () => Array(200).fill("1").join(" & ")).join(" \\\\ ") + "\\end{pmatrix}",
    Array.from({ length: 5000 }, (_, k) => String(k)).join(","),
    "\\{" + Array.from({ length: 3000 }, (_, k) => `x_${k}`).join(",") + "\\}",
    "[0, \\infty) \\cup ".repeat(3000) + "\\{1\\}",
    "x \\ge " + "1 \\le ".repeat(5000) + "2",
    "The answer is $\\boxed{" + "\\frac12".repeat(20_000) + "}$",
    "$" + "x".repeat(200_000) + "$",
  ];
}

const PIECES = [
  "{", "}", "(", ")", "[", "]", "\\{", "\\}", "^", "_", "\\frac", "\\sqrt", "\\left(", "\\right)", "$", "\\boxed{", "!",
  "\\%", "^\\circ", "=", "<", "\\le", ",", "\\pm", "\\cup", "x", "y", "e", "\\pi", "\\infty", "0", "7", "99999999999999999999",
  ".", "-", "+", "/", ":", "\\cdot", "\\text{", "\\", "\\\\", "10^{10^{10}}", "\\int", "\\q", "\\foo", " ", "\\begin{pmatrix}",
  "\\end{pmatrix}", "&", "3 1/2", "7:05 p.m.", ",\\!", "{,}", "\\mathbb{R}", "\\binom", "\\log_2", "i", "\\overline{3}",
];

/** A seeded mix: pieces, a few of them blown up (nested, towered, raised to a big power, long digit runs). */
function generated(r: () => number): string {
  let s = "";
  const parts = 1 + Math.floor(r() * 12);
  for (let k = 0; k < parts; k++) {
    const pick = r();
    if (pick < 0.7) s += PIECES[Math.floor(r() * PIECES.length)]!;
    else if (pick < 0.78) s += nest(["{", "(", "\\frac{", "\\sqrt{", "[", "\\left|"][Math.floor(r() * 6)]!, "x", ["}", ")", "}{3}", "}", "]", "\\right|"][Math.floor(r() * 6)]!, 10 + Math.floor(r() * 3000));
    else if (pick < 0.84) s += tower(String(2 + Math.floor(r() * 9)), 1 + Math.floor(r() * 8));
    else if (pick < 0.9) s += `(x+${Math.floor(r() * 9)})^{${Math.floor(r() * 1200)}}`;
    else if (pick < 0.95) s += "9".repeat(1 + Math.floor(r() * 30_000));
    else s += `${Math.floor(r() * 5000)}!`;
  }
  return s;
}

const GOLDS = ["1", "\\frac{1}{2}", "x+1", "(x+1)^{1000}", "[0, \\infty)", "2^{5000}", "9:15", "y = 2x", "\\{1, 2\\}", "10^{10^{10^{10}}}"];

function pathologicalItems(count: number): { gold: string; pred: string; predIsAnswer: boolean }[] {
  const r = mulberry32(0x13_2026);
  const named = namedCases();
  const items: { gold: string; pred: string; predIsAnswer: boolean }[] = [];
  for (let k = 0; k < count; k++) {
    const pred = k < named.length ? named[k]! : generated(r);
    // mostly a plain gold against the strange answer; sometimes the strange string is the gold too
    const gold = k % 5 === 4 ? (k < named.length ? named[(k * 7) % named.length]! : generated(r)) : GOLDS[k % GOLDS.length]!;
    items.push({ gold, pred: k % 3 === 0 ? `So the answer is $\\boxed{${pred}}$.` : pred, predIsAnswer: k % 2 === 1 });
  }
  return items;
}

const STATUSES = ["ok", "no_answer", "parse_error", "timeout"];
/** Errors that mean the verifier itself broke rather than judged the input. */
const BROKEN = /call stack|worker died|heap|out of memory|internal/i;

function expectSound(r: VerifyResult, what: string): void {
  expect(STATUSES, what).toContain(r.status);
  expect(typeof r.correct, what).toBe("boolean");
  if (r.error !== undefined) expect(r.error, what).not.toMatch(BROKEN);
}

const N = 2000;
const LIMIT_MS = 1000;

describe("robustness bar: 2,000 pathological strings", () => {
  const items = pathologicalItems(N);

  it("in-process verify never throws, never blows the stack and stops near its limit", () => {
    let slowest = 0;
    for (let k = 0; k < items.length; k++) {
      const { gold, pred, predIsAnswer } = items[k]!;
      const t0 = performance.now();
      const r = verify(gold, pred, { timeoutMs: LIMIT_MS, predIsAnswer });
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      expectSound(r, `item ${k}: ${JSON.stringify([gold.slice(0, 60), pred.slice(0, 60)])}`);
      // cooperative: checked between steps, so allow one step's overrun past the limit
      if (ms > 2 * LIMIT_MS) throw new Error(`item ${k} took ${ms.toFixed(0)} ms: ${JSON.stringify([gold.slice(0, 80), pred.slice(0, 80)])}`);
    }
    expect(slowest).toBeLessThan(2 * LIMIT_MS);
  }, 60_000);

  it("verifyBatch with its hard limit answers every item, in order, with no crashed worker", async () => {
    const t0 = performance.now();
    const results = await verifyBatch(items.map(({ gold, pred }) => ({ gold, pred })), { workers: 2, timeoutMs: LIMIT_MS, killGraceMs: 250 });
    const seconds = (performance.now() - t0) / 1000;
    expect(results).toHaveLength(N);
    results.forEach((r, k) => expectSound(r, `item ${k}`));
    // every item past the limit was cut off there: the batch cannot take longer than its share of limits
    // (a loose bound that still catches a worker hung past its limit: a machine under load is slower, not stuck)
    const timeouts = results.filter((r) => r.status === "timeout").length;
    expect(seconds).toBeLessThan(60 + (timeouts * (LIMIT_MS + 250)) / 1000);
    // same verdicts as in-process where both finished (spot check: the pool runs the same code)
    for (let k = 0; k < 50; k++) {
      const { gold, pred } = items[k]!;
      if (results[k]!.status === "timeout") continue;
      expect(results[k]!.correct, `item ${k}`).toBe(verify(gold, pred, { timeoutMs: LIMIT_MS }).correct);
    }
  }, 90_000);

  it("the named worst cases get the verdicts the mathematics gives", () => {
    // a few of the strange strings have a definite answer: check that robustness did not cost correctness
    const rows: [string, string, boolean][] = [
      ["10^{10^{10^{10}}}", "10^{10^{10^{10}}} - 10^{10^{10^{10}}}", false],
      ["(x+1)^{1000}", "(1+x)^{1000}", true],
      ["(x+1)^{1000}", "(x+1)^{999}", false],
      ["0", "10^{-10^{6}}", false],
      ["5000", "5000! / 4999!", true],
      ["1", "\\q = 7", false],
    ];
    for (const [gold, pred, expected] of rows) expect(verify(gold, pred, { predIsAnswer: true }).correct, `${gold} vs ${pred}`).toBe(expected);
  });
});
