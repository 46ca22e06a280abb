import { StagingTable } from "./staging.js";
import type { SampleStore } from "./store.js";

/**
 * What the store records about how samples were drawn, beside the samples: per model, the exact sampling
 * parameters (models.meta, JSON) and the questions that could not be sampled (sample_failures), and the
 * length and truncation figures computed from the samples themselves.
 */

export type SampleFailure = { model: string; question_id: string; missing: number; status: number | null; error: string };

/**
 * Replaces the failure rows of `attempted` questions of `model` with `failures`: a question that was tried
 * again and succeeded loses its row, one that failed again gets the new error.
 */
export async function replaceSampleFailures(store: SampleStore, model: string, attempted: readonly string[], failures: readonly SampleFailure[]): Promise<void> {
  if (attempted.length === 0 && failures.length === 0) return;
  const stored = new Set((await sampleFailures(store)).filter((f) => f.model === model).map((f) => f.question_id));
  const failed = new Set(failures.map((f) => f.question_id));
  const cleared = attempted.filter((q) => stored.has(q) && !failed.has(q));
  await writeFailures(store, [...failures.map((f) => ({ ...f, cleared: false })), ...cleared.map((q) => ({ model, question_id: q, missing: 0, status: null, error: "", cleared: true }))]);
}

export async function clearSampleFailures(store: SampleStore, model: string): Promise<void> {
  const stored = (await sampleFailures(store)).filter((f) => f.model === model);
  await writeFailures(store, stored.map((f) => ({ ...f, cleared: true })));
}

/** Failure records as one segment; `cleared`: the question's earlier failure no longer holds. */
async function writeFailures(store: SampleStore, rows: ReadonlyArray<SampleFailure & { cleared: boolean }>): Promise<void> {
  if (rows.length === 0) return;
  const staged = await StagingTable.create(store, "staged_failures", [
    ["model", "VARCHAR"], ["question_id", "VARCHAR"], ["missing", "INTEGER"], ["status", "INTEGER"], ["error", "VARCHAR"], ["recorded_at", "VARCHAR"], ["cleared", "BOOLEAN"],
  ]);
  const at = new Date().toISOString();
  for (const f of rows) staged.push([f.model, f.question_id, f.missing, f.status, f.error, at, f.cleared]);
  await staged.finish();
  await store.writeSegment("failures", "SELECT * FROM staged_failures");
  await staged.drop();
}

/** Every recorded failure, by model and question. */
export async function sampleFailures(store: SampleStore): Promise<SampleFailure[]> {
  return store.all<SampleFailure>(
    "SELECT model, question_id, missing::INTEGER AS missing, status::INTEGER AS status, error FROM sample_failures ORDER BY model, question_id",
  );
}

/** A model's recorded metadata (models.meta), {} when none (stores written before it was recorded). */
export async function modelMeta(store: SampleStore, model: string): Promise<Record<string, unknown>> {
  const rows = await store.all<{ meta: string | null }>("SELECT meta FROM models WHERE name = ?", [model]);
  try {
    const parsed: unknown = rows[0]?.meta ? JSON.parse(rows[0].meta) : {};
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function setModelMeta(store: SampleStore, model: string, meta: Record<string, unknown>): Promise<void> {
  await store.writeSegment("models", "SELECT ?::VARCHAR AS name, NULL AS spec, ?::VARCHAR AS meta", [model, JSON.stringify(meta)]);
}

/**
 * Per model: how long responses are in tokens (over the samples whose count is known) and how often they hit
 * max_tokens (finish_reason "length", over the samples whose finish reason is known). A model truncated more
 * often than another is a confound for any comparison of lengths or accuracies.
 */
export type GenerationStats = {
  model: string;
  samples: number;
  counted: number;
  mean_tokens: number | null;
  with_finish: number;
  truncated: number;
};

export async function generationStats(store: SampleStore): Promise<GenerationStats[]> {
  return store.all<GenerationStats>(GENERATION_SQL);
}

/** generationStats on a side connection of the store (SampleStore.startBeside), for a caller that computes meanwhile. */
export async function startGenerationStats(store: SampleStore): Promise<{ done: Promise<GenerationStats[]> }> {
  return { done: (await store.startBeside<GenerationStats>(GENERATION_SQL)).rows };
}

const GENERATION_SQL = `SELECT model, count(*)::INTEGER AS samples, count(n_tokens)::INTEGER AS counted, avg(n_tokens)::DOUBLE AS mean_tokens,
       count(finish_reason)::INTEGER AS with_finish, count_if(finish_reason = 'length')::INTEGER AS truncated
  FROM samples GROUP BY model ORDER BY model`;
