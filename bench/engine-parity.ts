// Forward parity with PyTorch: for several random configs, `rlvd model init` writes a checkpoint and
// `rlvd model logits` is compared with ../shared/bench/torch_reference.py logits on random token ids.
// Prints the largest |difference| per config. Run: npx tsx bench/engine-parity.ts [--configs 6]
// Needs a built CLI (npm run build) and /usr/bin/python3 with torch.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../src/engine/rng.js";

const TORCH = process.env.TORCH_REFERENCE ?? "/work/shared/bench/torch_reference.py";
const PY = process.env.PYTHON ?? "/usr/bin/python3";
const i = process.argv.indexOf("--configs");
const n = i >= 0 ? Number(process.argv[i + 1]) : 6;
const rng = new Rng(2024);
const dir = mkdtempSync(join(tmpdir(), "rlvd-parity-"));
let worst = 0;
try {
  for (let c = 0; c < n; c++) {
    const heads = [1, 2, 4, 8][rng.int(4)];
    const hd = [4, 8, 16, 32, 64][rng.int(5)];
    const dim = Math.min(512, Math.max(32, heads * hd));
    const cfg = { dim: dim - (dim % (2 * heads)), layers: 1 + rng.int(8), heads, vocab: 5 + rng.int(508), context: 16 + rng.int(1009), seed: rng.int(1000) };
    const out = join(dir, `c${c}`);
    const flags = Object.entries(cfg).flatMap(([k, v]) => [`--${k}`, String(v)]);
    execFileSync(process.execPath, ["bin/rlvd.js", "model", "init", "--out", out, ...flags]);
    const len = 1 + rng.int(Math.min(cfg.context, 200));
    const ids = JSON.stringify(Array.from({ length: len }, () => rng.int(cfg.vocab)));
    const ours = JSON.parse(execFileSync(process.execPath, ["bin/rlvd.js", "model", "logits", "--checkpoint", out, "--tokens", ids], { encoding: "utf8" })) as number[];
    const theirs = JSON.parse(execFileSync(PY, [TORCH, "logits", out, ids], { encoding: "utf8", maxBuffer: 1 << 26 })) as number[];
    let d = 0;
    for (let k = 0; k < ours.length; k++) d = Math.max(d, Math.abs(ours[k] - theirs[k]));
    worst = Math.max(worst, d);
    console.log(`${JSON.stringify(cfg)} tokens ${len}: max |rlvd - pytorch| = ${d.toExponential(2)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`worst over ${n} configs: ${worst.toExponential(2)} (torch_reference prints 6 decimals, so ~5e-7 is the floor)`);
