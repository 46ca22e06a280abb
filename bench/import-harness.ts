/**
 * Import speed and peak memory for a large lm-eval `--log_samples` file: N lines (default 1M) shaped like
 * lm_eval/loggers/evaluation_tracker.py writes them (doc, target, arguments.gen_args_0, resps [[text]],
 * filtered_resps, filter, metrics, hashes, exact_match), one document per line, through the same code path as
 * `rlvd import samples FILE --model M`. Also times reading + parsing the file alone, and with the format's
 * conversion, to show where the time goes (the rest is staging and DuckDB's load and checks).
 * Prints figures; asserts nothing.
 *
 *   npx tsx bench/import-harness.ts [--lines 1000000] [--keep]
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readJsonl } from "../src/core/jsonl.js";
import { importSamplesFile } from "../src/store/import-samples.js";
import { lmEval } from "../src/store/formats/lm-eval.js";

const { values } = parseArgs({ options: { lines: { type: "string", default: "1000000" }, keep: { type: "boolean" } } });
const N = Number(values.lines);
const dir = mkdtempSync(join(tmpdir(), "rlvd-bench-harness-"));
const file = join(dir, "samples_hendrycks_math_2025-01-01T00-00-00.jsonl");

const out = createWriteStream(file);
let buf = "";
for (let i = 0; i < N; i++) {
  const a = i % 97;
  const b = (i * 7) % 89;
  const problem = `Compute ${a} + ${b} for problem ${i}.`;
  const right = i % 3 !== 0;
  const answer = right ? a + b : a + b + 1;
  buf += JSON.stringify({
    doc_id: i, doc: { problem, solution: `We add: ${a} + ${b} = ${a + b}.`, answer: String(a + b), level: `Level ${1 + (i % 5)}`, type: "Prealgebra" },
    target: String(a + b), arguments: { gen_args_0: { arg_0: `Problem:\n${problem}\n\nSolution:`, arg_1: { until: ["Problem:"], do_sample: false, temperature: 0 } } },
    resps: [[`We add the numbers. ${a} plus ${b} is ${answer}. Final Answer: The final answer is $${answer}$. I hope it is correct.`]],
    filtered_resps: [String(answer)], filter: "none", metrics: ["exact_match"], doc_hash: "x".repeat(64), prompt_hash: "y".repeat(64), target_hash: "z".repeat(64),
    exact_match: right ? 1.0 : 0.0,
  }) + "\n";
  if (buf.length > 1 << 20) {
    if (!out.write(buf)) await once(out, "drain");
    buf = "";
  }
}
out.write(buf);
out.end();
await once(out, "finish");
const mb = statSync(file).size / 1e6;
console.log(`file: ${N.toLocaleString()} lines, ${mb.toFixed(0)} MB`);

let t = performance.now();
let parsed = 0;
for await (const _ of readJsonl(file)) parsed++;
const parseS = (performance.now() - t) / 1000;
console.log(`read + JSON.parse alone: ${parseS.toFixed(1)} s (${Math.round(parsed / parseS).toLocaleString()} lines/s, ${(mb / parseS).toFixed(0)} MB/s)`);

t = performance.now();
const ctx = { file, filter: null, skipped: 0 };
let converted = 0;
for await (const { line, value } of readJsonl(file)) converted += lmEval.convert(value as Record<string, unknown>, line, ctx)?.samples.length ?? 0;
const convertS = (performance.now() - t) / 1000;
console.log(`read + parse + convert (no staging): ${convertS.toFixed(1)} s (${Math.round(converted / convertS).toLocaleString()} samples/s)`);

const rssBefore = process.resourceUsage().maxRSS / 1024;
t = performance.now();
const r = await importSamplesFile(join(dir, "run"), file, { model: "bench" });
const importS = (performance.now() - t) / 1000;
const peak = process.resourceUsage().maxRSS / 1024;
console.log(`import: ${r.lines.toLocaleString()} samples, ${r.questions.toLocaleString()} questions in ${importS.toFixed(1)} s = ` +
  `${Math.round(r.lines / importS).toLocaleString()} samples/s; peak RSS ${peak.toFixed(0)} MB (${rssBefore.toFixed(0)} MB before the import)`);
if (!values.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
