// Tree sampling (GenerateOptions.tree): the same distribution as independent sampling (checked against the
// model's exact sequence probabilities and against independent samples), exact log-probs, and results that
// do not depend on the batch, the slot pressure or the other prompts.
import { beforeAll, describe, expect, it } from "vitest";
import { createModel, type Model } from "./model.js";
import { generate, scoreCompletions, type EngineCompletion } from "./sample.js";
import { ensureWasm } from "./test-helpers/wasm.js";
import { CharTokenizer } from "./tokenizer.js";

let model: Model;
const tok = CharTokenizer.fromText("abcdefghij =");

beforeAll(async () => {
  ensureWasm();
  model = await createModel({ vocabSize: tok.vocabSize, dim: 32, layers: 2, heads: 2, context: 48 }, 5, { tokenizer: tok });
  for (let i = 0; i < model.layout.nDecay; i++) model.params[i] *= 8; // a peaked distribution, as trained models have
  model.paramsChanged();
});

const key = (c: EngineCompletion) => c.tokens.join(",");
function frequencies(cs: EngineCompletion[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of cs) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
  return m;
}

describe("tree sampling", () => {
  it("draws sequences with the model's exact probabilities (chi-square over every two-token sequence)", () => {
    const n = 20000, V = tok.vocabSize;
    const out = generate(model, ["hij"], { n, maxTokens: 2, stopTokens: [], seed: 11, tree: true });
    expect(out).toHaveLength(n);
    const freq = frequencies(out);
    const all = Array.from({ length: V * V }, (_, i) => [Math.floor(i / V), i % V]);
    const exact = scoreCompletions(model, all.map((c) => ({ prompt: "hij", completion: c }))).map((s) => Math.exp(s.sum));
    expect(exact.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    // cells with an expected count of at least 5; the rest pooled into one
    let chi2 = 0, cells = 0, restExpected = 0, restSeen = 0;
    all.forEach((c, i) => {
      const expected = exact[i]! * n, seen = freq.get(c.join(",")) ?? 0;
      if (expected < 5) {
        restExpected += expected;
        restSeen += seen;
        return;
      }
      chi2 += (seen - expected) ** 2 / expected;
      cells++;
    });
    chi2 += (restSeen - restExpected) ** 2 / restExpected;
    const df = cells; // cells + 1 pooled, minus 1
    expect(cells).toBeGreaterThan(50);
    expect(chi2).toBeLessThan(df + 5 * Math.sqrt(2 * df)); // about a 5-sigma bound on a chi-square with df degrees
    expect(chi2).toBeGreaterThan(df - 5 * Math.sqrt(2 * df)); // and not suspiciously close to the expected counts
  });

  it("matches independent sampling under temperature, top-k and top-p", () => {
    const n = 3000;
    for (const opts of [{ temperature: 0.7, topK: 4 }, { temperature: 1.3, topP: 0.8 }]) {
      const base = { n, maxTokens: 2, stopTokens: [], ...opts };
      const tree = frequencies(generate(model, ["hij"], { ...base, seed: 3, tree: true }));
      const indep = frequencies(generate(model, ["hij"], { ...base, seed: 4 }));
      for (const k of new Set([...tree.keys(), ...indep.keys()])) {
        const a = (tree.get(k) ?? 0) / n, b = (indep.get(k) ?? 0) / n, p = (a + b) / 2;
        expect(Math.abs(a - b)).toBeLessThan(5 * Math.sqrt((2 * p * (1 - p)) / n) + 1e-9);
      }
    }
  });

  it("reports each token's exact log-probability", () => {
    const out = generate(model, ["abc", "j"], { n: 64, maxTokens: 8, seed: 5, tree: true });
    const scores = scoreCompletions(model, out.map((c) => ({ prompt: c.prompt === 0 ? "abc" : "j", completion: c.tokens })));
    out.forEach((c, i) => c.logprobs.forEach((lp, j) => expect(lp).toBeCloseTo(scores[i]!.logprobs[j]!, 4)));
  });

  it("gives the same samples whatever the batch size, slot pressure or other prompts", () => {
    const opts = { n: 40, maxTokens: 10, seed: 9, stop: ["="], tree: true };
    const wide = generate(model, ["abc", "hij j"], opts);
    // 3 slots for 2 prompts x 40 samples: children wait for slots with a snapshot of their parent's cache
    expect(generate(model, ["abc", "hij j"], { ...opts, batchSize: 3 })).toEqual(wide);
    const alone = generate(model, ["hij j"], { ...opts, batchSize: 5 });
    expect(alone.map((c) => ({ ...c, prompt: 1 }))).toEqual(wide.slice(40));
    expect(generate(model, ["ddd", "abc"], opts).slice(40).map((c) => ({ ...c, prompt: 0 }))).toEqual(wide.slice(0, 40));
  });

  it("keeps the counts, sample indices, stop and length rules of independent sampling", () => {
    const out = generate(model, ["abc", "e"], { n: 30, firstSample: 7, maxTokens: 6, stop: ["a"], seed: 1, tree: true });
    expect(out.map((c) => [c.prompt, c.sample])).toEqual([0, 1].flatMap((p) => Array.from({ length: 30 }, (_, j) => [p, 7 + j])));
    for (const c of out) {
      expect(c.text).not.toContain("a");
      expect(c.tokens.length).toBeLessThanOrEqual(6);
      if (c.finishReason === "length") expect(c.tokens.length).toBe(6);
    }
    // identical samples are spread over the indices, not grouped: the first half is not one block
    const first = out.slice(0, 30).map(key);
    const runs = first.filter((k, i) => i > 0 && k !== first[i - 1]).length;
    expect(runs).toBeGreaterThan(3);
    // greedy: every sample is the argmax path
    const greedy = generate(model, ["abc"], { n: 5, temperature: 0, maxTokens: 6, tree: true });
    const [one] = generate(model, ["abc"], { temperature: 0, maxTokens: 6 });
    for (const c of greedy) expect(c.tokens).toEqual(one!.tokens);
  });
});
