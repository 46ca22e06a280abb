// The one packer and what its users rely on: the trainers' options (context check, fixed width), text pairs
// encoded as the sampler sees them, and scores (GRPO's logprobs) that do not depend on how rows are packed.
import { beforeAll, describe, expect, it } from "vitest";
import { completionLength, encodePair, makeBatch } from "./batch.js";
import { createModel, type Model } from "./model.js";
import { scoreCompletions } from "./sample.js";
import { ensureWasm } from "./test-helpers/wasm.js";
import { CharTokenizer } from "./tokenizer.js";

const tok = CharTokenizer.fromText("abcdefghij =");

describe("makeBatch options", () => {
  it("names a sequence longer than the model's context", () => {
    const s = { tokens: [1, 5, 6, 7, 2], promptLength: 1 };
    expect(() => makeBatch([s], 0, { context: 3 })).toThrow("a sequence of 5 tokens exceeds the model's context of 3");
    expect(makeBatch([s], 0, { context: 4 }).T).toBe(4);
  });

  it("pads rows to a fixed width and feeds a prompt-only sequence without a target", () => {
    const b = makeBatch([{ tokens: [1, 5, 2], promptLength: 2 }, { tokens: [1], promptLength: 1 }], 9, { width: 3 });
    expect([b.B, b.T]).toEqual([2, 3]);
    expect(Array.from(b.tokens)).toEqual([1, 5, 9, 1, 9, 9]);
    expect(Array.from(b.targets)).toEqual([-1, 2, -1, -1, -1, -1]);
    expect(() => makeBatch([{ tokens: [1, 5, 6] }], 0, { width: 1 })).toThrow(/does not fit/);
    expect(() => makeBatch([{ tokens: [] }], 0)).toThrow(/empty/);
  });

  it("encodes a text pair as bos + prompt, completion + eos, with the loss on the completion", () => {
    const s = encodePair(tok, "ab", "c");
    expect(s.tokens).toEqual([tok.bos, ...tok.encode("ab"), ...tok.encode("c"), tok.eos]);
    expect(s.promptLength).toBe(3);
    expect(completionLength(s)).toBe(2);
  });
});

describe("scores packed in any batches", () => {
  let model: Model;
  beforeAll(async () => {
    ensureWasm();
    model = await createModel({ vocabSize: tok.vocabSize, dim: 32, layers: 2, heads: 2, context: 48 }, 5, { tokenizer: tok });
  });

  it("are bitwise the same for every batch size, and equal the sum of their token logprobs", () => {
    const items = ["a", "bcd", "ee", "fghij", "j", "abcabc"].map((c, i) => ({ prompt: "hij".slice(0, 1 + (i % 3)), completion: c }));
    const one = scoreCompletions(model, items, { batchSize: 1 });
    for (const batchSize of [2, 4, 64]) expect(scoreCompletions(model, items, { batchSize })).toEqual(one);
    for (const s of one) expect(s.sum).toBe(s.logprobs.reduce((a, x) => a + x, 0));
    expect(one.map((s) => s.tokens.length)).toEqual([1, 3, 2, 5, 1, 6]);
  });
});
