/**
 * One world sample stage alone, on the exact path the stage runs (experiment/stages/world-sampling.ts: the embedded
 * backend, sampleRun, the world's grader, store writes), from a finished run's checkpoint and question files, into a
 * fresh temp store. Prints wall and CPU seconds, the load average, and (--split) how the time divides between the
 * engine's decode steps, the JS decode loop around them, grading, and the rest (store writes, glue).
 *
 *   npx tsx bench/sample-stage.ts --run /tmp/fresh-q/runs/demo-quick [--from base] [--split test|train|broad] [--k 256]
 *     [--questions 500] [--max-tokens 176] [--rounds 1] [--digest]
 *
 * --digest prints a sha256 of every stored sample's fields in key order (compare two checkouts: equal = same bits).
 * For a V8 profile: node --cpu-prof --import tsx bench/sample-stage.ts ...
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { wasmRuntime } from "../src/engine/kernels_wasm.js";
import { Model } from "../src/engine/model.js";
import { sampleWorldCheckpoint } from "../src/experiment/stages/world-sampling.js";
import { readQuestions } from "../src/experiment/stages/shared.js";
import type { StageContext } from "../src/experiment/runner.js";
import { withStore } from "../src/store/store.js";

const { values } = parseArgs({ options: {
  run: { type: "string", default: "/tmp/fresh-q/runs/demo-quick" }, from: { type: "string", default: "base" },
  split: { type: "string", default: "test" }, k: { type: "string", default: "256" }, questions: { type: "string" },
  "max-tokens": { type: "string", default: "176" }, rounds: { type: "string", default: "1" }, digest: { type: "boolean", default: false },
  phases: { type: "boolean", default: false },
} });
const all = readQuestions(join(values.run!, "stages", "world", `${values.split}.jsonl`));
const questions = values.questions ? all.slice(0, Number(values.questions)) : all;
const checkpoint = join(values.run!, "stages", values.from!, "model");
const k = Number(values.k);

// --phases: time decodeStep (the model's forward, all kernels) apart from the JS around it
let stepMs = 0, steps = 0, rows = 0;
const kernelMs = new Map<string, number>();
if (values.phases) {
  const kern = (await wasmRuntime()).kernels as unknown as Record<string, unknown>;
  for (const name of ["encoderForward", "rmsnormForward", "matmulForward", "attentionDecode", "residualRmsnormForward", "swigluForward"]) {
    const f = kern[name] as (...x: unknown[]) => unknown;
    kern[name] = (...x: unknown[]) => {
      const t0 = performance.now();
      const r = f(...x);
      kernelMs.set(name, (kernelMs.get(name) ?? 0) + performance.now() - t0);
      return r;
    };
  }
  const orig = Model.prototype.decodeStep;
  Model.prototype.decodeStep = function (this: Model, state, S) {
    const t0 = performance.now();
    const r = orig.call(this, state, S);
    stepMs += performance.now() - t0;
    steps++;
    rows += S;
    return r;
  };
}

for (let round = 0; round < Number(values.rounds); round++) {
  const dir = mkdtempSync(join(tmpdir(), "rlvd-bench-stage-"));
  stepMs = 0; steps = 0; rows = 0; kernelMs.clear();
  const ctx = { id: "bench", hash: "bench", forced: false, log: () => {} } as unknown as StageContext;
  const load0 = loadavg()[0]!;
  const cpu0 = process.cpuUsage(), t0 = performance.now();
  const r = await sampleWorldCheckpoint(ctx, {
    store: dir, checkpoint, model: "m", questions, k, seed: 0,
    sampling: { temperature: 0.9, topP: 1, topK: 50, maxTokens: Number(values["max-tokens"]) },
  });
  const wall = (performance.now() - t0) / 1000, cpu = process.cpuUsage(cpu0);
  let digest = "";
  if (values.digest) {
    digest = await withStore(dir, {}, async (s) => {
      const rowsOut = await s.all<Record<string, unknown>>(
        "SELECT question_id, sample_index, text, finish_reason, n_tokens, seed, extracted, correct, verify_status, grading FROM samples ORDER BY question_id, sample_index");
      return `${rowsOut.length} samples sha256 ${createHash("sha256").update(JSON.stringify(rowsOut.map((x) => Object.values(x)), (_, v) => (typeof v === "bigint" ? String(v) : v))).digest("hex").slice(0, 16)}`;
    });
  }
  console.log(`${values.from} ${values.split} ${questions.length} questions x k=${k}: ${r.written} samples in ${wall.toFixed(1)} s wall, ` +
    `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU (main thread + engine threads), load ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}` +
    (values.phases ? `; decodeStep ${(stepMs / 1000).toFixed(1)} s over ${steps} steps, ${(rows / Math.max(1, steps)).toFixed(1)} rows a step` : "") +
    (digest ? `; ${digest}` : ""));
  if (values.phases) console.log(`  kernels: ${[...kernelMs].map(([n, ms]) => `${n} ${(ms / 1000).toFixed(2)} s`).join(", ")}`);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
