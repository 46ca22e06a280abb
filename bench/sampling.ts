/**
 * Orchestration overhead of `rlvd sample`: against a local OpenAI-compatible server that answers instantly,
 * how many completions per second does rlvd sustain end to end (requests, parsing, store writes)? Prints
 * figures for 1 and 16 completions per request; asserts nothing.
 *
 *   npx tsx bench/sampling.ts [--questions 500] [--k 64]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { OpenAIBackend } from "../src/backends/openai.js";
import { TEMPLATES } from "../src/backends/templates.js";
import { STUDY_SAMPLING } from "../src/backends/types.js";
import { sampleRun } from "../src/experiment/sample-run.js";
import { spawn } from "node:child_process";
import { once } from "node:events";

const { values } = parseArgs({ options: { questions: { type: "string", default: "500" }, k: { type: "string", default: "64" } } });
const questions = Array.from({ length: Number(values.questions) }, (_, i) => ({ id: `q${i}`, prompt: `What is ${i} + ${i}?`, answer: String(2 * i) }));
const k = Number(values.k);
// the server runs in its own process, so its work is not billed to rlvd's event loop
const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fake-server-process.ts")], { stdio: ["ignore", "pipe", "inherit"] });
const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
const server = { url: chunk.toString().trim() };
for (const nPerRequest of (process.env.BENCH_N ? [Number(process.env.BENCH_N)] : [1, 16])) {
  const dir = mkdtempSync(join(tmpdir(), "rlvd-bench-sample-"));
  const r = await sampleRun({
    runDir: join(dir, "run"), backend: new OpenAIBackend({ model: "m", urls: [server.url] }), model: "m", spec: "bench",
    questions, k, template: TEMPLATES.boxed!, params: STUDY_SAMPLING, nPerRequest, concurrency: 64,
  });
  console.log(`n per request ${String(nPerRequest).padStart(2)}: ${r.written} completions in ${r.seconds.toFixed(2)} s = ${Math.round(r.written / r.seconds)} completions/s (target >= 2000)`);
  rmSync(dir, { recursive: true, force: true });
}
child.kill("SIGTERM");
