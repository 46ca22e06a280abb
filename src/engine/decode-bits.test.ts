// The decode loop's results, bit for bit, pinned: every token, text, log-prob (as its float64 bits) and finish
// reason of tree and independent sampling under the settings the study samples with (temperature 0.9, top-k 50 on
// a smaller vocabulary, so no cut; and a cut by top-k and top-p), with stop strings and length limits, under slot
// pressure (children waiting for a slot) and without. The digests were recorded on the decode loop before the
// speed work of issue 18 (commit on branch quick-speed before "decode: ..."): a change that alters any result,
// however slightly, fails here. A change that only makes decoding faster keeps them.
import { beforeAll, describe, expect, it } from "vitest";
import type { Model } from "./model.js";
import { Xoshiro128 } from "./rng.js";
import { generate, type EngineCompletion, type GenerateOptions } from "./sample.js";
import { cumulate, drawCumulative, drawToken } from "./token-distribution.js";
import { completionDigest as digest, peakedModel } from "./test-helpers/completion-digest.js";
import { ensureWasm } from "./test-helpers/wasm.js";
import { CharTokenizer } from "./tokenizer.js";

let model: Model;
const tok = CharTokenizer.fromText("abcdefghij =");

beforeAll(async () => {
  ensureWasm();
  model = await peakedModel({ dim: 32, layers: 2, heads: 2, context: 48 }, 5, tok, 6); // peaked, as a trained model's
});

const prompts = ["abc", "hij j", "ddd", "e", "ab ab", "jjj=", "gfedcba", "c"];
const cases: Array<[string, GenerateOptions, string]> = [
  ["tree, the study's settings, room for every branch", { n: 64, temperature: 0.9, topK: 50, maxTokens: 30, seed: 3, tree: true, stop: ["=="], batchSize: 512 }, "0f064b35b8629513"],
  ["tree, slot pressure (children wait)", { n: 64, temperature: 0.9, topK: 50, maxTokens: 30, seed: 3, tree: true, stop: ["=="], batchSize: 12 }, "0f064b35b8629513"],
  ["tree, top-k and top-p cuts, temperature 1", { n: 32, temperature: 1, topK: 5, topP: 0.9, maxTokens: 20, seed: 9, tree: true }, "568ba200f6ca10ab"],
  ["tree, greedy", { n: 8, temperature: 0, maxTokens: 20, seed: 1, tree: true }, "ce4614888e7ddb74"],
  ["independent, the study's settings", { n: 16, temperature: 0.9, topK: 50, maxTokens: 30, seed: 5, stop: ["=="], batchSize: 40 }, "5f4b0bba3a0053d3"],
  ["independent, firstSample and top-p", { n: 7, firstSample: 5, temperature: 1.2, topP: 0.8, maxTokens: 25, seed: 2 }, "2a25461b83493c95"],
];

describe("decode results, bit for bit", () => {
  for (const [name, options, pinned] of cases) {
    it(name, () => {
      const out = generate(model, prompts, options);
      expect(out).toHaveLength(prompts.length * options.n!);
      expect(digest(out)).toBe(pinned);
    });
  }

  it("without log-probs: the same tokens, texts and finish reasons, and no log-probs", () => {
    for (const [, options] of cases) {
      const full = generate(model, prompts, options), bare = generate(model, prompts, { ...options, logprobs: false });
      expect(bare.map((c) => ({ ...c, logprobs: [] }))).toEqual(full.map((c) => ({ ...c, logprobs: [] })));
      expect(bare.every((c) => c.logprobs.length === 0)).toBe(true);
      expect(full.every((c) => c.logprobs.length === c.tokens.length)).toBe(true);
    }
  });

  it("is not a constant: other seeds give other digests", () => {
    const [, options] = cases[0]!;
    expect(digest(generate(model, prompts, { ...options, seed: 4 }))).not.toBe(digest(generate(model, prompts, options)));
  });
});

describe("drawCumulative", () => {
  it("picks drawToken's token for every u, zeros, ties and the end included", () => {
    const rng = new Xoshiro128(17);
    const V = 13, probs = new Float64Array(V), cum = new Float64Array(V);
    let checked = 0;
    for (let trial = 0; trial < 400; trial++) {
      // weights with zeros (cut by top-k/top-p), tiny ones next to large ones, and sometimes one token alone
      for (let i = 0; i < V; i++) probs[i] = rng.next() < 0.3 ? 0 : rng.next() < 0.2 ? 1e-300 : Math.exp(20 * (rng.next() - 0.5));
      if (trial % 50 === 0) probs.fill(0).set([0.7], trial % V);
      let total = 0;
      for (let i = 0; i < V; i++) total += probs[i]!;
      cumulate(probs, V, cum);
      // uniform draws as the decoder makes them, every partial sum exactly (a tie: drawToken goes past it), and the total
      const us = [...Array.from({ length: 30 }, () => rng.next() * total), ...cum, total, 0];
      for (const u of us) {
        expect(drawCumulative(cum, probs, V, u)).toBe(drawToken(probs, V, u));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10000);
    probs.fill(0);
    cumulate(probs, V, cum);
    expect(drawCumulative(cum, probs, V, 0)).toBe(-1);
    expect(drawToken(probs, V, 0)).toBe(-1);
  });
});
