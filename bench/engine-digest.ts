// A digest of what the wasm engine computes on a few fixed configs: parameters after 3 AdamW steps (so every
// gradient is in it), the losses, and 64 sampled completions with their log-probs. Kernel changes that keep
// every accumulation order must leave it unchanged: run it before and after and compare the lines.
// Run: npx tsx bench/engine-digest.ts
import { createHash } from "node:crypto";
import { resolveConfig } from "../src/engine/config.js";
import { createModel } from "../src/engine/model.js";
import { AdamW } from "../src/engine/optim.js";
import { Xoshiro128 } from "../src/engine/rng.js";
import { generate } from "../src/engine/sample.js";

const configs = [
  { dim: 64, layers: 2, heads: 4, vocab: 48, context: 96, B: 8, T: 96 },
  { dim: 128, layers: 4, heads: 4, vocab: 48, context: 160, B: 4, T: 150 },
  { dim: 36, layers: 1, heads: 3, vocab: 29, context: 40, B: 3, T: 37 },
];
for (const c of configs) {
  const model = await createModel(resolveConfig({ vocabSize: c.vocab, dim: c.dim, layers: c.layers, heads: c.heads, context: c.context }), 7);
  const rng = new Xoshiro128(3);
  const h = createHash("sha256");
  const opt = new AdamW(model, { weightDecay: 0.01 });
  const losses: number[] = [];
  for (let s = 0; s < 3; s++) {
    const tokens = Array.from({ length: c.B * c.T }, () => rng.int(c.vocab));
    const targets = tokens.map((t, i) => (i % 7 === 0 ? -1 : (t * 5 + i) % c.vocab));
    const weights = tokens.map((_, i) => 0.5 + (i % 3));
    model.zeroGrad();
    losses.push(model.forwardBackward({ B: c.B, T: c.T, tokens, targets, weights }).loss);
    opt.step(1e-2);
  }
  h.update(new Uint8Array(model.params.buffer, model.params.byteOffset, model.params.byteLength));
  const prompts = Array.from({ length: 4 }, () => Array.from({ length: 5 }, () => rng.int(c.vocab)));
  const out = generate(model, prompts, { n: 16, maxTokens: Math.min(40, c.context - 6), temperature: 1, stopTokens: [], seed: 1 });
  const sample = createHash("sha256").update(JSON.stringify(out.map((o) => [o.tokens, o.logprobs]))).digest("hex").slice(0, 16);
  console.log(`${JSON.stringify(c)} params ${h.digest("hex").slice(0, 16)} losses ${losses.map((l) => l.toPrecision(9)).join(",")} samples ${sample}`);
  opt.dispose();
  model.dispose();
}
process.exit(0);
