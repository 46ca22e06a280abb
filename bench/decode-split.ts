/**
 * The decode loop alone (no backend, no store) on a trained checkpoint and world prompts, as the sample stage
 * calls it (tree sampling, one seed per prompt, temperature 0.9, top-k 50), with each kernel's CPU time and the JS
 * around the kernels. Single-threaded figures are the cleanest under load: RLVD_THREADS=1.
 *
 *   RLVD_THREADS=1 npx tsx bench/decode-split.ts [--run /tmp/fresh-q/runs/demo-quick] [--from base] [--split test] [--prompts 64] [--k 256]
 *     [--page-size 16 (0: one page a sequence, no sharing)]
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadCheckpoint } from "../src/engine/checkpoint.js";
import { wasmRuntime } from "../src/engine/kernels_wasm.js";
import { Model } from "../src/engine/model.js";
import { DECODE_ROWS, generate } from "../src/engine/sample.js";
import { readQuestions } from "../src/experiment/stages/shared.js";
import { requestSeed } from "../src/experiment/sample-run.js";

const { values } = parseArgs({ options: {
  run: { type: "string", default: "/tmp/fresh-q/runs/demo-quick" }, from: { type: "string", default: "base" },
  split: { type: "string", default: "test" }, prompts: { type: "string", default: "64" }, k: { type: "string", default: "256" },
  "max-tokens": { type: "string", default: "176" }, batch: { type: "string", default: String(DECODE_ROWS) }, "no-split": { type: "boolean", default: false },
  "page-size": { type: "string" },
} });
const questions = readQuestions(join(values.run!, "stages", "world", `${values.split}.jsonl`)).slice(0, Number(values.prompts));
const model = await loadCheckpoint(join(values.run!, "stages", values.from!, "model"));
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const kernelMs = new Map<string, number>();
const kern = (await wasmRuntime()).kernels as unknown as Record<string, unknown>;
for (const name of values["no-split"] ? [] : ["encoderForward", "rmsnormForward", "matmulForward", "attentionDecode", "residualRmsnormForward", "swigluForward"]) {
  const f = kern[name] as (...x: unknown[]) => unknown;
  kern[name] = (...x: unknown[]) => {
    const t0 = cpuMs();
    const r = f(...x);
    kernelMs.set(name, (kernelMs.get(name) ?? 0) + cpuMs() - t0);
    return r;
  };
}
let steps = 0, rows = 0, smallSteps = 0, smallRows = 0;
const orig = Model.prototype.decodeStep;
Model.prototype.decodeStep = function (this: Model, state, S) {
  steps++;
  rows += S;
  if (S < Number(values.batch) / 2) { smallSteps++; smallRows += S; }
  return orig.call(this, state, S);
};
const k = Number(values.k);
const load0 = loadavg()[0]!;
const c0 = cpuMs(), t0 = performance.now();
const out = generate(model, questions.map((q) => q.prompt), {
  n: k, temperature: 0.9, topP: 1, topK: 50, maxTokens: Number(values["max-tokens"]), tree: true, logprobs: false, batchSize: Number(values.batch),
  cache: values["page-size"] === undefined ? undefined : { pageSize: Number(values["page-size"]) },
  seeds: questions.map((q) => requestSeed(0, q.id, 0)),
});
const cpu = cpuMs() - c0, wall = performance.now() - t0;
const kernels = [...kernelMs.values()].reduce((a, b) => a + b, 0);
const chars = out.reduce((s, o) => s + o.text.length, 0) / out.length;
console.log(`${values.from} ${values.split} ${questions.length} prompts x k=${k}: ${out.length} samples (${chars.toFixed(1)} chars), ${steps} steps, ${(rows / steps).toFixed(1)} rows a step, ` +
  `${(rows / out.length).toFixed(2)} row-steps a sample (batch ${values.batch}); ${(wall / 1000).toFixed(1)} s wall, ${(cpu / 1000).toFixed(1)} s CPU, load ${load0.toFixed(1)}`);
console.log(`  kernels ${(kernels / 1000).toFixed(1)} s CPU (${[...kernelMs].map(([n, ms]) => `${n} ${(ms / 1000).toFixed(2)}`).join(", ")}); JS outside kernels ${((cpu - kernels) / 1000).toFixed(1)} s; ` +
  `${((1000 * cpu) / rows).toFixed(1)} us CPU a row-step`);
console.log(`  steps with fewer than half the rows: ${smallSteps} of ${steps}, holding ${smallRows} of ${rows} row-steps`);
process.exit(0);
