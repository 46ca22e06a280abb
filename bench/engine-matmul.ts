// GFLOP/s of the wasm matmul kernel on the shapes of a training step, per second of this process's CPU time
// (not wall time, so that a loaded machine still gives comparable figures for one thread). Figures only.
// Run: RLVD_THREADS=1 npx tsx bench/engine-matmul.ts [--dim 128 --tokens 5120 --reps 3]
import { loadavg } from "node:os";
import { wasmRuntime } from "../src/engine/kernels_wasm.js";

const args = process.argv.slice(2);
const opt = (name: string, d: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const C = opt("dim", 128), N = opt("tokens", 5120), reps = opt("reps", 3);
const I = Math.floor(((8 * C) / 3 / 8) | 0) * 8;
const k = (await wasmRuntime()).kernels;
const fill = (n: number) => {
  const a = k.alloc(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37);
  return a;
};
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
console.log(`${k.threads} thread(s), N ${N}, C ${C}, I ${I}; load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
for (const [name, OC, IC] of [["qkv", 3 * C, C], ["gate|up", 2 * I, C], ["down", C, I]] as const) {
  const inp = fill(N * IC), w = fill(OC * IC), wT = fill(IC * OC), out = k.alloc(N * OC), dinp = k.alloc(N * IC), dw = k.alloc(OC * IC);
  const flops = 2 * N * IC * OC;
  const time = (f: () => void) => {
    f();
    let best = Infinity;
    for (let r = 0; r < reps; r++) {
      const t0 = cpu();
      f();
      best = Math.min(best, cpu() - t0);
    }
    return ((flops / best / 1e9) * 1).toFixed(1);
  };
  k.prepareWeight(wT, w, OC, IC);
  const fwd = time(() => k.matmulForward(out, inp, wT, N, IC, OC));
  const both = time(() => k.matmulBackward(dinp, dw, out, inp, w, N, IC, OC));
  const dwOnly = time(() => k.matmulBackward(null, dw, out, inp, w, N, IC, OC));
  console.log(`${name.padEnd(8)} [${N}x${IC}] @ [${IC}x${OC}]: forward ${fwd} GFLOP/s per CPU s, backward dinp+dw ${(Number(both) * 2).toFixed(1)}, dw alone ${dwOnly}`);
  for (const a of [inp, w, wT, out, dinp, dw]) k.free(a);
}
process.exit(0);
