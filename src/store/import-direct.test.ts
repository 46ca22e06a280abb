import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { seededRng } from "../metrics/rng.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { DirectImport, newKeyState } from "./import-direct.js";
import { importSamplesFile } from "./import-samples.js";
import { liveSegments } from "./live-set.js";
import { withStore } from "./store.js";
import { sqlString } from "./views.js";

const tmp = useTmpDirs();

/**
 * The direct write (import-direct.ts) against the two DuckDB paths it stands in for: the same files must give the
 * same results and the same tables ("js", the appender path, is the reference), and where its checks would be
 * needed it must hand the file over (seen in the segments' codec: the direct path writes UNCOMPRESSED Parquet,
 * DuckDB's COPY ZSTD).
 */
const PATHS = ["auto", "duckdb", "js"] as const;

const dump = (run: string) => withStore(run, {}, async (s) => ({
  samples: await s.all("SELECT model, question_id, sample_index, text, finish_reason, n_tokens, extracted, correct, verify_status, seed, latency_ms, grading, harness_correct FROM samples ORDER BY ALL"),
  questions: await s.all("SELECT id, prompt, answer, meta FROM questions ORDER BY ALL"),
  models: await s.all("SELECT name, spec, meta FROM models ORDER BY ALL"),
}));

/** The compression codecs of the run's sample segments. */
const codecs = (run: string) => withStore(run, {}, async (s) => {
  const files = liveSegments(run, "samples").map((f) => sqlString(f.path));
  const rows = await s.all<{ c: string }>(`SELECT DISTINCT compression AS c FROM parquet_metadata([${files.join(", ")}]) ORDER BY 1`);
  return rows.map((r) => r.c);
});

/** Lines of two models interleaved, past one row group each, in every shape the generic schema takes. */
function mixedLines(n: number): unknown[] {
  const rng = seededRng(7);
  const texts = ["", "plain", "naïve café", "日本語", "emoji 😀", "zero\u0000byte", "x".repeat(200), "quote \" and \\"];
  const lines: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const model = i % 3 === 0 ? "rl<-base" : "base";
    const q = Math.floor(i / 40);
    const line: Record<string, unknown> = {
      model, question: q % 5 === 0 ? q : `q${q}`, response: rng() < 0.05 ? null : texts[Math.floor(rng() * texts.length)]! + i,
    };
    // numbered by the file for most questions, by the scan for every seventh
    if (q % 7 !== 0) line.sample_index = i % 40;
    const r = rng();
    line.correct = r < 0.3 ? true : r < 0.6 ? false : r < 0.7 ? 1 : r < 0.8 ? 0 : null;
    if (rng() < 0.7) line.extracted = rng() < 0.5 ? String(i % 9) : i % 9;
    if (rng() < 0.3) line.n_tokens = Math.floor(rng() * 500);
    if (rng() < 0.3) line.finish_reason = rng() < 0.5 ? "stop" : null;
    if (i % 40 === 0) line.answer = String(q % 9);
    if (i % 80 === 1) line.prompt = `What is ${q}?`;
    lines.push(line);
    if (i % 997 === 0) lines.push(""); // blank lines keep their numbers
  }
  return lines;
}

describe("the direct import path", () => {
  it("stores what both DuckDB paths store, for two interleaved models past a row group each", async () => {
    const dir = tmp();
    const file = writeJsonl(dir, "s.jsonl", mixedLines(50_000));
    const results = [];
    for (const staging of PATHS) results.push(await importSamplesFile(join(dir, staging), file, { staging }));
    expect(results[0]).toEqual(results[2]);
    expect(results[1]).toEqual(results[2]);
    expect(results[0]).toMatchObject({ lines: 50_000, inserted: 50_000, unchanged: 0, models: ["base", "rl<-base"] });
    const reference = await dump(join(dir, "js"));
    expect(reference.samples.length).toBe(50_000);
    expect(await dump(join(dir, "auto"))).toEqual(reference);
    expect(await dump(join(dir, "duckdb"))).toEqual(reference);
    expect(await codecs(join(dir, "auto"))).toEqual(["UNCOMPRESSED"]);
    expect(await codecs(join(dir, "js"))).toEqual(["ZSTD"]);
    // a rerun: every key is stored, so the SQL path counts them unchanged
    expect(await importSamplesFile(join(dir, "auto"), file)).toMatchObject({ inserted: 0, unchanged: 50_000 });
  });

  it("takes indices in any order, and hands a repeated key to the SQL path (identical: once; different: the clash)", async () => {
    const dir = tmp();
    const line = (i: number, text = `t${i}`) => ({ model: "m", question: "q", sample_index: i, response: text, correct: i % 2 === 0 });
    // out of order, sparse, beyond the bitmap: no repeat, written directly
    const order = [3, 1, 2, 0, 70_000, 9, 70_001, 5];
    const direct = await importSamplesFile(join(dir, "a"), writeJsonl(dir, "a.jsonl", order.map((i) => line(i))));
    expect(direct).toMatchObject({ inserted: order.length, unchanged: 0 });
    expect(await codecs(join(dir, "a"))).toEqual(["UNCOMPRESSED"]);
    expect((await dump(join(dir, "a"))).samples.map((r) => (r as { sample_index: number }).sample_index)).toEqual([...order].sort((x, y) => x - y));

    for (const repeat of [0, 70_000]) {
      const same = writeJsonl(dir, `same-${repeat}.jsonl`, [...order.map((i) => line(i)), line(repeat)]);
      const results = [];
      for (const staging of PATHS) results.push(await importSamplesFile(join(dir, `same-${repeat}-${staging}`), same, { staging }));
      expect(results[0]).toEqual(results[2]);
      expect(results[0]).toMatchObject({ lines: order.length + 1, inserted: order.length });
      expect(await codecs(join(dir, `same-${repeat}-auto`))).toEqual(["ZSTD"]);
      const clash = writeJsonl(dir, `clash-${repeat}.jsonl`, [...order.map((i) => line(i)), line(repeat, "other")]);
      await expect(importSamplesFile(join(dir, `clash-${repeat}`), clash)).rejects.toThrow(
        new RegExp(`clash-${repeat}\\.jsonl:${order.length + 1}: sample \\(model m, question q, index ${repeat}\\) repeats line ${order.indexOf(repeat) + 1}`),
      );
    }
  });

  it("checks against the store where the model has samples; a new model beside them goes directly", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const line = (model: string, i: number, text = `t${i}`) => ({ model, question: "q", sample_index: i, response: text, correct: true });
    await importSamplesFile(run, writeJsonl(dir, "a.jsonl", [line("m", 0), line("m", 1)]));
    // more samples of m: the SQL path, which finds the stored one unchanged and the changed one a clash
    expect(await importSamplesFile(run, writeJsonl(dir, "b.jsonl", [line("m", 1), line("m", 2)]))).toMatchObject({ inserted: 1, unchanged: 1 });
    await expect(importSamplesFile(run, writeJsonl(dir, "c.jsonl", [line("m", 3), line("m", 0, "changed")]))).rejects.toThrow(
      /c\.jsonl:2: sample \(model m, question q, index 0\) is already in the store with different values/,
    );
    expect(await importSamplesFile(run, writeJsonl(dir, "d.jsonl", [line("n", 0), line("n", 1)]))).toMatchObject({ inserted: 2, unchanged: 0 });
    const rows = await withStore(run, {}, (s) => s.all<{ model: string; n: number }>("SELECT model, count(*)::INTEGER AS n FROM samples GROUP BY model ORDER BY model"));
    expect(rows).toEqual([{ model: "m", n: 3 }, { model: "n", n: 2 }]);
    // the placeholders: each model and question once
    expect((await dump(run)).models).toEqual([{ name: "m", spec: null, meta: null }, { name: "n", spec: null, meta: null }]);
    expect((await dump(run)).questions).toEqual([{ id: "q", prompt: null, answer: null, meta: null }]);
  });

  it("a bad line after row groups were written: its file:line error, nothing stored, nothing left in tmp/", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await importSamplesFile(run, writeJsonl(dir, "ok.jsonl", [{ model: "old", question: "q", response: "r" }]));
    const before = await dump(run);
    const lines: unknown[] = mixedLines(40_000);
    lines.push({ model: "base", question: "late", sample_index: -1, response: "r" });
    await expect(importSamplesFile(run, writeJsonl(dir, "bad.jsonl", lines))).rejects.toThrow(
      new RegExp(`bad\\.jsonl:${lines.length}: field "sample_index"`),
    );
    const broken = join(dir, "broken.jsonl");
    writeFileSync(broken, [...mixedLines(40_000).map((l) => (typeof l === "string" ? l : JSON.stringify(l))), "{oops"].join("\n") + "\n");
    await expect(importSamplesFile(run, broken)).rejects.toThrow(/broken\.jsonl:\d+: malformed JSON/);
    expect(await dump(run)).toEqual(before);
    expect(readdirSync(join(run, "store", "tmp"))).toEqual([]);
  });

  it("a segment that cannot be written is an error naming the path; nothing is published", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await importSamplesFile(run, writeJsonl(dir, "ok.jsonl", [{ model: "old", question: "q", response: "r" }]));
    await withStore(run, { create: true }, async (store) => {
      const direct = new DirectImport(store);
      // store/tmp/ replaced by a file once the store is open, as an unwritable folder: the segment cannot be created
      rmSync(join(run, "store", "tmp"), { recursive: true, force: true });
      writeFileSync(join(run, "store", "tmp"), "not a folder");
      try {
        expect(() => direct.add("new", "q", 0, "t", null, true, null, null, newKeyState())).toThrow(/store[/\\]tmp: cannot write the segment/);
      } finally {
        direct.discard();
        rmSync(join(run, "store", "tmp"), { force: true });
      }
    });
    expect((await dump(run)).samples.length).toBe(1);
  });
});
