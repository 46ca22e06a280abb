// The model's backward pass against central finite differences (float64 reference kernels, every
// parameter), and the fast wasm model against the float64 reference: logits, loss, every gradient tensor.
import { beforeAll, describe, expect, it } from "vitest";
import { PARAM_NAMES } from "./config.js";
import { createModel, type Model, type TrainBatch } from "./model.js";
import { Xoshiro128 } from "./rng.js";
import { ensureWasm } from "./test-helpers/wasm.js";

beforeAll(() => ensureWasm());

function randomBatch(rng: Xoshiro128, B: number, T: number, V: number): TrainBatch {
  const tokens: number[] = [], targets: number[] = [], weights: number[] = [];
  for (let i = 0; i < B * T; i++) {
    tokens.push(rng.int(V));
    targets.push(rng.next() < 0.2 ? -1 : rng.int(V)); // some positions masked out
    weights.push(rng.next() * 2 - 0.5); // GRPO advantages can be negative
  }
  return { B, T, tokens, targets, weights };
}

describe("gradients", () => {
  it("every parameter's gradient matches central finite differences (float64)", async () => {
    const config = { vocabSize: 7, dim: 8, layers: 2, heads: 2, intermediate: 12, context: 8 };
    const model = await createModel(config, 3, { backend: "ref64" });
    // unit-ish norm gains and larger weights make every path matter
    const rng = new Xoshiro128(5);
    for (let i = 0; i < model.layout.total; i++) model.params[i] = i < model.layout.nDecay ? 0.5 * rng.normal() : 1 + 0.3 * rng.normal();
    model.paramsChanged();
    const batch = randomBatch(rng, 2, 5, 7);
    const opts = { normaliser: 6.5 };
    model.zeroGrad();
    model.forwardBackward(batch, opts);
    const grads = Float64Array.from(model.grads);
    const h = 1e-6;
    let worstAbs = 0, worstRel = 0;
    const perTensor: Record<string, number> = {};
    for (const name of PARAM_NAMES) {
      const off = model.layout.offsets[name], size = model.layout.sizes[name];
      let worst = 0;
      for (let i = off; i < off + size; i++) {
        const p = model.params[i];
        model.params[i] = p + h;
        model.paramsChanged();
        const up = model.forwardLoss(batch, opts).loss;
        model.params[i] = p - h;
        model.paramsChanged();
        const down = model.forwardLoss(batch, opts).loss;
        model.params[i] = p;
        const fd = (up - down) / (2 * h);
        const abs = Math.abs(fd - grads[i]);
        worst = Math.max(worst, abs);
        worstAbs = Math.max(worstAbs, abs);
        worstRel = Math.max(worstRel, abs / Math.max(1, Math.abs(grads[i])));
      }
      perTensor[name] = worst;
    }
    model.paramsChanged();
    console.log(`finite differences (float64, h=${h}, ${model.layout.total} params): max |fd - grad| ${worstAbs.toExponential(2)}, max |fd - grad| / max(1, |grad|) ${worstRel.toExponential(2)}`,
      Object.entries(perTensor).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(", "));
    // float64 central differences: truncation error ~ f''' h^2 / 6 (the weights are large on purpose, so
    // gradients reach ~20 and f''' ~1e3: ~1e-9 relative), rounding ~1e-16 / h = 1e-10
    expect(worstRel).toBeLessThan(1e-7);
  });
});

async function twin(config: Parameters<typeof createModel>[0], seed: number): Promise<[Model, Model]> {
  const fast = await createModel(config, seed, { backend: "wasm" });
  const ref = await createModel(config, seed, { backend: "ref64" });
  ref.params.set(fast.params); // identical float32 values
  ref.paramsChanged();
  return [fast, ref];
}

describe("wasm model vs float64 reference", () => {
  it.each([
    [{ vocabSize: 37, dim: 48, layers: 2, heads: 4, context: 32 }, 3, 19],
    [{ vocabSize: 50, dim: 32, layers: 1, heads: 1, intermediate: 20, context: 16 }, 2, 16],
  ])("logits, loss and every gradient tensor %j", async (config, B, T) => {
    const [fast, ref] = await twin(config, 11);
    const rng = new Xoshiro128(2);
    for (let i = 0; i < fast.layout.total; i++) fast.params[i] += 0.05 * rng.normal();
    fast.paramsChanged();
    ref.params.set(fast.params);
    ref.paramsChanged();
    const batch = randomBatch(rng, B, T, config.vocabSize);
    const lf = fast.forwardLoss(batch), lr = ref.forwardLoss(batch);
    expect(Math.abs(lf.loss - lr.loss)).toBeLessThan(1e-5);
    let worstLogit = 0;
    const a = fast.forward(batch.tokens, B, T), b = ref.forward(batch.tokens, B, T);
    for (let i = 0; i < a.length; i++) worstLogit = Math.max(worstLogit, Math.abs(a[i] - b[i]));
    expect(worstLogit).toBeLessThan(1e-4);
    fast.zeroGrad();
    ref.zeroGrad();
    fast.forwardBackward(batch);
    ref.forwardBackward(batch);
    const report: string[] = [];
    for (const name of PARAM_NAMES) {
      const gf = fast.grad(name), gr = ref.grad(name);
      let worst = 0, scale = 0;
      for (let i = 0; i < gf.length; i++) {
        worst = Math.max(worst, Math.abs(gf[i] - gr[i]));
        scale = Math.max(scale, Math.abs(gr[i]));
      }
      report.push(`${name} ${worst.toExponential(1)}/${scale.toExponential(1)}`);
      expect(worst).toBeLessThan(1e-4 * Math.max(1, scale));
    }
    console.log(`wasm vs ref64: loss diff ${Math.abs(lf.loss - lr.loss).toExponential(1)}, logits ${worstLogit.toExponential(1)}, grads (max diff/max |g|): ${report.join(", ")}`);
    fast.dispose();
  });

  it("activation buffers sized for a bigger batch serve smaller ones unchanged", async () => {
    const config = { vocabSize: 20, dim: 32, layers: 2, heads: 2, context: 16 };
    const small = randomBatch(new Xoshiro128(4), 2, 6, 20), big = randomBatch(new Xoshiro128(5), 3, 16, 20);
    const fresh = await createModel(config, 3);
    fresh.zeroGrad();
    const l0 = fresh.forwardBackward(small).loss;
    const g0 = Float32Array.from(fresh.grads);
    const used = await createModel(config, 3);
    used.forwardBackward(big);
    used.forward(big.tokens, 3, 16);
    used.zeroGrad();
    expect(used.forwardBackward(small).loss).toBe(l0);
    expect(Array.from(used.grads)).toEqual(Array.from(g0));
    expect(Array.from(used.lastLogits([1, 2, 3]))).toEqual(Array.from(fresh.lastLogits([1, 2, 3])));
  });

  it("training is deterministic given a seed", async () => {
    const config = { vocabSize: 20, dim: 32, layers: 2, heads: 2, context: 16 };
    const run = async () => {
      const m = await createModel(config, 7);
      const batch = randomBatch(new Xoshiro128(9), 4, 16, 20);
      m.zeroGrad();
      m.forwardBackward(batch);
      const g = Float32Array.from(m.grads);
      m.dispose();
      return g;
    };
    const [a, b] = [await run(), await run()];
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });
});
