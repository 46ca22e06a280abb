import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { runSft } from "../../train/run.js";
import { SftConfigSchema } from "../../train/sft.js";
import { defineStageKind } from "../runner.js";
import { Checkpoint, SftData, stageRef, TrainedCheckpoint } from "./outputs.js";
import { progressEcho } from "./shared.js";

/** Supervised fine-tuning of a checkpoint on a data file (a distill stage's). */
export const sftKind = defineStageKind({
  kind: "sft",
  settings: z.object({ from: stageRef, data: stageRef, train: SftConfigSchema.partial().default({}), snapshotEvery: z.number().int().nonnegative().optional() }).strict(),
  references: { from: Checkpoint, data: SftData },
  seeds: ["train.seed"],
  output: TrainedCheckpoint,
  run: async (ctx, s, inputs) => {
    const data = readFileSync(inputs.data.data, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { prompt: string; completion: string });
    const checkpoint = join(ctx.stageDir, "model");
    const r = await runSft({ from: inputs.from.checkpoint, out: checkpoint, name: ctx.id, data, config: s.train, snapshotEvery: s.snapshotEvery, echo: progressEcho(ctx, "sft") });
    ctx.log(`fine-tuned on ${data.length} examples: held-out loss ${r.firstEvalLoss?.toFixed(4) ?? "-"} -> ${r.evalLoss?.toFixed(4) ?? "-"}`);
    return { checkpoint, ...(r.snapshots.length > 0 ? { snapshots: r.snapshots } : {}) };
  },
});
