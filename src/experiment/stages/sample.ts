import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "../../core/errors.js";
import { defineStageKind } from "../runner.js";
import { Checkpoint, stageRef, StoredSamples, WorldFiles } from "./outputs.js";
import { readQuestions } from "./shared.js";
import { sampleWorldCheckpoint } from "./world-sampling.js";

/** Spec keys are camelCase; the request fields they become keep the OpenAI names (backends/types.ts). */
export const SamplingSchema = z.object({
  temperature: z.number().min(0).default(0.9),
  topP: z.number().gt(0).max(1).default(1),
  topK: z.number().int().nonnegative().default(50),
  maxTokens: z.number().int().positive().default(64),
}).strict();

/** Samples a checkpoint on the test set (into the run's store) or the training or broad set (into DIR/train). */
export const sampleKind = defineStageKind({
  kind: "sample",
  settings: z.object({
    world: stageRef, from: stageRef, model: z.string().min(1), split: z.enum(["test", "train", "broad"]), k: z.number().int().positive(),
    sampling: SamplingSchema.default({ temperature: 0.9, topP: 1, topK: 50, maxTokens: 64 }), seed: z.number().int().nonnegative().default(0),
  }).strict(),
  // the OpenAI spellings these had before spec keys were all camelCase
  renamed: { "sampling.top_p": "sampling.topP", "sampling.top_k": "sampling.topK", "sampling.max_tokens": "sampling.maxTokens" },
  references: { world: WorldFiles, from: Checkpoint },
  seeds: ["seed"],
  output: StoredSamples,
  run: async (ctx, s, inputs) => {
    const split = inputs.world[s.split];
    if (split === undefined) throw new RlvdError("BAD_INPUT", `stage ${ctx.id}: stage "${s.world}" has no ${s.split} split (set ${s.split} on it)`);
    const questions = readQuestions(split);
    const store = s.split === "test" ? ctx.runDir : join(ctx.runDir, "train");
    const result = await sampleWorldCheckpoint(ctx, { store, checkpoint: inputs.from.checkpoint, model: s.model, questions, k: s.k, sampling: s.sampling, seed: s.seed });
    ctx.log(`${result.written} samples of ${s.model} on ${questions.length} ${s.split} questions (${result.already} already stored)`);
    return { store, model: s.model };
  },
});
