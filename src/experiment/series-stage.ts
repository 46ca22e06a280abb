import { z } from "zod";
import { RlvdError } from "../core/errors.js";
import { recordSeriesStep, seriesModelName } from "../store/series.js";
import { withStore } from "../store/store.js";
import { defineStageKind, type StageOutput } from "./runner.js";
import { input, readQuestions, sampleWorldCheckpoint, SamplingSchema } from "./study-stages.js";

/** A snapshot as a training stage's output lists it (train/run.ts Snapshot). */
const SnapshotList = z.array(z.object({ step: z.number().int().nonnegative(), checkpoint: z.string().min(1) }));

function snapshotsOf(inputs: Record<string, StageOutput>, id: string, stage: string): z.infer<typeof SnapshotList> {
  const parsed = SnapshotList.safeParse(inputs[id]?.snapshots);
  if (!parsed.success || parsed.data.length === 0) {
    throw new RlvdError("BAD_INPUT", `stage ${stage}: stage "${id}" kept no snapshots (set its snapshotEvery)`);
  }
  return parsed.data;
}

/**
 * A training run's snapshots sampled on the test set into the run's store, as one series: each snapshot is the
 * model NAME@step-N with its step recorded as a number (store/series.ts), so `rlvd analyze` reads them as a
 * series against step. Every snapshot is sampled with the same seed, so differences between steps are not
 * sampling noise of different streams.
 */
export const seriesKind = defineStageKind({
  kind: "series",
  settings: z.object({
    world: z.string().min(1),
    /** a grpo or sft stage with snapshotEvery > 0 */
    from: z.string().min(1),
    /** the series name: snapshots are stored as NAME@step-N */
    name: z.string().min(1).regex(/^[^@]+$/, "a series name has no @"),
    k: z.number().int().positive(),
    sampling: SamplingSchema.default({ temperature: 0.9, top_p: 1, top_k: 50, max_tokens: 64 }),
    seed: z.number().int().nonnegative().default(0),
  }).strict(),
  run: async (ctx, s, inputs) => {
    const questions = readQuestions(input(inputs, s.world, "test", ctx.id));
    const snapshots = snapshotsOf(inputs, s.from, ctx.id);
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
