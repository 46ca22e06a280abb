/**
 * The segment store at the study's scale (issue 15): 2 models x 7,500 questions x 256 samples of ~2 KB
 * responses, written by 4 concurrent writer processes (2 shards per model, through the samplers' write API),
 * while `analyze` runs in a loop; then analyze alone (time, peak memory) and the report (HTML size). Prints
 * figures with the load average; asserts nothing. `--scale 0.01` shrinks the question count for a quick look.
 *
 *   npx tsx bench/store-segments.ts [--scale 1] [--writers 4] [--chars 2000] [--json]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, readdirSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { analyzeRun } from "../src/report/analyze-run.js";
import { writeReport } from "../src/report/report.js";
import { withStore } from "../src/store/store.js";
import { writeSamples } from "../src/store/samples.js";
import { upsertQuestions } from "../src/store/questions.js";
import { seededRng } from "../src/metrics/rng.js";
import type { Sample } from "../src/core/types.js";

const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "1" }, writers: { type: "string", default: "4" }, chars: { type: "string", default: "2000" },
    json: { type: "boolean" }, role: { type: "string" }, run: { type: "string" }, model: { type: "string" }, shard: { type: "string" },
  },
});
const Q = Math.max(1, Math.round(7500 * Number(values.scale)));
const K = 256;
const CHARS = Number(values.chars);
const BATCH = 16_384;
const self = fileURLToPath(import.meta.url);

/** One writer process: its shard of one model's samples, batch by batch as a sampler lands them. */
async function writer(run: string, model: string, shard: number, shards: number): Promise<void> {
  const rng = seededRng(shard * 7 + model.length);
  const filler = "Let me work through this step by step, checking each intermediate result carefully. ".repeat(Math.ceil(CHARS / 86)).slice(0, CHARS - 40);
  const t0 = performance.now();
  let written = 0;
  let bytes = 0;
  await withStore(run, { create: true }, async (store) => {
    let batch: Sample[] = [];
    const land = async () => {
      written += (await writeSamples(store, batch)).inserted;
      batch = [];
    };
    for (let q = 0; q < Q; q++) {
      if (q % shards !== shard) continue;
      const p = ((q * 2654435761) % 1000) / 1000;
      for (let i = 0; i < K; i++) {
        const correct = rng() < p;
        const answer = correct ? String(q) : String(q + 1 + (i % 3));
        const text = `${filler} ${i} So the answer is \\boxed{${answer}}.`;
        bytes += text.length;
        batch.push({ model, question_id: `q${q}`, sample_index: i, text, extracted: answer, correct, verify_status: "ok", n_tokens: Math.round(text.length / 4), finish_reason: "stop" });
        if (batch.length >= BATCH) await land();
      }
    }
    if (batch.length > 0) await land();
  });
  const s = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ model, shard, written, seconds: s, mb: bytes / 1e6, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }));
}

/** Analyze and report in a process of their own, so peak memory is theirs alone. */
async function reader(run: string): Promise<void> {
  let t = performance.now();
  await analyzeRun(run, { fit: false });
  const analyzeS = (performance.now() - t) / 1000;
  const rssAnalyze = process.resourceUsage().maxRSS / 1024;
  const out = join(run, "..", "report.html");
  t = performance.now();
  await writeReport(run, { out });
  const reportS = (performance.now() - t) / 1000;
  console.log(JSON.stringify({ analyze_s: analyzeS, analyze_peak_rss_mb: rssAnalyze, report_s: reportS, report_mb: statSync(out).size / 1e6, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }));
}

function child(args: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", self, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!)) : reject(new Error(`${args.join(" ")}: exit ${code}`))));
  });
}

if (values.role === "writer") await writer(values.run!, values.model!, Number(values.shard!.split("/")[0]), Number(values.shard!.split("/")[1]));
else if (values.role === "reader") await reader(values.run!);
else {
  const dir = mkdtempSync(join(tmpdir(), "rlvd-bench-segments-"));
  const run = join(dir, "run");
  const load0 = loadavg()[0]!;
  await withStore(run, { create: true }, (s) => upsertQuestions(s, Array.from({ length: Q }, (_, q) => ({ question: { id: `q${q}`, prompt: `Question ${q}?`, answer: String(q) }, line: null }))));
  const W = Number(values.writers);
  const perModel = Math.max(1, Math.floor(W / 2));
  const t0 = performance.now();
  const writers = Array.from({ length: W }, (_, w) => child(["--role", "writer", "--run", run, "--model", w % 2 === 0 ? "base" : "rl", "--shard", `${Math.floor(w / 2)}/${perModel}`, "--scale", String(values.scale), "--chars", String(CHARS)]));
  let done = false;
  const live = { ok: 0, failed: 0, seconds: 0 };
  const loop = (async () => {
    while (!done) {
      const t = performance.now();
      try {
        await analyzeRun(run, { fit: false });
        live.ok++;
      } catch (e) {
        // an empty store before the first segment lands is "no graded samples", not a failure of the store
        if (!/holds no graded samples/.test((e as Error).message)) live.failed++;
      }
      live.seconds += (performance.now() - t) / 1000;
    }
  })();
  const results = await Promise.all(writers).finally(() => (done = true));
  const ingestS = (performance.now() - t0) / 1000;
  await loop;
  const samples = results.reduce((s, r) => s + r.written!, 0);
  const mb = results.reduce((s, r) => s + r.mb!, 0);
  const segments = readdirSync(join(run, "store", "samples"), { recursive: true }).filter((f) => String(f).endsWith(".parquet")).length;
  const read = await child(["--role", "reader", "--run", run]);
  const figures = {
    scale: Number(values.scale), questions: Q, samples_per_question: K, writers: W, samples, text_mb: Math.round(mb), segments,
    ingest_s: Number(ingestS.toFixed(2)), samples_per_s: Math.round(samples / ingestS), mb_per_s: Number((mb / ingestS).toFixed(1)),
    writer_peak_rss_mb: Math.round(Math.max(...results.map((r) => r.peak_rss_mb!))),
    analyze_during_writes: live, analyze_s: Number(read.analyze_s!.toFixed(2)), analyze_peak_rss_mb: Math.round(read.analyze_peak_rss_mb!),
    report_s: Number(read.report_s!.toFixed(2)), report_mb: Number(read.report_mb!.toFixed(2)), load_before: load0, load_after: loadavg()[0]!,
  };
  rmSync(dir, { recursive: true, force: true });
  if (values.json) console.log(JSON.stringify(figures));
  else {
    console.log(`${W} writers, 2 models x ${Q} questions x ${K} samples of ~${CHARS} chars = ${samples} samples (${figures.text_mb} MB of text, ${segments} segments)`);
    console.log(`ingest  ${figures.ingest_s} s: ${figures.samples_per_s} samples/s, ${figures.mb_per_s} MB/s; peak RSS per writer ${figures.writer_peak_rss_mb} MB`);
    console.log(`analyze while writing: ${live.ok} runs ok, ${live.failed} failed`);
    console.log(`analyze ${figures.analyze_s} s, peak RSS ${figures.analyze_peak_rss_mb} MB; report ${figures.report_s} s, HTML ${figures.report_mb} MB`);
    console.log(`load average (1 min): ${load0.toFixed(2)} before, ${figures.load_after.toFixed(2)} after`);
  }
}
