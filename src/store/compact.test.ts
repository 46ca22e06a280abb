import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OpenAIBackend } from "../backends/openai.js";
import { TEMPLATES } from "../backends/templates.js";
import { STUDY_SAMPLING } from "../backends/types.js";
import { sampleRun } from "../experiment/sample-run.js";
import { analyzeRun } from "../report/analyze-run.js";
import { startFakeOpenAI } from "../test-helpers/fake-openai.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { compactRun } from "./compact-run.js";
import { runCli } from "../test-helpers/cli.js";
import { parquetColumnChunks } from "./parquet-footer.js";
import { fileSize } from "./live-set.js";
import { applyGrades } from "./grades.js";
import { writeSamples } from "./samples.js";
import { upsertQuestions } from "./questions.js";
import type { Sample } from "../core/types.js";
import { importSamplesFile } from "./import-samples.js";
import { COMPACTED_SUFFIX, liveSegments, readSidecar, SIDECAR_SUFFIX } from "./live-set.js";
import { storeDir, WRITER_ID } from "./segments.js";
import { runStatus } from "./status.js";
import { withStore } from "./store.js";

const tmp = useTmpDirs();
const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const questions = Array.from({ length: 5 }, (_, i) => ({ id: `q${i}`, prompt: `What is ${i}+0?`, answer: String(i) }));
const line = (model: string, q: string, i: number, text = `r${i}`) => ({ model, question: q, sample_index: i, response: text, correct: i % 3 === 0, extracted: String(i) });

/** ~600 characters of a few templates: text that zstd shrinks well, as model responses are shrunk. */
const wordy = (i: number) => `Let me think about this step by step. ${"First we expand the terms and collect them. ".repeat(6 + (i % 5))}So the answer is ${i}.`;

const sample = (model: string, q: string, i: number): Sample => ({
  model, question_id: q, sample_index: i, text: `r${i}`, correct: i % 3 === 0, extracted: String(i), verify_status: "imported", n_tokens: null, finish_reason: null,
});

/** Everything a reader sees: every view's rows in a fixed order, and the repeated keys status counts. */
function everything(run: string) {
  return withStore(run, {}, async (s) => ({
    samples: await s.all("SELECT * EXCLUDE (seed, latency_ms), seed::DOUBLE AS seed FROM samples ORDER BY model, question_id, sample_index"),
    questions: await s.all("SELECT * FROM questions ORDER BY id"),
    models: await s.all("SELECT * FROM models ORDER BY name"),
    counts: await s.all("SELECT * FROM counts ORDER BY ALL"),
    failures: await s.all("SELECT model, question_id, missing FROM sample_failures ORDER BY ALL"),
    status: (await runStatus(s)).models.map(({ rate, eta_s, writers, segments, ...m }) => m),
  }));
}

/** Segment files (plain and compacted) per folder under RUN/store. */
function files(run: string, folder: string): string[] {
  const dir = join(storeDir(run), folder);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".parquet")).sort() : [];
}

/** A run with many small segments (one per write and model), a race's repeated key, verdicts written later. */
async function smallSegments(dir: string, models = ["a", "b"]): Promise<string> {
  const run = join(dir, "run");
  await withStore(run, { create: true, autoCompact: false }, async (s) => {
    for (const q of questions) await writeSamples(s, models.flatMap((model) => Array.from({ length: 4 }, (_, i) => sample(model, q.id, i))));
    await upsertQuestions(s, questions.map((q) => ({ question: q, line: null })), "dataset");
    // verdicts written after their samples (grades/), twice for one key: the newest wins
    await applyGrades(s, [{ model: models[0]!, question_id: "q1", sample_index: 1, correct: true, extracted: "1", status: "ok" }]);
    await applyGrades(s, [{ model: models[0]!, question_id: "q1", sample_index: 1, correct: false, extracted: "7", status: "ok" }]);
  });
  // a writer race: another writer's segment repeating a key with other content lands later (first write wins)
  const other = join(dir, "other");
  await importSamplesFile(other, writeJsonl(dir, "race.jsonl", [line(models[0]!, "q0", 0, "second"), line(models[0]!, "q0", 9)]));
  const seg = files(other, `samples/${models[0]}`)[0]!;
  cpSync(join(storeDir(other), "samples", models[0]!, seg), join(storeDir(run), "samples", models[0]!, `zzzz-${seg}`));
  return run;
}

describe("compaction", () => {
  it("merges each folder's small segments into one without changing anything a reader sees, and deletes the originals after the grace period", async () => {
    const dir = tmp();
    const run = await smallSegments(dir);
    const before = await everything(run);
    expect(files(run, "samples/a").length).toBe(6);
    // a long grace: the compacted segments are published, the originals stay for readers that listed them
    const first = await compactRun(run, { graceMs: 3_600_000 });
    expect(first.folders.find((f) => f.folder === "samples/a")).toMatchObject({ before: 6, after: 1, merged: 6, written: 1, removed: 0, rows: 22 });
    expect(files(run, "samples/a").length).toBe(7);
    expect(liveSegments(run, "samples").map((l) => l.name.endsWith(COMPACTED_SUFFIX))).toEqual([true, true]);
    expect(await everything(run)).toEqual(before);
    // grace over: the next compaction deletes what is replaced, and merges nothing more
    const second = await compactRun(run, { graceMs: 0 });
    expect(second.folders.find((f) => f.folder === "samples/a")).toMatchObject({ before: 1, after: 1, written: 0, removed: 6 });
    for (const folder of ["samples/a", "samples/b", "grades/a", "questions", "models"]) expect(files(run, folder).length).toBe(1);
    expect(await everything(run)).toEqual(before);
    // new writes after a compaction, then a compaction of the compacted segment with them
    await importSamplesFile(run, writeJsonl(dir, "more.jsonl", [line("a", "q4", 4), line("a", "q9", 0)]));
    const after = await everything(run);
    expect(after.samples.length).toBe(before.samples.length + 2);
    await compactRun(run, { graceMs: 0 });
    expect(files(run, "samples/a").length).toBe(1);
    expect(await everything(run)).toEqual(after);
  }, 300_000);

  it("two compactors that overlap in part: neither origin is read twice, and the next compaction resolves the overlap", async () => {
    const dir = tmp();
    const run = await smallSegments(dir, ["a"]);
    const before = await everything(run);
    const plain = files(run, "samples/a");
    // compactor 1 saw the first four segments; compactor 2 (elsewhere) saw the last three: they share one
    const one = join(dir, "one");
    const two = join(dir, "two");
    for (const [copy, names] of [[one, plain.slice(0, 4)], [two, plain.slice(3)]] as const) {
      mkdirSync(join(storeDir(copy), "samples", "a"), { recursive: true });
      for (const n of names) cpSync(join(storeDir(run), "samples", "a", n), join(storeDir(copy), "samples", "a", n));
      await compactRun(copy, { graceMs: 3_600_000, tables: ["samples"] });
      for (const n of files(copy, "samples/a").filter((f) => f.endsWith(COMPACTED_SUFFIX))) {
        for (const f of [n, n.replace(COMPACTED_SUFFIX, SIDECAR_SUFFIX)]) cpSync(join(storeDir(copy), "samples", "a", f), join(storeDir(run), "samples", "a", f));
      }
    }
    const live = liveSegments(run, "samples");
    expect(live.map((l) => [l.compacted, l.only?.length ?? null])).toEqual([[true, null], [true, 2]]);
    expect(await everything(run)).toEqual(before);
    await compactRun(run, { graceMs: 0 });
    expect(files(run, "samples/a").length).toBe(1);
    expect(await everything(run)).toEqual(before);
  }, 300_000);

  it("two compactors at once, while a reader reads: the same data, and the next compaction leaves one segment per folder", async () => {
    const dir = tmp();
    const run = await smallSegments(dir);
    const before = await everything(run);
    let done = false;
    let reads = 0;
    const reader = (async () => {
      while (!done) {
        expect((await everything(run)).samples).toEqual(before.samples);
        reads++;
      }
    })();
    await Promise.all([compactRun(run, { graceMs: 2_000 }), compactRun(run, { graceMs: 2_000 })]).finally(() => (done = true));
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(await everything(run)).toEqual(before);
    await new Promise((r) => setTimeout(r, 2_000));
    await compactRun(run, { graceMs: 2_000 });
    for (const folder of ["samples/a", "samples/b"]) expect(files(run, folder).length).toBe(1);
    expect(await everything(run)).toEqual(before);
  }, 300_000);

  it("compacts while two samplers write and analyze runs in a loop: exact counts, no duplicates, no analysis fails", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const server = await startFakeOpenAI(() => "ok", { latencyMs: () => 5 });
    servers.push(server);
    const k = 8;
    const imported = questions.flatMap((q) => Array.from({ length: k }, (_, i) => line("c", q.id, i)));
    await importSamplesFile(run, writeJsonl(dir, "c.jsonl", imported));
    let done = false;
    let analyses = 0;
    let compactions = 0;
    const seen = new Map<string, number>();
    const reader = (async () => {
      while (!done) {
        const a = await analyzeRun(run, { fit: false });
        expect(a.models.c!.questions).toBe(questions.length);
        // every snapshot: each key once, and no (model, question) ever has fewer samples than an earlier snapshot saw
        const rows = await withStore(run, {}, (s) => s.all<{ key: string; n: number; d: number }>(
          "SELECT model || '/' || question_id AS key, count(*)::INTEGER AS n, count(DISTINCT sample_index)::INTEGER AS d FROM samples GROUP BY ALL"));
        for (const r of rows) {
          expect(r.d).toBe(r.n);
          expect(r.n).toBeGreaterThanOrEqual(seen.get(r.key) ?? 0);
          seen.set(r.key, r.n);
        }
        analyses++;
      }
    })();
    const compactor = (async () => {
      while (!done) {
        await compactRun(run, { graceMs: 2_000 });
        compactions++;
      }
    })();
    const sampler = (model: string) => sampleRun({
      runDir: run, backend: new OpenAIBackend({ model, urls: [server.url] }), model, spec: `openai:${model}@fake`, questions, k,
      template: TEMPLATES.boxed!, params: STUDY_SAMPLING, nPerRequest: 2, concurrency: 2, flushMs: 1,
    });
    const results = await Promise.all([sampler("a"), sampler("b")]).finally(() => (done = true));
    await Promise.all([reader, compactor]);
    expect(analyses).toBeGreaterThan(0);
    expect(compactions).toBeGreaterThan(0);
    expect(results.map((r) => r.written)).toEqual([questions.length * k, questions.length * k]);
    const counts = await withStore(run, {}, (s) => s.all("SELECT model, count(*)::INTEGER AS n, count(DISTINCT (question_id, sample_index))::INTEGER AS d FROM samples GROUP BY ALL ORDER BY ALL"));
    expect(counts).toEqual(["a", "b", "c"].map((model) => ({ model, n: questions.length * k, d: questions.length * k })));
    // some compaction did merge segments of the samplers, and rewrote c's lone uncompressed import segment while
    // the samplers wrote and analyze read
    expect(liveSegments(run, "samples").some((l) => l.compacted)).toBe(true);
    expect(liveSegments(run, "samples").filter((l) => l.path.includes(join("samples", "c"))).map((l) => l.compacted)).toEqual([true]);
  }, 600_000);

  /** kill -9 of a real `rlvd compact` once its first sidecar is in place: the run reads the same, and the next compaction completes. */
  async function killMidway(run: string, models: readonly string[]): Promise<void> {
    const before = await everything(run);
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "../test-helpers/cli-entry.ts"), "compact", run, "--grace", "0"], { stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // killed once its first compacted segment's sidecar is in place: it is between renames or further along
    let running = true;
    void exited.then(() => (running = false));
    while (running && !models.some((m) => existsSync(join(storeDir(run), "samples", m)) && readdirSync(join(storeDir(run), "samples", m)).some((f) => f.endsWith(SIDECAR_SUFFIX)))) {
      await new Promise((r) => setTimeout(r, 2));
    }
    child.kill("SIGKILL");
    expect(await exited).toBeNull(); // it did not finish on its own
    expect(await everything(run)).toEqual(before);
    await compactRun(run, { graceMs: 0 });
    expect(await everything(run)).toEqual(before);
    for (const m of models) expect(files(run, `samples/${m}`).length).toBe(1);
    // nothing of the dead compactor left: no temporary files, no sidecar without its segment
    expect(readdirSync(join(storeDir(run), "tmp")).filter((f) => !f.includes(`-${process.pid}-`))).toEqual([]);
    for (const m of models) {
      const names = readdirSync(join(storeDir(run), "samples", m));
      expect(names.filter((f) => f.endsWith(SIDECAR_SUFFIX)).map((f) => f.replace(SIDECAR_SUFFIX, COMPACTED_SUFFIX))).toEqual(names.filter((f) => f.endsWith(COMPACTED_SUFFIX)));
    }
  }

  it("kill -9 of a compactor mid-way leaves a readable run, and the next compaction completes", async () => {
    const dir = tmp();
    const models = Array.from({ length: 8 }, (_, i) => `m${i}`);
    const run = join(dir, "run");
    // one writer, many small segments: every write is one segment per model
    await withStore(run, { create: true, autoCompact: false }, async (s) => {
      for (const q of questions) await writeSamples(s, models.flatMap((model) => [0, 1].map((i) => sample(model, q.id, i))));
    });
    await killMidway(run, models);
  }, 300_000);

  it("kill -9 of a compactor mid-way through rewriting lone uncompressed segments: the same, and the next compaction completes them", async () => {
    const dir = tmp();
    const models = Array.from({ length: 8 }, (_, i) => `m${i}`);
    const run = join(dir, "run");
    // one import: one uncompressed segment per model, each alone in its folder
    await importSamplesFile(run, writeJsonl(dir, "lone.jsonl", models.flatMap((m) => questions.flatMap((q) => Array.from({ length: 40 }, (_, i) => line(m, q.id, i, wordy(i)))))));
    for (const m of models) expect(files(run, `samples/${m}`).length).toBe(1);
    await killMidway(run, models);
    for (const l of liveSegments(run, "samples")) {
      expect(l.compacted).toBe(true);
      expect(new Set(parquetColumnChunks(l.path).map((c) => c.codec))).toEqual(new Set(["ZSTD"]));
    }
  }, 300_000);

  describe("lone uncompressed segments (an import's, a sampler's last batch)", () => {
    /** Every row of the live sample files with its identity (origin segment, row there), in that order. */
    const origins = (run: string) => withStore(run, {}, (s) =>
      s.all("SELECT seg, rn, model, question_id, sample_index, text, correct, extracted FROM raw_samples ORDER BY seg, rn"));
    const sampleBytes = (run: string) => liveSegments(run, "samples").reduce((n, l) => n + fileSize(l.path), 0);
    const codecsOf = (run: string) => liveSegments(run, "samples").map((l) => [...new Set(parquetColumnChunks(l.path).map((c) => c.codec))]);
    const imported = (models: readonly string[], k: number) => models.flatMap((m) => questions.flatMap((q) => Array.from({ length: k }, (_, i) => line(m, q.id, i, wordy(i)))));

    it("are rewritten with zstd: much smaller, every row and its origin as before, analyze's JSON identical; once done, nothing more to do", async () => {
      const dir = tmp();
      const run = join(dir, "run");
      await importSamplesFile(run, writeJsonl(dir, "in.jsonl", imported(["a", "b"], 200)));
      expect(codecsOf(run)).toEqual([["UNCOMPRESSED"], ["UNCOMPRESSED"]]);
      const before = await everything(run);
      const rowsBefore = await origins(run);
      const analysis = await runCli("analyze", run, "--json");
      expect(analysis.code).toBe(0);
      const bytes = sampleBytes(run);

      const first = await compactRun(run, { graceMs: 3_600_000 });
      for (const m of ["a", "b"]) {
        expect(first.folders.find((f) => f.folder === `samples/${m}`)).toMatchObject({ before: 1, after: 1, merged: 0, compressed: 1, written: 1, removed: 0, rows: questions.length * 200 });
      }
      // the live files are the compacted ones, zstd by their footers, and far smaller (texts of a few templates)
      expect(liveSegments(run, "samples").map((l) => l.compacted)).toEqual([true, true]);
      expect(codecsOf(run)).toEqual([["ZSTD"], ["ZSTD"]]);
      expect(sampleBytes(run)).toBeLessThan(bytes / 5);
      // the originals stay through the grace period, for readers that listed them
      expect(files(run, "samples/a").length).toBe(2);
      expect(await everything(run)).toEqual(before);
      expect(await origins(run)).toEqual(rowsBefore);
      expect(await runCli("analyze", run, "--json")).toEqual(analysis);

      // grace over: the originals go; nothing is rewritten again
      const second = await compactRun(run, { graceMs: 0 });
      for (const m of ["a", "b"]) expect(second.folders.find((f) => f.folder === `samples/${m}`)).toMatchObject({ compressed: 0, written: 0, removed: 1 });
      const settled = ["a", "b"].map((m) => files(run, `samples/${m}`));
      expect(settled.map((f) => f.length)).toEqual([1, 1]);
      const third = await compactRun(run, { graceMs: 0 });
      expect(third.folders.every((f) => f.written === 0 && f.removed === 0)).toBe(true);
      expect(["a", "b"].map((m) => files(run, `samples/${m}`))).toEqual(settled);
      expect(await everything(run)).toEqual(before);
      expect(await origins(run)).toEqual(rowsBefore);
      expect(await runCli("analyze", run, "--json")).toEqual(analysis);
    }, 300_000);

    it("segments already compressed (DuckDB's COPY wrote them) are left as they are", async () => {
      const dir = tmp();
      const run = join(dir, "run");
      await importSamplesFile(run, writeJsonl(dir, "in.jsonl", imported(["a"], 20)), { staging: "duckdb" });
      expect(codecsOf(run)).toEqual([["ZSTD"]]);
      const names = ["samples/a", "questions", "models"].map((f) => files(run, f));
      const before = await everything(run);
      const r = await compactRun(run, { graceMs: 0 });
      expect(r.folders.every((f) => f.written === 0 && f.compressed === 0 && f.removed === 0)).toBe(true);
      expect(["samples/a", "questions", "models"].map((f) => files(run, f))).toEqual(names);
      expect(await everything(run)).toEqual(before);
    }, 300_000);

    // (a writer's exit compaction rewrites nothing alone: "leaves a folder of fewer than 16 small segments alone" below)
    it("merges take the small ones; the one no merge takes is rewritten alone", async () => {
      const dir = tmp();
      const run = join(dir, "run");
      // five plain uncompressed segments of model a, of one size s; a target of 4.5 s merges four, leaving the fifth
      await withStore(run, { create: true, autoCompact: false }, async (s) => {
        for (const q of questions) await writeSamples(s, Array.from({ length: 50 }, (_, i) => ({ ...sample("a", q.id, i), text: wordy(i) })));
      });
      const plain = files(run, "samples/a");
      expect(plain.length).toBe(5);
      const size = Math.max(...plain.map((f) => fileSize(join(storeDir(run), "samples", "a", f))));
      const before = await everything(run);
      const r = await compactRun(run, { graceMs: 3_600_000, tables: ["samples"], targetBytes: Math.floor(size * 4.5) });
      expect(r.folders.find((f) => f.folder === "samples/a")).toMatchObject({ before: 5, after: 2, merged: 4, compressed: 1, written: 2 });
      const sidecars = readdirSync(join(storeDir(run), "samples", "a")).filter((f) => f.endsWith(SIDECAR_SUFFIX)).map((f) => readSidecar(join(storeDir(run), "samples", "a", f))!.origins);
      expect(sidecars.sort()).toEqual([plain.slice(0, 4), [plain[4]]]);
      expect(codecsOf(run)).toEqual([["ZSTD"], ["ZSTD"]]);
      expect(await everything(run)).toEqual(before);
    }, 300_000);
  });

  describe("the automatic compaction of a writer on its way out", () => {
    /** A run whose samples/m folder holds `foreign` segments of another writer (renamed to its name), then this process's `own`. */
    async function run(dir: string, foreign: number, own: number): Promise<{ run: string; foreignNames: string[]; ownNames: string[] }> {
      const r = join(dir, "run");
      const folder = join(storeDir(r), "samples", "m");
      await withStore(r, { create: true, autoCompact: false }, async (s) => {
        for (let w = 0; w < foreign; w++) await writeSamples(s, [sample("m", `q${w}`, 0), sample("m", `q${w}`, 1)]);
      });
      // another writer's segments: the same name with another host's writer id in place of this process's
      const foreignNames = files(r, "samples/m").map((f) => {
        const to = f.replace(WRITER_ID, "otherhost-1-abcdef");
        renameSync(join(folder, f), join(folder, to));
        return to;
      });
      await withStore(r, { create: true }, async (s) => {
        for (let w = 0; w < own; w++) await writeSamples(s, [sample("m", `p${w}`, 0)]);
      });
      const ownNames = files(r, "samples/m").filter((f) => !foreignNames.includes(f) && !f.endsWith(COMPACTED_SUFFIX));
      return { run: r, foreignNames, ownNames };
    }
    const sidecars = (r: string) =>
      readdirSync(join(storeDir(r), "samples", "m")).filter((f) => f.endsWith(SIDECAR_SUFFIX)).map((f) => readSidecar(join(storeDir(r), "samples", "m", f))!.origins);

    it("merges only its own segments when it wrote 16 or more, leaving another writer's to that writer", async () => {
      const { run: r, foreignNames, ownNames } = await run(tmp(), 3, 16);
      expect(ownNames.length).toBe(16);
      expect(sidecars(r)).toEqual([[...ownNames].sort()]);
      const seen = await withStore(r, {}, (s) => s.all<{ n: number }>("SELECT count(*)::INTEGER AS n FROM samples"));
      expect(seen[0]!.n).toBe(3 * 2 + 16);
      expect(liveSegments(r, "samples").map((f) => f.name).sort()).toEqual([...foreignNames, files(r, "samples/m").find((f) => f.endsWith(COMPACTED_SUFFIX))!].sort());
    }, 120_000);

    it("merges the whole folder when its own segments are fewer than 16 but the folder holds 16 small ones", async () => {
      const { run: r, foreignNames, ownNames } = await run(tmp(), 15, 1);
      expect(sidecars(r)).toEqual([[...foreignNames, ...ownNames].sort()]);
      const seen = await withStore(r, {}, (s) => s.all<{ n: number }>("SELECT count(*)::INTEGER AS n FROM samples"));
      expect(seen[0]!.n).toBe(15 * 2 + 1);
    }, 120_000);

    it("leaves a folder of fewer than 16 small segments alone", async () => {
      const { run: r } = await run(tmp(), 3, 12);
      expect(sidecars(r)).toEqual([]);
    }, 120_000);
  });
});
