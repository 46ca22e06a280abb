/**
 * The decode-attention kernel alone, CPU time a call: S rows at n positions of the quick model's shape (C 64,
 * 4 heads, cache length 192), each row with its own pages, or rows sharing pages (--share: 8 rows a cache;
 * --share-all: every row the same cache). Shows how much of the kernel's time is memory (docs/engine.md).
 *
 *   RLVD_THREADS=1 npx tsx bench/decode-attention.ts [--rows 219] [--n 60] [--page-size 16] [--share | --share-all]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { wasmRuntime } from "../src/engine/kernels_wasm.js";

const { values } = parseArgs({ options: {
  rows: { type: "string", default: "219" }, n: { type: "string", default: "60" }, "page-size": { type: "string", default: "16" },
  share: { type: "boolean", default: false }, "share-all": { type: "boolean", default: false }, reps: { type: "string", default: "400" },
} });
const W = (await wasmRuntime()).kernels;
const S = Number(values.rows), n = Number(values.n), C = 64, H = 4, hd = C / H, L = 2, Tmax = 192;
const PG = Number(values["page-size"]) || Tmax, mp = Math.ceil(Tmax / PG), stride = L * C * PG; // two layers a page, as DecodeState
const kc = W.alloc(S * mp * stride, false), vc = W.alloc(S * mp * stride, false);
for (let i = 0; i < kc.length; i++) { kc[i] = Math.sin(i) * 0.3; vc[i] = Math.cos(i); }
const pages = W.allocInt(S * mp), pos = W.allocInt(S);
for (let r = 0; r < S; r++) {
  pos[r] = n - 1;
  const owner = values["share-all"] ? 0 : values.share ? r >> 3 : r;
  for (let j = 0; j < mp; j++) pages[r * mp + j] = owner * mp + j;
}
const qkv = W.alloc(S * 3 * C), out = W.alloc(S * C);
for (let i = 0; i < qkv.length; i++) qkv[i] = Math.sin(3 * i) * 0.5;
const cos = W.alloc((Tmax * hd) / 2), sin = W.alloc((Tmax * hd) / 2);
for (let i = 0; i < cos.length; i++) { cos[i] = Math.cos(i * 0.01); sin[i] = Math.sin(i * 0.01); }
const call = () => W.attentionDecode(out, qkv, kc, vc, pages, mp, pos, S, C, H, PG, stride, Tmax, cos, sin);
for (let i = 0; i < 20; i++) call();
const reps = Number(values.reps), load = loadavg()[0]!, c0 = process.cpuUsage();
for (let i = 0; i < reps; i++) call();
const cu = process.cpuUsage(c0), ms = (cu.user + cu.system) / 1000 / reps;
const mb = (S * n * H * hd * 4 * 2) / 1e6;
console.log(`${S} rows x ${n} positions, pages of ${PG}${values["share-all"] ? ", one shared cache" : values.share ? ", 8 rows a cache" : ""}: ` +
  `${ms.toFixed(3)} ms CPU a call (${mb.toFixed(1)} MB read), ${((1000 * ms) / (S * H)).toFixed(2)} us a row and head, load ${load.toFixed(1)}`);
process.exit(0);
