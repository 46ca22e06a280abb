import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "../../core/errors.js";
import { defineStageKind } from "../runner.js";
import { checkRealSample, isRealSample, RealSampleSettingsSchema, realSampleHashed, realSampleIncomplete, runRealSample, type RealSampleSettings } from "../real-sample.js";
import { ADAPTIVE_RULES, adaptiveSchedule } from "../../metrics/adaptive.js";
import { Checkpoint, stageRef, StoredSamples, WorldFiles } from "./outputs.js";
import { readQuestions } from "./shared.js";
import { sampleWorldCheckpoint } from "./world-sampling.js";
import { withAdaptiveKey } from "../adaptive-key.js";

/** Spec keys are camelCase; the request fields they become keep the OpenAI names (backends/types.ts). */
export const SamplingSchema = z.object({
  temperature: z.number().min(0).default(0.9),
  topP: z.number().gt(0).max(1).default(1),
  topK: z.number().int().nonnegative().default(50),
  maxTokens: z.number().int().positive().default(64),
}).strict();

/** The adaptive allocator's settings (metrics/adaptive.ts AdaptiveOptions); absent ones take its defaults. */
const AdaptiveSettingsSchema = z.object({
  schedule: z.array(z.number().int().positive()).min(1).optional(),
  rule: z.enum(ADAPTIVE_RULES).optional(),
  misses: z.number().min(0).max(0.5).optional(),
  settle: z.number().gt(0).max(1).optional(),
  keep: z.number().gt(0).max(1).optional(),
  taper: z.number().nonnegative().optional(),
  unsolvedSettle: z.number().gt(0).max(1).optional(),
}).strict();

/** Samples a world's checkpoint on the test set (into the run's store) or the training or broad set (into DIR/train). */
const WorldSampleSettings = z.object({
  world: stageRef, from: stageRef, model: z.string().min(1), split: z.enum(["test", "train", "broad"]), k: z.number().int().positive(),
  sampling: SamplingSchema.default({ temperature: 0.9, topP: 1, topK: 50, maxTokens: 64 }), seed: z.number().int().nonnegative().default(0),
  /** adaptive sampling (docs/analysis.md): `true` for the defaults at k, or the allocator's settings */
  adaptive: z.union([z.boolean(), AdaptiveSettingsSchema]).optional(),
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
  // adaptive sampling hashes its resolved rule (experiment/adaptive-key.ts); without it the settings as written
  hashed: (s) => (real(s) ? realSampleHashed(s) : withAdaptiveKey(s)),
  incomplete: realSampleIncomplete,
  run: async (ctx, s, refs) => {
    if (real(s)) return runRealSample(ctx, s);
    const inputs = refs as unknown as { world: z.infer<typeof WorldFiles>; from: z.infer<typeof Checkpoint> };
    const split = inputs.world[s.split];
    if (split === undefined) throw new RlvdError("BAD_INPUT", `stage ${ctx.id}: stage "${s.world}" has no ${s.split} split (set ${s.split} on it)`);
    const questions = readQuestions(split);
    const store = s.split === "test" ? ctx.runDir : join(ctx.runDir, "train");
    const adaptive = s.adaptive === true ? {} : s.adaptive || null;
    if (adaptive?.schedule && adaptive.schedule[adaptive.schedule.length - 1] !== s.k) {
      throw new RlvdError("BAD_INPUT", `stage ${ctx.id}: adaptive.schedule must end at k = ${s.k} (got ${adaptive.schedule.join(",")})`);
    }
    const result = await sampleWorldCheckpoint(ctx, {
      store, checkpoint: inputs.from.checkpoint, model: s.model, questions, k: s.k, sampling: s.sampling, seed: s.seed,
      ...(adaptive ? { adaptive: { ...adaptive, schedule: adaptive.schedule ?? adaptiveSchedule(s.k) } } : {}),
    });
    ctx.log(`${result.written} samples of ${s.model} on ${questions.length} ${s.split} questions (${result.already} already stored)`);
    if (result.adaptive) {
      const e = result.adaptive.estimates;
      ctx.log(`adaptive: ${e.samples} of ${e.samples_full} samples (${((100 * e.samples) / e.samples_full).toFixed(1)}%), ${result.adaptive.samples_saved} saved`);
    }
    return { store, model: s.model };
  },
});
