/**
 * Time to import and analyze the study's MATH-train scale: 7,500 questions x 256 samples of synthetic data
 * (short responses with an extracted answer and a verdict), through the same code paths as
 * `rlvd import samples` and `rlvd analyze`. Prints figures; asserts nothing.
 *
 *   npx tsx bench/store-analyze.ts [--questions 7500] [--samples 256] [--staging auto|duckdb|js] [--json] [--keep DIR]
 *
 * `--staging` picks the import's path (import-samples.ts): auto (the direct write where no key needs the store's
 * checks, as `rlvd import samples` does), duckdb (DuckDB's JSON reader and COPY, the path before it), js.
 * `--keep DIR` writes the run to DIR/run and keeps it, to time `rlvd analyze DIR/run` (or
 * bench/analyze-profile.ts) on it afterwards.
 */
import { mkdirSync, mkdtempSync, rmSync, createWriteStream, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { importSamplesFile } from "../src/store/import-samples.js";
import { analyzeRun } from "../src/report/analyze-run.js";
import { seededRng } from "../src/metrics/rng.js";

const { values } = parseArgs({ options: { questions: { type: "string", default: "7500" }, samples: { type: "string", default: "256" }, json: { type: "boolean" }, staging: { type: "string", default: "auto" }, keep: { type: "string" } } });
const Q = Number(values.questions);
const K = Number(values.samples);
const STAGING = values.staging as "auto" | "duckdb" | "js";
if (!["auto", "duckdb", "js"].includes(STAGING)) throw new Error(`--staging: auto, duckdb or js, not ${values.staging}`);

const dir = values.keep ?? mkdtempSync(join(tmpdir(), "rlvd-bench-"));
if (values.keep) mkdirSync(dir, { recursive: true });
const file = join(dir, "samples.jsonl");
const rng = seededRng(1);
const out = createWriteStream(file);
for (let q = 0; q < Q; q++) {
  const p = rng() ** 2; // a spread of difficulty, skewed hard
  const wrong = [String(q + 1), String(q + 2), String(2 * q)];
  let buf = "";
  for (let i = 0; i < K; i++) {
    const correct = rng() < p;
    const answer = correct ? String(q) : wrong[Math.floor(rng() * 3)]!;
    const response = `Let me think step by step. ${i % 7 === 0 ? "Wait, let me check. " : ""}The answer is \\boxed{${answer}}.`;
    buf += JSON.stringify({ model: "base", question: `q${q}`, sample_index: i, response, extracted: answer, correct }) + "\n";
  }
  if (!out.write(buf)) await once(out, "drain");
}
out.end();
await once(out, "finish");
const mb = statSync(file).size / 1e6;

const run = join(dir, "run");
const cpu0 = process.cpuUsage();
let t = performance.now();
const imported = await importSamplesFile(run, file, { staging: STAGING });
const importS = (performance.now() - t) / 1000;
t = performance.now();
const analysis = await analyzeRun(run);
const analyzeS = (performance.now() - t) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
if (values.keep) rmSync(file, { force: true });
else rmSync(dir, { recursive: true, force: true });

const figures = {
  questions: Q, samples_per_question: K, samples: imported.inserted, file_mb: Number(mb.toFixed(1)),
  import_s: Number(importS.toFixed(2)), analyze_s: Number(analyzeS.toFixed(2)), total_s: Number((importS + analyzeS).toFixed(2)),
  cpu_s: Number(cpuS.toFixed(2)), import_samples_per_s: Math.round(imported.inserted / importS), accuracy: analysis.models.base!.accuracy,
};
if (values.json) console.log(JSON.stringify(figures));
else {
  console.log(`${Q} questions x ${K} samples = ${imported.inserted} samples (${figures.file_mb} MB JSONL)`);
  console.log(`import  ${figures.import_s} s  (${figures.import_samples_per_s} samples/s; --staging ${STAGING})`);
  console.log(`analyze ${figures.analyze_s} s  (pass@k 1..${K}, CIs, bins, maj@k, entropy, length, keywords)`);
  console.log(`total   ${figures.total_s} s  (target: under 15 s on 2 cores); CPU time ${figures.cpu_s} s (both cores, all threads)`);
}
