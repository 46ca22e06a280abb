// AdamW against a hand-written PyTorch-semantics step, clipping, schedules, gradient accumulation.
import { beforeAll, describe, expect, it } from "vitest";
import { createModel } from "./model.js";
import { AdamW, clipGradNorm, getLr, gradNorm } from "./optim.js";
import { Xoshiro128 } from "./rng.js";
import { ensureWasm } from "./test-helpers/wasm.js";

beforeAll(() => ensureWasm());
const config = { vocabSize: 20, dim: 32, layers: 2, heads: 2, context: 16 };

function batch(seed: number, B: number, T: number) {
  const r = new Xoshiro128(seed);
  const tokens = Array.from({ length: B * T }, () => r.int(20));
  const targets = tokens.map((t, i) => (i % T < 3 ? -1 : (t + 1) % 20));
  const weights = tokens.map(() => r.next() * 2 - 1);
  return { B, T, tokens, targets, weights };
}

describe("optimizer", () => {
  it("gradient accumulation over micro-batches equals one big batch", async () => {
    const m = await createModel(config, 1);
    const big = batch(3, 4, 16);
    const half = (k: number) => ({ B: 2, T: 16, tokens: big.tokens.slice(k * 32, k * 32 + 32), targets: big.targets.slice(k * 32, k * 32 + 32), weights: big.weights.slice(k * 32, k * 32 + 32) });
    const count = big.targets.filter((t) => t >= 0).length;
    m.zeroGrad();
    const full = m.forwardBackward(big);
    const g1 = Float64Array.from(m.grads);
    m.zeroGrad();
    const l0 = m.forwardBackward(half(0), { normaliser: count }).loss;
    const l1 = m.forwardBackward(half(1), { normaliser: count }).loss;
    expect(l0 + l1).toBeCloseTo(full.loss, 5);
    let d = 0;
    for (let i = 0; i < g1.length; i++) d = Math.max(d, Math.abs(g1[i] - m.grads[i]));
    expect(d).toBeLessThan(1e-6);
  });

  it("AdamW follows PyTorch's update, decays matrices only, and clipping bounds the norm", async () => {
    const m = await createModel(config, 2);
    m.zeroGrad();
    m.forwardBackward(batch(4, 2, 16));
    const norm = gradNorm(m);
    expect(clipGradNorm(m, norm / 2)).toBeCloseTo(norm, 5);
    expect(gradNorm(m)).toBeCloseTo(norm / 2, 4);
    const p0 = Float64Array.from(m.params), g = Float64Array.from(m.grads);
    const opt = new AdamW(m, { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 });
    const lr = 0.01;
    opt.step(lr);
    // first step: m = (1-b1) g, v = (1-b2) g^2, bias-corrected -> update = g / (|g| + eps)
    for (const i of [0, 5, m.layout.offsets.wo + 7, m.layout.offsets.ln1w + 3, m.layout.total - 1]) {
      const decay = i < m.layout.nDecay ? lr * 0.1 * p0[i] : 0;
      const expected = p0[i] - decay - (lr * g[i]) / (Math.abs(g[i]) + 1e-8);
      expect(m.params[i]).toBeCloseTo(expected, 5);
    }
    expect(m.step).toBe(1);
  });

  it("learning-rate schedules: warmup, constant, cosine", () => {
    const s = { lr: 1, warmup: 10, shape: "cosine" as const, steps: 110, minLr: 0.1 };
    expect(getLr(s, 0)).toBeCloseTo(0.1);
    expect(getLr(s, 9)).toBeCloseTo(1);
    expect(getLr(s, 10)).toBeCloseTo(1);
    expect(getLr(s, 60)).toBeCloseTo(0.55);
    expect(getLr(s, 110)).toBeCloseTo(0.1);
    expect(getLr(s, 500)).toBeCloseTo(0.1);
    expect(getLr({ lr: 2 }, 1000)).toBe(2);
  });
});

describe("makeBatch", () => {
  it("packs prompt + completion rows with masked prompts, padding and per-token weights", async () => {
    const { makeBatch } = await import("./batch.js");
    const b = makeBatch([{ tokens: [1, 5, 6, 7, 2], promptLength: 3, weights: 0.5 }, { tokens: [1, 9, 2], promptLength: 1, weights: [2, 3] }], 0);
    expect([b.B, b.T]).toEqual([2, 4]);
    expect(Array.from(b.tokens)).toEqual([1, 5, 6, 7, 1, 9, 0, 0]);
    expect(Array.from(b.targets)).toEqual([-1, -1, 7, 2, 9, 2, -1, -1]);
    expect(Array.from(b.weights!)).toEqual([0, 0, 0.5, 0.5, 2, 3, 0, 0]);
    expect(() => makeBatch([{ tokens: [1, 2, 3], weights: [1] }], 0)).toThrow(/weights/);
  });
});
