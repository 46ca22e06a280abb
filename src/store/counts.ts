import type { QuestionCount } from "../core/types.js";
import { commitStaged, type CommitResult } from "./commit.js";
import { StagingTable } from "./staging.js";
import type { SampleStore } from "./store.js";

/** Stages per-question counts (results that arrive as "c of n correct" only). */
export class CountBatch {
  private constructor(readonly table: StagingTable) {}

  static async begin(store: SampleStore): Promise<CountBatch> {
    const columns = [["model", "VARCHAR"], ["question_id", "VARCHAR"], ["n", "INTEGER"], ["correct", "INTEGER"], ["line", "INTEGER"]] as const;
    return new CountBatch(await StagingTable.create(store, "staged_counts", columns));
  }

  add(c: QuestionCount, line: number | null = null): void {
    this.table.push([c.model, c.question_id, c.n, c.correct, line]);
  }
}

/** Lands counts keyed by (model, question_id); see `commitStaged` for the conflict rules. */
export async function commitCounts(
  store: SampleStore,
  batch: CountBatch,
  options: { onConflict?: "error" | "ignore"; source?: string } = {},
): Promise<CommitResult> {
  return commitStaged(store, batch.table, {
    table: "counts",
    key: ["model", "question_id"],
    values: ["n", "correct"],
    columns: ["model", "question_id", "n", "correct"],
    onConflict: options.onConflict ?? "error",
    source: options.source ?? "counts",
    describe: (r) => `count (model ${String(r.model)}, question ${String(r.question_id)})`,
  });
}
