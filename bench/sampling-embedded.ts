/**
 * Embedded backend sampling throughput at the study's k: `rlvd sample`'s path (runner, backend batching across
 * questions, store writes) on world questions, tree sampling against independent sampling in the same run.
 * With a trained checkpoint (e.g. a quick run's stages/rlvr/model) the tree's gain shows: trained models repeat
 * themselves; a freshly initialised model (the default) barely does. Prints figures.
 *
 *   npx tsx bench/sampling-embedded.ts [--checkpoint DIR] [--questions 500] [--k 256] [--max-tokens 80] [--dim 64] [--layers 2]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EmbeddedBackend } from "../src/backends/embedded.js";
import { TEMPLATES } from "../src/backends/templates.js";
import { initCheckpoint } from "../src/engine/index.js";
import { sampleRun } from "../src/experiment/sample-run.js";
import { checkWorldAnswer, drawQuestions, World, worldCharacters } from "../src/world/index.js";
import { withStore } from "../src/store/store.js";

const { values } = parseArgs({ options: {
  checkpoint: { type: "string" }, questions: { type: "string", default: "500" }, k: { type: "string", default: "256" },
  dim: { type: "string", default: "64" }, layers: { type: "string", default: "2" }, "max-tokens": { type: "string", default: "80" },
} });
const world = new World({});
const questions = drawQuestions(world, Number(values.questions), 1);
const dir = mkdtempSync(join(tmpdir(), "rlvd-bench-embedded-"));
let checkpoint = values.checkpoint;
if (!checkpoint) {
  const chars = worldCharacters(world);
  checkpoint = join(dir, "ckpt");
  await initCheckpoint({ out: checkpoint, dim: Number(values.dim), layers: Number(values.layers), heads: 4, vocab: chars.length + 4, context: 96, seed: 1, chars });
}
const k = Number(values.k);
const seconds: Record<string, number> = {};
for (const tree of [false, true]) {
  const backend = await EmbeddedBackend.open(checkpoint, { tree });
  const runDir = join(dir, `run-${tree ? "tree" : "independent"}`);
  const r = await sampleRun({
    runDir, backend, model: "m", spec: "bench", questions, k, template: TEMPLATES.question!,
    params: { temperature: 0.9, top_p: 1, top_k: 50, max_tokens: Number(values["max-tokens"]) }, nPerRequest: k, concurrency: 64,
    grader: async (items) => items.map(({ gold, response }) => {
      const g = checkWorldAnswer(gold, response);
      return { correct: g.correct, extracted: g.extracted, status: g.extracted === null ? "no_answer" : "ok" };
    }),
  });
  backend.model.dispose();
  const stats = await withStore(runDir, {}, async (s) => (await s.all<{ t: number; d: number; acc: number }>(
    "SELECT sum(n_tokens)::DOUBLE AS t, count(DISTINCT question_id || chr(0) || text)::DOUBLE AS d, avg(correct::INT)::DOUBLE AS acc FROM samples"))[0]!);
  seconds[String(tree)] = r.seconds;
  console.log(`${tree ? "tree" : "independent"}: ${r.written} samples (${questions.length} questions x k=${k}) in ${r.seconds.toFixed(1)} s = ${Math.round(r.written / r.seconds)} samples/s, ` +
    `${Math.round(stats.t / r.seconds)} generated tokens/s; ${stats.d} distinct completions; accuracy ${stats.acc.toFixed(3)}`);
}
console.log(`tree sampling vs independent: ${(seconds.false! / seconds.true!).toFixed(2)}x (${checkpoint === values.checkpoint ? checkpoint : "freshly initialised model"})`);
rmSync(dir, { recursive: true, force: true });
