// The worker pool under stress: more threads than cores, thousands of small calls back to back (where a
// late worker meets the next call), results checked against the reference every time.
import { beforeAll, expect, it } from "vitest";
import type { Kernels } from "./kernels.js";
import { refKernels } from "./kernels_ref.js";
import { setEngineThreads, wasmRuntime } from "./kernels_wasm.js";
import { Xoshiro128 } from "./rng.js";
import { ensureWasm } from "./test-helpers/wasm.js";

let W: Kernels;
beforeAll(async () => {
  ensureWasm();
  W = (await wasmRuntime(5)).kernels; // this test file's process gets its own 5-thread pool
});

it("5 threads: 3000 calls of all sizes agree with the reference and with themselves", () => {
  expect(W.threads).toBe(5);
  const R = refKernels("float32");
  const rng = new Xoshiro128(3);
  for (let it = 0; it < 1000; it++) {
    const N = 1 + rng.int(100), C = 1 + rng.int(40), OC = 1 + rng.int(40); // both sides of the small-work cut
    const inp = W.alloc(N * C), w = W.alloc(OC * C), wp = W.alloc(C * OC), out = W.alloc(N * OC), out2 = W.alloc(N * OC);
    for (let i = 0; i < inp.length; i++) inp[i] = rng.normal();
    for (let i = 0; i < w.length; i++) w[i] = rng.normal();
    W.prepareWeight(wp, w, OC, C);
    W.matmulForward(out, inp, wp, N, C, OC);
    W.zero(out2, N * OC);
    W.matmulForward(out2, inp, wp, N, C, OC, true);
    const ref = new Float32Array(N * OC), wT = new Float32Array(C * OC);
    R.prepareWeight(wT, w, OC, C);
    R.matmulForward(ref, inp, wT, N, C, OC);
    let d = 0;
    for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(ref[i] - out[i]), Math.abs(out[i] - out2[i]));
    expect(d).toBeLessThan(1e-4);
    const s = W.sumSquares(inp, N * C);
    expect(s).toBeCloseTo(R.sumSquares(inp, N * C), 3);
    for (const a of [inp, w, wp, out, out2]) W.free(a);
  }
});

it("allocations are zeroed, also when they reuse released memory", () => {
  const a = W.alloc(1000);
  a.fill(7);
  W.free(a);
  const b = W.alloc(1000);
  expect(b.every((x) => x === 0)).toBe(true);
  const c = W.alloc(10), d = W.alloc(10);
  c.fill(3);
  d.fill(4);
  W.free(d);
  W.free(c);
  const e = W.alloc(20);
  expect(e.every((x) => x === 0)).toBe(true);
});

it("setEngineThreads: calls switching between 1..5 of the pool's threads agree with the reference and with all 5", () => {
  // a worker left out of a call sleeps until more threads are wanted again: switch on every call, both ways
  const R = refKernels("float32");
  const rng = new Xoshiro128(11);
  try {
    for (let it = 0; it < 600; it++) {
      const N = 8 + rng.int(60), C = 8 + rng.int(40), OC = 8 + rng.int(40); // above the small-work cut, mostly
      const inp = W.alloc(N * C), w = W.alloc(OC * C), wp = W.alloc(C * OC), out = W.alloc(N * OC), all = W.alloc(N * OC);
      for (let i = 0; i < inp.length; i++) inp[i] = rng.normal();
      for (let i = 0; i < w.length; i++) w[i] = rng.normal();
      setEngineThreads(0);
      W.prepareWeight(wp, w, OC, C);
      W.matmulForward(all, inp, wp, N, C, OC);
      setEngineThreads(1 + rng.int(6)); // 6: more than the pool has, so all of them
      W.matmulForward(out, inp, wp, N, C, OC);
      const ref = new Float32Array(N * OC), wT = new Float32Array(C * OC);
      R.prepareWeight(wT, w, OC, C);
      R.matmulForward(ref, inp, wT, N, C, OC);
      let d = 0;
      for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(ref[i] - out[i]));
      expect(d).toBeLessThan(1e-4);
      expect(Array.from(out)).toEqual(Array.from(all));
      for (const a of [inp, w, wp, out, all]) W.free(a);
    }
  } finally {
    setEngineThreads(0);
  }
});

it("a model trained and sampled on 2 of 5 threads, then on 1, gives the bits it gives on all 5", async () => {
  const { createModel } = await import("./model.js");
  const { generate } = await import("./sample.js");
  const run = async () => {
    const m = await createModel({ vocabSize: 30, dim: 48, layers: 2, heads: 4, context: 24 }, 8);
    const r = new Xoshiro128(2);
    const tokens = Array.from({ length: 4 * 24 }, () => r.int(30));
    m.zeroGrad();
    const { loss } = m.forwardBackward({ B: 4, T: 24, tokens, targets: tokens.map((t) => (t + 1) % 30) });
    const out = generate(m, [[1, 2, 3], [4]], { n: 3, maxTokens: 10, stopTokens: [] });
    const grads = Array.from(m.grads);
    m.dispose();
    return { loss, grads, out };
  };
  try {
    const all = await run();
    setEngineThreads(2);
    const two = await run();
    setEngineThreads(1);
    const one = await run();
    for (const r of [two, one]) {
      expect(r.loss).toBe(all.loss);
      expect(r.grads).toEqual(all.grads);
      expect(r.out).toEqual(all.out);
    }
  } finally {
    setEngineThreads(0);
  }
});

it("results are bit-identical for 5 threads and 1 thread", async () => {
  const { createModel } = await import("./model.js");
  const { generate } = await import("./sample.js");
  const run = async () => {
    const m = await createModel({ vocabSize: 30, dim: 48, layers: 2, heads: 4, context: 24 }, 8);
    const r = new Xoshiro128(1);
    const tokens = Array.from({ length: 4 * 24 }, () => r.int(30));
    m.zeroGrad();
    const { loss } = m.forwardBackward({ B: 4, T: 24, tokens, targets: tokens.map((t) => (t + 1) % 30) });
    const out = generate(m, [[1, 2, 3], [4]], { n: 3, maxTokens: 10, stopTokens: [] });
    return { loss, grads: Array.from(m.grads), out };
  };
  const five = await run();
  await (await wasmRuntime()).close();
  const one = await wasmRuntime(1);
  expect(one.threads).toBe(1);
  const single = await run();
  expect(single.loss).toBe(five.loss);
  expect(single.grads).toEqual(five.grads);
  expect(single.out).toEqual(five.out);
});
