// The fast kernel backend: assembly/kernels.ts compiled to wasm SIMD (build/kernels.wasm, made by
// `npm run build:wasm`), run by every thread of a small worker pool over one shared wasm memory.
// The main thread takes part in every call (thread 0); worker k is thread k. A call writes its arguments
// into a shared block, bumps a generation counter, computes its own slice, then waits for the workers.
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { RlvdError } from "../core/errors.js";
import type { FloatArray, Kernels } from "./kernels.js";

/** Where the compiled kernels live: <package root>/build/kernels.wasm (src/engine and dist/engine alike). */
export const WASM_PATH = fileURLToPath(new URL("../../build/kernels.wasm", import.meta.url));

// The few WebAssembly JS API members used here (TypeScript's ES libs do not declare the namespace).
interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ exports: Record<string, unknown> }>;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB of address space, reserved, not committed
const HEAP_BASE = 65536; // below: the module's own constants and the work counter
const SMALL_WORK = 32768; // kernels with less work than this (about 5 us) run on the calling thread only
const COUNTER = 60000; // byte offsets of the chunk counters the kernels share: COUNTER (i64), DONE (i32) after it

const EXPORTS = [
  "matmul", "matmul_packed", "pack_b", "transpose", "encoder_forward", "encoder_backward", "rmsnorm_forward", "rmsnorm_backward_inp",
  "rmsnorm_backward_w", "rope", "swiglu_forward", "swiglu_backward", "residual_forward", "cross_entropy",
  "attention_forward", "attention_backward", "attention_decode", "residual_rmsnorm_forward", "adamw", "sum_squares", "scale_inplace", "zero",
  "swiglu_forward_s", "swiglu_backward_s",
] as const;
type ExportName = (typeof EXPORTS)[number];
type KernelFn = (tid: number, nt: number, ...args: number[]) => number;

// ctrl (Int32): [0] call id (odd while the caller writes a call's arguments, even once published),
// [1] kernel index (-1: exit), [2] threads working on the call, [3] argument count, [4] error flag,
// [5] a counter bumped when more threads are wanted than before. The chunk counters live in the wasm
// memory (assembly/kernels.ts: COUNTER, DONE): a worker that wakes up late finds no chunks left and the
// caller never waits for it. A worker outside a call's thread count sleeps on [5] rather than on [0], so it
// is not woken by every call while its process shares the cores with other processes (setEngineThreads).
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, ctrlBuf, argsBuf, names, tid } = workerData;
const ctrl = new Int32Array(ctrlBuf), args = new Float64Array(argsBuf);
const inst = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error("wasm abort"); } } });
const fns = names.map((n) => inst.exports[n]);
const begin = inst.exports.begin;
let last = 0;
for (;;) {
  const more = Atomics.load(ctrl, 5); // read before the call, so a raise after it is not missed below
  for (let s = 0; s < 20000 && Atomics.load(ctrl, 0) === last; s++);
  Atomics.wait(ctrl, 0, last);
  const id = Atomics.load(ctrl, 0);
  if (id === last) continue;
  if (id & 1) { last = id; continue; } // arguments being written: wait for the next change
  const f = ctrl[1], n = ctrl[3], cnt = ctrl[2], a = [];
  for (let i = 0; i < n; i++) a.push(args[i]);
  if (Atomics.load(ctrl, 0) !== id) continue; // torn read: try again
  last = id;
  if (f < 0) break;
  if (tid >= cnt) { Atomics.wait(ctrl, 5, more); continue; } // not wanted now: sleep until more threads are
  begin(id);
  try {
    fns[f](tid, cnt, ...a);
  } catch (e) {
    Atomics.store(ctrl, 4, 1);
  }
}
`;

class Heap {
  // free blocks [start, end) in bytes, sorted by start
  private free: Array<[number, number]> = [];
  private top = HEAP_BASE;
  constructor(private readonly memory: WasmMemory) {}

  /** `zero`: clear the block (reused memory is dirty); false for buffers always written before they are read */
  alloc(bytes: number, zero = true): number {
    const size = Math.max(64, Math.ceil(bytes / 64) * 64);
    for (let i = 0; i < this.free.length; i++) {
      const [s, e] = this.free[i];
      if (e - s >= size) {
        if (e - s === size) this.free.splice(i, 1);
        else this.free[i] = [s + size, e];
        if (zero) this.clear(s, size);
        return s;
      }
    }
    const start = this.top;
    const need = start + size;
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      const pages = Math.ceil((need - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) throw new RlvdError("INTERNAL", `engine memory exhausted (${(need / 2 ** 30).toFixed(2)} GiB asked)`);
      this.memory.grow(pages);
    }
    this.top = need;
    if (zero) this.clear(start, size); // may be memory released earlier
    return start;
  }

  /** Blocks are 64-byte aligned multiples of 64: fill as float64 words, 3x faster than bytes on shared memory. */
  private clear(start: number, size: number): void {
    new Float64Array(this.memory.buffer, start, size / 8).fill(0);
  }

  /** bytes handed out and not released (64-byte blocks) */
  inUse(): number {
    return this.top - HEAP_BASE - this.free.reduce((sum, [s, e]) => sum + (e - s), 0);
  }

  release(start: number, bytes: number): void {
    const size = Math.max(64, Math.ceil(bytes / 64) * 64);
    let end = start + size;
    let s = start;
    // insert sorted, merging neighbours
    let i = 0;
    while (i < this.free.length && this.free[i][0] < s) i++;
    if (i > 0 && this.free[i - 1][1] === s) { s = this.free[i - 1][0]; this.free.splice(i - 1, 1); i--; }
    if (i < this.free.length && this.free[i][0] === end) { end = this.free[i][1]; this.free.splice(i, 1); }
    if (end === this.top) { this.top = s; return; }
    this.free.splice(i, 0, [s, end]);
  }
}

export type WasmRuntime = {
  memory: WasmMemory;
  kernels: Kernels;
  threads: number;
  /** stop the workers (the process can also just exit: they do not keep it alive) */
  close: () => Promise<void>;
};

let runtime: Promise<WasmRuntime> | undefined;

/**
 * How many of the pool's threads the next kernel calls use: one word of shared memory (0: all of them), so a
 * helper thread can change it while this thread is inside a long synchronous loop (a training run). The runner
 * lowers it when its stages run side by side in several processes and raises it when a stage is left alone.
 * Results do not depend on it: every kernel's output is the same for any thread count (assembly/kernels.ts).
 */
const ACTIVE = new Int32Array(new SharedArrayBuffer(4));

/** Use at most `n` threads (at least 1) for the next calls; 0 or anything above the pool's size: all of them. */
export function setEngineThreads(n: number): void {
  Atomics.store(ACTIVE, 0, Number.isInteger(n) && n > 0 ? n : 0);
}

/** The word setEngineThreads writes, for a thread of this process that sets it with Atomics.store. */
export function engineThreadsWord(): SharedArrayBuffer {
  return ACTIVE.buffer as SharedArrayBuffer;
}

/** Number of threads the engine uses: $RLVD_THREADS, else the machine's available parallelism (max 8). */
export function defaultThreads(): number {
  const env = process.env.RLVD_THREADS;
  if (env !== undefined && /^\d+$/.test(env) && Number(env) >= 1) return Number(env);
  return Math.min(8, availableParallelism());
}

/** The process-wide wasm backend (created on first use; every model shares its memory and threads). */
export function wasmRuntime(threads = defaultThreads()): Promise<WasmRuntime> {
  runtime ??= createRuntime(threads);
  return runtime;
}

/** Whether the compiled kernels are present (they are built by `npm run build:wasm`). */
export function wasmAvailable(): boolean {
  return existsSync(WASM_PATH);
}

async function createRuntime(threads: number): Promise<WasmRuntime> {
  if (!existsSync(WASM_PATH)) {
    throw new RlvdError("INTERNAL", `${WASM_PATH}: compiled engine kernels missing; run \`npm run build:wasm\``);
  }
  const module = await WA.compile(readFileSync(WASM_PATH));
  const memory = new WA.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
  const instance = await WA.instantiate(module, { env: { memory, abort: () => { throw new Error("wasm abort"); } } });
  const fns = EXPORTS.map((n) => instance.exports[n] as KernelFn);
  const ctrl = new Int32Array(new SharedArrayBuffer(64));
  const args = new Float64Array(new SharedArrayBuffer(32 * 8));
  const workers: Worker[] = [];
  for (let t = 1; t < threads; t++) {
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, memory, ctrlBuf: ctrl.buffer, argsBuf: args.buffer, names: EXPORTS, tid: t },
    });
    w.unref();
    workers.push(w);
  }
  const nw = workers.length;
  const index = new Map<ExportName, number>(EXPORTS.map((n, i) => [n, i]));

  const counter = new BigInt64Array(memory.buffer, COUNTER, 1);
  const doneView = new Int32Array(memory.buffer, COUNTER + 8, 1);
  const begin = instance.exports.begin as (id: number) => void;
  let callId = 0;
  let lastCount = threads;
  /** runs kernel `name` on the threads setEngineThreads allows (all by default), or on this one alone when
   *  `work` (rough operation count) is small enough that waking a worker would cost more than it saves */
  function call(name: ExportName, work: number, ...a: number[]): void {
    const f = index.get(name)!;
    callId = (callId + 2) % 0x40000000;
    const wanted = Atomics.load(ACTIVE, 0);
    const count = wanted > 0 && wanted < threads ? wanted : threads;
    if (count > lastCount) {
      Atomics.add(ctrl, 5, 1); // wake the workers that slept while fewer threads were wanted
      Atomics.notify(ctrl, 5);
    }
    lastCount = count;
    if (count === 1 || work < SMALL_WORK) {
      Atomics.store(counter, 0, BigInt(callId) << 32n);
      Atomics.store(doneView, 0, 0);
      begin(callId);
      fns[f](0, 1, ...a); // takes every chunk; the workers never see this call
      return;
    }
    Atomics.store(ctrl, 0, callId - 1); // writing
    for (let i = 0; i < a.length; i++) args[i] = a[i];
    ctrl[1] = f;
    ctrl[2] = count;
    ctrl[3] = a.length;
    Atomics.store(counter, 0, BigInt(callId) << 32n);
    Atomics.store(doneView, 0, 0);
    begin(callId);
    Atomics.store(ctrl, 0, callId); // published
    if (nw > 0) Atomics.notify(ctrl, 0);
    const nch = fns[f](0, count, ...a);
    // all chunks are taken; wait for the ones other threads are still computing
    let done = Atomics.load(doneView, 0);
    for (let s = 0; s < 200000 && done < nch; s++) done = Atomics.load(doneView, 0);
    while (done < nch) {
      if (Atomics.load(ctrl, 4) !== 0) break;
      Atomics.wait(doneView, 0, done, 50);
      done = Atomics.load(doneView, 0);
    }
    if (Atomics.load(ctrl, 4) !== 0) {
      Atomics.store(ctrl, 4, 0);
      throw new RlvdError("INTERNAL", `engine kernel ${name} failed in a worker thread`);
    }
  }

  const heap = new Heap(memory);
  const ptr = (a: FloatArray | Int32Array): number => a.byteOffset;
  let scratch: Float32Array | undefined;
  const scratchFor = (floatsPerThread: number): number => {
    if (!scratch || scratch.length < floatsPerThread * threads) {
      if (scratch) kernels.free(scratch);
      scratch = kernels.alloc(floatsPerThread * threads) as Float32Array;
    }
    return ptr(scratch);
  };
  let packed: Float32Array | undefined;
  const packBuffer = (floats: number): number => {
    if (!packed || packed.length < floats) {
      if (packed) kernels.free(packed);
      packed = kernels.alloc(floats, false) as Float32Array;
    }
    return ptr(packed);
  };
  let partials: Float64Array | undefined;
  const CHUNK = 16384;

  const kernels: Kernels = {
    name: "wasm",
    dtype: "float32",
    threads,
    alloc: (n, zero = true) => {
      const at = heap.alloc(n * 4, zero); // may grow the memory: read memory.buffer after
      return new Float32Array(memory.buffer, at, n);
    },
    allocInt: (n) => {
      const at = heap.alloc(n * 4);
      return new Int32Array(memory.buffer, at, n);
    },
    free: (a) => heap.release(a.byteOffset, a.byteLength),
    bytesInUse: () => heap.inUse(),
    encoderForward: (out, tokens, wte, N, C) => call("encoder_forward", N * C, ptr(out), ptr(tokens), ptr(wte), N, C),
    encoderBackward: (dwte, dout, tokens, N, C) => call("encoder_backward", N * C, ptr(dwte), ptr(dout), ptr(tokens), N, C),
    rmsnormForward: (out, rstd, inp, w, N, C, eps) => call("rmsnorm_forward", 3 * N * C, ptr(out), ptr(rstd), ptr(inp), ptr(w), N, C, eps),
    rmsnormBackward: (dinp, dw, dout, inp, w, rstd, N, C) => {
      call("rmsnorm_backward_inp", 5 * N * C, ptr(dinp), ptr(dout), ptr(inp), ptr(w), ptr(rstd), N, C);
      call("rmsnorm_backward_w", 3 * N * C, ptr(dw), ptr(dout), ptr(inp), ptr(rstd), N, C);
    },
    prepareWeight: (dst, w, OC, C) => call("pack_b", OC * C, ptr(dst), ptr(w), C, OC, 1, C),
    matmulForward: (out, inp, wp, N, C, OC, accumulate = false) =>
      call("matmul_packed", 2 * N * C * OC, ptr(out), ptr(inp), ptr(wp), N, C, OC, C, 1, OC, accumulate ? 1 : 0),
    matmulBackward: (dinp, dw, dout, inp, w, N, C, OC) => {
      // the b operands packed first (w for dinp = dout @ w, inp for dw += dout^T @ inp): one pass over each
      if (dinp) {
        const wp = packBuffer(OC * C);
        call("pack_b", OC * C, wp, ptr(w), OC, C, C, 1);
        call("matmul_packed", 2 * N * C * OC, ptr(dinp), ptr(dout), wp, N, OC, C, OC, 1, C, 0);
      }
      const ip = packBuffer(N * C);
      call("pack_b", N * C, ip, ptr(inp), N, C, C, 1);
      call("matmul_packed", 2 * N * C * OC, ptr(dw), ptr(dout), ip, OC, N, C, 1, OC, C, 1);
    },
    transpose: (dst, src, R, C) => call("transpose", R * C, ptr(dst), ptr(src), R, C),
    rope: (x, pos, N, stride, nh, hd, cos, sin, inverse) =>
      call("rope", 3 * N * nh * hd, ptr(x), ptr(pos), N, stride, nh, hd, ptr(cos), ptr(sin), inverse ? -1 : 1),
    attentionForward: (out, att, qkv, B, T, C, H) => {
      const per = (C / H) * T + T * T;
      const s = scratchFor(per);
      call("attention_forward", 2 * B * H * T * T * (C / H), ptr(out), ptr(att), ptr(qkv), B, T, C, H, s, per);
    },
    attentionBackward: (dqkv, dout, qkv, att, B, T, C, H) => {
      const per = (C / H) * T + T * T;
      const s = scratchFor(per);
      call("attention_backward", 4 * B * H * T * T * (C / H), ptr(dqkv), ptr(dout), ptr(qkv), ptr(att), B, T, C, H, s, per);
    },
    attentionDecode: (out, qkv, kcache, vcache, pages, pagesPerRow, pos, S, C, H, PG, pageStride, Tmax, cos, sin) => {
      const s = scratchFor(Tmax + C / H);
      call("attention_decode", 4 * S * C * Tmax, ptr(out), ptr(qkv), ptr(kcache), ptr(vcache), ptr(pages), pagesPerRow, ptr(pos), S, C, H,
        PG, pageStride, Tmax, ptr(cos), ptr(sin), s);
    },
    swigluForward: (out, gu, N, I, sig) =>
      sig ? call("swiglu_forward_s", 20 * N * I, ptr(out), ptr(sig), ptr(gu), N, I) : call("swiglu_forward", 20 * N * I, ptr(out), ptr(gu), N, I),
    swigluBackward: (dgu, dout, gu, N, I, sig) =>
      sig ? call("swiglu_backward_s", 8 * N * I, ptr(dgu), ptr(dout), ptr(gu), ptr(sig), N, I) : call("swiglu_backward", 25 * N * I, ptr(dgu), ptr(dout), ptr(gu), N, I),
    residualForward: (out, a, b, n) => call("residual_forward", n, ptr(out), ptr(a), ptr(b), n),
    residualRmsnormForward: (xout, out, rstd, x, delta, w, N, C, eps) =>
      call("residual_rmsnorm_forward", 4 * N * C, ptr(xout), ptr(out), ptr(rstd), ptr(x), ptr(delta), ptr(w), N, C, eps),
    crossEntropy: (dlogits, nll, logits, targets, weights, N, V, scale) =>
      call("cross_entropy", 15 * N * V, ptr(dlogits ?? logits), ptr(nll), ptr(logits), ptr(targets), ptr(weights), N, V, scale, dlogits ? 1 : 0),
    adamw: (params, grads, m, v, n, nDecay, lr, beta1, beta2, eps, wd, step) =>
      call("adamw", 10 * n, ptr(params), ptr(grads), ptr(m), ptr(v), n, nDecay, lr, beta1, beta2, eps, wd, 1 - beta1 ** step, 1 - beta2 ** step),
    sumSquares: (x, n) => {
      const nc = Math.ceil(n / CHUNK);
      if (!partials || partials.length < nc) {
        if (partials) heap.release(partials.byteOffset, partials.byteLength);
        const at = heap.alloc(nc * 8);
        partials = new Float64Array(memory.buffer, at, nc);
      }
      call("sum_squares", 2 * n, ptr(partials), ptr(x), n, CHUNK);
      let s = 0;
      for (let j = 0; j < nc; j++) s += partials[j];
      return s;
    },
    scale: (x, n, s) => call("scale_inplace", n, ptr(x), n, s),
    zero: (x, n) => call("zero", n, ptr(x), n),
  };

  return {
    memory,
    kernels,
    threads,
    close: async () => {
      Atomics.add(ctrl, 5, 1); // sleeping workers first go back to waiting for calls, then read the exit
      Atomics.notify(ctrl, 5);
      callId = (callId + 2) % 0x40000000;
      Atomics.store(ctrl, 0, callId - 1);
      ctrl[1] = -1;
      ctrl[3] = 0;
      Atomics.store(ctrl, 0, callId);
      Atomics.notify(ctrl, 0);
      await Promise.all(workers.map((w) => new Promise((r) => w.once("exit", r))));
      runtime = undefined;
    },
  };
}
