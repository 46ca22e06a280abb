// Forward parity with PyTorch: for several random configs, `rlvd model init` writes a checkpoint and
// `rlvd model logits` is compared with ../shared/bench/torch_reference.py logits on random token ids.
// Prints the largest |difference| per config. Run: npx tsx bench/engine-parity.ts [--configs 6] [--scale 8]
// --scale multiplies every matrix of the random init (std 0.02) so logits and attention are far from uniform.
// Needs a built CLI (npm run build) and /usr/bin/python3 with torch.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCheckpoint, saveCheckpoint } from "../src/engine/checkpoint.js";
import { Xoshiro128 } from "../src/engine/rng.js";

const TORCH = process.env.TORCH_REFERENCE ?? "/work/shared/bench/torch_reference.py";
const PY = process.env.PYTHON ?? "/usr/bin/python3";
const i = process.argv.indexOf("--configs");
const n = i >= 0 ? Number(process.argv[i + 1]) : 6;
const si = process.argv.indexOf("--scale");
const scale = si >= 0 ? Number(process.argv[si + 1]) : 1;
const rng = new Xoshiro128(2024);
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
    if (scale !== 1) {
      const m = await loadCheckpoint(out);
      for (let k = 0; k < m.layout.nDecay; k++) m.params[k] *= scale;
      await saveCheckpoint(m, out);
      m.dispose();
    }
    const len = 1 + rng.int(cfg.context);
    const ids = JSON.stringify(Array.from({ length: len }, () => rng.int(cfg.vocab)));
    const ours = JSON.parse(execFileSync(process.execPath, ["bin/rlvd.js", "model", "logits", "--checkpoint", out, "--tokens", ids], { encoding: "utf8" })) as number[];
    const theirs = JSON.parse(execFileSync(PY, [TORCH, "logits", out, ids], { encoding: "utf8", maxBuffer: 1 << 26 })) as number[];
    let d = 0, mag = 0;
    for (let k = 0; k < ours.length; k++) {
      d = Math.max(d, Math.abs(ours[k] - theirs[k]));
      mag = Math.max(mag, Math.abs(theirs[k]));
    }
    worst = Math.max(worst, d);
    console.log(`${JSON.stringify(cfg)} tokens ${len}: max |logit| ${mag.toFixed(2)}, max |rlvd - pytorch| = ${d.toExponential(2)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`matrices x${scale}; worst over ${n} configs: ${worst.toExponential(2)} (torch_reference prints 6 decimals, so ~5e-7 is the floor)`);
