// The paged KV cache (decode.ts, PagePool) changes no sampled bit. A model of the quick preset's shape (dim 64,
// 2 layers, 4 heads: head size 16, the attention kernel's pairs-of-positions path; context 192) samples long
// sequences, so every row crosses many pages, and siblings of the tree share pages and copy the shared last one
// before writing. The digests (every token, text, finish reason and log-prob as its float64 bits) were recorded
// with the cache before pages (one contiguous [Tmax, hd] block per slot, a child's cache copied from its
// parent's; commit 98a5044): any page size, a pool that starts too small and grows, and rows too few for every
// branch (children wait holding their pages) must all give them.
import { beforeAll, describe, expect, it } from "vitest";
import type { Model } from "./model.js";
import { generate, type EngineCompletion, type GenerateOptions } from "./sample.js";
import { completionDigest as digest, peakedModel } from "./test-helpers/completion-digest.js";
import { ensureWasm } from "./test-helpers/wasm.js";
import { CharTokenizer } from "./tokenizer.js";

let model: Model;
const tok = CharTokenizer.fromText("ABCDEFGHIJKLMNOP =\n");

beforeAll(async () => {
  ensureWasm();
  model = await peakedModel({ dim: 64, layers: 2, heads: 4, context: 192 }, 11, tok, 5); // peaked, as a trained model's
});

const prompts = ["Q A BCD\n", "Q P ONMLK\n", "Q F G\n", "Q C CCCC CCC\n"];
const tree: GenerateOptions = { n: 32, temperature: 0.9, topK: 50, maxTokens: 120, seed: 7, tree: true, stopTokens: [] };
const independent: GenerateOptions = { n: 6, temperature: 1, maxTokens: 110, seed: 3, stopTokens: [] };
const PINNED = { tree: "0322f1351bee62c8", independent: "0d5ef2a511f37109" };

describe("the paged KV cache, bit for bit", () => {
  const layouts: Array<[string, GenerateOptions]> = [
    ["default pages", {}],
    ["pages of 8", { cache: { pageSize: 8 } }],
    ["pages of 32", { cache: { pageSize: 32 } }],
    ["one page a sequence", { cache: { pageSize: 0 } }],
    ["a pool of 3 pages that grows", { cache: { pages: 3 } }],
    ["10 rows: children wait holding their pages", { batchSize: 10 }],
  ];
  for (const [name, extra] of layouts) {
    it(`tree sampling, ${name}`, () => {
      const out = generate(model, prompts, { ...tree, ...extra });
      expect(out).toHaveLength(prompts.length * tree.n!);
      expect(digest(out)).toBe(PINNED.tree);
    });
    it(`independent sampling, ${name}`, () => {
      expect(digest(generate(model, prompts, { ...independent, ...extra }))).toBe(PINNED.independent);
    });
  }

  it("reaches deep into the cache and branches (else the cases above would prove little)", () => {
    const out = generate(model, prompts, tree);
    expect(Math.max(...out.map((c) => c.tokens.length))).toBeGreaterThan(100);
    for (let p = 0; p < prompts.length; p++) {
      expect(new Set(out.filter((c) => c.prompt === p).map((c) => c.text)).size).toBeGreaterThan(3);
    }
  });

  it("rejects a page size the attention kernel cannot sum in its order", () => {
    expect(() => generate(model, prompts, { ...tree, cache: { pageSize: 12 } })).toThrow(/page size 12/);
  });
});
