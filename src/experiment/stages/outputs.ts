/**
 * What stages leave for one another, each shape declared once: producers use them as (part of) their output
 * schema, and references name the shape they read, so the spec checker can tell that `from: world` names a
 * stage with no checkpoint before anything runs.
 */
import { z } from "zod";

/** a setting that names an earlier stage by id */
export const stageRef = z.string().min(1);

/** a model folder (pretrain, grpo, sft) */
export const Checkpoint = z.object({ checkpoint: z.string() });

/** the snapshots a trainer kept (train/run.ts Snapshot), steps ascending */
export const Snapshots = z.array(z.object({ step: z.number().int().nonnegative(), checkpoint: z.string() }));

/** a trained model folder and the snapshots kept on the way (absent: snapshotEvery 0) */
export const TrainedCheckpoint = Checkpoint.extend({ snapshots: Snapshots.optional() });

/** the world's files: its config and question splits (broad only when the stage draws one) */
export const WorldFiles = z.object({ config: z.string(), test: z.string(), train: z.string(), broad: z.string().optional() });

/** samples of one model in a run folder's store */
export const StoredSamples = z.object({ store: z.string(), model: z.string() });

/** an SFT data file (JSONL of prompt/completion pairs) */
export const SftData = z.object({ data: z.string() });

/** a metrics.json file */
export const MetricsFile = z.object({ metrics: z.string() });

/** a nested study's run folder, how a sweep names and places it, and its metrics.json and report if it made them */
export const StudyRun = z.object({ runDir: z.string(), label: z.string(), x: z.number().nullable(), metrics: z.string().optional(), report: z.string().optional() });

/** across-seeds.json of a `seeds` stage */
export const AcrossSeedsFile = z.object({ across: z.string() });

/** sweep.json of a `sweep` stage */
export const SweepFile = z.object({ sweep: z.string() });

/** survey.json and survey.md of a `survey` stage */
export const SurveyFile = z.object({ survey: z.string(), markdown: z.string() });
