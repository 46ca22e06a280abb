/**
 * The `sample` stage over real data: a served model (`openai:NAME[@URL,...]`) or a checkpoint
 * (`embedded:DIR`) on a dataset file, with a template, k, the study's sampling defaults and the math verifier
 * under an extraction convention. It is `rlvd sample` as a stage — the same `sampleRun` (resumable per
 * sample, many endpoints, per-question failures) and the same backends — so a spec records the whole study.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "../core/errors.js";
import { createBackend } from "../backends/create.js";
import { resolveTemplate } from "../backends/templates.js";
import { NEUTRAL_SAMPLING, STUDY_SAMPLING } from "../backends/types.js";
import { loadDataset } from "../store/dataset.js";
import { ExtractConventionSchema } from "../verify/conventions.js";
import { backendSpec, parseModelRef, withoutEndpoints } from "./endpoints.js";
import { mathGrader } from "./graders.js";
import type { StageContext } from "./runner.js";
import { sampleRun } from "./sample-run.js";

const seconds = z.number().positive();

export const RealSampleSettingsSchema = z
  .object({
    /** openai:NAME (servers bound at run time), openai:NAME@URL[,URL...] or embedded:DIR (relative to the spec) */
    model: z.string().regex(/^(openai|embedded):/, "expected openai:NAME[@URL,...] or embedded:DIR"),
    /** the name samples are stored under (default: NAME, or the checkpoint folder's name) */
    name: z.string().min(1).optional(),
    /** questions: JSONL, JSON, Parquet or verl Parquet (relative to the spec) */
    dataset: z.string().min(1),
    fields: z.object({ question: z.string().min(1), answer: z.string().min(1), id: z.string().min(1) }).partial().strict().prefault({}),
    /** only the first n questions */
    limit: z.number().int().positive().optional(),
    /** test: the run's store (what analyze and report read); train: DIR/train (what distill reads) */
    split: z.enum(["test", "train"]).default("test"),
    /** question | boxed | r1, or a template file (relative to the spec) */
    template: z.string().min(1).default("boxed"),
    k: z.number().int().positive(),
    sampling: z
      .object({
        temperature: z.number().min(0).default(STUDY_SAMPLING.temperature),
        topP: z.number().gt(0).max(1).default(STUDY_SAMPLING.top_p),
        topK: z.number().int().min(-1).default(STUDY_SAMPLING.top_k),
        maxTokens: z.number().int().positive().default(STUDY_SAMPLING.max_tokens),
        stop: z.array(z.string()).optional(),
        /** further request fields, sent as given (as `rlvd sample --sampling-extra`) */
        extra: z.record(z.string(), z.unknown()).optional(),
        /** false: only OpenAI's own fields (hosted APIs reject vLLM's top_k, min_p, ...) */
        vllmParams: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    grade: z
      .object({ verifier: z.enum(["math", "none"]).default("math"), extract: ExtractConventionSchema.default("any"), strict: z.boolean().default(true) })
      .strict()
      .prefault({}),
    seed: z.number().int().nonnegative().default(0),
    nPerRequest: z.number().int().positive().default(16),
    /** how the client talks to the servers: not part of the cache hash (they change where, not what, is sampled) */
    endpoint: z
      .object({
        concurrency: z.number().int().positive().default(32), timeout: seconds.default(600), connectTimeout: seconds.default(10),
        firstByteTimeout: seconds.optional(), silentAfter: seconds.default(60), maxAttempts: z.number().int().positive().default(6),
        apiKeyEnv: z.string().min(1).default("OPENAI_API_KEY"),
      })
      .strict()
      .prefault({}),
    /** fail the stage when any question could not be sampled (else they are recorded and retried on the next run) */
    requireAll: z.boolean().default(false),
  })
  .strict();

export type RealSampleSettings = z.infer<typeof RealSampleSettingsSchema>;

/** A sample stage's settings are over real data when they name a dataset (the world's stages name a world). */
export function isRealSample(raw: Record<string, unknown>): boolean {
  return "dataset" in raw || !("world" in raw);
}

export function checkRealSample(s: RealSampleSettings, id: string): void {
  parseModelRef(s.model, `stage ${id}`);
  try {
    resolveTemplate(s.template);
  } catch (e) {
    throw e instanceof RlvdError ? new RlvdError("BAD_INPUT", `stage ${id}: template: ${e.message}`) : e;
  }
}

/**
 * The cache key's view of the settings: the model without its URLs, no client limits, and the dataset by its
 * content, so the same model on other servers (or the same file elsewhere) keeps its cache, and an edited
 * dataset does not.
 */
export function realSampleHashed(s: RealSampleSettings): unknown {
  const { endpoint: _endpoint, requireAll: _requireAll, dataset, model, ...rest } = s;
  return { ...rest, model: withoutEndpoints(parseModelRef(model, "model")), dataset: existsSync(dataset) ? fileDigest(dataset) : dataset };
}

/** A file by its content, for cache keys. */
export function fileDigest(file: string): string {
  return "sha256:" + createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Where a real sample stage cannot run yet: an unbound endpoint or a missing dataset (listed by `--check`). */
export function realSampleGaps(s: { model?: unknown; dataset?: unknown }, id: string): string[] {
  const gaps: string[] = [];
  if (typeof s.model === "string") {
    const ref = parseModelRef(s.model, `stage ${id}`);
    if (ref.kind === "openai" && ref.urls.length === 0) gaps.push(`stage ${id}: model openai:${ref.name} has no endpoint (--endpoint ${ref.name}=URL[,URL...])`);
  }
  if (typeof s.dataset === "string" && !existsSync(s.dataset)) gaps.push(`stage ${id}: dataset ${s.dataset}: no such file (--set ${id}.dataset=FILE)`);
  return gaps;
}

/** A cached stage that left questions unsampled runs again, which retries just those (as rerunning `rlvd sample`). */
export function realSampleIncomplete(output: { failed?: number }): boolean {
  return typeof output.failed === "number" && output.failed > 0;
}

export async function runRealSample(ctx: StageContext, s: RealSampleSettings): Promise<{ store: string; model: string; questions: number; failed: number }> {
  const where = `stage ${ctx.id}`;
  const ref = parseModelRef(s.model, where);
  const spec = backendSpec(ref, where);
  const name = s.name ?? (ref.kind === "openai" ? ref.name : ref.checkpoint.replace(/\/+$/, "").split("/").pop()!);
  const questions = await loadDataset(s.dataset, { questionField: s.fields.question, answerField: s.fields.answer, idField: s.fields.id, limit: s.limit });
  const store = s.split === "test" ? ctx.runDir : join(ctx.runDir, "train");
  const e = s.endpoint;
  const backend = await createBackend(spec, {
    apiKeyEnv: e.apiKeyEnv, timeoutMs: e.timeout * 1000, connectTimeoutMs: e.connectTimeout * 1000,
    firstByteTimeoutMs: e.firstByteTimeout === undefined ? undefined : e.firstByteTimeout * 1000, silentAfterMs: e.silentAfter * 1000,
    maxAttempts: e.maxAttempts, concurrency: e.concurrency, vllmExtras: s.sampling.vllmParams,
  });
  const grader = s.grade.verifier === "math" ? mathGrader({ extract: s.grade.extract, strict: s.grade.strict }) : null;
  try {
    const { temperature, topP, topK, maxTokens, stop, extra } = s.sampling;
    // spec keys are camelCase; the request fields keep the OpenAI names (backends/types.ts)
    const sampling = { temperature, top_p: topP, top_k: topK, max_tokens: maxTokens, ...(stop ? { stop } : {}) };
    const result = await sampleRun({
      // tagged with the stage hash (URL-free): a changed setting replaces the old samples, a resume on other servers keeps them
      runDir: store, backend, model: name, spec: `${withoutEndpoints(ref)}#stage-${ctx.hash}`, replaceOtherSpec: true, fresh: ctx.forced,
      questions, k: s.k, template: resolveTemplate(s.template), params: { ...NEUTRAL_SAMPLING, ...sampling, extra },
      seed: s.seed, nPerRequest: s.nPerRequest, concurrency: ref.kind === "embedded" ? e.concurrency : undefined, grader: grader?.grade,
      progress: { write: (line) => ctx.log(line.trim()), isTTY: false },
    });
    ctx.log(`${result.written} samples of ${name} on ${questions.length} questions (${result.already} already stored)${grader ? `, graded ${grader.grading}` : ""}`);
    for (const f of result.failed) ctx.log(`question ${f.question_id} could not be sampled: ${f.error}`);
    if (result.failed.length > 0) {
      if (s.requireAll) throw new RlvdError("BACKEND", `${where}: requireAll: ${result.failed.length} of ${questions.length} questions could not be sampled (the rest are stored; run again to retry them)`);
      ctx.log(`${result.failed.length} questions failed (recorded in the store; the next run of the spec retries them)`);
    }
    return { store, model: name, questions: questions.length, failed: result.failed.length };
  } finally {
    await backend.close();
    await grader?.close();
  }
}
