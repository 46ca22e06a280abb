import { z } from "zod";
import { RlvdError } from "../../core/errors.js";
import { recordSeriesStep, seriesModelName } from "../../store/series.js";
import { withStore } from "../../store/store.js";
import { defineStageKind } from "../runner.js";
import { runFile, Snapshots, stageRef, WorldFiles } from "./outputs.js";
import { SamplingSchema } from "./sample.js";
import { readQuestions } from "./shared.js";
import { sampleWorldCheckpoint } from "./world-sampling.js";

/**
 * A training run's snapshots sampled on the test set into the run's store, as one series (issue 17): each
 * snapshot is the model NAME@step-N with its step recorded as a number (store/series.ts), so `rlvd analyze`
 * reads them as a series against step. Every snapshot is sampled with the same seed, so differences between
 * steps are not those of different sampling streams.
 */
export const seriesKind = defineStageKind({
  kind: "series",
  settings: z.object({
    world: stageRef,
    /** a grpo or sft stage with snapshotEvery > 0 */
    from: stageRef,
    /** the series name: snapshots are stored as NAME@step-N */
    name: z.string().min(1).regex(/^[^@]+$/, "a series name has no @"),
    k: z.number().int().positive(),
    sampling: SamplingSchema.default({ temperature: 0.9, topP: 1, topK: 50, maxTokens: 64 }),
    seed: z.number().int().nonnegative().default(0),
  }).strict(),
  references: { world: WorldFiles, from: z.object({ snapshots: Snapshots.optional() }) },
  seeds: ["seed"],
  output: z.object({ store: runFile, series: z.string(), models: z.array(z.string()) }),
  run: async (ctx, s, inputs) => {
    const questions = readQuestions(inputs.world.test);
    const snapshots = inputs.from.snapshots ?? [];
    if (snapshots.length === 0) throw new RlvdError("BAD_INPUT", `stage ${ctx.id}: stage "${s.from}" kept no snapshots (set its snapshotEvery)`);
    const models: string[] = [];
    for (const snap of snapshots) {
      const model = seriesModelName(s.name, snap.step);
      const r = await sampleWorldCheckpoint(ctx, { store: ctx.runDir, checkpoint: snap.checkpoint, model, questions, k: s.k, sampling: s.sampling, seed: s.seed });
      await withStore(ctx.runDir, {}, (store) => recordSeriesStep(store, model, s.name, snap.step));
      ctx.log(`${r.written} samples of ${model} (${r.already} already stored)`);
      models.push(model);
    }
    return { store: ctx.runDir, series: s.name, models };
  },
});
