// The tiny Llama model: parameters, the forward pass, the backward pass written out layer by layer (no
// autograd), and the one-token decode step used by the sampler. The layer kernels are in kernels_ref.ts
// (reference) and assembly/kernels.ts (fast); this file only wires them, and the backward pass calls the
// same kernels' backward halves in reverse order.
//
// Dimension legend: B batch, T time, N = B*T tokens, C channels (dim), L layers, H heads, hd = C/H,
// I MLP hidden size, V vocab, S rows of a decode step, Tmax KV-cache length.
import { RlvdError } from "../core/errors.js";
import { MATRICES, matrixShape, paramLayout, resolveConfig, type MatrixName, type ModelConfig, type ModelConfigInput, type ParamLayout, type ParamName } from "./config.js";
import type { FloatArray, Kernels } from "./kernels.js";
import { refKernels } from "./kernels_ref.js";
import { wasmRuntime } from "./kernels_wasm.js";
import { Xoshiro128 } from "./rng.js";
import type { CharTokenizer } from "./tokenizer.js";

/** Which kernels run the engine (not a generation backend: those are backends/types.ts `Backend`). */
export type KernelBackend = "wasm" | "ref" | "ref64";

export type ModelOptions = {
  /** kernel backend: "wasm" (fast, default), "ref" (TypeScript float32) or "ref64" (TypeScript float64) */
  backend?: KernelBackend;
  /** tokenizer to keep with the model (needed for text prompts and for checkpoints) */
  tokenizer?: CharTokenizer;
};

export async function kernelsFor(backend: KernelBackend = "wasm"): Promise<Kernels> {
  if (backend === "ref") return refKernels("float32");
  if (backend === "ref64") return refKernels("float64");
  return (await wasmRuntime()).kernels;
}

/** Activations of one forward pass of B sequences of T tokens, kept for the backward pass. Sized for a
 *  capacity (capN tokens, capBTT = B*T*T) and reused by any smaller shape. */
class Activations {
  B: number;
  T: number;
  N: number;
  readonly capN: number;
  readonly capBTT: number;
  readonly tokens: Int32Array; // [N]
  readonly targets: Int32Array; // [N]
  readonly pos: Int32Array; // [N] position of each token (t)
  readonly weights: FloatArray; // [N] loss weight of each token
  readonly nll: FloatArray; // [N] -log p(target)
  readonly x: FloatArray; // [L+1, N, C] residual stream: x[0] embeddings, x[l+1] output of block l
  readonly ln1: FloatArray; // [L, N, C]
  readonly rstd1: FloatArray; // [L, N]
  readonly qkv: FloatArray; // [L, N, 3C] after RoPE on q and k
  readonly atty: FloatArray; // [L, N, C] attention output before o_proj
  readonly att: FloatArray; // [L, B, H, T, T] attention probabilities
  readonly xmid: FloatArray; // [L, N, C] residual after the attention half
  readonly ln2: FloatArray; // [L, N, C]
  readonly rstd2: FloatArray; // [L, N]
  readonly gu: FloatArray; // [L, N, 2I] gate | up
  readonly sw: FloatArray; // [L, N, I] silu(gate) * up
  readonly sig?: FloatArray; // [L, N, I] sigmoid(gate), kept for the backward pass (train only)
  readonly lnf: FloatArray; // [N, C]
  readonly rstdf: FloatArray; // [N]
  readonly logits: FloatArray; // [N, V] (holds dlogits after the backward pass)
  readonly tmp: FloatArray; // [N, C] a projection's output before the residual add
  // backward scratch, allocated on first use
  dres?: FloatArray; // [N, C] gradient of the residual stream
  dC?: FloatArray; // [N, C]
  dI?: FloatArray; // [N, I]
  dbig?: FloatArray; // [N, max(3C, 2I)]

  /** `train`: keep every layer's activations for the backward pass; otherwise one layer's worth is reused */
  constructor(readonly k: Kernels, readonly cfg: ModelConfig, B: number, T: number, readonly train: boolean) {
    const { dim: C, heads: H, intermediate: I, vocabSize: V } = cfg;
    const L = train ? cfg.layers : 1;
    this.B = B;
    this.T = T;
    const N = (this.N = this.capN = B * T);
    this.capBTT = B * T * T;
    this.tokens = k.allocInt(N);
    this.targets = k.allocInt(N);
    this.pos = k.allocInt(N);
    this.setShape(B, T);
    this.weights = k.alloc(N);
    this.nll = k.alloc(N);
    this.x = k.alloc((train ? L + 1 : 2) * N * C);
    this.ln1 = k.alloc(L * N * C);
    this.rstd1 = k.alloc(L * N);
    this.qkv = k.alloc(L * N * 3 * C);
    this.atty = k.alloc(L * N * C);
    this.att = k.alloc(L * B * H * T * T);
    this.xmid = k.alloc(L * N * C);
    this.ln2 = k.alloc(L * N * C);
    this.rstd2 = k.alloc(L * N);
    this.gu = k.alloc(L * N * 2 * I);
    this.sw = k.alloc(L * N * I);
    if (train) this.sig = k.alloc(L * N * I, false); // written by the forward pass before the backward reads it
    this.lnf = k.alloc(N * C);
    this.rstdf = k.alloc(N);
    this.logits = k.alloc(N * V);
    this.tmp = k.alloc(N * C);
  }

  fits(B: number, T: number, train: boolean): boolean {
    return (this.train || !train) && B * T <= this.capN && B * T * T <= this.capBTT;
  }

  setShape(B: number, T: number): void {
    this.B = B;
    this.T = T;
    this.N = B * T;
    for (let i = 0; i < this.N; i++) this.pos[i] = i % T;
  }

  ensureBackward(): void {
    const { dim: C, intermediate: I } = this.cfg;
    this.dres ??= this.k.alloc(this.capN * C);
    this.dC ??= this.k.alloc(this.capN * C);
    this.dI ??= this.k.alloc(this.capN * I);
    this.dbig ??= this.k.alloc(this.capN * Math.max(3 * C, 2 * I));
  }

  free(): void {
    for (const v of Object.values(this)) {
      if ((v instanceof Float32Array || v instanceof Float64Array || v instanceof Int32Array) && v !== undefined) this.k.free(v);
    }
  }
}

/**
 * A paged KV cache and buffers for decode steps of up to `rows` rows. The caches are pools of pages of PG
 * positions, [pages, L, H, PG, hd]; row r's position t is in page pages[r * pagesPerRow + floor(t / PG)], so
 * rows can share a prefix's pages (decode.ts counts references and copies a shared page before writing to it).
 * PG = Tmax with one page per row is the plain [rows, L, H, Tmax, hd] cache.
 */
export class DecodeState {
  kcache: FloatArray; // [capacity, L, H, PG, hd]
  vcache: FloatArray; // [capacity, L, H, PG, hd]
  /** pages in the pool; grow() adds more */
  capacity: number;
  readonly pagesPerRow: number;
  /** floats from one page to the next: L * C * PG */
  readonly pageStride: number;
  readonly pages: Int32Array; // [rows, pagesPerRow] the page table of each row
  readonly tokens: Int32Array; // [S]
  readonly pos: Int32Array; // [S] position of each row's token
  readonly x: FloatArray; // [S, C]
  readonly ln: FloatArray; // [S, C]
  readonly rstd: FloatArray; // [S]
  readonly qkv: FloatArray; // [S, 3C]
  readonly atty: FloatArray; // [S, C]
  readonly tmp: FloatArray; // [S, C]
  readonly gu: FloatArray; // [S, 2I]
  readonly sw: FloatArray; // [S, I]
  readonly logits: FloatArray; // [S, V]

  constructor(readonly k: Kernels, readonly cfg: ModelConfig, readonly rows: number, readonly Tmax: number,
              readonly pageSize: number, capacity: number) {
    const { layers: L, dim: C, intermediate: I, vocabSize: V } = cfg;
    const S = rows;
    if (!(pageSize === Tmax || (pageSize > 0 && pageSize % 8 === 0))) {
      throw new RlvdError("BAD_ARGUMENT", `cache page size ${pageSize}: must be a multiple of 8 or the cache length ${Tmax}`);
    }
    this.pagesPerRow = Math.ceil(Tmax / pageSize);
    this.pageStride = L * C * pageSize;
    this.capacity = capacity;
    // a position's cache entry is written before any row reads it: no need to clear megabytes per call
    this.kcache = k.alloc(capacity * this.pageStride, false);
    this.vcache = k.alloc(capacity * this.pageStride, false);
    this.pages = k.allocInt(S * this.pagesPerRow);
    this.tokens = k.allocInt(S);
    this.pos = k.allocInt(S);
    this.x = k.alloc(S * C);
    this.ln = k.alloc(S * C);
    this.rstd = k.alloc(S);
    this.qkv = k.alloc(S * 3 * C);
    this.atty = k.alloc(S * C);
    this.tmp = k.alloc(S * C);
    this.gu = k.alloc(S * 2 * I);
    this.sw = k.alloc(S * I);
    this.logits = k.alloc(S * V);
  }

  /** grows the pool to `capacity` pages; the pages held keep their contents and indices */
  grow(capacity: number): void {
    if (capacity <= this.capacity) return;
    for (const name of ["kcache", "vcache"] as const) {
      const old = this[name], next = this.k.alloc(capacity * this.pageStride, false);
      next.set(old);
      this.k.free(old);
      this[name] = next;
    }
    this.capacity = capacity;
  }

  /** page `from` (every layer, k and v) into page `to` */
  copyPage(from: number, to: number): void {
    const n = this.pageStride;
    this.kcache.copyWithin(to * n, from * n, (from + 1) * n);
    this.vcache.copyWithin(to * n, from * n, (from + 1) * n);
  }

  free(): void {
    for (const v of Object.values(this)) {
      if (v instanceof Float32Array || v instanceof Float64Array || v instanceof Int32Array) this.k.free(v);
    }
  }
}

/** A batch for the trainer: B rows of T tokens, flat row-major. targets[i] < 0 excludes position i. */
export type TrainBatch = {
  B: number;
  T: number;
  /** [B*T] input token ids */
  tokens: ArrayLike<number>;
  /** [B*T] the token to predict at each position, -1 where no loss (prompt, padding) */
  targets: ArrayLike<number>;
  /** [B*T] per-token weight w_t (GRPO: the advantage); default 1 */
  weights?: ArrayLike<number>;
};

export type ForwardBackwardOptions = {
  /** loss = sum_t w_t * nll_t / normaliser; default: the number of positions with a target */
  normaliser?: number;
};

export type ForwardBackwardResult = {
  /** sum_t w_t * nll_t / normaliser */
  loss: number;
  /** positions with a target */
  tokens: number;
  /** mean nll over positions with a target (unweighted), for logging */
  meanNll: number;
};

export class Model {
  readonly config: ModelConfig;
  readonly kernels: Kernels;
  readonly layout: ParamLayout;
  /** all parameters, one flat block laid out by `layout` */
  readonly params: FloatArray;
  /** their gradients, same layout (allocated on first use) */
  private gradBlock?: FloatArray;
  /** the matrices in the backend's layout for the forward matmuls (prepareWeight); refreshed when params change */
  private readonly paramsT: Record<MatrixName, FloatArray>;
  private transposedVersion = -1;
  /** bumped whenever params change (optimizer step, load, or a caller's paramsChanged()) */
  private version = 0;
  private readonly ropeCos: FloatArray; // [context, hd/2]
  private readonly ropeSin: FloatArray; // [context, hd/2]
  private acts?: Activations;
  tokenizer: CharTokenizer | undefined;
  /** optimizer steps taken (saved in checkpoints) */
  step = 0;

  constructor(config: ModelConfig, kernels: Kernels, tokenizer?: CharTokenizer) {
    this.config = config;
    this.kernels = kernels;
    this.tokenizer = tokenizer;
    if (tokenizer && tokenizer.vocabSize > config.vocabSize) {
      throw new RlvdError("BAD_ARGUMENT", `tokenizer has ${tokenizer.vocabSize} tokens but the model's vocab is ${config.vocabSize}`);
    }
    this.layout = paramLayout(config);
    this.params = kernels.alloc(this.layout.total);
    const t = {} as Record<MatrixName, FloatArray>;
    for (const m of MATRICES) t[m] = kernels.alloc(this.layout.sizes[m]);
    this.paramsT = t;
    // RoPE tables, computed the way PyTorch does in float32 (inv_freq, then pos * inv_freq, then cos/sin)
    const hd = config.dim / config.heads, half = hd / 2, f = Math.fround;
    this.ropeCos = kernels.alloc(config.context * half);
    this.ropeSin = kernels.alloc(config.context * half);
    for (let d = 0; d < half; d++) {
      const inv = f(1 / f(config.ropeTheta ** f((2 * d) / hd)));
      for (let p = 0; p < config.context; p++) {
        const a = f(p * inv);
        this.ropeCos[p * half + d] = Math.cos(a);
        this.ropeSin[p * half + d] = Math.sin(a);
      }
    }
  }

  get grads(): FloatArray {
    this.gradBlock ??= this.kernels.alloc(this.layout.total);
    return this.gradBlock;
  }

  /** A view of one tensor kind (all layers), or of one layer's slice when `layer` is given. */
  param(name: ParamName, layer?: number): FloatArray {
    return slice(this.params, this.layout, this.config, name, layer);
  }
  grad(name: ParamName, layer?: number): FloatArray {
    return slice(this.grads, this.layout, this.config, name, layer);
  }

  /** Call after writing into `params` directly (the optimizer and the loaders do this themselves). */
  paramsChanged(): void {
    this.version++;
  }

  /** Random init: N(0, 0.02) matrices and embeddings, unit norm gains; the same seed gives the same model. */
  initRandom(seed: number): void {
    const rng = new Xoshiro128(seed);
    const { offsets, nDecay, total } = this.layout;
    for (let i = 0; i < nDecay; i++) this.params[i] = 0.02 * rng.normal();
    for (let i = offsets.ln1w; i < total; i++) this.params[i] = 1;
    this.paramsChanged();
  }

  zeroGrad(): void {
    this.kernels.zero(this.grads, this.layout.total);
  }

  private syncTransposed(): void {
    if (this.transposedVersion === this.version) return;
    const L = this.config.layers;
    for (const m of MATRICES) {
      const [rows, cols] = matrixShape(this.config, m);
      const nl = m === "lmHead" ? 1 : L;
      for (let l = 0; l < nl; l++) {
        const src = this.param(m, m === "lmHead" ? undefined : l);
        const dst = this.paramsT[m].subarray(l * rows * cols, (l + 1) * rows * cols);
        this.kernels.prepareWeight(dst, src, rows, cols);
      }
    }
    this.transposedVersion = this.version;
  }

  private activations(B: number, T: number, train: boolean): Activations {
    if (T > this.config.context) throw new RlvdError("BAD_ARGUMENT", `sequence of ${T} tokens exceeds the model's context of ${this.config.context}`);
    if (!(B >= 1 && T >= 1 && Number.isInteger(B) && Number.isInteger(T))) throw new RlvdError("BAD_ARGUMENT", `bad batch shape ${B} x ${T}`);
    const a = this.acts;
    if (a && a.fits(B, T, train)) {
      if (a.B !== B || a.T !== T) a.setShape(B, T);
      return a;
    }
    a?.free();
    this.acts = new Activations(this.kernels, this.config, B, T, train);
    return this.acts;
  }

  /** Releases the activation buffers (they are re-created on the next forward pass). */
  releaseActivations(): void {
    this.acts?.free();
    this.acts = undefined;
  }

  // ---- forward ------------------------------------------------------------------------------------------

  /** Forward pass over B x T tokens; returns the logits view [B*T, V] (valid until the next call). */
  forward(tokens: ArrayLike<number>, B: number, T: number): FloatArray {
    const a = this.activations(B, T, false);
    const V = this.config.vocabSize;
    for (let i = 0; i < B * T; i++) {
      const t = tokens[i];
      if (!(t >= 0 && t < V)) throw new RlvdError("BAD_ARGUMENT", `token id ${t} at position ${i} is outside the vocab (0..${V - 1})`);
      a.tokens[i] = t;
    }
    this.forwardActs(a, false);
    return a.logits;
  }

  /** train: keep every layer's activations (a.train must be set) for the backward pass */
  private forwardActs(a: Activations, train: boolean): void {
    this.syncTransposed();
    const k = this.kernels, cfg = this.config;
    const { layers: L, dim: C, heads: H, intermediate: I, vocabSize: V, rmsNormEps: eps } = cfg;
    const { B, T, N } = a;
    const hd = C / H;
    // without backward, one layer's buffers are reused by every layer and x alternates between two slots
    const at = (buf: FloatArray, l: number, per: number) => buf.subarray(l * per, (l + 1) * per); // layer l's slice
    const act = (buf: FloatArray, l: number, per: number) => (train ? at(buf, l, per) : buf.subarray(0, per));
    const xs = (l: number) => a.x.subarray((train ? l : l % 2) * N * C, ((train ? l : l % 2) + 1) * N * C);
    k.encoderForward(xs(0), a.tokens, this.param("wte"), N, C);
    k.rmsnormForward(act(a.ln1, 0, N * C), act(a.rstd1, 0, N), xs(0), this.param("ln1w", 0), N, C, eps);
    for (let l = 0; l < L; l++) {
      const x = xs(l), ln1 = act(a.ln1, l, N * C), qkv = act(a.qkv, l, N * 3 * C);
      const atty = act(a.atty, l, N * C), att = act(a.att, l, B * H * T * T), xmid = act(a.xmid, l, N * C);
      const ln2 = act(a.ln2, l, N * C), rstd2 = act(a.rstd2, l, N), gu = act(a.gu, l, N * 2 * I), sw = act(a.sw, l, N * I);
      const xout = xs(l + 1);
      // attention half: xmid = x + o_proj(attention(rope(qkv_proj(ln1)))), ln1 = rmsnorm(x) computed before
      k.matmulForward(qkv, ln1, at(this.paramsT.wqkv, l, 3 * C * C), N, C, 3 * C);
      k.rope(qkv, a.pos, N, 3 * C, 2 * H, hd, this.ropeCos, this.ropeSin, false);
      k.attentionForward(atty, att, qkv, B, T, C, H);
      k.matmulForward(a.tmp, atty, at(this.paramsT.wo, l, C * C), N, C, C);
      k.residualRmsnormForward(xmid, ln2, rstd2, x, a.tmp, this.param("ln2w", l), N, C, eps);
      // MLP half: xout = xmid + down_proj(silu(gate) * up), then the next norm (the next block's or the final one)
      k.matmulForward(gu, ln2, at(this.paramsT.wgu, l, 2 * I * C), N, C, 2 * I);
      k.swigluForward(sw, gu, N, I, train ? at(a.sig!, l, N * I) : undefined);
      k.matmulForward(a.tmp, sw, at(this.paramsT.wdown, l, C * I), N, I, C);
      if (l + 1 < L) k.residualRmsnormForward(xout, act(a.ln1, l + 1, N * C), act(a.rstd1, l + 1, N), xmid, a.tmp, this.param("ln1w", l + 1), N, C, eps);
      else k.residualRmsnormForward(xout, a.lnf, a.rstdf, xmid, a.tmp, this.param("lnfw"), N, C, eps);
    }
    k.matmulForward(a.logits, a.lnf, this.paramsT.lmHead, N, C, V);
  }

  // ---- loss and backward --------------------------------------------------------------------------------

  /**
   * Forward, loss and backward on one batch; gradients are ADDED to `grads` (call zeroGrad() between
   * optimizer steps; several calls before a step accumulate gradients over micro-batches — pass the same
   * `normaliser` to each so the sum is the mean over all of them).
   * loss = sum_t w_t * (-log p(target_t)) / normaliser over positions with target_t >= 0.
   */
  forwardBackward(batch: TrainBatch, options: ForwardBackwardOptions = {}): ForwardBackwardResult {
    const a = this.loadBatch(batch, true);
    this.forwardActs(a, true);
    const { count, weighted, nllSum } = this.lossTerms(a, options.normaliser, true);
    const normaliser = options.normaliser ?? Math.max(1, count);
    this.backward(a);
    return { loss: weighted / normaliser, tokens: count, meanNll: nllSum / Math.max(1, count) };
  }

  /** Forward and loss only; also returns log p(target) per position (0 where target < 0). */
  forwardLoss(batch: TrainBatch, options: ForwardBackwardOptions = {}): ForwardBackwardResult & { logprobs: Float64Array } {
    const a = this.loadBatch(batch, false);
    this.forwardActs(a, a.train);
    const { count, weighted, nllSum } = this.lossTerms(a, options.normaliser, false);
    const normaliser = options.normaliser ?? Math.max(1, count);
    const logprobs = new Float64Array(a.N);
    for (let i = 0; i < a.N; i++) logprobs[i] = a.targets[i] >= 0 ? -a.nll[i] : 0;
    return { loss: weighted / normaliser, tokens: count, meanNll: nllSum / Math.max(1, count), logprobs };
  }

  private loadBatch(batch: TrainBatch, train: boolean): Activations {
    const { B, T } = batch;
    const N = B * T, V = this.config.vocabSize;
    if (batch.tokens.length !== N || batch.targets.length !== N || (batch.weights && batch.weights.length !== N)) {
      throw new RlvdError("BAD_ARGUMENT", `batch arrays must have B*T = ${N} entries`);
    }
    const a = this.activations(B, T, train);
    for (let i = 0; i < N; i++) {
      const t = batch.tokens[i], y = batch.targets[i];
      if (!(t >= 0 && t < V)) throw new RlvdError("BAD_ARGUMENT", `token id ${t} at position ${i} is outside the vocab (0..${V - 1})`);
      if (!(y < V) || !Number.isInteger(y)) throw new RlvdError("BAD_ARGUMENT", `target ${y} at position ${i} is outside the vocab (0..${V - 1}, or -1)`);
      a.tokens[i] = t;
      a.targets[i] = y < 0 ? -1 : y;
      a.weights[i] = batch.weights ? batch.weights[i] : 1;
    }
    return a;
  }

  private lossTerms(a: Activations, normaliser: number | undefined, grad: boolean) {
    let count = 0;
    for (let i = 0; i < a.N; i++) if (a.targets[i] >= 0) count++;
    const norm = normaliser ?? Math.max(1, count);
    const V = this.config.vocabSize;
    this.kernels.crossEntropy(grad ? a.logits : null, a.nll, a.logits, a.targets, a.weights, a.N, V, 1 / norm);
    let weighted = 0, nllSum = 0;
    for (let i = 0; i < a.N; i++) {
      if (a.targets[i] < 0) continue;
      weighted += a.weights[i] * a.nll[i];
      nllSum += a.nll[i];
    }
    return { count, weighted, nllSum };
  }

  /** Backward pass from dlogits (left in a.logits by the fused cross-entropy): the forward in reverse. */
  private backward(a: Activations): void {
    a.ensureBackward();
    const k = this.kernels;
    const { layers: L, dim: C, heads: H, intermediate: I, vocabSize: V } = this.config;
    const { B, T, N } = a;
    const hd = C / H;
    const at = (buf: FloatArray, l: number, per: number) => buf.subarray(l * per, (l + 1) * per);
    const dres = a.dres!, dC = a.dC!, dI = a.dI!;
    const dqkv = a.dbig!.subarray(0, N * 3 * C), dgu = a.dbig!.subarray(0, N * 2 * I);
    // logits = lnf @ lm_head^T; lnf = rmsnorm(x[L])
    k.matmulBackward(dC, this.grad("lmHead"), a.logits, a.lnf, this.param("lmHead"), N, C, V);
    k.zero(dres, N * C);
    k.rmsnormBackward(dres, this.grad("lnfw"), dC, at(a.x, L, N * C), this.param("lnfw"), a.rstdf, N, C);
    for (let l = L - 1; l >= 0; l--) {
      const x = at(a.x, l, N * C), ln1 = at(a.ln1, l, N * C), rstd1 = at(a.rstd1, l, N), qkv = at(a.qkv, l, N * 3 * C);
      const atty = at(a.atty, l, N * C), att = at(a.att, l, B * H * T * T), xmid = at(a.xmid, l, N * C);
      const ln2 = at(a.ln2, l, N * C), rstd2 = at(a.rstd2, l, N), gu = at(a.gu, l, N * 2 * I), sw = at(a.sw, l, N * I);
      // MLP half (dres holds d xout, which is also d xmid through the skip connection)
      k.matmulBackward(dI, at(this.grad("wdown"), l, C * I), dres, sw, at(this.param("wdown"), l, C * I), N, I, C);
      k.swigluBackward(dgu, dI, gu, N, I, at(a.sig!, l, N * I));
      k.matmulBackward(dC, at(this.grad("wgu"), l, 2 * I * C), dgu, ln2, at(this.param("wgu"), l, 2 * I * C), N, C, 2 * I);
      k.rmsnormBackward(dres, this.grad("ln2w", l), dC, xmid, this.param("ln2w", l), rstd2, N, C);
      // attention half (dres now holds d xmid, which is also d x)
      k.matmulBackward(dC, at(this.grad("wo"), l, C * C), dres, atty, at(this.param("wo"), l, C * C), N, C, C);
      k.attentionBackward(dqkv, dC, qkv, att, B, T, C, H);
      k.rope(dqkv, a.pos, N, 3 * C, 2 * H, hd, this.ropeCos, this.ropeSin, true);
      k.matmulBackward(dC, at(this.grad("wqkv"), l, 3 * C * C), dqkv, ln1, at(this.param("wqkv"), l, 3 * C * C), N, C, 3 * C);
      k.rmsnormBackward(dres, this.grad("ln1w", l), dC, x, this.param("ln1w", l), rstd1, N, C);
    }
    k.encoderBackward(this.grad("wte"), dres, a.tokens, N, C);
  }

  // ---- decode step (sampling with a KV cache) -----------------------------------------------------------

  /**
   * A KV cache for decode steps of up to `rows` rows of up to Tmax positions each, in pages of `pageSize` positions
   * (default Tmax: one page a row), `pages` of them to start with (default: one row's worth per row). Free it
   * with state.free().
   */
  createDecodeState(rows: number, Tmax: number, pageSize = Tmax, pages = rows * Math.ceil(Tmax / pageSize)): DecodeState {
    if (Tmax > this.config.context) throw new RlvdError("BAD_ARGUMENT", `cache length ${Tmax} exceeds the model's context of ${this.config.context}`);
    return new DecodeState(this.kernels, this.config, rows, Tmax, pageSize, pages);
  }

  /**
   * One token for each of S rows: row r feeds state.tokens[r] at position state.pos[r] of the sequence whose
   * pages are row r of state.pages (all positions before it must already be in them, and the page of pos[r]
   * must be the row's own). Returns the logits view [S, V]. Every row's result is independent of the other rows
   * and of where its pages are.
   */
  decodeStep(state: DecodeState, S: number): FloatArray {
    this.syncTransposed();
    const k = this.kernels;
    const { layers: L, dim: C, heads: H, intermediate: I, vocabSize: V, rmsNormEps: eps } = this.config;
    const { Tmax, pageSize: PG, pageStride } = state;
    const at = (buf: FloatArray, l: number, per: number) => buf.subarray(l * per, (l + 1) * per);
    const layer = (buf: FloatArray, l: number) => buf.subarray(l * C * PG); // layer l's part of page 0
    k.encoderForward(state.x, state.tokens, this.param("wte"), S, C);
    k.rmsnormForward(state.ln, state.rstd, state.x, this.param("ln1w", 0), S, C, eps);
    for (let l = 0; l < L; l++) {
      k.matmulForward(state.qkv, state.ln, at(this.paramsT.wqkv, l, 3 * C * C), S, C, 3 * C);
      k.attentionDecode(state.atty, state.qkv, layer(state.kcache, l), layer(state.vcache, l), state.pages, state.pagesPerRow, state.pos, S, C, H,
        PG, pageStride, Tmax, this.ropeCos, this.ropeSin); // RoPE on q and k inside
      k.matmulForward(state.tmp, state.atty, at(this.paramsT.wo, l, C * C), S, C, C);
      k.residualRmsnormForward(state.x, state.ln, state.rstd, state.x, state.tmp, this.param("ln2w", l), S, C, eps);
      k.matmulForward(state.gu, state.ln, at(this.paramsT.wgu, l, 2 * I * C), S, C, 2 * I);
      k.swigluForward(state.sw, state.gu, S, I);
      k.matmulForward(state.tmp, state.sw, at(this.paramsT.wdown, l, C * I), S, I, C);
      const w = l + 1 < L ? this.param("ln1w", l + 1) : this.param("lnfw");
      k.residualRmsnormForward(state.x, state.ln, state.rstd, state.x, state.tmp, w, S, C, eps);
    }
    k.matmulForward(state.logits, state.ln, this.paramsT.lmHead, S, C, V);
    return state.logits;
  }

  /** Logits of the last position for one token sequence (a fresh copy). */
  lastLogits(tokens: ArrayLike<number>): Float32Array {
    const T = tokens.length;
    if (T === 0) throw new RlvdError("BAD_ARGUMENT", "need at least one token");
    const logits = this.forward(tokens, 1, T);
    const V = this.config.vocabSize;
    return Float32Array.from(logits.subarray((T - 1) * V, T * V));
  }

  /** Frees every buffer of the model (it cannot be used afterwards). */
  dispose(): void {
    this.releaseActivations();
    this.kernels.free(this.params);
    if (this.gradBlock) this.kernels.free(this.gradBlock);
    for (const m of MATRICES) this.kernels.free(this.paramsT[m]);
    this.kernels.free(this.ropeCos);
    this.kernels.free(this.ropeSin);
  }
}

function slice(block: FloatArray, layout: ParamLayout, c: ModelConfig, name: ParamName, layer?: number): FloatArray {
  const off = layout.offsets[name], size = layout.sizes[name];
  if (layer === undefined) return block.subarray(off, off + size);
  const per = size / c.layers;
  if (name === "wte" || name === "lmHead" || name === "lnfw" || layer < 0 || layer >= c.layers) {
    throw new RlvdError("INTERNAL", `no layer ${layer} of ${name}`);
  }
  return block.subarray(off + layer * per, off + (layer + 1) * per);
}

/** A new model with random weights (deterministic given the seed). */
export async function createModel(config: ModelConfigInput, seed: number, options: ModelOptions = {}): Promise<Model> {
  const cfg = resolveConfig(config);
  const model = new Model(cfg, await kernelsFor(options.backend), options.tokenizer);
  model.initRandom(seed);
  return model;
}
