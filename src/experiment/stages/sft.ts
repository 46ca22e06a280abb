import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { runSft } from "../../train/run.js";
import { hashedSftConfig, SftConfigSchema } from "../../train/sft.js";
import { defineStageKind } from "../runner.js";
import { Checkpoint, SftData, stageRef, TrainedCheckpoint } from "./outputs.js";
import { progressEcho } from "./shared.js";

/** Supervised fine-tuning of a checkpoint on a data file (a distill stage's). */
export const sftKind = defineStageKind({
  kind: "sft",
  settings: z.object({ from: stageRef, data: stageRef, train: SftConfigSchema.partial().default({}), snapshotEvery: z.number().int().nonnegative().optional() }).strict(),
  references: { from: Checkpoint, data: SftData },
  seeds: ["train.seed"],
  // the held-out rule enters the hash only where it changes the training (train/sft.ts hashedSftConfig)
  hashed: (s) => ({ ...s, train: hashedSftConfig(s.train) }),
  output: TrainedCheckpoint,
  run: async (ctx, s, inputs) => {
    const data = readFileSync(inputs.data.data, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { prompt: string; completion: string });
    const checkpoint = join(ctx.stageDir, "model");
    const r = await runSft({ from: inputs.from.checkpoint, out: checkpoint, name: ctx.id, where: `stage ${ctx.id}`, data, config: s.train, snapshotEvery: s.snapshotEvery, echo: progressEcho(ctx, "sft") });
    const d = r.data;
    ctx.log(
      `fine-tuned on ${d.examples} examples (${d.distinct} distinct) from ${d.questions} questions; held out by ${d.holdout}: ` +
        `${d.held_out_examples} examples of ${d.held_out_questions} questions (${d.held_out_seen} with a copy in training), loss ${r.firstEvalLoss?.toFixed(4) ?? "-"} -> ${r.evalLoss?.toFixed(4) ?? "-"}`,
    );
    return { checkpoint, ...(r.snapshots.length > 0 ? { snapshots: r.snapshots } : {}) };
  },
});
