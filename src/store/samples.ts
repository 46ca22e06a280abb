import type { Sample } from "../core/types.js";
import { commitStaged, type CommitResult } from "./commit.js";
import { SAMPLE_COLUMNS } from "./schema.js";
import { writeSamplesDirect } from "./sample-writes.js";
import { StagingTable, type StagingColumn } from "./staging.js";
import type { SampleStore } from "./store.js";

const SAMPLE_STAGING: StagingColumn[] = [
  ["model", "VARCHAR"], ["question_id", "VARCHAR"], ["sample_index", "INTEGER"], ["text", "VARCHAR"], ["finish_reason", "VARCHAR"],
  ["n_tokens", "INTEGER"], ["extracted", "VARCHAR"], ["correct", "BOOLEAN"], ["verify_status", "VARCHAR"], ["seed", "BIGINT"],
  ["latency_ms", "DOUBLE"], ["grading", "VARCHAR"], ["harness_correct", "BOOLEAN"], ["line", "INTEGER"],
];

/** Stages samples for one commit. `line` is the source line (for error messages), or null. */
export class SampleBatch {
  private constructor(readonly table: StagingTable) {}

  static async begin(store: SampleStore): Promise<SampleBatch> {
    return new SampleBatch(await StagingTable.create(store, "staged_samples", SAMPLE_STAGING));
  }

  /** A batch filled by a query yielding the staging columns (model, question_id, ..., latency_ms, grading, harness_correct, line). */
  static async fromSelect(store: SampleStore, select: string, params: string[] = []): Promise<SampleBatch> {
    return new SampleBatch(await StagingTable.fromSelect(store, "staged_samples", SAMPLE_STAGING, select, params));
  }

  add(s: Sample, line: number | null = null): void {
    this.table.push([
      s.model, s.question_id, s.sample_index, s.text ?? null, s.finish_reason ?? null, s.n_tokens ?? null,
      s.extracted ?? null, s.correct ?? null, s.verify_status ?? null,
      s.seed ?? null, s.latency_ms ?? null, s.grading ?? null, s.harness_correct ?? null, line,
    ]);
  }
}

/** A stored sample whose verdict is still the one its import brought (or none): rlvd has not graded it. */
const AS_IMPORTED = "b.verify_status IS NULL OR b.verify_status IN ('imported', 'unverified')";

/**
 * Lands a batch of samples. Keyed by (model, question_id, sample_index): a sample already stored is left as
 * it is, so re-running any stage after a crash neither loses nor duplicates work. With `onConflict: "error"`
 * (imports), a sample that arrives again with a different text or verdict is an error naming its line
 * (`harness`: the harness's verdict, not rlvd's).
 */
export async function commitSamples(
  store: SampleStore,
  batch: SampleBatch,
  options: { onConflict?: "error" | "ignore"; source?: string; harness?: boolean; questionsLanded?: boolean } = {},
): Promise<CommitResult> {
  return commitStaged(store, batch.table, {
    table: "samples",
    key: ["model", "question_id", "sample_index"],
    // a harness import is the same again when its text and the harness's verdict are: rlvd may since have
    // graded the stored sample itself (correct, extracted), which must not make a re-import a clash. A generic file's verdict
    // is compared while the stored sample still carries it (status imported or unverified): once rlvd has
    // graded the sample (`--regrade`, `rlvd grade`), the stored verdict is rlvd's and only the text must agree
    ...(options.harness
      ? { values: ["text"], lenient: ["harness_correct"] }
      : { values: ["text"], untilReplaced: { columns: ["correct", "extracted"], asImported: AS_IMPORTED } }),
    columns: SAMPLE_COLUMNS,
    onConflict: options.onConflict ?? "ignore",
    source: options.source ?? "samples",
    describe: (r) => `sample (model ${String(r.model)}, question ${String(r.question_id)}, index ${String(r.sample_index)})`,
    questionsLanded: options.questionsLanded,
  });
}

/** Writes samples (the API samplers use); identical or already stored keys are no-ops. */
export async function writeSamples(store: SampleStore, samples: Iterable<Sample>): Promise<CommitResult> {
  const list = [...samples];
  const direct = await writeSamplesDirect(store, list);
  if (direct !== null) return direct;
  const batch = await SampleBatch.begin(store);
  for (const s of list) batch.add(s);
  return commitSamples(store, batch);
}
