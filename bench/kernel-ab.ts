// Two builds of the kernels side by side in one process, one thread: each build gets its own wasm memory with the
// same inputs, and the kernels of one training step's shapes run alternately, A then B, many times; the figure
// is the median of each build's CPU-time samples (a loaded machine slows both alike) and B's outputs are
// compared with A's bit for bit. Figures only.
// Run: npx tsx bench/kernel-ab.ts --a OLD.wasm [--b build/kernels.wasm] [--tokens 5632 --T 88 --dim 64 --reps 30 --only attention]
// (OLD.wasm: e.g. `git stash; npm run build:wasm; cp build/kernels.wasm /tmp/old.wasm; git stash pop; npm run build:wasm`)
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { WASM_PATH } from "../src/engine/kernels_wasm.js";

const args = process.argv.slice(2);
const arg = (name: string, d: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : d;
};
const pathA = arg("a", ""), pathB = arg("b", WASM_PATH);
if (!pathA) throw new Error("--a OLD.wasm is required");
const C = Number(arg("dim", "64")), T = Number(arg("T", "88")), B = Math.round(Number(arg("tokens", "5632")) / T), reps = Number(arg("reps", "30"));
const N = B * T, H = 4, I = Math.floor((8 * C) / 3 / 8) * 8, V = 46;

type Fn = (...a: number[]) => number;
// the few WebAssembly JS API members used (TypeScript's ES libs do not declare the namespace), as kernels_wasm.ts
interface WasmMemory { readonly buffer: SharedArrayBuffer; grow(pages: number): number }
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
type Build = { name: string; f: Record<string, Fn>; mem: WasmMemory; top: number; id: number };
async function load(name: string, path: string): Promise<Build> {
  const mem = new WA.Memory({ initial: 2, maximum: 65536, shared: true });
  const inst = await WA.instantiate(readFileSync(path), { env: { memory: mem, abort: () => { throw new Error("abort"); } } });
  return { name, f: inst.instance.exports as unknown as Record<string, Fn>, mem, top: 65536, id: 0 };
}
const alloc = (b: Build, n: number): number => {
  const at = b.top, need = at + Math.ceil((n * 4) / 64) * 64;
  if (need > b.mem.buffer.byteLength) b.mem.grow(Math.ceil((need - b.mem.buffer.byteLength) / 65536));
  b.top = need;
  return at;
};
/** one kernel call on thread 0 of 1 (the chunk counter reset as kernels_wasm.ts does) */
const call = (b: Build, name: string, ...a: number[]): void => {
  b.id += 2;
  new BigInt64Array(b.mem.buffer, 60000, 1)[0] = BigInt(b.id) << 32n;
  new Int32Array(b.mem.buffer, 60008, 1)[0] = 0;
  b.f.begin!(b.id);
  const fn = b.f[name];
  if (!fn) throw new Error(`${b.name}: no export ${name}`);
  fn(0, 1, ...a);
};

const builds = [await load("A", pathA), await load("B", pathB)];
// the same pseudo-random inputs in both memories, at the same offsets
const bufs: Record<string, number> = {};
const sizes: Record<string, number> = {
  inp: N * I, w: 2 * I * C, wp: 2 * I * C, out: N * 2 * I, dout: N * 2 * I, dinp: N * I, dw: 2 * I * C, pk: N * 2 * I, pa: N * (2 * I + 3),
  qkv: N * 3 * C, att: B * H * T * T, aout: N * C, dqkv: N * 3 * C, scratch: (C / H) * T + T * T, gu: N * 2 * I, sw: N * I, dgu: N * 2 * I, sig: N * I,
};
for (const b of builds) {
  for (const [k, n] of Object.entries(sizes)) {
    bufs[k] = alloc(b, n);
    const v = new Float32Array(b.mem.buffer, bufs[k], n);
    for (let i = 0; i < n; i++) v[i] = Math.sin(i * 0.37 + k.length) * (k === "qkv" ? 2 : 1);
  }
}
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const has = (name: string) => builds.every((b) => typeof b.f[name] === "function");

/** scenarios: what each build runs for one kernel of the step (the wasm kernels_wasm.ts would call) */
const scenarios: Array<[string, (b: Build) => void, string[]]> = [];
for (const [nm, OC, IC] of [["qkv", 3 * C, C], ["gate|up", 2 * I, C], ["down", C, I], ["o", C, C]] as const) {
  scenarios.push([`${nm} forward [${N}x${IC}]@[${IC}x${OC}]`, (b) => call(b, "matmul_packed", bufs.out!, bufs.inp!, bufs.wp!, N, IC, OC, IC, 1, OC, 0), ["out"]]);
  scenarios.push([`${nm} dinp`, (b) => {
    call(b, "pack_b", bufs.pk!, bufs.w!, OC, IC, IC, 1);
    call(b, "matmul_packed", bufs.dinp!, bufs.dout!, bufs.pk!, N, OC, IC, OC, 1, IC, 0);
  }, ["dinp"]]);
  scenarios.push([`${nm} dw`, (b) => {
    call(b, "pack_b", bufs.pk!, bufs.inp!, N, IC, IC, 1);
    if (b.name === "B" && has("matmul_packed_at")) {
      call(b, "pack_at", bufs.pa!, bufs.dout!, OC, N, OC);
      call(b, "matmul_packed_at", bufs.dw!, bufs.pa!, bufs.pk!, OC, N, IC, IC, 1);
    } else call(b, "matmul_packed", bufs.dw!, bufs.dout!, bufs.pk!, OC, N, IC, 1, OC, IC, 1);
  }, ["dw"]]);
}
scenarios.push([`attention forward B ${B} T ${T}`, (b) => call(b, "attention_forward", bufs.aout!, bufs.att!, bufs.qkv!, B, T, C, H, bufs.scratch!, sizes.scratch!), ["aout", "att"]]);
scenarios.push(["attention backward", (b) => call(b, "attention_backward", bufs.dqkv!, bufs.aout!, bufs.qkv!, bufs.att!, B, T, C, H, bufs.scratch!, sizes.scratch!), ["dqkv"]]);
// B keeps the sigmoid in the forward and reads it in the backward where it can (swiglu_forward_s / _backward_s)
const keepsSig = (b: Build) => b.name === "B" && typeof b.f.swiglu_backward_s === "function";
scenarios.push(["swiglu forward", (b) => {
  if (keepsSig(b)) call(b, "swiglu_forward_s", bufs.sw!, bufs.sig!, bufs.gu!, N, I);
  else call(b, "swiglu_forward", bufs.sw!, bufs.gu!, N, I);
}, ["sw"]]);
scenarios.push(["swiglu backward", (b) => {
  if (keepsSig(b)) call(b, "swiglu_backward_s", bufs.dgu!, bufs.sw!, bufs.gu!, bufs.sig!, N, I);
  else call(b, "swiglu_backward", bufs.dgu!, bufs.sw!, bufs.gu!, N, I);
}, ["dgu"]]);

console.log(`A ${pathA}\nB ${pathB}\nN ${N} (B ${B} x T ${T}), C ${C}, I ${I}, ${reps} alternating reps; load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
const only = arg("only", ""); // run only the scenarios whose name contains this
const median = (x: number[]) => [...x].sort((p, q) => p - q)[x.length >> 1]!;
for (const [name, run, outs] of scenarios) {
  if (only && !name.includes(only)) continue;
  const t: number[][] = [[], []];
  for (let r = 0; r < reps; r++) {
    for (let j = 0; j < 2; j++) {
      const b = builds[(r + j) % 2]!; // A first on even reps, B first on odd ones
      for (const o of outs) new Float32Array(b.mem.buffer, bufs[o]!, sizes[o]!).fill(0.5); // accumulated outputs start equal
      const c0 = cpu();
      run(b);
      t[(r + j) % 2]!.push(cpu() - c0);
    }
  }
  let same = true;
  for (const o of outs) {
    const x = new Uint32Array(builds[0]!.mem.buffer, bufs[o]!, sizes[o]!), y = new Uint32Array(builds[1]!.mem.buffer, bufs[o]!, sizes[o]!);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) { same = false; break; }
  }
  const a = median(t[0]!), b = median(t[1]!);
  console.log(`  ${name.padEnd(40)} A ${a.toFixed(2).padStart(7)} ms  B ${b.toFixed(2).padStart(7)} ms  B/A ${(b / a).toFixed(3)}  ${same ? "bits equal" : "BITS DIFFER"}`);
}
process.exit(0);
