/**
 * Import speed and peak memory for a large lm-eval `--log_samples` file: N lines (default 1M) shaped like
 * lm_eval/loggers/evaluation_tracker.py writes them (doc, target, arguments.gen_args_0, resps [[text]],
 * filtered_resps, filter, metrics, hashes, exact_match), one document per line, through the same code path as
 * `rlvd import samples FILE --model M`. Old vs new side by side: the record-by-record path (`staging: "js"`,
 * what every import did before DuckDB read lm-eval files) and the default (DuckDB reads the file), alternating,
 * each import in a fresh child process so its peak RSS and CPU time are its own; medians, with the load average
 * (on a loaded machine wall time mostly measures the others' load; CPU seconds over all threads say what an
 * import costs). Also times
 * reading + JSON.parse alone, the ceiling of any record-by-record path. Prints figures; asserts nothing.
 *
 * `--against DIR` compares two versions of the default path instead (the old record-by-record path and the
 * JSON.parse timing are left out): DIR is another checkout of rlvd (e.g. `git archive PREV | tar -x -C DIR`,
 * node_modules linked), whose import runs alternately with this one's. On a loaded machine CPU seconds per
 * 100k samples, side by side, are the figure to read; the wall-clock bar needs a quiet one.
 *
 *   npx tsx bench/import-harness.ts [--lines 1000000] [--rounds 2] [--keep] [--file F] [--against DIR]
 */
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readJsonl } from "../src/core/jsonl.js";
import { importSamplesFile } from "../src/store/import-samples.js";

const { values } = parseArgs({
  options: {
    lines: { type: "string", default: "1000000" }, rounds: { type: "string", default: "2" }, keep: { type: "boolean" }, child: { type: "string" },
    /** an existing lm-eval file to import instead of writing one (with --child: the file the child imports) */
    file: { type: "string" },
    against: { type: "string" },
  },
});

// a child: one import, figures as one JSON line
if (values.child) {
  const run = mkdtempSync(join(tmpdir(), "rlvd-bench-run-"));
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await importSamplesFile(run, values.file!, { model: "bench", staging: values.child as "js" | "auto" });
  const s = (performance.now() - t) / 1000;
  const c = process.cpuUsage(cpu0);
  rmSync(run, { recursive: true, force: true });
  console.log(JSON.stringify({ s, samples: r.lines, questions: r.questions, reader: r.reader, peakMB: process.resourceUsage().maxRSS / 1024, cpuS: (c.user + c.system) / 1e6 }));
  process.exit(0);
}

const N = Number(values.lines);
const dir = mkdtempSync(join(tmpdir(), "rlvd-bench-harness-"));
const file = values.file ?? join(dir, "samples_hendrycks_math_2025-01-01T00-00-00.jsonl");
if (values.file === undefined) await writeFile(file, N);
const mb = statSync(file).size / 1e6;
console.log(`file: ${values.file ?? `${N.toLocaleString()} lines`}, ${mb.toFixed(0)} MB`);

/** N lines shaped as evaluation_tracker.py writes them (see the top). */
async function writeFile(file: string, N: number): Promise<void> {
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
}

if (!values.against) {
  const t = performance.now();
  let parsed = 0;
  for await (const _ of readJsonl(file)) parsed++;
  const parseS = (performance.now() - t) / 1000;
  console.log(`read + JSON.parse alone: ${parseS.toFixed(1)} s (${Math.round(parsed / parseS).toLocaleString()} lines/s, ${(mb / parseS).toFixed(0)} MB/s)`);
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");
type Run = { s: number; samples: number; questions: number; reader: string; peakMB: number; cpuS: number };
type Series = { label: string; script: string; staging: "js" | "auto" };
// the first series is the reference the ratios divide by
const series: Series[] = values.against
  ? [{ label: `base (${values.against})`, script: join(values.against, "bench", "import-harness.ts"), staging: "auto" }, { label: "this tree", script: process.argv[1]!, staging: "auto" }]
  : [{ label: "old (record by record)", script: process.argv[1]!, staging: "js" }, { label: "new (DuckDB reads)", script: process.argv[1]!, staging: "auto" }];
const runs: Run[][] = series.map(() => []);
const width = Math.max(...series.map((x) => x.label.length));
for (let round = 0; round < Number(values.rounds); round++) {
  series.forEach((x, i) => {
    const out = execFileSync(process.execPath, [...process.execArgv, x.script, "--child", x.staging, "--file", file], { encoding: "utf8", maxBuffer: 1 << 20 });
    const r = JSON.parse(out.trim().split("\n").pop()!) as Run;
    runs[i]!.push(r);
    console.log(`round ${round + 1} ${x.label.padEnd(width)}: ${r.samples.toLocaleString()} samples in ${r.s.toFixed(1)} s = ` +
      `${Math.round(r.samples / r.s).toLocaleString()} samples/s, ${r.cpuS.toFixed(1)} CPU s (all threads; ${(r.cpuS / (r.samples / 1e5)).toFixed(2)} per 100k samples, ` +
      `${Math.round(r.samples / r.cpuS).toLocaleString()} samples per CPU second), peak RSS ${r.peakMB.toFixed(0)} MB, reader ${r.reader}; load average ${load()}`);
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const rate = (rs: Run[]) => median(rs.map((r) => r.samples / r.s));
const cpuRate = (rs: Run[]) => median(rs.map((r) => r.samples / r.cpuS));
const peak = (rs: Run[]) => Math.max(...rs.map((r) => r.peakMB));
const [a, b] = [runs[0]!, runs[1]!];
console.log(`median ${series[0]!.label} ${Math.round(rate(a)).toLocaleString()} samples/s (peak ${peak(a).toFixed(0)} MB), ` +
  `${series[1]!.label} ${Math.round(rate(b)).toLocaleString()} samples/s (peak ${peak(b).toFixed(0)} MB): ${(rate(b) / rate(a)).toFixed(2)}x; ` +
  `per CPU second (all threads: what a loaded machine divides) ${Math.round(cpuRate(a)).toLocaleString()} vs ${Math.round(cpuRate(b)).toLocaleString()} samples ` +
  `(${(cpuRate(b) / cpuRate(a)).toFixed(2)}x; CPU s per 100k samples ${(1e5 / cpuRate(a)).toFixed(2)} vs ${(1e5 / cpuRate(b)).toFixed(2)}); ` +
  `${Number(values.rounds)} rounds alternating; cores ${(await import("node:os")).cpus().length}; load average now ${load()}`);
if (!values.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
