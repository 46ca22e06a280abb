import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "../core/errors.js";
import type { Question } from "../core/types.js";
import { EmbeddedBackend } from "../backends/embedded.js";
import { TEMPLATES } from "../backends/templates.js";
import { CharTokenizer, createModel } from "../engine/index.js";
import { writeReport } from "../report/report.js";
import type { ResponseClassifier } from "../report/response-classes.js";
import { analyzeRun } from "../report/analyze-run.js";
import { analysisWithFindings } from "../report/findings.js";
import { buildDistillSet } from "../train/distill-set.js";
import { GrpoConfigSchema } from "../train/grpo.js";
import { runGrpo, runSft } from "../train/run.js";
import { SftConfigSchema } from "../train/sft.js";
import { buildCorpus, checkWorldAnswer, detectFormat, drawQuestions, FORMATS, World, WorldConfigSchema, worldCharacters } from "../world/index.js";
import { sampleRun } from "./sample-run.js";
import { defineStageKind, type StageContext, type StageKind, type StageOutput } from "./runner.js";

/**
 * The stage kinds of the embedded study (docs/world.md, presets/*.yaml). Stages refer to earlier stages by id
 * in their settings (`world`, `from`, `data`, ...); those ids must be listed in `needs` so the cache knows.
 */

const ref = z.string().min(1);

export function input(inputs: Record<string, StageOutput>, id: string, field: string, stage: string): string {
  const out = inputs[id];
  if (!out) throw new RlvdError("BAD_INPUT", `stage ${stage}: refers to stage "${id}", which is not in its needs`);
  const v = out[field];
  if (typeof v !== "string") throw new RlvdError("BAD_INPUT", `stage ${stage}: stage "${id}" has no ${field}`);
  return v;
}

export function readQuestions(file: string): Question[] {
  return readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Question);
}

function worldOf(inputs: Record<string, StageOutput>, id: string, stage: string): World {
  return new World(JSON.parse(readFileSync(input(inputs, id, "config", stage), "utf8")));
}

const worldKind = defineStageKind({
  kind: "world",
  settings: z.object({
    world: WorldConfigSchema, test: z.number().int().positive(), train: z.number().int().positive(),
    /** a "broad" problem set beside the training split, which held-out facts may touch (the knowledge teacher's) */
    broad: z.number().int().nonnegative().default(0),
    seed: z.number().int().nonnegative().default(1),
  }).strict(),
  run: async (ctx, s) => {
    const world = new World(s.world);
    const test = drawQuestions(world, s.test, s.seed * 2 + 1);
    const taken = new Set(test.map((q) => q.id));
    const train = drawQuestions(world, s.train, s.seed * 2 + 2, taken, { training: true });
    const files: Record<string, string> = { config: join(ctx.stageDir, "world.json"), test: join(ctx.stageDir, "test.jsonl"), train: join(ctx.stageDir, "train.jsonl") };
    const write = (file: string, qs: Question[]) => writeFileSync(file, qs.map((q) => JSON.stringify(q)).join("\n") + "\n");
    writeFileSync(files.config!, JSON.stringify(world.config, null, 2));
    write(files.test!, test);
    write(files.train!, train);
    if (s.broad > 0) {
      for (const q of train) taken.add(q.id);
      write((files.broad = join(ctx.stageDir, "broad.jsonl")), drawQuestions(world, s.broad, s.seed * 2 + 3, taken));
    }
    ctx.log(`${s.test} test, ${s.train} training${s.broad > 0 ? ` and ${s.broad} broad` : ""} questions over ${world.alphabet} symbols`);
    return files;
  },
});

const pretrainKind = defineStageKind({
  kind: "pretrain",
  settings: z.object({
    world: ref,
    author: z.enum(["base", "teacher"]),
    documents: z.number().int().positive(),
    corpusSeed: z.number().int().nonnegative().default(0),
    model: z.object({ dim: z.number().int(), layers: z.number().int(), heads: z.number().int(), context: z.number().int() }).strict(),
    seed: z.number().int().nonnegative().default(1),
    train: SftConfigSchema.partial().default({}),
  }).strict(),
  run: async (ctx, s, inputs) => {
    const world = worldOf(inputs, s.world, ctx.id);
    const test = new Set(readQuestions(input(inputs, s.world, "test", ctx.id)).map((q) => q.id));
    const corpus = buildCorpus(world, { author: s.author, documents: s.documents, seed: s.corpusSeed, exclude: test });
    const tokenizer = CharTokenizer.fromText(worldCharacters(world));
    const model = await createModel({ vocabSize: tokenizer.vocabSize, ...s.model }, s.seed, { tokenizer });
    const checkpoint = join(ctx.stageDir, "model");
    const r = await runSft({ from: model, out: checkpoint, name: ctx.id, data: corpus, config: s.train, echo: progressEcho(ctx, "pretrain") });
    model.dispose();
    ctx.log(`pretrained on ${s.documents} ${s.author} documents: train loss ${r.trainLoss.toFixed(4)}`);
    return { checkpoint };
  },
});

const grpoKind = defineStageKind({
  kind: "grpo",
  settings: z.object({
    world: ref, from: ref, train: GrpoConfigSchema.partial().default({}),
    /** keep a snapshot every this many steps (0: none): a `series` stage samples them */
    snapshotEvery: z.number().int().nonnegative().default(0),
  }).strict(),
  run: async (ctx, s, inputs) => {
    const questions = readQuestions(input(inputs, s.world, "train", ctx.id));
    const checkpoint = join(ctx.stageDir, "model");
    const { history, snapshots } = await runGrpo({
      from: input(inputs, s.from, "checkpoint", ctx.id), out: checkpoint, name: ctx.id, questions,
      verify: (q, text) => checkWorldAnswer(q.answer, text).correct, config: s.train, snapshotEvery: s.snapshotEvery, echo: progressEcho(ctx, "grpo"),
    });
    const q = Math.max(1, Math.floor(history.length / 4));
    const mean = (xs: typeof history) => xs.reduce((a, h) => a + h.reward_mean, 0) / xs.length;
    ctx.log(`mean reward ${mean(history.slice(0, q)).toFixed(3)} (first quarter) -> ${mean(history.slice(-q)).toFixed(3)} (last quarter)`);
    return { checkpoint, ...(snapshots.length > 0 ? { snapshots } : {}) };
  },
});

export const SamplingSchema = z.object({
  temperature: z.number().min(0).default(0.9),
  top_p: z.number().gt(0).max(1).default(1),
  top_k: z.number().int().nonnegative().default(50),
  max_tokens: z.number().int().positive().default(64),
});

/** Samples a checkpoint on the test set (into the run's store) or the training or broad set (into DIR/train). */
const sampleKind = defineStageKind({
  kind: "sample",
  settings: z.object({
    world: ref, from: ref, model: z.string().min(1), split: z.enum(["test", "train", "broad"]), k: z.number().int().positive(),
    sampling: SamplingSchema.default({ temperature: 0.9, top_p: 1, top_k: 50, max_tokens: 64 }), seed: z.number().int().nonnegative().default(0),
  }).strict(),
  run: async (ctx, s, inputs) => {
    const questions = readQuestions(input(inputs, s.world, s.split, ctx.id));
    const store = s.split === "test" ? ctx.runDir : join(ctx.runDir, "train");
    const checkpoint = input(inputs, s.from, "checkpoint", ctx.id);
    const result = await sampleWorldCheckpoint(ctx, { store, checkpoint, model: s.model, questions, k: s.k, sampling: s.sampling, seed: s.seed });
    ctx.log(`${result.written} samples of ${s.model} on ${questions.length} ${s.split} questions (${result.already} already stored)`);
    return { store, model: s.model };
  },
});

/** Rejection-sampled SFT data from samples on the training set (distill-set with filters). */
const distillKind = defineStageKind({
  kind: "distill",
  settings: z.object({
    samples: ref, perQuestion: z.number().int().positive(), base: z.string().optional(),
    minBaseAccuracy: z.number().min(0).max(1).optional(), seed: z.number().int().nonnegative().default(0),
  }).strict(),
  run: async (ctx, s, inputs) => {
    const store = input(inputs, s.samples, "store", ctx.id);
    const from = input(inputs, s.samples, "model", ctx.id);
    const examples = await buildDistillSet(store, { from, perQuestion: s.perQuestion, base: s.base, minBaseAccuracy: s.minBaseAccuracy, seed: s.seed });
    if (examples.length === 0) throw new RlvdError("BAD_INPUT", `stage ${ctx.id}: ${from} has no correct responses to distill`);
    const data = join(ctx.stageDir, "distill.jsonl");
    writeFileSync(data, examples.map((e) => JSON.stringify(e)).join("\n") + "\n");
    ctx.log(`${examples.length} examples from ${new Set(examples.map((e) => e.question_id)).size} questions`);
    return { data, examples: String(examples.length) };
  },
});

const sftKind = defineStageKind({
  kind: "sft",
  settings: z.object({ from: ref, data: ref, train: SftConfigSchema.partial().default({}), snapshotEvery: z.number().int().nonnegative().default(0) }).strict(),
  run: async (ctx, s, inputs) => {
    const data = readFileSync(input(inputs, s.data, "data", ctx.id), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { prompt: string; completion: string });
    const checkpoint = join(ctx.stageDir, "model");
    const r = await runSft({ from: input(inputs, s.from, "checkpoint", ctx.id), out: checkpoint, name: ctx.id, data, config: s.train, snapshotEvery: s.snapshotEvery, echo: progressEcho(ctx, "sft") });
    ctx.log(`fine-tuned on ${data.length} examples: held-out loss ${r.firstEvalLoss?.toFixed(4) ?? "-"} -> ${r.evalLoss?.toFixed(4) ?? "-"}`);
    return { checkpoint, ...(r.snapshots.length > 0 ? { snapshots: r.snapshots } : {}) };
  },
});

/** The findings' test settings a spec may set on the analyze and report stages (docs/analysis.md). */
const FindingSettingsSchema = z.object({
  alpha: z.number().gt(0).lt(0.5), margin: z.number().nonnegative(), text_margin: z.number().nonnegative(),
  resamples: z.number().int().positive(), min_bin: z.number().int().positive(),
}).partial().strict();

const analyzeKind = defineStageKind({
  kind: "analyze",
  settings: z.object({ base: z.string().default("base"), seed: z.number().int().nonnegative().default(0), findings: FindingSettingsSchema.default({}) }).strict(),
  run: async (ctx, s) => {
    const analysis = await analyzeRun(ctx.runDir, { base: s.base, seed: s.seed, findings: s.findings });
    const file = join(ctx.runDir, "metrics.json");
    writeFileSync(file, JSON.stringify(analysisWithFindings(analysis), null, 2) + "\n");
    return { metrics: file };
  },
});

const reportKind = defineStageKind({
  kind: "report",
  settings: z.object({ base: z.string().default("base"), title: z.string().optional(), findings: FindingSettingsSchema.default({}) }).strict(),
  run: async (ctx, s) => {
    const r = await writeReport(ctx.runDir, { base: s.base, title: s.title, classify: WORLD_FORMATS, findings: s.findings });
    return { report: r.files.html, summary: r.files.markdown, findings: r.files.findings };
  },
});

/** The world's solution formats as report classes: which method each model answers with (docs/world.md). */
export const WORLD_FORMATS: ResponseClassifier = {
  title: "Solution formats",
  classes: [...FORMATS],
  classify: detectFormat,
  note: "share of each model's responses in each format of the world, and how many of those are right (docs/world.md: direct and steps use the fact table, check adds a reflection line, shortcut applies a rule that is right only where the table agrees with it)",
};

/**
 * Samples an embedded checkpoint k times per question into the store of `store`, graded by the world's checker:
 * what a sample stage and each snapshot of a series stage do.
 */
export async function sampleWorldCheckpoint(
  ctx: StageContext,
  o: { store: string; checkpoint: string; model: string; questions: Question[]; k: number; sampling: z.infer<typeof SamplingSchema>; seed: number; specSuffix?: string },
): Promise<{ written: number; already: number }> {
  const backend = await EmbeddedBackend.open(o.checkpoint);
  try {
    return await sampleRun({
      // the stage hash in the spec: a rerun after its model was retrained replaces the old samples, a resumed one keeps them
      runDir: o.store, backend, model: o.model, spec: `embedded:${o.checkpoint}#stage-${ctx.hash}${o.specSuffix ?? ""}`, replaceOtherSpec: true, fresh: ctx.forced, questions: o.questions, k: o.k, template: TEMPLATES.question!,
      // many questions in flight: the backend decodes them together, and tree sampling leaves few rows per question
      params: o.sampling, nPerRequest: o.k, concurrency: 64, seed: o.seed,
      grader: async (items) => items.map(({ gold, response }) => {
        const r = checkWorldAnswer(gold, response);
        // the world's own checker, not the math verifier: its verdicts are labelled so in the store and report
        return { correct: r.correct, extracted: r.extracted, status: r.extracted === null ? "no_answer" : "ok", grading: "world" };
      }),
    });
  } finally {
    backend.model.dispose();
  }
}

/** Periodic training lines, so a long stage shows it is alive without flooding the log. */
function progressEcho(ctx: StageContext, what: string): (line: string) => void {
  let last = 0;
  return (line) => {
    const now = Date.now();
    if (now - last < 10_000) return;
    last = now;
    ctx.log(`${what} ${line}`);
  };
}

export const STUDY_STAGE_KINDS: StageKind[] = [worldKind, pretrainKind, grpoKind, sampleKind, distillKind, sftKind, analyzeKind, reportKind];

