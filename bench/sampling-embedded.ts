/**
 * Embedded backend sampling throughput at the study's k: `rlvd sample`'s path (runner, backend batching across
 * questions, store writes) on short world questions with a freshly initialised tiny model. Prints figures.
 *
 *   npx tsx bench/sampling-embedded.ts [--questions 500] [--k 256] [--dim 64] [--layers 2] [--max-tokens 24]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EmbeddedBackend } from "../src/backends/embedded.js";
import { TEMPLATES } from "../src/backends/templates.js";
import { initCheckpoint } from "../src/engine/index.js";
import { sampleRun } from "../src/experiment/sample-run.js";
import { drawQuestions, World, worldCharacters } from "../src/world/index.js";
import { withStore } from "../src/store/store.js";

const { values } = parseArgs({ options: {
  questions: { type: "string", default: "500" }, k: { type: "string", default: "256" }, dim: { type: "string", default: "64" },
  layers: { type: "string", default: "2" }, "max-tokens": { type: "string", default: "24" },
} });
const world = new World({});
const questions = drawQuestions(world, Number(values.questions), 1);
const dir = mkdtempSync(join(tmpdir(), "rlvd-bench-embedded-"));
const chars = worldCharacters(world);
await initCheckpoint({ out: join(dir, "ckpt"), dim: Number(values.dim), layers: Number(values.layers), heads: 4, vocab: chars.length + 4, context: 64, seed: 1, chars });
const backend = await EmbeddedBackend.open(join(dir, "ckpt"));
const k = Number(values.k);
const r = await sampleRun({
  runDir: join(dir, "run"), backend, model: "m", spec: "bench", questions, k, template: TEMPLATES.question!,
  params: { temperature: 0.9, top_p: 1, top_k: 50, max_tokens: Number(values["max-tokens"]) }, nPerRequest: k, concurrency: 4,
});
const tokens = await withStore(join(dir, "run"), {}, async (s) => (await s.all<{ t: number }>("SELECT sum(n_tokens)::DOUBLE AS t FROM samples"))[0]!.t);
console.log(`embedded d=${values.dim} L=${values.layers}: ${r.written} samples (${questions.length} questions x k=${k}) in ${r.seconds.toFixed(1)} s`);
console.log(`  ${Math.round(r.written / r.seconds)} samples/s, ${Math.round(tokens / r.seconds)} generated tokens/s (${(tokens / r.written).toFixed(1)} tokens per sample)`);
rmSync(dir, { recursive: true, force: true });
