import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "../../core/errors.js";
import { buildDistillSet } from "../../train/distill-set.js";
import { defineStageKind } from "../runner.js";
import { SftData, stageRef, StoredSamples } from "./outputs.js";

/** Rejection-sampled SFT data from samples on the training set (distill-set with filters). */
export const distillKind = defineStageKind({
  kind: "distill",
  settings: z.object({
    samples: stageRef, perQuestion: z.number().int().positive(), base: z.string().optional(),
    minBaseAccuracy: z.number().min(0).max(1).optional(), seed: z.number().int().nonnegative().default(0),
  }).strict(),
  references: { samples: StoredSamples },
  seeds: ["seed"],
  // records written before outputs were typed hold the count as a string: coerced, so they stay cached
  output: SftData.extend({ examples: z.coerce.number().int().nonnegative() }),
  run: async (ctx, s, inputs) => {
    const { store, model: from } = inputs.samples;
    const examples = await buildDistillSet(store, { from, perQuestion: s.perQuestion, base: s.base, minBaseAccuracy: s.minBaseAccuracy, seed: s.seed });
    if (examples.length === 0) throw new RlvdError("BAD_INPUT", `stage ${ctx.id}: ${from} has no correct responses to distill`);
    const data = join(ctx.stageDir, "distill.jsonl");
    writeFileSync(data, examples.map((e) => JSON.stringify(e)).join("\n") + "\n");
    ctx.log(`${examples.length} examples from ${new Set(examples.map((e) => e.question_id)).size} questions`);
    return { data, examples: examples.length };
  },
});
