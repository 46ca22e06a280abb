/**
 * The segment store at the study's scale (issue 15): 2 models x 7,500 questions x 256 samples of ~2 KB
 * responses, written by 4 concurrent writer processes (2 shards per model, through the samplers' write API,
 * 16,384 samples per write as a sampler lands them), while `analyze` runs every few seconds; then analyze alone
 * (time, peak memory), the report (time, HTML size) and how long headless Chromium takes to open it (launch to
 * DOM dumped, the question explorer rendered). Prints figures with the load average; asserts nothing.
 * `--scale 0.05` shrinks the question count for a quick look. The run lives in a temp folder under the system
 * temp folder and is removed at the end (full scale: ~3 GB of segments); `--keep DIR` writes it to DIR/run instead and
 * keeps it, to time `rlvd analyze DIR/run` on it afterwards.
 *
 * Responses come from a pool of 16,384 distinct texts of random words per writer (one batch's worth: no text
 * repeats inside a segment, so zstd sees text about as compressible as model output, ~4x, not one repeated
 * sentence). The texts are built once, before the clock starts, and each is a flat string, as a sampler's
 * texts are (JSON.parse of a response): building a new 2 KB string per sample costs the bench ~15 us of CPU a
 * sample (allocation and GC, measured by bench/store-write-phases.ts), which is the generator's cost, not the
 * store's. The ingest clock starts once every writer has started and built its pool (a barrier: each says it
 * is ready, then all are told to go; the start-up, tsx's compile and the pool, is printed apart) and stops when
 * the last writer has exited. A writer prints when its last segment was acknowledged and how long its exit took
 * (the automatic compaction of folders that hold 16 or more small segments), and the ingest figures are given
 * both ways.
 *
 *   npx tsx bench/store-segments.ts [--scale 1] [--writers 4] [--chars 2000] [--live-every 5] [--keep DIR] [--json]
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, readdirSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { fileURLToPath, pathToFileURL } from "node:url";
import { analyzeRun } from "../src/report/analyze-run.js";
import { writeReport } from "../src/report/report.js";
import { findChromium } from "../src/report/test-helpers/chromium.js";
import { withStore } from "../src/store/store.js";
import { writeSamples } from "../src/store/samples.js";
import { upsertQuestions } from "../src/store/questions.js";
import { seededRng } from "../src/metrics/rng.js";
import type { Sample } from "../src/core/types.js";

const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "1" }, writers: { type: "string", default: "4" }, chars: { type: "string", default: "2000" },
    "live-every": { type: "string", default: "5" },
    keep: { type: "string" }, json: { type: "boolean" }, barrier: { type: "boolean" }, role: { type: "string" }, run: { type: "string" }, model: { type: "string" }, shard: { type: "string" },
  },
});
const Q = Math.max(1, Math.round(7500 * Number(values.scale)));
const K = 256;
const CHARS = Number(values.chars);
const BATCH = 16_384;
const POOL = BATCH;
const self = fileURLToPath(import.meta.url);

const WORDS = (
  "the of and to in is that for it as with was on be by this are or from at which an not have but we if can all so one there " +
  "their has more number answer let step check then value sum equals therefore since because first second square root divide " +
  "multiply both sides gives solve equation factor prime integer remainder modulo triangle angle area circle radius probability " +
  "count ways choose case wait hmm actually recheck compute simplify fraction denominator numerator expression term series"
).split(" ");

/** One writer process: its shard of one model's samples, batch by batch as a sampler lands them. */
async function writer(run: string, model: string, shard: number, shards: number): Promise<void> {
  const rng = seededRng(shard * 7 + model.length);
  const pool = Array.from({ length: POOL }, (_, j) => {
    let s = `${model} ${shard} ${j}: `;
    while (s.length < CHARS - 40) s += WORDS[Math.floor(rng() * WORDS.length)] + (rng() < 0.08 ? ".\n" : rng() < 0.05 ? ", " : " ");
    s = `${s.slice(0, CHARS - 40)} So the answer is \\boxed{${j % 97}}.`;
    s.charCodeAt(0); // flattens the concatenation (V8 keeps it as a tree of pieces until then), as JSON.parse's strings are
    return s;
  });
  // ready: the parent starts the clock once every writer has started (tsx's compile) and built its pool
  if (values.barrier) await goSignal();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let written = 0;
  let bytes = 0;
  let acknowledged = 0;
  let ackRss = 0;
  await withStore(run, { create: true }, async (store) => {
    let batch: Sample[] = [];
    const land = async () => {
      written += (await writeSamples(store, batch)).inserted;
      batch = [];
    };
    let j = 0;
    for (let q = 0; q < Q; q++) {
      if (q % shards !== shard) continue;
      const p = ((q * 2654435761) % 1000) / 1000;
      const id = `q${q}`;
      for (let i = 0; i < K; i++) {
        const correct = rng() < p;
        const text = pool[j++ % POOL]!;
        bytes += text.length;
        batch.push({ model, question_id: id, sample_index: i, text, extracted: correct ? String(q) : "x", correct, verify_status: "ok", n_tokens: text.length >> 2, finish_reason: "stop" });
        if (batch.length >= BATCH) await land();
      }
    }
    if (batch.length > 0) await land();
    acknowledged = (performance.now() - t0) / 1000;
    ackRss = process.resourceUsage().maxRSS / 1024;
  });
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0); // from the first write to the exit (start-up and the text pool left out)
  console.log(JSON.stringify({
    model, shard, written, seconds: s, acknowledged_s: acknowledged, exit_s: s - acknowledged, cpu_s: (cpu.user + cpu.system) / 1e6, mb: bytes / 1e6,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024, peak_rss_writing_mb: ackRss,
  }));
}

/** Analyze, then the report, in a process of their own, so peak memory is theirs alone. */
async function reader(run: string): Promise<void> {
  let t = performance.now();
  await analyzeRun(run, { fit: false });
  const analyzeS = (performance.now() - t) / 1000;
  const rssAnalyze = process.resourceUsage().maxRSS / 1024;
  const out = join(run, "..", "report", "report.html");
  t = performance.now();
  await writeReport(run, { out });
  const reportS = (performance.now() - t) / 1000;
  const chromium = await openInChromium(out);
  const side = join(dirname(out), "report.explorer");
  const sideMb = existsSync(side) ? readdirSync(side).reduce((n, f) => n + statSync(join(side, f)).size, 0) / 1e6 : 0;
  console.log(JSON.stringify({
    analyze_s: analyzeS, analyze_peak_rss_mb: rssAnalyze, report_s: reportS, report_mb: statSync(out).size / 1e6, report_side_mb: sideMb, peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    ...chromium,
  }));
}

/**
 * Seconds from launching headless Chromium (the browser the report tests use) to the DOM of the opened report
 * dumped with the explorer rendered, the same for an empty page (the browser's own start), and for the report
 * opened at its first question (`#open=q0`: that question's samples read, from the side file when the details
 * are in one), or nulls when no Chromium is found.
 */
async function openInChromium(html: string): Promise<{
  chromium_open_s: number | null; chromium_blank_s: number | null; explorer_rendered: boolean | null; chromium_question_s: number | null; question_samples_shown: boolean | null;
}> {
  const binary = findChromium();
  if (!binary) return { chromium_open_s: null, chromium_blank_s: null, explorer_rendered: null, chromium_question_s: null, question_samples_shown: null };
  const run = promisify(execFile);
  const open = async (url: string) => {
    const profile = mkdtempSync(join(tmpdir(), "rlvd-bench-chromium-"));
    try {
      const t = performance.now();
      const { stdout } = await run(binary, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", `--user-data-dir=${profile}`, "--dump-dom", url], {
        timeout: 300_000, maxBuffer: 1 << 30,
      });
      return { s: (performance.now() - t) / 1000, dom: stdout };
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  };
  const blank = await open("about:blank");
  const page = await open(pathToFileURL(html).href);
  const question = await open(`${pathToFileURL(html).href}#open=q0`);
  return {
    chromium_open_s: page.s, chromium_blank_s: blank.s, explorer_rendered: /id="explorer-count">\d+ of \d+ questions</.test(page.dom),
    chromium_question_s: question.s, question_samples_shown: /<summary>sample \d+ — /.test(question.dom),
  };
}

function child(args: string[]): Promise<Record<string, number>> {
  return spawnChild(args).done;
}

/**
 * A child process of this bench: `ready` resolves when it prints its ready line (a writer started with
 * --barrier), `go()` lets it start, `done` is its last stdout line as JSON.
 */
function spawnChild(args: string[]): { ready: Promise<void>; go: () => void; done: Promise<Record<string, number>> } {
  const p = spawn(process.execPath, ["--import", "tsx", self, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  let markReady = () => {};
  const ready = new Promise<void>((r) => (markReady = r));
  p.stdout.on("data", (d) => {
    out += d;
    if (out.includes(READY)) markReady();
  });
  const done = new Promise<Record<string, number>>((resolve, reject) => {
    p.on("exit", (code) => {
      markReady();
      if (code === 0) resolve(JSON.parse(out.trim().split("\n").pop()!));
      else reject(new Error(`${args.join(" ")}: exit ${code}`));
    });
  });
  return { ready, go: () => p.stdin.end("go\n"), done };
}

const READY = "writer ready";

/** A writer's side of the barrier: says it is ready, waits for the parent's go. */
function goSignal(): Promise<void> {
  process.stdout.write(`${READY}\n`);
  return new Promise((resolve) => {
    process.stdin.on("data", () => resolve());
    process.stdin.on("end", () => resolve());
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (values.role === "writer") await writer(values.run!, values.model!, Number(values.shard!.split("/")[0]), Number(values.shard!.split("/")[1]));
else if (values.role === "reader") await reader(values.run!);
else {
  const dir = values.keep ?? mkdtempSync(join(tmpdir(), "rlvd-bench-segments-"));
  if (values.keep) mkdirSync(dir, { recursive: true });
  try {
    await main(dir);
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

async function main(dir: string): Promise<void> {
  const run = join(dir, "run");
  const load0 = loadavg()[0]!;
  await withStore(run, { create: true }, (s) => upsertQuestions(s, Array.from({ length: Q }, (_, q) => ({ question: { id: `q${q}`, prompt: `Question ${q}?`, answer: String(q) }, line: null }))));
  const W = Number(values.writers);
  const perModel = Math.max(1, Math.floor(W / 2));
  // the clock starts when every writer has started and built its texts (tsx's compile of the bench and the
  // text pool are the bench's start-up, not the store's; measured apart as startup_s), and runs to the writers' exit
  const spawned = performance.now();
  const procs = Array.from({ length: W }, (_, w) => spawnChild(["--role", "writer", "--barrier", "--run", run, "--model", w % 2 === 0 ? "base" : "rl", "--shard", `${Math.floor(w / 2)}/${perModel}`, "--scale", String(values.scale), "--chars", String(CHARS)]));
  await Promise.all(procs.map((p) => p.ready));
  const startupS = (performance.now() - spawned) / 1000;
  const t0 = performance.now();
  for (const p of procs) p.go();
  const writers = procs.map((p) => p.done);
  let done = false;
  // a researcher looking at partial results: analyze every few seconds while the writers run
  const live = { ok: 0, failed: 0, mean_s: 0, max_s: 0, errors: [] as string[] };
  const loop = (async () => {
    let total = 0;
    while (!done) {
      await sleep(Number(values["live-every"]) * 1000);
      if (done) break;
      const t = performance.now();
      try {
        await analyzeRun(run, { fit: false });
        live.ok++;
        const s = (performance.now() - t) / 1000;
        total += s;
        live.max_s = Math.max(live.max_s, s);
        live.mean_s = total / live.ok;
      } catch (e) {
        // an empty store before the first segment lands is "no graded samples", not a failure of the store
        if (!/holds no graded samples/.test((e as Error).message)) {
          live.failed++;
          if (live.errors.length < 3) live.errors.push((e as Error).message.split("\n")[0]!);
        }
      }
    }
  })();
  const results = await Promise.all(writers).finally(() => (done = true));
  const ingestS = (performance.now() - t0) / 1000;
  // the writers started together (within the spawn's few ms): the last acknowledgement, on the writers' own clocks
  const ackS = Math.max(...results.map((r) => r.acknowledged_s!));
  await loop;
  const samples = results.reduce((s, r) => s + r.written!, 0);
  const mb = results.reduce((s, r) => s + r.mb!, 0);
  const files = readdirSync(join(run, "store", "samples"), { recursive: true }).map(String).filter((f) => f.endsWith(".parquet"));
  const storeMb = files.reduce((s, f) => s + statSync(join(run, "store", "samples", f)).size, 0) / 1e6;
  const loadIngest = loadavg()[0]!;
  const read = await child(["--role", "reader", "--run", run]);
  const figures = {
    scale: Number(values.scale), questions: Q, samples_per_question: K, writers: W, samples, text_mb: Math.round(mb), segments: files.length, store_mb: Math.round(storeMb),
    startup_s: Number(startupS.toFixed(2)), ingest_s: Number(ingestS.toFixed(2)), samples_per_s: Math.round(samples / ingestS), mb_per_s: Number((mb / ingestS).toFixed(1)),
    // until the last segment of the last writer was acknowledged (the writers' exit compaction left out)
    acknowledged_s: Number(ackS.toFixed(2)), acknowledged_samples_per_s: Math.round(samples / ackS),
    exit_compaction_s_max: Number(Math.max(...results.map((r) => r.exit_s!)).toFixed(2)),
    writer_cpu_s: Number(results.reduce((a, r) => a + r.cpu_s!, 0).toFixed(1)), cpu_us_per_sample: Number(((results.reduce((a, r) => a + r.cpu_s!, 0) / samples) * 1e6).toFixed(1)),
    writer_peak_rss_mb: Math.round(Math.max(...results.map((r) => r.peak_rss_mb!))),
    writer_peak_rss_writing_mb: Math.round(Math.max(...results.map((r) => r.peak_rss_writing_mb!))),
    analyze_during_writes: { ...live, mean_s: Number(live.mean_s.toFixed(2)), max_s: Number(live.max_s.toFixed(2)) },
    analyze_s: Number(read.analyze_s!.toFixed(2)), analyze_peak_rss_mb: Math.round(read.analyze_peak_rss_mb!),
    report_s: Number(read.report_s!.toFixed(2)), report_mb: Number(read.report_mb!.toFixed(2)), report_peak_rss_mb: Math.round(read.peak_rss_mb!),
    chromium_open_s: read.chromium_open_s === null ? null : Number(read.chromium_open_s!.toFixed(2)),
    chromium_blank_s: read.chromium_blank_s === null ? null : Number(read.chromium_blank_s!.toFixed(2)), explorer_rendered: read.explorer_rendered,
    chromium_question_s: read.chromium_question_s === null ? null : Number(read.chromium_question_s!.toFixed(2)), question_samples_shown: read.question_samples_shown,
    report_side_mb: Number(read.report_side_mb!.toFixed(2)),
    load_before: load0, load_after_ingest: loadIngest, load_after: loadavg()[0]!,
  };
  if (values.json) console.log(JSON.stringify(figures));
  else {
    const c = figures.chromium_open_s === null ? "no Chromium found" : `opens in headless Chromium in ${figures.chromium_open_s} s (an empty page: ${figures.chromium_blank_s} s), explorer ${figures.explorer_rendered ? "rendered" : "NOT rendered"}; opened at a question in ${figures.chromium_question_s} s, its samples ${figures.question_samples_shown ? "shown" : "NOT shown"}`;
    console.log(`${W} writers, 2 models x ${Q} questions x ${K} samples of ~${CHARS} chars = ${samples} samples (${figures.text_mb} MB of text; ${files.length} segments, ${figures.store_mb} MB on disk)`);
    console.log(`ingest  ${figures.ingest_s} s: ${figures.samples_per_s} samples/s, ${figures.mb_per_s} MB/s of text; peak RSS per writer ${figures.writer_peak_rss_mb} MB (writers' start-up before the clock: ${figures.startup_s} s)`);
    console.log(`  last segment acknowledged at ${figures.acknowledged_s} s: ${figures.acknowledged_samples_per_s} samples/s; writers' exit (automatic compaction) up to ${figures.exit_compaction_s_max} s; peak RSS per writer before its exit ${figures.writer_peak_rss_writing_mb} MB`);
    console.log(`  writers' CPU ${figures.writer_cpu_s} s in all: ${figures.cpu_us_per_sample} us per sample (the bar on 2 cores: 33 us)`);
    console.log(`analyze while writing (every ${values["live-every"]} s): ${live.ok} runs ok, ${live.failed} failed${live.errors.length ? ` (${live.errors.join("; ")})` : ""}; mean ${figures.analyze_during_writes.mean_s} s, max ${figures.analyze_during_writes.max_s} s`);
    console.log(`analyze alone ${figures.analyze_s} s, peak RSS ${figures.analyze_peak_rss_mb} MB`);
    console.log(`report ${figures.report_s} s (peak RSS ${figures.report_peak_rss_mb} MB), HTML ${figures.report_mb} MB${figures.report_side_mb ? ` (+ ${figures.report_side_mb} MB of side files)` : ""}; ${c}`);
    console.log(`load average (1 min): ${load0.toFixed(2)} before, ${loadIngest.toFixed(2)} after ingest, ${figures.load_after.toFixed(2)} at the end`);
  }
}
