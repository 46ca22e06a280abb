import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "../../core/errors.js";
import { buildDistillSet, distillSetStats } from "../../train/distill-set.js";
import { defineStageKind } from "../runner.js";
import { SftData, stageRef, StoredSamples } from "./outputs.js";

/** Rejection-sampled SFT data from samples on the training set (distill-set with filters). */
export const distillKind = defineStageKind({
  kind: "distill",
  settings: z.object({
    samples: stageRef, perQuestion: z.number().int().positive(), base: z.string().optional(),
    minBaseAccuracy: z.number().min(0).max(1).optional(), maxBaseAccuracy: z.number().min(0).max(1).optional(),
    /** keep questions in these base bins (labels as analyze prints them, e.g. "129-192") */
    bins: z.array(z.string().min(1)).optional(),
    /** take a response text once per question (a model often repeats itself on easy questions); off: the study's way */
    distinct: z.boolean().optional(),
    seed: z.number().int().nonnegative().default(0),
  }).strict(),
  references: { samples: StoredSamples },
  seeds: ["seed"],
  // records written before outputs were typed hold the count as a string: coerced, so they stay cached; records
  // written before issue 18 have no question or distinct counts
  output: SftData.extend({
    examples: z.coerce.number().int().nonnegative(),
    questions: z.number().int().nonnegative().optional(),
    /** distinct (question, response) pairs among the examples */
    distinct: z.number().int().nonnegative().optional(),
  }),
  run: async (ctx, s, inputs) => {
    const { store, model: from } = inputs.samples;
    const examples = await buildDistillSet(store, {
      from, perQuestion: s.perQuestion, base: s.base, minBaseAccuracy: s.minBaseAccuracy, maxBaseAccuracy: s.maxBaseAccuracy, bins: s.bins, distinct: s.distinct, seed: s.seed,
    });
    if (examples.length === 0) throw new RlvdError("BAD_INPUT", `stage ${ctx.id}: ${from} has no correct responses to distill`);
    const data = join(ctx.stageDir, "distill.jsonl");
    writeFileSync(data, examples.map((e) => JSON.stringify(e)).join("\n") + "\n");
    const stats = distillSetStats(examples);
    ctx.log(`${stats.examples} examples (${stats.distinct} distinct) from ${stats.questions} questions`);
    return { data, ...stats };
  },
});
