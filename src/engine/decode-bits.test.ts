// The decode loop's results, bit for bit, pinned: every token, text, log-prob (as its float64 bits) and finish
// reason of tree and independent sampling under the settings the study samples with (temperature 0.9, top-k 50 on
// a smaller vocabulary, so no cut; and a cut by top-k and top-p), with stop strings and length limits, under slot
// pressure (children waiting for a slot) and without. The digests were recorded on the decode loop before the
// speed work of issue 18 (commit on branch quick-speed before "decode: ..."): a change that alters any result,
// however slightly, fails here. A change that only makes decoding faster keeps them.
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createModel, type Model } from "./model.js";
import { generate, type EngineCompletion, type GenerateOptions } from "./sample.js";
import { ensureWasm } from "./test-helpers/wasm.js";
import { CharTokenizer } from "./tokenizer.js";

let model: Model;
const tok = CharTokenizer.fromText("abcdefghij =");

beforeAll(async () => {
  ensureWasm();
  model = await createModel({ vocabSize: tok.vocabSize, dim: 32, layers: 2, heads: 2, context: 48 }, 5, { tokenizer: tok });
  // peaked distributions (a trained model's): tree sampling then shares long prefixes and branches often
  for (let i = 0; i < model.layout.nDecay; i++) model.params[i] *= 6;
  model.paramsChanged();
});

/** sha256 of every field of every completion, log-probs as their exact float64 bits */
function digest(out: EngineCompletion[]): string {
  const h = createHash("sha256");
  for (const c of out) {
    h.update(`${c.prompt}|${c.sample}|${c.finishReason}|${c.text}|${c.tokens.join(",")}|`);
    h.update(new Uint8Array(Float64Array.from(c.logprobs).buffer));
  }
  return h.digest("hex").slice(0, 16);
}

const prompts = ["abc", "hij j", "ddd", "e", "ab ab", "jjj=", "gfedcba", "c"];
const cases: Array<[string, GenerateOptions, string]> = [
  ["tree, the study's settings, room for every branch", { n: 64, temperature: 0.9, topK: 50, maxTokens: 30, seed: 3, tree: true, stop: ["=="] }, "0f064b35b8629513"],
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

  it("is not a constant: other seeds give other digests", () => {
    const [, options] = cases[0]!;
    expect(digest(generate(model, prompts, { ...options, seed: 4 }))).not.toBe(digest(generate(model, prompts, options)));
  });
});
