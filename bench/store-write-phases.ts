/**
 * Where a writer's CPU goes (issue 15's ingest bar): one process writes `--batches` batches of 16,384 samples
 * of ~2 KB into a fresh run through `writeSamples`, as a sampler lands them, and the CPU time of the process
 * (all threads: DuckDB works on its own) is split by phase: generating the samples (the bench's cost, not the
 * store's), each kind of SQL the write runs (key checks, the views rebuilt after a publish, ...), fsync and
 * rename, and the rest: the JS thread's own work, which is the direct write path's key checks, columns and
 * Parquet encoding (sample-writes.ts; on a checkout before it, the rows into DuckDB's appender). The Parquet
 * encoding and file write of one batch is also timed apart, after the run (`writeParquet` alone).
 * Prints CPU microseconds per sample for each, with the load average (the machine is shared). Runs on older
 * checkouts too (`cd /work/main && npx tsx bench/store-write-phases.ts`) for side-by-side figures.
 *
 *   npx tsx bench/store-write-phases.ts [--batches 8] [--chars 2000] [--fresh-texts] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { withStore } from "../src/store/store.js";
import { writeSamples } from "../src/store/samples.js";
import { seededRng } from "../src/metrics/rng.js";
import { SampleStore } from "../src/store/store.js";
import { StagingTable } from "../src/store/staging.js";
import type { Sample } from "../src/core/types.js";

const { values } = parseArgs({ options: { batches: { type: "string", default: "8" }, chars: { type: "string", default: "2000" }, "fresh-texts": { type: "boolean" }, json: { type: "boolean" } } });
const BATCHES = Number(values.batches);
const CHARS = Number(values.chars);
const BATCH = 16_384;
const K = 256;

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** What a statement is, by its text (the commit's statements, store.ts, commit.ts). */
function phase(sql: string): string {
  if (/^\s*COPY[\s\S]*TO '[^']*\/tmp\/[^']*'/.test(sql)) {
    if (/FROM \(SELECT \* FROM staged_samples/.test(sql) || /FROM \(SELECT \* FROM staged_samples_/.test(sql)) return "copy samples (parquet+zstd)";
    return "copy models/questions";
  }
  if (/CREATE OR REPLACE TEMP VIEW/.test(sql)) return "views (snapshot refresh)";
  if (/known_keys/.test(sql)) return "key checks (known keys)";
  if (/GROUP BY model, question_id, sample_index HAVING/.test(sql)) return "key checks (repeats in batch)";
  if (/CREATE OR REPLACE TEMP TABLE staged_samples|DROP TABLE/.test(sql)) return "staging table ddl";
  if (/SELECT DISTINCT model/.test(sql)) return "distinct models";
  if (/count\(\*\)/.test(sql)) return "counts";
  return "other sql";
}

const words = "the of and to in is that for it as with was on be by this are or from at answer step check then value sum equals therefore".split(" ");
const rng = seededRng(1);
// one batch's worth of distinct flat texts (as store-segments.ts): --fresh-texts builds a new string per sample
// instead, to show what that costs (it lands in the appender, where V8 flattens the concatenation)
const pool = Array.from({ length: BATCH }, (_, j) => {
  let s = `${j}: `;
  while (s.length < CHARS) s += words[Math.floor(rng() * words.length)] + (rng() < 0.08 ? ".\n" : " ");
  s = s.slice(0, CHARS);
  s.charCodeAt(0);
  return s;
});

/** Times a method of a prototype into `totals` (outside any statement: the JS thread's own work). */
function timeMethod(proto: object, name: string, label: string, sync: boolean): void {
  const p = proto as Record<string, (...a: unknown[]) => unknown>;
  const orig = p[name]!;
  p[name] = sync
    ? function (this: unknown, ...a: unknown[]) {
        const c = cpu();
        try {
          return orig.apply(this, a);
        } finally {
          add(label, cpu() - c);
        }
      }
    : async function (this: unknown, ...a: unknown[]) {
        const c = cpu();
        const before = sqlTotal();
        try {
          return await orig.apply(this, a);
        } finally {
          add(label, cpu() - c - (sqlTotal() - before));
        }
      };
}
let sqlCpu = 0;
const sqlTotal = () => sqlCpu;
timeMethod(StagingTable.prototype, "finish", "appender flush (JS thread)", false);
timeMethod(SampleStore.prototype, "publishPending", "fsync, rename, listing (JS thread)", false);

const dir = mkdtempSync(join(tmpdir(), "rlvd-bench-phases-"));
const totals = new Map<string, number>();
const add = (k: string, s: number) => totals.set(k, (totals.get(k) ?? 0) + s);
const load0 = loadavg()[0]!;
let samples = 0;
try {
  await withStore(join(dir, "run"), { create: true, autoCompact: false }, async (store) => {
    // every statement's CPU, by kind: a statement's await is DuckDB's threads working while the JS thread waits
    const db = store.db as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    let depth = 0; // runAndReadAll calls run itself: count the outer statement only
    for (const m of ["run", "runAndReadAll"]) {
      const orig = db[m]!.bind(db);
      db[m] = async (...a: unknown[]) => {
        const c = cpu();
        depth++;
        try {
          return await orig(...a);
        } finally {
          depth--;
          if (depth === 0) {
            add(phase(String(a[0])), cpu() - c);
            sqlCpu += cpu() - c;
          }
        }
      };
    }
    let q = 0;
    for (let b = 0; b < BATCHES; b++) {
      let c = cpu();
      const batch: Sample[] = [];
      while (batch.length < BATCH) {
        for (let i = 0; i < K; i++) {
          const correct = rng() < 0.5;
          const answer = correct ? String(q) : String(q + 1);
          const text = values["fresh-texts"] ? `${pool[(q * K + i) % BATCH]} ${i} So the answer is \\boxed{${answer}}.` : pool[(q * K + i) % BATCH]!;
          batch.push({ model: "base", question_id: `q${q}`, sample_index: i, text, extracted: answer, correct, verify_status: "ok", n_tokens: Math.round(text.length / 4), finish_reason: "stop" });
        }
        q++;
      }
      add("generate samples (bench)", cpu() - c);
      const before = new Map(totals);
      c = cpu();
      samples += (await writeSamples(store, batch)).inserted;
      const all = cpu() - c;
      let seen = 0;
      for (const [k, v] of totals) seen += v - (before.get(k) ?? 0);
      // what is left is the JS thread's own loop: each sample's row into the appender (timing each row would
      // cost a getrusage call per row)
      add("JS thread (key checks, Parquet; main: appender rows)", all - seen);
    }
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
// the Parquet encoding and file write alone, of the last batch's rows (when this checkout has the direct path)
const direct = await import("../src/store/sample-writes.js").catch(() => null);
const parquet = await import("../src/store/parquet-writer.js").catch(() => null);
let encodeUs: number | null = null;
if (direct && parquet) {
  const dir2 = mkdtempSync(join(tmpdir(), "rlvd-bench-encode-"));
  try {
    const rows: Sample[] = Array.from({ length: BATCH }, (_, i) => ({ model: "base", question_id: `q${i >> 8}`, sample_index: i & 255, text: pool[i]!, extracted: "1", correct: i % 2 === 0, verify_status: "ok", n_tokens: 500, finish_reason: "stop" }));
    const c = cpu();
    for (let r = 0; r < 4; r++) parquet.writeParquet(join(dir2, `${r}.parquet`), direct.sampleColumns(rows), rows.length);
    encodeUs = ((cpu() - c) / (4 * BATCH)) * 1e6;
  } finally {
    rmSync(dir2, { recursive: true, force: true });
  }
}
const perSample = [...totals].map(([k, v]) => ({ phase: k, cpu_s: Number(v.toFixed(3)), us_per_sample: Number(((v / samples) * 1e6).toFixed(1)) }));
const store = perSample.filter((p) => !p.phase.includes("bench")).reduce((s, p) => s + p.cpu_s, 0);
const out = {
  samples, batches: BATCHES, chars: CHARS, phases: perSample, store_us_per_sample: Number(((store / samples) * 1e6).toFixed(1)),
  parquet_encode_us_per_sample: encodeUs === null ? null : Number(encodeUs.toFixed(1)), load_before: load0, load_after: loadavg()[0]!,
};
if (values.json) console.log(JSON.stringify(out));
else {
  console.log(`${samples} samples of ~${CHARS} chars in ${BATCHES} writes of ${BATCH}; CPU per sample (all threads):`);
  for (const p of perSample) console.log(`  ${p.phase.padEnd(56)} ${String(p.us_per_sample).padStart(7)} us  (${p.cpu_s} s)`);
  console.log(`  ${"store in all (bench's generation excluded)".padEnd(56)} ${String(out.store_us_per_sample).padStart(7)} us`);
  if (out.parquet_encode_us_per_sample !== null) console.log(`  ${"of which Parquet encoding + file write (timed apart)".padEnd(56)} ${String(out.parquet_encode_us_per_sample).padStart(7)} us`);
  console.log(`load average (1 min): ${load0.toFixed(2)} before, ${out.load_after.toFixed(2)} after`);
}
