// Sampling: reproducibility per sample whatever the batch, KV-cache decode vs the full forward pass,
// log-probs vs scoring, and the stop / length rules.
import { beforeAll, describe, expect, it } from "vitest";
import { createModel, type Model } from "./model.js";
import { generate, generateAsync, scoreCompletions } from "./sample.js";
import { ensureWasm } from "./test-helpers/wasm.js";
import { CharTokenizer } from "./tokenizer.js";

let model: Model;
const tok = CharTokenizer.fromText("abcdefghij =");

beforeAll(async () => {
  ensureWasm();
  model = await createModel({ vocabSize: tok.vocabSize, dim: 32, layers: 2, heads: 2, context: 48 }, 5, { tokenizer: tok });
  // larger weights than the init so the distribution is far from uniform
  for (let i = 0; i < model.layout.nDecay; i++) model.params[i] *= 8;
  model.paramsChanged();
});

describe("generate", () => {
  it("is reproducible and independent of batch composition and batch size", () => {
    const opts = { n: 3, maxTokens: 12, temperature: 1, seed: 7 };
    const a = generate(model, ["abc", "hij j"], opts);
    const b = generate(model, ["abc", "hij j"], opts);
    expect(b).toEqual(a);
    const alone = generate(model, ["abc"], { ...opts, batchSize: 2 });
    expect(alone).toEqual(a.slice(0, 3));
    const third = generate(model, ["abc"], { ...opts, n: 1, firstSample: 2 });
    expect(third[0]).toEqual(a[2]);
    const other = generate(model, ["ddd", "abc", "e"], { ...opts, batchSize: 4 });
    expect(other.slice(3, 6).map((c) => ({ ...c, prompt: 0 }))).toEqual(a.slice(0, 3));
    expect(new Set(a.slice(0, 3).map((c) => c.tokens.join(","))).size).toBeGreaterThan(1); // samples differ
  });

  it("samples of one prompt share its prefill without changing any result", () => {
    const prompts = ["abcdefgh ij", "j", "hhh"];
    const opts = { maxTokens: 9, seed: 2, stop: ["="] };
    const shared = generate(model, prompts, { ...opts, n: 5, batchSize: 4 });
    for (const [i, p] of prompts.entries()) {
      for (let j = 0; j < 5; j++) {
        const [alone] = generate(model, [p], { ...opts, n: 1, firstSample: j });
        expect({ ...alone, prompt: i }).toEqual(shared[i * 5 + j]);
      }
    }
  });

  it("greedy decoding with the KV cache follows the argmax of the full forward pass", () => {
    const [c] = generate(model, ["abc"], { temperature: 0, maxTokens: 20, stopTokens: [] });
    const ids = [...tok.encode("abc", { bos: true })];
    for (let j = 0; j < c.tokens.length; j++) {
      const logits = model.lastLogits(ids);
      let best = 0;
      for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
      expect(c.tokens[j]).toBe(best);
      ids.push(c.tokens[j]);
    }
    const [k1] = generate(model, ["abc"], { temperature: 1, topK: 1, maxTokens: 20, stopTokens: [] });
    expect(k1.tokens).toEqual(c.tokens);
  });

  it("returns the log-probs that scoreCompletions computes", () => {
    const out = generate(model, ["abc", "j"], { n: 2, maxTokens: 15, stopTokens: [], seed: 3 });
    const scores = scoreCompletions(model, out.map((c) => ({ prompt: c.prompt === 0 ? "abc" : "j", completion: c.tokens })));
    for (let i = 0; i < out.length; i++) {
      expect(scores[i].tokens).toEqual(out[i].tokens);
      for (let j = 0; j < out[i].tokens.length; j++) expect(Math.abs(scores[i].logprobs[j] - out[i].logprobs[j])).toBeLessThan(1e-4);
      expect(scores[i].sum).toBeCloseTo(out[i].logprobs.reduce((a, b) => a + b, 0), 3);
    }
  });

  it("stops on stop strings, stop tokens and length", () => {
    const free = generate(model, ["abc"], { n: 4, maxTokens: 30, stopTokens: [], seed: 1 });
    for (const c of free) {
      expect(c.finishReason).toBe("length");
      expect(c.tokens).toHaveLength(30);
      expect(c.logprobs).toHaveLength(30);
      expect(c.text).toBe(tok.decode(c.tokens));
    }
    // a stop string taken from the free text: generation stops there, text cut before it
    const c0 = free.find((c) => c.text.length >= 6)!;
    const stop = c0.text.slice(4, 6);
    const [s] = generate(model, ["abc"], { n: 1, maxTokens: 30, stopTokens: [], seed: 1, stop: [stop] });
    expect(s.finishReason).toBe("stop");
    expect(s.text).toBe(c0.text.slice(0, c0.text.indexOf(stop)));
    // a stop token: kept in tokens, not in text
    const t = c0.tokens[3];
    const [st] = generate(model, ["abc"], { n: 1, maxTokens: 30, stopTokens: [t], seed: 1 });
    const first = c0.tokens.indexOf(t);
    expect(st.finishReason).toBe("stop");
    expect(st.tokens).toEqual(c0.tokens.slice(0, first + 1));
    // context limit: a long prompt leaves room for few tokens
    const [ctx] = generate(model, ["a".repeat(40)], { stopTokens: [] });
    expect(ctx.finishReason).toBe("length");
    expect(ctx.tokens.length).toBe(48 - 41);
  });

  it("top-p and temperature keep samples inside the allowed set", () => {
    const out = generate(model, ["abc"], { n: 20, maxTokens: 1, topP: 0.3, stopTokens: [], seed: 4 });
    const logits = model.lastLogits(tok.encode("abc", { bos: true }));
    const order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a]);
    const z = Array.from(logits).reduce((s, x) => s + Math.exp(x), 0);
    const allowed = new Set<number>();
    let cum = 0;
    for (const v of order) {
      allowed.add(v);
      cum += Math.exp(logits[v]) / z;
      if (cum >= 0.3) break;
    }
    for (const c of out) expect(allowed.has(c.tokens[0])).toBe(true);
  });

  it("generateAsync gives the same completions, reports progress and can be aborted", async () => {
    const opts = { n: 4, maxTokens: 20, seed: 9, stopTokens: [] };
    const sync = generate(model, ["abc", "de"], opts);
    let last = { finished: 0, total: 0, steps: 0 };
    const viaAsync = await generateAsync(model, ["abc", "de"], { ...opts, yieldEveryMs: 0, onProgress: (p) => (last = p) });
    expect(viaAsync).toEqual(sync);
    expect(last.finished).toBe(8);
    expect(last.total).toBe(8);
    const ac = new AbortController();
    const p = generateAsync(model, ["abc"], { ...opts, yieldEveryMs: 0, signal: ac.signal, onProgress: (q) => q.steps === 3 && ac.abort(new Error("stop here")) });
    await expect(p).rejects.toThrow("stop here");
  });

  it("rejects bad options", () => {
    expect(() => generate(model, ["a"], { topP: 0 })).toThrow(/topP/);
    expect(() => generate(model, ["a".repeat(48)])).toThrow(/context/);
    expect(() => generate(model, [[99]])).toThrow(/vocab/);
  });
});
