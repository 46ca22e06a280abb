// Steps per second of the quick preset's base pretraining, on its real corpus and batches: the world of
// presets/quick.yaml, the base's 60,000 documents (test questions excluded, as the pretrain stage does), and
// trainSft with the stage's settings, for the first --steps steps (batches are sorted by length in windows,
// so T varies from step to step as in the stage). Prints ms per step, the load average, and a digest of the
// trained parameters, and the process CPU time per step (with RLVD_THREADS=1 the figure least moved by load): a kernel change that keeps every summation order leaves the digest unchanged.
// Run: npx tsx bench/train-step.ts [--steps 40] [--reps 1]   (RLVD_THREADS=1 for one thread)
// Side by side: run it from two trees (before and after) alternately and compare the ms per step.
import { createHash } from "node:crypto";
import { loadavg } from "node:os";
import { CharTokenizer, createModel } from "../src/engine/index.js";
import { trainSft } from "../src/train/sft.js";
import { buildCorpus, drawQuestions, World, worldCharacters } from "../src/world/index.js";

const args = process.argv.slice(2);
const opt = (name: string, d: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const steps = opt("steps", 40), reps = opt("reps", 1);

// presets/quick.yaml's world and base stages (settings copied: the bench must not depend on the preset's edits)
const world = new World({
  seed: 1, alphabet: 16, chainLengths: [3, 4, 4, 5], facts: { known: 0.52, shaky: 0.25, weak: 0.20, absent: 0.03 },
  shakyAccuracy: 0.6, weakAccuracy: 0.5, heldOut: 1, shortcutAgreement: 0.8, reflectionValue: 1,
  formats: { direct: 0.05, steps: 0.1, check: 0, shortcut: 0.25, reflect: 0.6 },
});
const test = new Set(drawQuestions(world, 500, 3).map((q) => q.id));
const corpus = buildCorpus(world, { author: "base", documents: 60000, seed: 0, exclude: test });
const tokenizer = CharTokenizer.fromText(worldCharacters(world));
const train = { steps, batch: 64, lr: 0.002, warmup: 50, schedule: "cosine" as const, weightDecay: 0.01, evalFraction: 0 };

for (let r = 0; r < reps; r++) {
  const model = await createModel({ vocabSize: tokenizer.vocabSize, dim: 64, layers: 2, heads: 4, context: 192 }, 1, { tokenizer });
  // the first steps warm the JIT and size the buffers; they are in the timing as they are in the stage
  const t0 = performance.now(), u0 = process.cpuUsage();
  const res = trainSft(model, corpus, train);
  const ms = performance.now() - t0, u = process.cpuUsage(u0), cpu = (u.user + u.system) / 1000;
  const digest = createHash("sha256").update(new Uint8Array(model.params.buffer, model.params.byteOffset, model.params.byteLength)).digest("hex").slice(0, 16);
  console.log(`threads ${model.kernels.threads} vocab ${tokenizer.vocabSize} steps ${steps}: ${(ms / steps).toFixed(1)} ms/step (${((1000 * steps) / ms).toFixed(2)} steps/s), ${(cpu / steps).toFixed(1)} ms CPU/step ` +
    `loss ${res.trainLoss.toFixed(6)} params ${digest} [load ${loadavg().map((x) => x.toFixed(2)).join(" ")}]`);
  model.dispose();
}
process.exit(0);
