import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "../../core/errors.js";
import { EmbeddedBackend } from "../../backends/embedded.js";
import { TEMPLATES } from "../../backends/templates.js";
import { checkWorldAnswer } from "../../world/index.js";
import { defineStageKind } from "../runner.js";
import { checkRealSample, isRealSample, RealSampleSettingsSchema, realSampleHashed, realSampleIncomplete, runRealSample, type RealSampleSettings } from "../real-sample.js";
import { sampleRun } from "../sample-run.js";
import { Checkpoint, stageRef, StoredSamples, WorldFiles } from "./outputs.js";
import { readQuestions } from "./shared.js";

/** Spec keys are camelCase; the request fields they become keep the OpenAI names (backends/types.ts). */
const SamplingSchema = z.object({
  temperature: z.number().min(0).default(0.9),
  topP: z.number().gt(0).max(1).default(1),
  topK: z.number().int().nonnegative().default(50),
  maxTokens: z.number().int().positive().default(64),
}).strict();

/** Samples a world's checkpoint on the test set (into the run's store) or the training or broad set (into DIR/train). */
const WorldSampleSettings = z.object({
  world: stageRef, from: stageRef, model: z.string().min(1), split: z.enum(["test", "train", "broad"]), k: z.number().int().positive(),
  sampling: SamplingSchema.default({ temperature: 0.9, topP: 1, topK: 50, maxTokens: 64 }), seed: z.number().int().nonnegative().default(0),
}).strict();
type WorldSampleSettings = z.infer<typeof WorldSampleSettings>;

/**
 * `sample` over a world (`world`, `from`) or over real data (`dataset`: experiment/real-sample.ts): the
 * settings pick the schema, and its errors keep their field paths.
 */
const SampleSettings = z.record(z.string(), z.unknown()).transform((raw, zctx) => {
  const r = isRealSample(raw) ? RealSampleSettingsSchema.safeParse(raw) : WorldSampleSettings.safeParse(raw);
  if (r.success) return r.data as RealSampleSettings | WorldSampleSettings;
  for (const issue of r.error.issues) zctx.addIssue({ code: "custom", message: issue.message, path: issue.path as PropertyKey[] });
  return z.NEVER;
});
const real = (s: RealSampleSettings | WorldSampleSettings): s is RealSampleSettings => "dataset" in s;

export const sampleKind = defineStageKind({
  kind: "sample",
  settings: SampleSettings,
  // the OpenAI spellings these had before spec keys were all camelCase
  renamed: { "sampling.top_p": "sampling.topP", "sampling.top_k": "sampling.topK", "sampling.max_tokens": "sampling.maxTokens" },
  // a real-data stage names neither: an unset reference resolves to nothing
  references: { world: WorldFiles, from: Checkpoint } as unknown as Record<never, z.ZodObject>,
  seeds: ["seed"],
  // real-data stages also say how many questions they sampled and how many a server refused
  output: StoredSamples.extend({ questions: z.number().int().nonnegative().optional(), failed: z.number().int().nonnegative().optional() }),
  check: (s, id) => (real(s) ? checkRealSample(s, id) : undefined),
  hashed: (s) => (real(s) ? realSampleHashed(s) : s),
  incomplete: realSampleIncomplete,
  run: async (ctx, s, refs) => {
    if (real(s)) return runRealSample(ctx, s);
    const inputs = refs as unknown as { world: z.infer<typeof WorldFiles>; from: z.infer<typeof Checkpoint> };
    const split = inputs.world[s.split];
    if (split === undefined) throw new RlvdError("BAD_INPUT", `stage ${ctx.id}: stage "${s.world}" has no ${s.split} split (set ${s.split} on it)`);
    const questions = readQuestions(split);
    const store = s.split === "test" ? ctx.runDir : join(ctx.runDir, "train");
    const checkpoint = inputs.from.checkpoint;
    const backend = await EmbeddedBackend.open(checkpoint);
    const result = await sampleRun({
      // the stage hash in the spec: a rerun after its model was retrained replaces the old samples, a resumed one keeps them
      runDir: store, backend, model: s.model, spec: `embedded:${checkpoint}#stage-${ctx.hash}`, replaceOtherSpec: true, fresh: ctx.forced, questions, k: s.k, template: TEMPLATES.question!,
      // many questions in flight: the backend decodes them together, and tree sampling leaves few rows per question
      params: { temperature: s.sampling.temperature, top_p: s.sampling.topP, top_k: s.sampling.topK, max_tokens: s.sampling.maxTokens }, nPerRequest: s.k, concurrency: 64, seed: s.seed,
      grader: async (items) => items.map(({ gold, response }) => {
        const r = checkWorldAnswer(gold, response);
        // the world's own checker, not the math verifier: its verdicts are labelled so in the store and report
        return { correct: r.correct, extracted: r.extracted, status: r.extracted === null ? "no_answer" : "ok", grading: "world" };
      }),
    });
    backend.model.dispose();
    ctx.log(`${result.written} samples of ${s.model} on ${questions.length} ${s.split} questions (${result.already} already stored)`);
    return { store, model: s.model };
  },
});
