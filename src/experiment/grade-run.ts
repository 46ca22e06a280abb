import { Progress, type ProgressSink } from "../core/progress.js";
import { recordInManifest } from "../core/run-folder.js";
import { applyGrades, countToGrade, ungradedSamples } from "../store/grades.js";
import { withStore } from "../store/store.js";
import type { Grader } from "./sample-run.js";

export type GradeRunOptions = {
  model?: string;
  progress?: ProgressSink | null;
  batch?: number;
  /** also grade again the samples whose verdict came with an import (`rlvd import samples --regrade`) */
  regrade?: boolean;
};

/**
 * Grades every stored sample that has no verdict yet (e.g. sampled without a verifier, or imported without
 * `correct`), in batches, each landing in one transaction: an interrupted run keeps what it graded.
 */
export async function gradeRun(runDir: string, grader: Grader, options: GradeRunOptions = {}): Promise<{ graded: number; correct: number }> {
  const result = await withStore(runDir, {}, async (store) => {
    const total = await countToGrade(store, options.model, options.regrade);
    const progress = new Progress("grading", total, options.progress ?? null, 5_000, " samples");
    let graded = 0;
    let correct = 0;
    for (;;) {
      const batch = await ungradedSamples(store, options.model, options.batch ?? 5_000, options.regrade);
      if (batch.length === 0) break;
      const verdicts = await grader(batch.map((s) => ({ gold: s.gold, response: s.text })));
      await applyGrades(store, batch.map((s, i) => ({ model: s.model, question_id: s.question_id, sample_index: s.sample_index, ...verdicts[i]! })));
      graded += batch.length;
      correct += verdicts.filter((v) => v.correct).length;
      progress.update(graded);
    }
    progress.finish();
    return { graded, correct };
  });
  await recordInManifest(runDir, { command: "grade", model: options.model ?? null, ...result });
  return result;
}
