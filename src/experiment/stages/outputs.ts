/**
 * What stages leave for one another, each shape declared once: producers use them as (part of) their output
 * schema, and references name the shape they read, so the spec checker can tell that `from: world` names a
 * stage with no checkpoint before anything runs. Files and folders are `runFile`s: their records hold them relative
 * to the run folder (experiment/run-paths.ts).
 */
import { z } from "zod";
import { runFile } from "../run-paths.js";

export { runFile };

/** a setting that names an earlier stage by id */
export const stageRef = z.string().min(1);

/** a model folder (pretrain, grpo, sft) */
export const Checkpoint = z.object({ checkpoint: runFile });

/** the snapshots a trainer kept (train/run.ts Snapshot), steps ascending */
export const Snapshots = z.array(z.object({ step: z.number().int().nonnegative(), checkpoint: runFile }));

/** a trained model folder and the snapshots kept on the way (absent: snapshotEvery 0) */
export const TrainedCheckpoint = Checkpoint.extend({ snapshots: Snapshots.optional() });

/** the world's files: its config and question splits (broad only when the stage draws one) */
export const WorldFiles = z.object({ config: runFile, test: runFile, train: runFile, broad: runFile.optional() });

/** samples of one model in a run folder's store */
export const StoredSamples = z.object({ store: runFile, model: z.string() });

/** an SFT data file (JSONL of prompt/completion pairs) */
export const SftData = z.object({ data: runFile });

/** a metrics.json file */
export const MetricsFile = z.object({ metrics: runFile });

/** a nested study's run folder, how a sweep names and places it, and its metrics.json and report if it made them */
export const StudyRun = z.object({ runDir: runFile, label: z.string(), x: z.number().nullable(), metrics: runFile.optional(), report: runFile.optional() });

/** across-seeds.json of a `seeds` stage */
export const AcrossSeedsFile = z.object({ across: runFile });

/** sweep.json of a `sweep` stage */
export const SweepFile = z.object({ sweep: runFile });

/** survey.json and survey.md of a `survey` stage */
export const SurveyFile = z.object({ survey: runFile, markdown: runFile });
