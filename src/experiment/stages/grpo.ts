import { join } from "node:path";
import { z } from "zod";
import { GrpoConfigSchema } from "../../train/grpo.js";
import { runGrpo } from "../../train/run.js";
import { checkWorldAnswer } from "../../world/index.js";
import { defineStageKind } from "../runner.js";
import { Checkpoint, stageRef, TrainedCheckpoint, WorldFiles } from "./outputs.js";
import { progressEcho, readQuestions } from "./shared.js";

/** RLVR: GRPO from a checkpoint on the world's training questions, rewarded by the world's answer checker. */
export const grpoKind = defineStageKind({
  kind: "grpo",
  settings: z.object({
    world: stageRef, from: stageRef, train: GrpoConfigSchema.partial().default({}),
    /** keep a snapshot every this many steps (0: none): a `series` stage samples them */
    snapshotEvery: z.number().int().nonnegative().default(0),
  }).strict(),
  // named checkpointEvery before the series stage; hashed under that name, so earlier run folders stay cached
  renamed: { checkpointEvery: "snapshotEvery" },
  references: { world: WorldFiles, from: Checkpoint },
  seeds: ["train.seed"],
  output: TrainedCheckpoint,
  run: async (ctx, s, inputs) => {
    const questions = readQuestions(inputs.world.train);
    const checkpoint = join(ctx.stageDir, "model");
    const { history, snapshots } = await runGrpo({
      from: inputs.from.checkpoint, out: checkpoint, name: ctx.id, where: `stage ${ctx.id}`, questions,
      verify: (q, text) => checkWorldAnswer(q.answer, text).correct, config: s.train, snapshotEvery: s.snapshotEvery, echo: progressEcho(ctx, "grpo"),
    });
    const q = Math.max(1, Math.floor(history.length / 4));
    const mean = (xs: typeof history) => xs.reduce((a, h) => a + h.reward_mean, 0) / xs.length;
    ctx.log(`mean reward ${mean(history.slice(0, q)).toFixed(3)} (first quarter) -> ${mean(history.slice(-q)).toFixed(3)} (last quarter)`);
    return { checkpoint, ...(snapshots.length > 0 ? { snapshots } : {}) };
  },
});
