import { listValue } from "@duckdb/node-api";
import type { Sample } from "../core/types.js";
import type { CommitResult } from "./commit.js";
import { writeParquet, type ParquetColumn } from "./parquet-writer.js";
import { removeTmp, storageError, tmpDir, tmpSegmentPath } from "./segments.js";
import type { SampleStore } from "./store.js";
import { SEGMENT_COLUMNS } from "./views.js";

/**
 * The samplers' write path (`writeSamples`): a batch of samples becomes Parquet segments written from JS
 * (parquet-writer.ts) with the key checks done in JS, skipping DuckDB's appender, staging table and COPY (which
 * took ~45 of a writer's ~50 us a sample, docs/store.md "The write path"). The rules are commit.ts's for
 * `onConflict: "ignore"`: a key already stored (in this process's snapshot, or written by it since) is left as
 * it is, a key repeated inside the batch lands once (its first occurrence), the model's and questions' id-only
 * placeholder rows are written for names the snapshot lacks, and the segments of one write are published
 * together (models, questions, then one samples segment per model, in model order).
 *
 * A batch whose values DuckDB's appender would have to convert (a fractional or out-of-range integer, a
 * non-string key) returns null, and the caller lands it through commit.ts as before.
 */
export async function writeSamplesDirect(store: SampleStore, samples: Iterable<Sample>): Promise<CommitResult | null> {
  const batch = Array.isArray(samples) ? (samples as Sample[]) : [...samples];
  if (!batch.every(representable)) return null;
  await store.ensureWriter();
  const cache = cacheOf(store);
  const byModel = new Map<string, Sample[]>();
  for (const s of batch) {
    let list = byModel.get(s.model);
    if (list === undefined) byModel.set(s.model, (list = []));
    list.push(s);
  }
  const models = [...byModel.keys()].sort(byteOrder);
  await loadKeys(store, cache, models);

  // what is new: not stored, and the first of its key in this batch
  const fresh = new Map<string, Sample[]>();
  let total = 0;
  for (const model of models) {
    const stored = cache.keys.get(model)!;
    const seen = new Map<string, Set<number>>();
    const rows: Sample[] = [];
    for (const s of byModel.get(model)!) {
      let inBatch = seen.get(s.question_id);
      if (inBatch === undefined) seen.set(s.question_id, (inBatch = new Set()));
      if (inBatch.has(s.sample_index)) continue;
      inBatch.add(s.sample_index);
      total++;
      if (!stored.get(s.question_id)?.has(s.sample_index)) rows.push(s);
    }
    if (rows.length > 0) fresh.set(model, rows);
  }
  if (fresh.size === 0) return { staged: batch.length, inserted: 0, unchanged: total };

  const ids = new Set<string>();
  for (const rows of fresh.values()) for (const s of rows) if (!cache.questions.has(s.question_id)) ids.add(s.question_id);

  let inserted = 0;
  const placeholders = await store.transaction(async () => {
    const written = await writePlaceholders(store, [...fresh.keys()], [...ids].sort(byteOrder));
    for (const [model, rows] of fresh) {
      await writeSegmentFile(store, "samples", model, sampleColumns(rows), rows.length);
      inserted += rows.length;
    }
    return written;
  });
  // acknowledged: remember what this process wrote (the DuckDB-side key table of commit.ts reloads from the
  // refreshed snapshot the next time it is needed)
  placeholders.acknowledge();
  for (const [model, rows] of fresh) {
    const stored = cache.keys.get(model)!;
    for (const s of rows) {
      let set = stored.get(s.question_id);
      if (set === undefined) stored.set(s.question_id, (set = new Set()));
      set.add(s.sample_index);
    }
  }
  await store.forgetKnownKeys([...fresh.keys()]);
  return { staged: batch.length, inserted, unchanged: total - inserted };
}

/** What this process knows is stored: per model, question id -> sample indices; model names; question ids. */
type KeyCache = { keys: Map<string, Map<string, Set<number>>>; models: Set<string>; questions: Set<string> };
const caches = new WeakMap<SampleStore, KeyCache>();

function cacheOf(store: SampleStore): KeyCache {
  let c = caches.get(store);
  if (c === undefined) caches.set(store, (c = { keys: new Map(), models: new Set(), questions: new Set() }));
  return c;
}

/**
 * Drops the stored keys this write path remembers for `models` (another path wrote or removed their samples):
 * the next direct write reloads them from the store's snapshot.
 */
export function forgetStoredKeys(store: SampleStore, models: readonly string[]): void {
  const c = caches.get(store);
  if (c !== undefined) for (const m of models) c.keys.delete(m);
}

/** Loads each model's stored keys from the snapshot once (one row per question, its indices as a list). */
async function loadKeys(store: SampleStore, cache: KeyCache, models: readonly string[]): Promise<void> {
  for (const model of models) {
    if (cache.keys.has(model)) continue;
    const rows = await store.all<{ q: string; idx: number[] }>(
      "SELECT question_id AS q, list(sample_index) AS idx FROM sample_keys WHERE model = ? GROUP BY question_id",
      [model],
    );
    cache.keys.set(model, new Map(rows.map((r) => [r.q, new Set(r.idx)])));
  }
}

/**
 * Inside a transaction: the id-only placeholder rows for those of `models` and `ids` the snapshot lacks (one
 * models and one questions segment, none when nothing is new), queued with the transaction's other segments.
 * `acknowledge` (after the publish) adds them to this process's known names.
 */
export async function writePlaceholders(store: SampleStore, models: readonly string[], ids: readonly string[]): Promise<{ acknowledge: () => void }> {
  const cache = cacheOf(store);
  const newModels = await unknownNames(store, cache.models, models, "SELECT name AS v FROM models WHERE name IN");
  const newIds = await unknownNames(store, cache.questions, ids, "SELECT id AS v FROM questions WHERE id IN");
  if (newModels.length > 0) {
    await writeSegmentFile(store, "models", null, [
      { name: "name", type: "VARCHAR", values: newModels }, nulls("spec", newModels.length), nulls("meta", newModels.length),
    ], newModels.length);
  }
  if (newIds.length > 0) {
    await writeSegmentFile(store, "questions", null, [
      { name: "id", type: "VARCHAR", values: newIds }, nulls("prompt", newIds.length), nulls("answer", newIds.length), nulls("meta", newIds.length),
    ], newIds.length);
  }
  return {
    acknowledge: () => {
      for (const m of newModels) cache.models.add(m);
      for (const id of newIds) cache.questions.add(id);
    },
  };
}

/** Of `names` (not yet in `known`), those the snapshot lacks; the ones it has are added to `known`. */
async function unknownNames(store: SampleStore, known: Set<string>, names: readonly string[], select: string): Promise<string[]> {
  const missing = names.filter((n) => !known.has(n));
  if (missing.length === 0) return [];
  const found = await store.all<{ v: string }>(`${select} (SELECT unnest(?::VARCHAR[]))`, [listValue(missing)]);
  for (const r of found) known.add(r.v);
  return missing.filter((n) => !known.has(n));
}

function nulls(name: string, n: number): ParquetColumn {
  return { name, type: "VARCHAR", values: new Array<null>(n).fill(null) };
}

/** The samples table's columns (views.ts SEGMENT_COLUMNS) of `rows`, with the appender's conversions. */
export function sampleColumns(rows: readonly Sample[]): ParquetColumn[] {
  // one pass per column, no intermediate arrays (a batch is 16,384 rows: garbage here was a tenth of the write)
  const str = (get: (s: Sample) => unknown) => rows.map((s) => {
    const v = get(s);
    return v === undefined || v === null ? null : typeof v === "string" ? v : typeof v === "number" && !Number.isFinite(v) ? null : String(v);
  });
  const bool = (get: (s: Sample) => unknown) => rows.map((s) => {
    const v = get(s);
    return v === undefined || v === null || (typeof v === "number" && !Number.isFinite(v)) ? null : Boolean(v);
  });
  const num = (get: (s: Sample) => unknown) => rows.map((s) => {
    const v = get(s);
    if (v === undefined || v === null) return null;
    const x = Number(v);
    return Number.isFinite(x) ? x : null;
  });
  const values: Record<string, unknown[]> = {
    model: str((s) => s.model), question_id: str((s) => s.question_id), sample_index: num((s) => s.sample_index),
    text: str((s) => s.text), finish_reason: str((s) => s.finish_reason), n_tokens: num((s) => s.n_tokens),
    extracted: str((s) => s.extracted), correct: bool((s) => s.correct), verify_status: str((s) => s.verify_status),
    seed: num((s) => s.seed), latency_ms: num((s) => s.latency_ms), grading: str((s) => s.grading),
    harness_correct: bool((s) => s.harness_correct),
  };
  return SEGMENT_COLUMNS.samples.map(([name, type]) => ({ name, type: type as ParquetColumn["type"], values: values[name]! }));
}

/** Whether a value needs no conversion the appender would make (or refuse): the direct path writes it as is. */
function representable(s: Sample): boolean {
  return typeof s.model === "string" && typeof s.question_id === "string" && isInt32(s.sample_index)
    && intOrNothing(s.n_tokens, isInt32) && intOrNothing(s.seed, Number.isSafeInteger)
    && (s.latency_ms === undefined || s.latency_ms === null || typeof s.latency_ms === "number");
}

function isInt32(v: unknown): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= -0x8000_0000 && v <= 0x7fff_ffff;
}

/** null, undefined or non-finite (all stored as NULL), or an integer `ok` accepts */
function intOrNothing(v: unknown, ok: (v: number) => boolean): boolean {
  return v === undefined || v === null || (typeof v === "number" && (!Number.isFinite(v) || ok(v)));
}

/** Unsigned byte order of UTF-8, as DuckDB's ORDER BY on VARCHAR (writeSegment's model order). */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Writes one segment of `table` to a temporary file and queues it for the current transaction's publish. */
async function writeSegmentFile(store: SampleStore, table: "samples" | "models" | "questions", model: string | null, columns: ParquetColumn[], rows: number): Promise<void> {
  const tmp = tmpSegmentPath(store.dir);
  try {
    writeParquet(tmp, columns, rows);
  } catch (e) {
    removeTmp(tmp);
    throw storageError(tmpDir(store.dir), e, "cannot write the segment");
  }
  await store.queueSegment(tmp, table, model);
}
