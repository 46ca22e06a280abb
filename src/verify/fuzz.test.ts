import { describe, expect, it } from "vitest";
import { answersEquivalent, extractAnswer, verify } from "./verify.js";

/** Deterministic generator (xorshift32) so a failure reproduces. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const SEEDS = [
  "\\frac{1}{2}", "\\sqrt{3}", "3\\frac12", "x^2+2x+1", "(1,2)", "[0,1)", "\\{1,2\\}", "(-\\infty, 3] \\cup (5,\\infty)",
  "y=2x+3", "x \\ge 5", "\\begin{pmatrix}1 & 2\\\\3 & 4\\end{pmatrix}", "25\\%", "60^\\circ", "1011_2", "\\text{(C)}",
  "1 \\pm \\sqrt{19}", "3+4i", "\\$1{,}000.50", "\\boxed{5}", "The answer is $\\boxed{\\dfrac{3}{4}}$.",
  "10^{10^{10^{10}}}", "100000!", "\\sin^2 x + \\cos^2 x", "\\log_2 8", "\\left( \\frac{\\pi}{2}, 3 \\right)",
];
const PIECES = [
  "{", "}", "(", ")", "[", "]", "\\{", "\\}", "^", "_", "\\frac", "\\sqrt", "\\left(", "\\right)", "$", "$$", "\\boxed{",
  "\\begin{pmatrix}", "\\end{pmatrix}", "&", "\\\\", "!", "%", "\\%", "^\\circ", "=", "<", "\\le", ",", ";", "\\pm", "\\cup",
  "x", "y", "i", "e", "\\pi", "\\infty", "0", "1", "9", "999999999999", ".", "-", "+", "*", "/", "\\cdot", "\\text{", "\\",
  "10^{10^{10}}", "!!!!", "\\int", "\\sum", "<|im_end|>", "\\dfrac", " ", "\n", "0.333", "\\mathrm{e}", "_2", "^{-1}",
];

function mutate(s: string, r: () => number): string {
  let out = s;
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (out.length + 1));
    const op = r();
    if (op < 0.45) out = out.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)]! + out.slice(at);
    else if (op < 0.7) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(r() * 3));
    else if (op < 0.85) out = out.slice(0, at) + out.slice(at, at + 8).repeat(1 + Math.floor(r() * 4)) + out.slice(at);
    else out = out.slice(0, at) + String.fromCharCode(32 + Math.floor(r() * 95)) + out.slice(at);
  }
  return out;
}

function randomString(r: () => number): string {
  let s = "";
  const n = Math.floor(r() * 12);
  for (let k = 0; k < n; k++) s += PIECES[Math.floor(r() * PIECES.length)]!;
  return s;
}

const LIMIT_MS = 2000;

describe("fuzz: random and mutated LaTeX never crashes nor exceeds the time limit", () => {
  it("10,000 cases", () => {
    const r = rng(20250401);
    let slowest = 0;
    for (let k = 0; k < 10_000; k++) {
      const gold = k % 3 === 0 ? randomString(r) : mutate(SEEDS[Math.floor(r() * SEEDS.length)]!, r);
      const pred = k % 5 === 0 ? randomString(r) : mutate(SEEDS[Math.floor(r() * SEEDS.length)]!, r);
      const t0 = performance.now();
      const res = verify(gold, pred, { timeoutMs: LIMIT_MS });
      extractAnswer(pred);
      answersEquivalent(gold, pred);
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      expect(["ok", "no_answer", "parse_error", "timeout"]).toContain(res.status);
      expect(typeof res.correct).toBe("boolean");
      if (ms > LIMIT_MS) throw new Error(`case ${k} took ${ms.toFixed(0)} ms: ${JSON.stringify([gold, pred])}`);
    }
    expect(slowest).toBeLessThan(LIMIT_MS);
  });

  it("pathological inputs stay bounded", () => {
    const cases = [
      "10^{10^{10^{10}}}",
      "{".repeat(10_000) + "1" + "}".repeat(10_000),
      "(".repeat(10_000) + "1" + ")".repeat(10_000),
      "\\frac{".repeat(5000) + "1" + "}{2}".repeat(5000),
      "1000000!",
      "(10^{10})!",
      "2^{2^{2^{2^{2^{2}}}}}",
      "9^{4000} - 9^{4000}",
      "\\sqrt{".repeat(3000) + "2" + "}".repeat(3000),
      "1+".repeat(20_000) + "1",
      "$" + "x".repeat(100_000) + "$",
      "\\boxed{" + "\\boxed{".repeat(5000) + "}".repeat(5001),
      Array.from({ length: 3000 }, (_, k) => String(k)).join(","),
      "the answer is 1 and answer $x$ ".repeat(20_000),
      "1 ".repeat(200_000),
    ];
    for (const c of cases) {
      const t0 = performance.now();
      const res = verify(c, `$${c}$`, { timeoutMs: LIMIT_MS });
      verify("1", c);
      expect(performance.now() - t0).toBeLessThan(LIMIT_MS);
      expect(typeof res.correct).toBe("boolean");
    }
  });
});
