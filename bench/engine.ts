// Engine speed, side by side with the PyTorch yardstick (../shared/bench/torch_reference.py speed), on the
// same config, alternating rlvd and PyTorch runs so both see the same machine load; prints each pair and
// the median ratios. Figures only, no assertions. Run: npx tsx bench/engine.ts [--reps 3] [--steps 10] [--dim 128 ...]
// Needs /usr/bin/python3 with torch for the PyTorch half (skipped with a note when absent).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { benchEngine } from "../src/engine/bench.js";

const args = process.argv.slice(2);
const opt = (name: string, d: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const cfg = { dim: opt("dim", 128), layers: opt("layers", 2), heads: opt("heads", 4), vocab: opt("vocab", 48), context: opt("context", 128), batch: opt("batch", 32) };
const reps = opt("reps", 3);
// timed training steps on the rlvd side (PyTorch's script always times 10); fewer keeps a loaded machine's runs short
const steps = opt("steps", 10);
const TORCH = process.env.TORCH_REFERENCE ?? "/work/shared/bench/torch_reference.py";
const PY = process.env.PYTHON ?? "/usr/bin/python3";
const haveTorch = existsSync(TORCH) && existsSync(PY);

type Row = { train_tokens_per_s: number; sample_tokens_per_s: number; train_gflops?: number; sample_gflops?: number };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`cpu: ${cpus()[0]?.model} x${cpus().length}; load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log(`config: ${JSON.stringify(cfg)}`);
const ours: Row[] = [], theirs: Row[] = [];
for (let r = 0; r < reps; r++) {
  const a = await benchEngine({ ...cfg, steps });
  ours.push(a);
  let line = `rep ${r + 1}: rlvd train ${a.train_tokens_per_s} tok/s (${a.train_gflops} GFLOP/s), sample ${a.sample_tokens_per_s} tok/s (${a.sample_gflops} GFLOP/s)`;
  if (haveTorch) {
    const flags = Object.entries(cfg).flatMap(([k, v]) => [`--${k}`, String(v)]);
    const out = execFileSync(PY, [TORCH, "speed", ...flags], { encoding: "utf8" });
    const t = JSON.parse(out.trim().split("\n").pop()!) as Row;
    theirs.push(t);
    line += ` | pytorch train ${t.train_tokens_per_s}, sample ${t.sample_tokens_per_s} | ratio train ${(a.train_tokens_per_s / t.train_tokens_per_s).toFixed(2)}x, sample ${(a.sample_tokens_per_s / t.sample_tokens_per_s).toFixed(2)}x`;
  }
  console.log(line + ` [load ${loadavg()[0].toFixed(2)}]`);
}
const summary: Record<string, unknown> = {
  rlvd_train_tokens_per_s: median(ours.map((o) => o.train_tokens_per_s)),
  rlvd_sample_tokens_per_s: median(ours.map((o) => o.sample_tokens_per_s)),
  rlvd_train_gflops: median(ours.map((o) => o.train_gflops!)),
  rlvd_sample_gflops: median(ours.map((o) => o.sample_gflops!)),
};
if (haveTorch) {
  summary.pytorch_train_tokens_per_s = median(theirs.map((o) => o.train_tokens_per_s));
  summary.pytorch_sample_tokens_per_s = median(theirs.map((o) => o.sample_tokens_per_s));
  summary.train_ratio_median = median(ours.map((o, i) => o.train_tokens_per_s / theirs[i].train_tokens_per_s));
  summary.sample_ratio_median = median(ours.map((o, i) => o.sample_tokens_per_s / theirs[i].sample_tokens_per_s));
} else {
  summary.pytorch = `not run (${PY} or ${TORCH} missing)`;
}
console.log(JSON.stringify(summary));
process.exit(0);
