/**
 * Requests in flight per endpoint: `rlvd sample` against 16 simulated vLLM endpoints whose answers take
 * seconds (n = 16 completions per request; latencies of 2-8 s times a per-node factor, optionally scaled by
 * --scale: scaling keeps the ratios, but the request rate grows by 1/scale, and below about 0.25 the client's
 * CPU rather than the endpoints becomes the limit on a small machine). Each endpoint is kept at its own target
 * (--concurrency per endpoint); the previous behaviour, one total of 32 spread over all endpoints, is run for
 * comparison. Prints, per endpoint, the mean and minimum requests in flight while work remained, and the
 * throughput; asserts nothing.
 *
 *   npx tsx bench/sampling-endpoints.ts [--endpoints 16] [--concurrency 32] [--questions 600] [--k 64] [--scale 1]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { OpenAIBackend } from "../src/backends/openai.js";
import { TEMPLATES } from "../src/backends/templates.js";
import { STUDY_SAMPLING } from "../src/backends/types.js";
import { sampleRun } from "../src/experiment/sample-run.js";
import { startFakeOpenAI } from "../src/test-helpers/fake-openai.js";
import { mulberry32 } from "../src/core/mulberry32.js";

const { values } = parseArgs({ options: {
  endpoints: { type: "string", default: "16" }, concurrency: { type: "string", default: "32" }, questions: { type: "string", default: "600" },
  k: { type: "string", default: "64" }, scale: { type: "string", default: "1" },
} });
const E = Number(values.endpoints), target = Number(values.concurrency), scale = Number(values.scale), k = Number(values.k);
const questions = Array.from({ length: Number(values.questions) }, (_, i) => ({ id: `q${i}`, prompt: `What is ${i} + ${i}?`, answer: String(2 * i) }));
const random = mulberry32(7);
// node e is slower or faster by its own factor (0.8-1.6); a request takes 2-8 s of real time times that factor
const speed = Array.from({ length: E }, (_, e) => 0.8 + (0.8 * e) / Math.max(1, E - 1));
const inflight = new Array<number>(E).fill(0);
let answered = 0;
const servers = await Promise.all(speed.map(async (f, e) => {
  const s = await startFakeOpenAI(() => "ok", { latencyMs: () => (2000 + 6000 * random()) * f * scale });
  s.requests.push = () => 0; // keep memory flat
  s.server.prependListener("request", (_req, res) => {
    inflight[e]!++;
    res.on("close", () => {
      inflight[e]!--;
      answered++;
    });
  });
  return s;
}));

async function measure(label: string, backend: OpenAIBackend, concurrency: number | undefined, questions: Array<{ id: string; prompt: string; answer: string }>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "rlvd-bench-endpoints-"));
  const requests = questions.length * Math.ceil(k / 16);
  const sums = new Array<number>(E).fill(0), mins = new Array<number>(E).fill(Infinity);
  let ticks = 0;
  answered = 0;
  const capacity = concurrency ?? backend.capacity;
  let warm = false;
  const poll = setInterval(() => {
    // skip the ramp-up (until every slot was once taken) and the tail (too little work left to fill every slot)
    warm ||= inflight.reduce((a, b) => a + b, 0) >= capacity;
    if (!warm || requests - answered < capacity) return;
    ticks++;
    inflight.forEach((x, e) => {
      sums[e]! += x;
      mins[e] = Math.min(mins[e]!, x);
    });
  }, 50);
  const r = await sampleRun({
    runDir: join(dir, "run"), backend, model: "m", spec: "bench", questions, k, template: TEMPLATES.boxed!, params: STUDY_SAMPLING, nPerRequest: 16, concurrency,
  });
  clearInterval(poll);
  console.log(`${label}: ${r.written} completions in ${r.seconds.toFixed(1)} s (${(r.written / r.seconds).toFixed(0)}/s; ${requests} requests, ${ticks} samples of in-flight counts while work remained, after the ramp-up)`);
  console.log(`  endpoint         ${speed.map((_, e) => String(e).padStart(5)).join("")}`);
  console.log(`  latency factor   ${speed.map((f) => f.toFixed(1).padStart(5)).join("")}`);
  console.log(`  mean in flight   ${sums.map((x) => (ticks ? x / ticks : 0).toFixed(1).padStart(5)).join("")}`);
  console.log(`  min in flight    ${mins.map((x) => String(Number.isFinite(x) ? x : "-").padStart(5)).join("")}`);
  rmSync(dir, { recursive: true, force: true });
  await backend.close();
}

const urls = servers.map((s) => s.url);
console.log(`${E} endpoints, target ${target} per endpoint, ${questions.length} questions x k=${k}, n=16 per request, latency 2-8 s x node factor, scaled by ${scale}`);
await measure(`per endpoint (--concurrency ${target})`, new OpenAIBackend({ model: "m", urls, concurrency: target }), undefined, questions);
// the old way takes E*target/32 times longer per request: a fraction of the questions shows it
const few = questions.slice(0, Math.max(1, Math.round((questions.length * 32) / (E * target))));
await measure("before: 32 in flight in all", new OpenAIBackend({ model: "m", urls, concurrency: 1_000 }), 32, few);
await Promise.all(servers.map((s) => s.close()));
