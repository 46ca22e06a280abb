// The kernel set the model is written against. Two implementations:
//   kernels_ref.ts  plain TypeScript, float32 or float64 arrays: the reference the tests compare against
//   kernels_wasm.ts AssemblyScript -> wasm SIMD, all threads of a worker pool over one shared memory
// Arrays handed to the wasm kernels must come from that backend's own alloc (views of its memory).
//
// Dimension legend: N rows (tokens, = B*T), C channels, OC output channels, V vocab, B batch, T time,
// H heads, hd = C/H head size, I MLP hidden size, S sequences being sampled, Tmax cache length.
// Outputs come first in every signature; "+=" marks outputs that are accumulated into.

export type FloatArray = Float32Array | Float64Array;

export interface Kernels {
  readonly name: "ref" | "wasm";
  /** float type of every buffer this backend allocates */
  readonly dtype: "float32" | "float64";
  /** number of threads a kernel call uses */
  readonly threads: number;
  /** n floats, zeroed unless `zero` is false (then only for buffers always written before they are read) */
  alloc(n: number, zero?: boolean): FloatArray;
  allocInt(n: number): Int32Array;
  free(a: FloatArray | Int32Array): void;
  /** bytes allocated and not yet freed: what a finished stage must give back (one process runs many stages) */
  bytesInUse(): number;

  /** out[N,C] = wte[tokens[i]] */
  encoderForward(out: FloatArray, tokens: Int32Array, wte: FloatArray, N: number, C: number): void;
  /** dwte[V,C] += rows of dout scattered by token */
  encoderBackward(dwte: FloatArray, dout: FloatArray, tokens: Int32Array, N: number, C: number): void;

  /** out[N,C] = inp * rstd * w; rstd[N] = 1 / sqrt(mean(inp^2) + eps) */
  rmsnormForward(out: FloatArray, rstd: FloatArray, inp: FloatArray, w: FloatArray, N: number, C: number, eps: number): void;
  /** dinp[N,C] +=, dw[C] += */
  rmsnormBackward(dinp: FloatArray, dw: FloatArray, dout: FloatArray, inp: FloatArray, w: FloatArray, rstd: FloatArray, N: number, C: number): void;

  /** dst[OC*C] = the weight w[OC,C] in the layout matmulForward reads: ref, w transposed to [C,OC]; wasm, [C,OC]
   *  in panels of 8 columns (each C rows of 8 contiguous floats) then the OC % 8 tail columns [C, OC % 8] */
  prepareWeight(dst: FloatArray, w: FloatArray, OC: number, C: number): void;
  /** out[N,OC] = inp[N,C] @ w^T, wp: the weight w[OC,C] as prepareWeight left it; accumulate: out += instead */
  matmulForward(out: FloatArray, inp: FloatArray, wp: FloatArray, N: number, C: number, OC: number, accumulate?: boolean): void;
  /** dinp[N,C] = dout[N,OC] @ w[OC,C] (skipped when dinp is null); dw[OC,C] += dout^T @ inp[N,C] */
  matmulBackward(dinp: FloatArray | null, dw: FloatArray, dout: FloatArray, inp: FloatArray, w: FloatArray, N: number, C: number, OC: number): void;
  /** dst[C,R] = src[R,C]^T */
  transpose(dst: FloatArray, src: FloatArray, R: number, C: number): void;

  /** rotate-half RoPE in place on the first nh heads of each row of x[N, stride] at positions pos[N];
   *  cos, sin: [Tmax, hd/2]; inverse = true rotates back (the backward pass) */
  rope(x: FloatArray, pos: Int32Array, N: number, stride: number, nh: number, hd: number, cos: FloatArray, sin: FloatArray, inverse: boolean): void;

  /** out[B,T,C] = causal softmax(q k^T / sqrt(hd)) v per head, from qkv[B,T,3C]; att[B,H,T,T] keeps the probabilities */
  attentionForward(out: FloatArray, att: FloatArray, qkv: FloatArray, B: number, T: number, C: number, H: number): void;
  /** dqkv[B,T,3C] = (overwrites) */
  attentionBackward(dqkv: FloatArray, dout: FloatArray, qkv: FloatArray, att: FloatArray, B: number, T: number, C: number, H: number): void;
  /** one new token per row r against a paged KV cache: applies RoPE at pos[r] to q and k of qkv[S,3C] (qkv itself is
   *  left as is), writes k, v at position pos[r] of row r, then out[S,C] = attention over positions 0..pos[r].
   *  The caches are pools of pages of PG positions, [pages, ..., H, PG, hd] with pageStride floats from one page
   *  to the next (kcache/vcache start at this layer's part of page 0); row r's position t is in page
   *  pages[r*pagesPerRow + floor(t / PG)] at offset t % PG. PG is a multiple of 8 or covers the whole cache
   *  (pagesPerRow = 1); the page written at pos[r] must be row r's alone. Tmax: the most positions of a row. */
  attentionDecode(out: FloatArray, qkv: FloatArray, kcache: FloatArray, vcache: FloatArray, pages: Int32Array, pagesPerRow: number,
                  pos: Int32Array, S: number, C: number, H: number, PG: number, pageStride: number, Tmax: number,
                  cos: FloatArray, sin: FloatArray): void;

  /** out[N,I] = silu(gu[:, :I]) * gu[:, I:]; with sig, also sig[N,I] = sigmoid(gu[:, :I]) (kept for the backward pass) */
  swigluForward(out: FloatArray, gu: FloatArray, N: number, I: number, sig?: FloatArray): void;
  /** dgu[N,2I] = (overwrites); sig: the forward's sigmoid, read instead of computed again (the same values) */
  swigluBackward(dgu: FloatArray, dout: FloatArray, gu: FloatArray, N: number, I: number, sig?: FloatArray): void;

  /** out[n] = a[n] + b[n] */
  residualForward(out: FloatArray, a: FloatArray, b: FloatArray, n: number): void;
  /** fused: xout[N,C] = x + delta (xout may be x), then out = rmsnorm(xout) with rstd[N] */
  residualRmsnormForward(xout: FloatArray, out: FloatArray, rstd: FloatArray, x: FloatArray, delta: FloatArray, w: FloatArray,
                         N: number, C: number, eps: number): void;

  /** nll[N] = -log softmax(logits)[target] (0 where target < 0); with grad, dlogits[N,V] =
   *  scale * weights[i] * (softmax - onehot) (0 where target < 0). dlogits may be logits itself. */
  crossEntropy(dlogits: FloatArray | null, nll: FloatArray, logits: FloatArray, targets: Int32Array, weights: FloatArray,
               N: number, V: number, scale: number): void;

  /** AdamW on the flat blocks (PyTorch semantics); weight decay on the first nDecay elements only */
  adamw(params: FloatArray, grads: FloatArray, m: FloatArray, v: FloatArray, n: number, nDecay: number,
        lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number): void;
  /** sum of x[i]^2 (in float64, chunked so the result does not depend on the thread count) */
  sumSquares(x: FloatArray, n: number): number;
  /** x[n] *= s */
  scale(x: FloatArray, n: number, s: number): void;
  /** x[n] = 0 */
  zero(x: FloatArray, n: number): void;
}
