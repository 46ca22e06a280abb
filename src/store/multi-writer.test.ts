import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { hostname } from "node:os";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, describe, expect, it } from "vitest";
import { OpenAIBackend } from "../backends/openai.js";
import { TEMPLATES } from "../backends/templates.js";
import { STUDY_SAMPLING } from "../backends/types.js";
import { sampleRun } from "../experiment/sample-run.js";
import { analyzeRun } from "../report/analyze-run.js";
import { reportContent } from "../report/report.js";
import { startFakeOpenAI } from "../test-helpers/fake-openai.js";
import { toLegacyStore } from "../test-helpers/legacy-store.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { importSamplesFile } from "./import-samples.js";
import { storeDir } from "./segments.js";
import { runStatus, statusOf } from "./status.js";
import { withStore } from "./store.js";

const tmp = useTmpDirs();
const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const questions = Array.from({ length: 5 }, (_, i) => ({ id: `q${i}`, prompt: `What is ${i}+0?`, answer: String(i) }));
const grader = async (items: Array<{ gold: string; response: string }>) =>
  items.map(({ gold, response }) => ({ correct: response.includes(gold), extracted: response.slice(-1), status: "ok" as const }));

async function fakeServer() {
  const s = await startFakeOpenAI();
  servers.push(s);
  return s;
}

function samplerOptions(run: string, url: string, model: string, k: number) {
  return {
    runDir: run, backend: new OpenAIBackend({ model, urls: [url] }), model, spec: `openai:${model}@fake`, questions, k,
    template: TEMPLATES.boxed!, params: STUDY_SAMPLING, nPerRequest: 2, concurrency: 2, grader, flushMs: 1,
  };
}

/** Per (model, question): samples, distinct indices, largest index, through the store's views. */
function keyStats(run: string) {
  return withStore(run, {}, (s) =>
    s.all<{ model: string; question_id: string; n: number; d: number; max: number }>(
      `SELECT model, question_id, count(*)::INTEGER AS n, count(DISTINCT sample_index)::INTEGER AS d, max(sample_index)::INTEGER AS max
         FROM samples GROUP BY ALL ORDER BY ALL`,
    ),
  );
}

/** Every file under `dir` with its size and mtime: a read must leave this unchanged. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => join(e.parentPath, e.name))
    .map((p) => `${relative(dir, p)} ${statSync(p).size} ${statSync(p).mtimeMs}`)
    .sort();
}

describe("many writers, live readers", () => {
  it("two samplers (one model split in two shards), another model and an importer write one run while analyze runs in a loop", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const server = await fakeServer();
    const k = 8;
    const imported = writeJsonl(dir, "c.jsonl", questions.flatMap((q) =>
      Array.from({ length: k }, (_, i) => ({ model: "c", question: q.id, sample_index: i, response: `r${i}`, correct: i % 2 === 0, extracted: String(i) }))));
    // the run exists before the readers start (an empty store analyses as an error, not a crash)
    await importSamplesFile(run, writeJsonl(dir, "seed.jsonl", [{ model: "c", question: "q0", sample_index: 0, response: "r0", correct: true, extracted: "0" }]));
    let done = false;
    let analyses = 0;
    const reader = (async () => {
      while (!done) {
        const a = await analyzeRun(run, { fit: false });
        expect(Object.keys(a.models)).toContain("c");
        analyses++;
      }
    })();
    const results = await Promise.all([
      sampleRun({ ...samplerOptions(run, server.url, "a", k) }),
      sampleRun({ ...samplerOptions(run, server.url, "b", k), shard: { index: 1, count: 2 } }),
      sampleRun({ ...samplerOptions(run, server.url, "b", k), shard: { index: 2, count: 2 } }),
      importSamplesFile(run, imported),
    ]).finally(() => (done = true));
    await reader;
    expect(analyses).toBeGreaterThan(0);
    expect(results[1].written + results[2].written).toBe(questions.length * k);
    const stats = await keyStats(run);
    expect(stats).toEqual(["a", "b", "c"].flatMap((model) => questions.map((q) => ({ model, question_id: q.id, n: k, d: k, max: k - 1 }))));
    const status = await statusOf(run);
    expect(status.models.map((m) => [m.model, m.samples, m.complete, m.partial, m.duplicates])).toEqual([
      ["a", 40, 5, 0, 0], ["b", 40, 5, 0, 0], ["c", 40, 5, 0, 0],
    ]);
    expect(status.writers).toEqual([]);
  }, 120_000);

  it("shards of one model write the same samples, seeds included, as one unsplit run", async () => {
    const dir = tmp();
    const server = await fakeServer();
    const whole = join(dir, "whole");
    const split = join(dir, "split");
    await sampleRun(samplerOptions(whole, server.url, "m", 7));
    for (const index of [3, 1, 2]) await sampleRun({ ...samplerOptions(split, server.url, "m", 7), shard: { index, count: 3 } });
    const rows = (run: string) => withStore(run, {}, (s) => s.all("SELECT question_id, sample_index, text, seed::INTEGER AS seed FROM samples ORDER BY ALL"));
    expect(await rows(split)).toEqual(await rows(whole));
    expect((await rows(whole)).length).toBe(35);
  }, 60_000);

  it("a key written by two writers is kept once (the first write), and a clash in content is counted", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const line = (text: string) => ({ model: "m", question: "q", sample_index: 0, response: text, correct: true });
    await importSamplesFile(run, writeJsonl(dir, "a.jsonl", [line("first")]));
    // a second writer that checked against a snapshot without that key: its segment lands beside the first
    const other = join(dir, "other");
    await importSamplesFile(other, writeJsonl(dir, "b.jsonl", [line("second"), { ...line("x"), sample_index: 1 }]));
    const seg = readdirSync(join(storeDir(other), "samples", "m"))[0]!;
    cpSync(join(storeDir(other), "samples", "m", seg), join(storeDir(run), "samples", "m", `zzzz-${seg}`));
    expect(await withStore(run, {}, (s) => s.all("SELECT sample_index, text FROM samples ORDER BY ALL"))).toEqual([
      { sample_index: 0, text: "first" }, { sample_index: 1, text: "x" },
    ]);
    const status = await withStore(run, {}, (s) => runStatus(s));
    expect(status.models[0]).toMatchObject({ model: "m", samples: 2, duplicates: 1, clashes: 1 });
  }, 60_000);

  it("a segment left half-written by a killed writer is never read, and the next writer removes it", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await importSamplesFile(run, writeJsonl(dir, "a.jsonl", [{ model: "m", question: "q", sample_index: 0, response: "r", correct: true }]));
    // a process that has exited: its pid is free
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    const host = hostname().replace(/[^A-Za-z0-9.-]/g, "_");
    const half = join(storeDir(run), "tmp", `${host}-${dead}-abcdef-3.parquet`);
    const live = join(storeDir(run), "tmp", `${host}-${process.pid}-abcdef-4.parquet`);
    writeFileSync(half, "PAR1 truncated");
    writeFileSync(live, "PAR1 still being written");
    expect((await analyzeRun(run, { fit: false })).models.m!.questions).toBe(1);
    expect(existsSync(half)).toBe(true); // a reader removes nothing
    await importSamplesFile(run, writeJsonl(dir, "b.jsonl", [{ model: "m", question: "q", sample_index: 1, response: "s", correct: false }]));
    expect(existsSync(half)).toBe(false);
    expect(existsSync(live)).toBe(true);
  }, 60_000);

  it("plain DuckDB SQL over the segment files (no rlvd code) counts what rlvd analyze counts", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const server = await fakeServer();
    await sampleRun(samplerOptions(run, server.url, "base", 6));
    await importSamplesFile(run, writeJsonl(dir, "c.jsonl", questions.slice(0, 3).flatMap((q) =>
      Array.from({ length: 4 }, (_, i) => ({ model: "rl", question: q.id, sample_index: i, response: `r${i}`, correct: i > 0 })))));
    const analysis = await analyzeRun(run, { fit: false });
    const db = await (await DuckDBInstance.create(":memory:")).connect();
    const rows = (await db.runAndReadAll(
      `SELECT model, count(DISTINCT question_id)::INTEGER AS questions, count(*)::INTEGER AS samples, count_if(correct)::INTEGER AS correct
         FROM read_parquet('${join(run, "store", "samples", "*", "*.parquet")}') GROUP BY model ORDER BY model`,
    )).getRowObjectsJS() as Array<{ model: string; questions: number; samples: number; correct: number }>;
    expect(rows.map((r) => r.model)).toEqual(Object.keys(analysis.models).sort());
    for (const r of rows) {
      const m = analysis.models[r.model]!;
      expect(r.questions).toBe(m.questions);
      expect(r.correct / r.samples).toBeCloseTo(m.accuracy, 12);
    }
    db.closeSync();
  }, 60_000);

  it("an old single-file run folder analyses the same, read in place without writing, and the first writer migrates it", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const server = await fakeServer();
    await sampleRun(samplerOptions(run, server.url, "base", 6));
    await importSamplesFile(run, writeJsonl(dir, "c.jsonl", questions.flatMap((q) =>
      Array.from({ length: 6 }, (_, i) => ({ model: "rl", question: q.id, sample_index: i, response: `r${i}`, correct: i > 1, extracted: String(i % 3) })))));
    const before = await analyzeRun(run);
    const old = join(dir, "old");
    cpSync(run, old, { recursive: true });
    await toLegacyStore(old);
    const files = tree(old);
    expect(await analyzeRun(old)).toEqual(before);
    expect((await reportContent(old)).analysis).toEqual(before);
    expect(tree(old)).toEqual(files); // read-only: not one file written, moved or touched
    await importSamplesFile(old, writeJsonl(dir, "again.jsonl", [{ model: "rl", question: "q0", sample_index: 0, response: "r0", correct: false, extracted: "0" }]));
    expect(existsSync(join(old, "rlvd.duckdb"))).toBe(false);
    expect(existsSync(join(old, "rlvd.duckdb.migrated"))).toBe(true);
    expect(await analyzeRun(old)).toEqual(before);
  }, 120_000);

  it("analyze and report write nothing into the run folder (they work on a read-only one)", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const server = await fakeServer();
    await sampleRun(samplerOptions(run, server.url, "base", 4));
    const files = tree(run);
    await analyzeRun(run);
    await reportContent(run);
    await statusOf(run);
    expect(tree(run)).toEqual(files);
  }, 60_000);
});

describe("sampling settings per model", () => {
  it("a resume with other settings is refused naming them; --new-model starts a new name, --allow-mixed goes on and records both", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const server = await fakeServer();
    const base = samplerOptions(run, server.url, "m", 2);
    await sampleRun(base);
    const hotter = { ...base, k: 4, params: { ...STUDY_SAMPLING, temperature: 0.01, max_tokens: 200 } };
    await expect(sampleRun(hotter)).rejects.toThrow(/model m: its stored samples were drawn with other settings \(max_tokens \d+ -> 200, temperature 0.9 -> 0.01\); .*--new-model NAME.*--allow-mixed/);
    await expect(sampleRun({ ...hotter, newModel: true })).rejects.toThrow(/--new-model m: the run already has samples of model m/);
    expect(await sampleRun({ ...hotter, model: "m-cold", newModel: true })).toMatchObject({ written: 20, already: 0 });
    expect(await sampleRun({ ...hotter, allowMixed: true })).toMatchObject({ written: 10, already: 10 });
    const meta = await withStore(run, {}, async (s) => JSON.parse((await s.all<{ meta: string }>("SELECT meta FROM models WHERE name = 'm'"))[0]!.meta));
    expect(meta.mixed).toBe(true);
    expect(meta.k).toBe(4);
    expect(meta.sampling_history.map((h: { sampling: { temperature: number } }) => h.sampling.temperature)).toEqual([0.9, 0.01]);
  }, 60_000);
});
