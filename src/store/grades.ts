import type { VerifyStatus } from "../core/types.js";
import { StagingTable } from "./staging.js";
import type { SampleStore } from "./store.js";

export type Ungraded = { model: string; question_id: string; sample_index: number; text: string; gold: string };
export type Grade = {
  model: string; question_id: string; sample_index: number; correct: boolean; extracted: string | null; status: VerifyStatus;
  /** the grading convention (verify/conventions.ts gradingLabel); absent: not recorded */
  grading?: string | null;
};

/** Which samples a grading pass takes: those without a verdict, or (regrade) also those whose verdict was imported. */
export function toGradeCondition(regrade = false): string {
  return regrade ? "(s.correct IS NULL OR s.verify_status = 'imported')" : "s.correct IS NULL";
}

/**
 * Samples not graded yet whose question has a gold answer, in key order, optionally of one model. With
 * `regrade`, samples whose verdict came with an import too (rlvd's verifier grades them again).
 */
export async function ungradedSamples(store: SampleStore, model?: string, limit = 100_000, regrade = false): Promise<Ungraded[]> {
  return store.all<Ungraded>(
    `SELECT s.model, s.question_id, s.sample_index, s.text, q.answer AS gold FROM samples s JOIN questions q ON q.id = s.question_id
      WHERE ${toGradeCondition(regrade)} AND s.text IS NOT NULL AND q.answer IS NOT NULL ${model ? "AND s.model = ?" : ""}
      ORDER BY s.model, s.question_id, s.sample_index LIMIT ${Math.max(1, Math.floor(limit))}`,
    model ? [model] : [],
  );
}

/** How many samples a grading pass takes (see ungradedSamples), optionally of one model. */
export async function countToGrade(store: SampleStore, model?: string, regrade = false): Promise<number> {
  const rows = await store.all<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM samples s JOIN questions q ON q.id = s.question_id
      WHERE ${toGradeCondition(regrade)} AND s.text IS NOT NULL AND q.answer IS NOT NULL ${model ? "AND s.model = ?" : ""}`,
    model ? [model] : [],
  );
  return rows[0]!.n;
}

/** Writes verdicts onto stored samples in one transaction. */
export async function applyGrades(store: SampleStore, grades: readonly Grade[]): Promise<void> {
  const staged = await StagingTable.create(store, "staged_grades", [
    ["model", "VARCHAR"], ["question_id", "VARCHAR"], ["sample_index", "INTEGER"], ["correct", "BOOLEAN"], ["extracted", "VARCHAR"], ["status", "VARCHAR"], ["grading", "VARCHAR"],
  ]);
  for (const g of grades) staged.push([g.model, g.question_id, g.sample_index, g.correct, g.extracted, g.status, g.grading ?? null]);
  await staged.finish();
  await store.transaction(() =>
    store.run(
      `UPDATE samples SET correct = g.correct, extracted = g.extracted, verify_status = g.status, grading = g.grading FROM staged_grades g
        WHERE samples.model = g.model AND samples.question_id = g.question_id AND samples.sample_index = g.sample_index`,
    ),
  );
  await staged.drop();
}
