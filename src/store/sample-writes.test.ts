import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Sample } from "../core/types.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { SampleBatch, commitSamples, writeSamples } from "./samples.js";
import { upsertQuestions } from "./questions.js";
import { withStore, type SampleStore } from "./store.js";
import { SEGMENT_COLUMNS } from "./views.js";

const tmp = useTmpDirs();

/** The same writes through the DuckDB path (commit.ts, as writeSamples landed them before), for reference. */
async function viaDuckDB(store: SampleStore, samples: readonly Sample[]) {
  const batch = await SampleBatch.begin(store);
  for (const s of samples) batch.add(s);
  return commitSamples(store, batch);
}

const cols = SEGMENT_COLUMNS.samples.map(([c]) => c).join(", ");
const dump = (s: SampleStore) => Promise.all([
  s.all(`SELECT ${cols} FROM samples ORDER BY model, question_id, sample_index`),
  s.all("SELECT id, prompt, answer FROM questions ORDER BY id"),
  s.all("SELECT name FROM models ORDER BY name"),
  s.all(`SELECT column_name, column_type FROM (DESCRIBE SELECT ${cols} FROM samples)`),
]);

function sample(model: string, q: string, i: number, extra: Partial<Sample> = {}): Sample {
  return {
    model, question_id: q, sample_index: i, text: `${model} ${q} ${i} ünïcödé 😀`, correct: i % 3 === 0 ? null : i % 2 === 0, finish_reason: i % 4 === 0 ? null : "stop",
    n_tokens: i % 5 === 0 ? null : i * 7, extracted: i % 6 === 0 ? "" : String(i), verify_status: "ok", seed: i % 2 ? -(2 ** 40) - i : 2 ** 52 + i,
    latency_ms: i % 7 === 0 ? Number.NaN : i / 3, grading: i % 2 ? null : "math", harness_correct: i % 3 === 1 ? true : null, ...extra,
  };
}

describe("writeSamples (the direct Parquet path)", () => {
  it("stores what the DuckDB path stores: rows, types, placeholder questions and models, repeats in a batch and of stored keys", async () => {
    const writes: Sample[][] = [
      [sample("b", "q1", 0), sample("a", "q1", 0), sample("a", "q2", 1), sample("a", "q1", 0, { text: "repeat in batch: first wins" })],
      [sample("a", "q1", 0, { text: "already stored" }), sample("a", "q3", 2), sample("a", "qé", 3), sample("c<-a", "q1", 4, { text: "" })],
      [sample("a", "q3", 2)], // nothing new
    ];
    const results: unknown[][] = [[], []];
    const dumps: unknown[] = [];
    for (const [k, write] of [writeSamples, viaDuckDB].entries()) {
      const run = join(tmp(), "run");
      await withStore(run, { create: true }, async (s) => {
        await upsertQuestions(s, [{ question: { id: "q1", prompt: "P1", answer: "1" }, line: null }]);
        for (const w of writes) results[k]!.push(await write(s, w));
      });
      dumps.push(await withStore(run, {}, dump));
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).toEqual([{ staged: 4, inserted: 3, unchanged: 0 }, { staged: 4, inserted: 3, unchanged: 1 }, { staged: 1, inserted: 0, unchanged: 1 }]);
    // a repeat inside one batch: the DuckDB path keeps an arbitrary one of them (no line order for samplers), the direct path the first
    const [direct, duck] = dumps as Array<[Array<Record<string, unknown>>, unknown, unknown, unknown]>;
    expect(direct[0].find((r) => r.model === "a" && r.question_id === "q1" && r.sample_index === 0)!.text).toBe("a q1 0 ünïcödé 😀");
    expect(dumps[0]).toEqual(dumps[1]);
    expect(direct[0]).toHaveLength(6);
    expect(direct[0].find((r) => r.model === "a" && r.sample_index === 1)).toMatchObject({ seed: -(2n ** 40n) - 1n, latency_ms: 1 / 3, n_tokens: 7, correct: false });
  });

  it("keeps keys unique when imports (the DuckDB path) and samplers write into one store in turns", async () => {
    const run = join(tmp(), "run");
    await withStore(run, { create: true }, async (s) => {
      expect((await writeSamples(s, [sample("m", "q", 0), sample("m", "q", 1)])).inserted).toBe(2);
      expect((await viaDuckDB(s, [sample("m", "q", 1), sample("m", "q", 2)])).inserted).toBe(1); // knows what the direct path wrote
      expect((await writeSamples(s, [sample("m", "q", 2), sample("m", "q", 3)])).inserted).toBe(1); // and the other way round
      expect((await viaDuckDB(s, [sample("m", "q", 3)])).inserted).toBe(0);
    });
    // another process: its snapshot holds all of them
    await withStore(run, { create: true }, async (s) => {
      expect((await writeSamples(s, [0, 1, 2, 3, 4].map((i) => sample("m", "q", i)))).inserted).toBe(1);
      expect(await s.all("SELECT count(*)::INTEGER AS n, count(DISTINCT sample_index)::INTEGER AS d FROM samples")).toEqual([{ n: 5, d: 5 }]);
    });
  });

  it("lands values the appender would convert through the DuckDB path, as before, and refuses what it refuses", async () => {
    const run = join(tmp(), "run");
    const odd = [sample("m", "q", 0, { seed: 2 ** 60 }), sample("m", "q", 1, { text: 42 as unknown as string })];
    await withStore(run, { create: true }, async (s) => {
      expect((await writeSamples(s, odd)).inserted).toBe(2);
      await expect(writeSamples(s, [sample("m", "q", 2, { n_tokens: 2.5 })])).rejects.toThrow(/cannot stage 1 rows .*not an integer/);
    });
    const ref = join(tmp(), "ref");
    await withStore(ref, { create: true }, (s) => viaDuckDB(s, odd));
    expect(await withStore(run, {}, dump)).toEqual(await withStore(ref, {}, dump));
  });

  it("writes uncompressed segments, and a writer's exit leaves full-size ones to rlvd compact", async () => {
    const run = join(tmp(), "run");
    const text = "x".repeat(600);
    await withStore(run, { create: true }, async (s) => {
      // 2 segments over 8 MiB each (the exit compaction's threshold; under 64 MB, which counted as small before), then 17 small ones
      for (let b = 0; b < 2; b++) await writeSamples(s, Array.from({ length: 13_000 }, (_, i) => sample("m", `big${b}`, i, { text: text + i })));
      for (let b = 0; b < 17; b++) await writeSamples(s, [sample("m", `small${b}`, 0)]);
    });
    const folder = join(run, "store", "samples", "m");
    const files = readdirSync(folder).filter((f) => f.endsWith(".parquet"));
    const big = files.filter((f) => statSync(join(folder, f)).size > 8 * 2 ** 20);
    expect(big).toHaveLength(2);
    expect(big.some((f) => f.includes(".compact."))).toBe(false);
    expect(files.filter((f) => f.includes(".compact."))).toHaveLength(1); // the small ones merged
    expect(await withStore(run, {}, (s) => s.all("SELECT count(*)::INTEGER AS n FROM samples"))).toEqual([{ n: 2 * 13_000 + 17 }]);
  });
});
