// The fast kernels (wasm SIMD, all threads) against the TypeScript reference, one kernel at a time, on
// shapes that exercise every tail path (rows not a multiple of 4, columns not a multiple of 8 or 4).
import { beforeAll, describe, expect, it } from "vitest";
import type { FloatArray, Kernels } from "./kernels.js";
import { refKernels } from "./kernels_ref.js";
import { wasmRuntime } from "./kernels_wasm.js";
import { Xoshiro128 } from "./rng.js";
import { ensureWasm } from "./test-helpers/wasm.js";

let W: Kernels;
const R = refKernels("float64");
const rng = new Xoshiro128(1);

beforeAll(async () => {
  ensureWasm();
  W = (await wasmRuntime()).kernels;
});

function rand(k: Kernels, n: number, scale = 1): FloatArray {
  const a = k.alloc(n);
  for (let i = 0; i < n; i++) a[i] = Math.fround(scale * rng.normal());
  return a;
}
/** the same values in both backends */
function pair(n: number, scale = 1): [FloatArray, FloatArray] {
  const w = rand(W, n, scale);
  const r = R.alloc(n);
  r.set(w);
  return [w, r];
}
function pairInt(vals: number[]): [Int32Array, Int32Array] {
  const w = W.allocInt(vals.length);
  w.set(vals);
  return [w, Int32Array.from(vals)];
}
function maxDiff(a: FloatArray, b: FloatArray, n = a.length): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("wasm kernels match the reference", () => {
  it.each([
    [1, 1, 1], [3, 5, 7], [13, 17, 9], [37, 64, 48], [64, 300, 20], [130, 33, 260],
  ])("matmul forward/backward N=%i C=%i OC=%i", (N, C, OC) => {
    const [inpW, inpR] = pair(N * C), [wW, wR] = pair(OC * C);
    const wTW = W.alloc(C * OC), wTR = R.alloc(C * OC);
    W.prepareWeight(wTW, wW, OC, C);
    R.prepareWeight(wTR, wR, OC, C);
    const outW = W.alloc(N * OC), outR = R.alloc(N * OC);
    W.matmulForward(outW, inpW, wTW, N, C, OC);
    R.matmulForward(outR, inpR, wTR, N, C, OC);
    expect(maxDiff(outW, outR)).toBeLessThan(1e-4 * Math.sqrt(C));
    W.matmulForward(outW, inpW, wTW, N, C, OC, true);
    R.matmulForward(outR, inpR, wTR, N, C, OC, true);
    expect(maxDiff(outW, outR)).toBeLessThan(2e-4 * Math.sqrt(C));
    const [doutW, doutR] = pair(N * OC);
    const dinpW = W.alloc(N * C), dinpR = R.alloc(N * C);
    const [dwW, dwR] = pair(OC * C);
    W.matmulBackward(dinpW, dwW, doutW, inpW, wW, N, C, OC);
    R.matmulBackward(dinpR, dwR, doutR, inpR, wR, N, C, OC);
    expect(maxDiff(dinpW, dinpR)).toBeLessThan(1e-4 * Math.sqrt(OC));
    expect(maxDiff(dwW, dwR)).toBeLessThan(1e-4 * Math.sqrt(N));
  });

  it("transpose and prepareWeight: the reference transposes, wasm packs 8-column panels then the tail", () => {
    const OC = 19, C = 5;
    const [wW, wR] = pair(OC * C);
    const tW = W.alloc(OC * C), tR = R.alloc(OC * C), pW = W.alloc(OC * C), pR = R.alloc(OC * C);
    W.transpose(tW, wW, OC, C);
    R.transpose(tR, wR, OC, C);
    expect(maxDiff(tW, tR)).toBe(0);
    R.prepareWeight(pR, wR, OC, C);
    expect(maxDiff(pR, tR)).toBe(0);
    W.prepareWeight(pW, wW, OC, C);
    for (let k = 0; k < C; k++) {
      for (let o = 0; o < 16; o++) expect(pW[(o >> 3) * C * 8 + k * 8 + (o & 7)]).toBe(wR[o * C + k]);
      for (let j = 0; j < 3; j++) expect(pW[16 * C + k * 3 + j]).toBe(wR[(16 + j) * C + k]);
    }
  });

  it("matmul sums every element in float32 in k order, in chunks of 256 added to the output", () => {
    // the accumulation order the kernels promise (and the bitwise digests rely on), written out by hand
    const N = 7, C = 600, OC = 21;
    const [inpW] = pair(N * C), [wW] = pair(OC * C);
    const f = Math.fround;
    const dot = (n: number, a: (k: number) => number, b: (k: number) => number, start: number) => {
      let c = start;
      for (let k0 = 0; k0 < n; k0 += 256) {
        let acc = 0;
        for (let k = k0; k < Math.min(n, k0 + 256); k++) acc = f(acc + f(a(k) * b(k)));
        c = k0 === 0 && start === 0 ? acc : f(c + acc);
      }
      return c;
    };
    const wp = W.alloc(OC * C), out = W.alloc(N * OC);
    W.prepareWeight(wp, wW, OC, C);
    W.matmulForward(out, inpW, wp, N, C, OC);
    for (let i = 0; i < N; i++) for (let o = 0; o < OC; o++) {
      expect(out[i * OC + o]).toBe(dot(C, (k) => inpW[i * C + k], (k) => wW[o * C + k], 0));
    }
    // backward with the long axis N: dw = dw + dout^T @ inp, one chunk sum at a time
    const M = 600, dinp = W.alloc(M * C), [dw0] = pair(OC * C), dw = W.alloc(OC * C), [big] = pair(M * C), [dbig] = pair(M * OC);
    dw.set(dw0);
    W.matmulBackward(dinp, dw, dbig, big, wW, M, C, OC);
    for (const [o, c] of [[0, 0], [5, 17], [20, 599], [13, 301]] as const) {
      let e = dw0[o * C + c];
      for (let k0 = 0; k0 < M; k0 += 256) {
        let acc = 0;
        for (let k = k0; k < Math.min(M, k0 + 256); k++) acc = f(acc + f(dbig[k * OC + o] * big[k * C + c]));
        e = f(e + acc);
      }
      expect(dw[o * C + c]).toBe(e);
      expect(dinp[o * C + c]).toBe(dot(OC, (k) => dbig[o * OC + k], (k) => wW[k * C + c], 0)); // row o of dinp = dout @ w
    }
    for (const a of [wp, out, dinp, dw]) W.free(a);
  });

  it("matmul rows do not depend on how many rows are computed together", () => {
    const C = 37, OC = 29;
    const inp = rand(W, 11 * C), wT = rand(W, C * OC);
    const all = W.alloc(11 * OC), one = W.alloc(OC);
    W.matmulForward(all, inp, wT, 11, C, OC);
    for (let i = 0; i < 11; i++) {
      W.matmulForward(one, inp.subarray(i * C, (i + 1) * C), wT, 1, C, OC);
      expect(maxDiff(one, all.subarray(i * OC, (i + 1) * OC))).toBe(0);
    }
  });

  it.each([[5, 12], [9, 64], [3, 6]])("rmsnorm, swiglu, residual, encoder N=%i C=%i", (N, C) => {
    const [xW, xR] = pair(N * C), [wW, wR] = pair(C);
    const oW = W.alloc(N * C), oR = R.alloc(N * C), rW = W.alloc(N), rR = R.alloc(N);
    W.rmsnormForward(oW, rW, xW, wW, N, C, 1e-6);
    R.rmsnormForward(oR, rR, xR, wR, N, C, 1e-6);
    expect(maxDiff(oW, oR)).toBeLessThan(1e-5);
    const [dyW, dyR] = pair(N * C), [dxW, dxR] = pair(N * C), [dwW, dwR] = pair(C);
    W.rmsnormBackward(dxW, dwW, dyW, xW, wW, rW, N, C);
    R.rmsnormBackward(dxR, dwR, dyR, xR, wR, rR, N, C);
    expect(maxDiff(dxW, dxR)).toBeLessThan(1e-5);
    expect(maxDiff(dwW, dwR)).toBeLessThan(1e-4);
    const [guW, guR] = pair(N * 2 * C, 3);
    const sW = W.alloc(N * C), sR = R.alloc(N * C);
    W.swigluForward(sW, guW, N, C);
    R.swigluForward(sR, guR, N, C);
    expect(maxDiff(sW, sR)).toBeLessThan(1e-5);
    const dguW = W.alloc(N * 2 * C), dguR = R.alloc(N * 2 * C);
    W.swigluBackward(dguW, dyW, guW, N, C);
    R.swigluBackward(dguR, dyR, guR, N, C);
    expect(maxDiff(dguW, dguR)).toBeLessThan(1e-5);
    const lnW = W.alloc(N * C), lnR = R.alloc(N * C);
    W.residualRmsnormForward(lnW, oW, rW, xW, dyW, wW, N, C, 1e-6);
    R.residualRmsnormForward(lnR, oR, rR, xR, dyR, wR, N, C, 1e-6);
    expect(maxDiff(lnW, lnR)).toBeLessThan(1e-6);
    expect(maxDiff(oW, oR)).toBeLessThan(1e-5);
    expect(maxDiff(rW, rR)).toBeLessThan(1e-5);
    W.residualForward(oW, xW, dyW, N * C);
    R.residualForward(oR, xR, dyR, N * C);
    expect(maxDiff(oW, oR)).toBeLessThan(1e-6);
    const V = 7, toks = Array.from({ length: N }, (_, i) => (i * 5) % V);
    const [tW, tR] = pairInt(toks), [wteW, wteR] = pair(V * C);
    W.encoderForward(oW, tW, wteW, N, C);
    R.encoderForward(oR, tR, wteR, N, C);
    expect(maxDiff(oW, oR)).toBe(0);
    W.encoderBackward(wteW, dyW, tW, N, C);
    R.encoderBackward(wteR, dyR, tR, N, C);
    expect(maxDiff(wteW, wteR)).toBeLessThan(1e-6);
  });

  it.each([[1, 5, 8, 2], [2, 13, 12, 3], [3, 32, 32, 4], [2, 70, 64, 2]])("attention forward/backward and rope B=%i T=%i C=%i H=%i", (B, T, C, H) => {
    const N = B * T;
    const [qkvW, qkvR] = pair(N * 3 * C);
    const pos = Array.from({ length: N }, (_, i) => i % T);
    const [pW, pR] = pairInt(pos);
    const hd = C / H, half = hd / 2;
    const [cosW, cosR] = pair(T * half), [sinW, sinR] = pair(T * half);
    W.rope(qkvW, pW, N, 3 * C, 2 * H, hd, cosW, sinW, false);
    R.rope(qkvR, pR, N, 3 * C, 2 * H, hd, cosR, sinR, false);
    expect(maxDiff(qkvW, qkvR)).toBeLessThan(1e-5);
    const oW = W.alloc(N * C), oR = R.alloc(N * C), aW = W.alloc(B * H * T * T), aR = R.alloc(B * H * T * T);
    W.attentionForward(oW, aW, qkvW, B, T, C, H);
    R.attentionForward(oR, aR, qkvR, B, T, C, H);
    expect(maxDiff(aW, aR)).toBeLessThan(1e-5);
    expect(maxDiff(oW, oR)).toBeLessThan(1e-5);
    const [dW, dR] = pair(N * C);
    const dqW = W.alloc(N * 3 * C), dqR = R.alloc(N * 3 * C);
    W.attentionBackward(dqW, dW, qkvW, aW, B, T, C, H);
    R.attentionBackward(dqR, dR, qkvR, aR, B, T, C, H);
    expect(maxDiff(dqW, dqR)).toBeLessThan(1e-4);
  });

  // head sizes 4, 6 (scalar tails over d), 32, 16 (pairs of positions, an odd last one), 12 (blocks of 8, then 4)
  it.each([[3, 9, 12, 3], [2, 21, 12, 2], [2, 7, 64, 2], [3, 37, 64, 4], [2, 30, 36, 3]])(
    "decode attention with a paged cache equals full causal attention, and is bitwise the same in any pages B=%i T=%i C=%i H=%i", (B, T, C, H) => {
      const hd = C / H, half = hd / 2;
      const [qkvW, qkvR] = pair(B * T * 3 * C);
      const [cosW, cosR] = pair(T * half), [sinW, sinR] = pair(T * half);
      const aR = R.alloc(B * H * T * T), oR = R.alloc(B * T * C);
      const roped = Float64Array.from(qkvR);
      R.rope(roped, Int32Array.from({ length: B * T }, (_, i) => i % T), B * T, 3 * C, 2 * H, hd, cosR, sinR, false);
      R.attentionForward(oR, aR, roped, B, T, C, H);
      const Tmax = T + 1;
      // one page a row (the plain [rows, H, Tmax, hd] cache, rows in reverse), in W and in R
      const one = { PG: Tmax, mp: 1, stride: H * Tmax * hd, table: Array.from({ length: B }, (_, b) => B - 1 - b) };
      // pages of 8 positions spread over a pool in a shuffled order, with unused pages between them
      const mp = Math.ceil(Tmax / 8), order = Array.from({ length: 2 * B * mp }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) { const j = rng.int(i + 1); [order[i], order[j]] = [order[j]!, order[i]!]; }
      const paged = { PG: 8, mp, stride: H * 8 * hd, table: order.slice(0, B * mp) };
      const run = (k: Kernels, lay: typeof one, qkv: FloatArray, cos: FloatArray, sin: FloatArray, check: (t: number, out: FloatArray) => void) => {
        const pool = 2 * B * lay.mp * lay.stride;
        const kc = k.alloc(pool), vc = k.alloc(pool);
        const pages = k.allocInt(B * lay.mp), pos = k.allocInt(B), step = k.alloc(B * 3 * C), out = k.alloc(B * C);
        pages.set(lay.table);
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++) {
            pos[b] = t;
            step.set(qkv.subarray((b * T + t) * 3 * C, (b * T + t + 1) * 3 * C), b * 3 * C);
          }
          k.attentionDecode(out, step, kc, vc, pages, lay.mp, pos, B, C, H, lay.PG, lay.stride, Tmax, cos, sin);
          check(t, out);
        }
      };
      const outs: Float32Array[] = [];
      run(W, one, qkvW, cosW, sinW, (t, out) => {
        for (let b = 0; b < B; b++) {
          expect(maxDiff(out.subarray(b * C, (b + 1) * C), oR.subarray((b * T + t) * C, (b * T + t + 1) * C))).toBeLessThan(1e-5);
        }
        outs.push(Float32Array.from(out));
      });
      run(W, paged, qkvW, cosW, sinW, (t, out) => expect(Float32Array.from(out)).toEqual(outs[t]));
      run(R, paged, qkvR, cosR, sinR, (t, out) => {
        for (let b = 0; b < B; b++) {
          expect(maxDiff(out.subarray(b * C, (b + 1) * C), oR.subarray((b * T + t) * C, (b * T + t + 1) * C))).toBeLessThan(1e-12);
        }
      });
    });

  it("cross-entropy with weights and masked rows", () => {
    const N = 9, V = 11;
    const [lW, lR] = pair(N * V, 2);
    const targets = [3, -1, 0, 10, 5, -1, 7, 2, 1];
    const [tW, tR] = pairInt(targets);
    const [wW, wR] = pair(N);
    const nW = W.alloc(N), nR = R.alloc(N), dW = W.alloc(N * V), dR = R.alloc(N * V);
    W.crossEntropy(dW, nW, lW, tW, wW, N, V, 0.25);
    R.crossEntropy(dR, nR, lR, tR, wR, N, V, 0.25);
    expect(maxDiff(nW, nR)).toBeLessThan(1e-5);
    expect(maxDiff(dW, dR)).toBeLessThan(1e-6);
    W.crossEntropy(lW, nW, lW, tW, wW, N, V, 0.25); // in place
    expect(maxDiff(lW, dR)).toBeLessThan(1e-6);
  });

  it("adamw, sum of squares, scale", () => {
    const n = 1001;
    const [pW, pR] = pair(n), [gW, gR] = pair(n), [mW, mR] = pair(n, 0.1);
    const vW = W.alloc(n), vR = R.alloc(n);
    for (let i = 0; i < n; i++) vW[i] = vR[i] = Math.fround(Math.abs(mR[i]));
    W.adamw(pW, gW, mW, vW, n, 600, 1e-2, 0.9, 0.95, 1e-8, 0.1, 3);
    R.adamw(pR, gR, mR, vR, n, 600, 1e-2, 0.9, 0.95, 1e-8, 0.1, 3);
    expect(maxDiff(pW, pR)).toBeLessThan(1e-6);
    expect(maxDiff(vW, vR)).toBeLessThan(1e-6);
    expect(W.sumSquares(gW, n)).toBeCloseTo(R.sumSquares(gR, n), 8);
    W.scale(gW, n, 0.5);
    R.scale(gR, n, 0.5);
    expect(maxDiff(gW, gR)).toBe(0);
  });
});
