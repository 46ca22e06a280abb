// Where a training step and a sampling run spend their time: every kernel call of the wasm backend is timed
// from the JS side (so each figure includes the call's thread hand-off and wait), and what is left of the
// wall time is JS outside the kernels (batch loading, the decode loop's bookkeeping, token draws).
// Figures only. Run: npx tsx bench/engine-profile.ts [--dim 128 --layers 4 --context 160 --batch 32 --steps 5]
// For a V8 profile of the same work: node --cpu-prof --import tsx bench/engine-profile.ts ... (main thread only;
// RLVD_THREADS=1 puts every kernel on it).
import { loadavg } from "node:os";
import { resolveConfig } from "../src/engine/config.js";
import type { Kernels } from "../src/engine/kernels.js";
import { wasmRuntime } from "../src/engine/kernels_wasm.js";
import { createModel } from "../src/engine/model.js";
import { AdamW } from "../src/engine/optim.js";
import { Xoshiro128 } from "../src/engine/rng.js";
import { generate } from "../src/engine/sample.js";

const args = process.argv.slice(2);
const opt = (name: string, d: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const a = { dim: opt("dim", 128), layers: opt("layers", 4), heads: opt("heads", 4), vocab: opt("vocab", 48), context: opt("context", 160), batch: opt("batch", 32) };
const steps = opt("steps", 5);
const sampling = opt("sampling", 1) !== 0; // --sampling 0: the training step only

const k = (await wasmRuntime()).kernels;
const times = new Map<string, { ms: number; cpu: number; calls: number }>();
// process CPU time (all threads) in ms: with RLVD_THREADS=1 it is the kernel's own time, little moved by load
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const methods = Object.keys(k).filter((n) => typeof (k as unknown as Record<string, unknown>)[n] === "function" && !["alloc", "allocInt", "free"].includes(n));
for (const name of methods) {
  const rec = k as unknown as Record<string, (...x: unknown[]) => unknown>;
  const f = rec[name]!;
  rec[name] = (...x: unknown[]) => {
    const t0 = performance.now(), c0 = cpuMs();
    const r = f(...x);
    const e = times.get(name) ?? { ms: 0, cpu: 0, calls: 0 };
    e.ms += performance.now() - t0;
    e.cpu += cpuMs() - c0;
    e.calls++;
    times.set(name, e);
    return r;
  };
}

function report(title: string, wall: number, cpu: number, per: number): void {
  let inK = 0;
  const rows = [...times.entries()].sort((x, y) => y[1].ms - x[1].ms);
  console.log(`\n${title}: ${(wall / per).toFixed(1)} ms per ${per > 1 ? "step" : "run"}, ${(cpu / per).toFixed(1)} ms CPU [load ${loadavg()[0]!.toFixed(2)}]`);
  for (const [n, { ms, cpu: c, calls }] of rows) {
    inK += ms;
    console.log(`  ${n.padEnd(24)} ${(ms / per).toFixed(2).padStart(9)} ms ${((100 * ms) / wall).toFixed(1).padStart(5)}%  ${(c / per).toFixed(2).padStart(9)} ms CPU  ${(calls / per).toFixed(0).padStart(6)} calls  ${((1000 * ms) / calls).toFixed(1).padStart(8)} us/call`);
  }
  console.log(`  ${"outside kernels".padEnd(24)} ${((wall - inK) / per).toFixed(2).padStart(9)} ms ${((100 * (wall - inK)) / wall).toFixed(1).padStart(5)}%`);
  times.clear();
}

const cfg = resolveConfig({ vocabSize: a.vocab, dim: a.dim, layers: a.layers, heads: a.heads, context: a.context });
const model = await createModel(cfg, 0);
console.log(`config ${JSON.stringify(a)}, ${k.threads} threads, ${model.layout.total} parameters`);
const rng = new Xoshiro128(0);
const tokens = Array.from({ length: a.batch * a.context }, () => rng.int(a.vocab));
const batch = { B: a.batch, T: a.context, tokens, targets: tokens };
const adam = new AdamW(model, { weightDecay: 0.01 });
const step = () => {
  model.zeroGrad();
  model.forwardBackward(batch);
  adam.step(1e-3);
};
step();
times.clear();
let t0 = performance.now(), c0 = cpuMs();
for (let i = 0; i < steps; i++) step();
report("training step", performance.now() - t0, cpuMs() - c0, steps);
model.releaseActivations();
if (!sampling) process.exit(0);

const S = 256, P = 16, G = Math.min(64, a.context - P);
const prompts = Array.from({ length: S }, () => Array.from({ length: P }, () => rng.int(a.vocab)));
const gopts = { maxTokens: G, temperature: 1, stopTokens: [], seed: 1 };
generate(model, prompts.slice(0, 8), gopts);
times.clear();
t0 = performance.now();
c0 = cpuMs();
generate(model, prompts, gopts);
report(`sampling ${S} x (${P} prompt + ${G} new tokens)`, performance.now() - t0, cpuMs() - c0, 1);
process.exit(0);
