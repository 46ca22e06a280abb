import { RlvdError } from "../core/errors.js";
import { Progress, type ProgressSink } from "../core/progress.js";
import { recordInManifest } from "../core/run-folder.js";
import type { Question, Sample, VerifyStatus } from "../core/types.js";
import { RequestRejected } from "../backends/errors.js";
import type { Backend, SamplingParams } from "../backends/types.js";
import type { Template } from "../backends/templates.js";
import { upsertQuestions } from "../store/questions.js";
import { clearSampleFailures, modelMeta, replaceSampleFailures, setModelMeta, type SampleFailure } from "../store/sampling-records.js";
import { writeSamples } from "../store/samples.js";
import { registerModel, storedIndices } from "../store/models.js";
import { WriterRecord } from "../store/writers.js";
import { withStore, type SampleStore } from "../store/store.js";

/** `grading`: the convention the verdict was made under (verify/conventions.ts gradingLabel), stored with it. */
export type GradeResult = { correct: boolean; extracted: string | null; status: VerifyStatus; grading?: string };
/** Grades responses against gold answers, in order (a batch, so a worker pool can spread it over cores). */
export type Grader = (items: Array<{ gold: string; response: string }>) => Promise<GradeResult[]>;

export type SampleRunOptions = {
  runDir: string;
  backend: Backend;
  /** the name samples are stored under */
  model: string;
  /** the backend spec, recorded in the models table */
  spec: string;
  questions: Question[];
  /** samples per question */
  k: number;
  template: Template;
  params: SamplingParams;
  /** completions per request (a request is the unit of retry and resume) */
  nPerRequest?: number;
  /** requests in flight at once, all endpoints together (default: the backend's capacity, e.g. endpoints x per-endpoint limit) */
  concurrency?: number;
  /** base seed: request seeds derive from it, the question and the first sample index */
  seed?: number;
  /** grades samples as they land; without one they are stored unverified (`rlvd grade` later) */
  grader?: Grader;
  progress?: ProgressSink | null;
  /**
   * When the store already has this model under another spec, its samples came from something else (an
   * experiment stage whose checkpoint was retrained): delete them and start over. Default: keep them and
   * the first spec (a resumed `rlvd sample` may list other endpoints for the same model).
   */
  replaceOtherSpec?: boolean;
  /** delete this model's stored samples first and sample everything again (a forced stage) */
  fresh?: boolean;
  /**
   * This process's part of one model's sampling split over several (`--shard I/N`, on one machine or many):
   * request chunks of nPerRequest indices are dealt round-robin over the shards, so the shards are disjoint,
   * together they are the whole, and each sample's seed is the same as in an unsplit run.
   */
  shard?: { index: number; count: number };
  /** `model` is meant to be new (`--new-model`): refused when it already has samples */
  newModel?: boolean;
  /** go on when the stored samples were drawn with other settings (recorded, not refused) */
  allowMixed?: boolean;
  /** flush to the store after this many samples or this many ms, whichever comes first */
  flushSamples?: number;
  flushMs?: number;
};

export type SampleRunResult = {
  model: string; questions: number; requested: number; written: number; already: number; seconds: number;
  /** questions the server rejected (e.g. prompt over the context): stored in sample_failures, the rest finished */
  failed: Array<{ question_id: string; missing: number; error: string }>;
};

/**
 * Samples k responses per question and writes each to the store as it arrives. Keys are (model, question,
 * index), so a run that is killed (even with -9) resumes where it stopped: samples already stored are not
 * requested again and nothing is duplicated. When a request fails for good, the samples that did arrive are
 * kept and the error says how to resume.
 */
export async function sampleRun(options: SampleRunOptions): Promise<SampleRunResult> {
  const started = Date.now();
  const { k, backend, model } = options;
  if (!Number.isInteger(k) || k < 1) throw new RlvdError("BAD_ARGUMENT", `k must be a positive integer (got ${k})`);
  const nPerRequest = Math.max(1, Math.min(options.nPerRequest ?? 16, k));
  const concurrency = Math.max(1, options.concurrency ?? backend.capacity ?? 32);
  const result = await withStore(options.runDir, { create: true }, async (store) => {
    await upsertQuestions(store, options.questions.map((q) => ({ question: q, line: null })), "dataset");
    const replaced = await registerModel(store, model, options.spec, { replaceOtherSpec: options.replaceOtherSpec ?? false, fresh: options.fresh ?? false });
    if (replaced) await clearSampleFailures(store, model);
    const have = await storedIndices(store, model);
    if (options.newModel && have.size > 0) throw new RlvdError("CONFLICT", `--new-model ${model}: the run already has samples of model ${model}; choose another name`);
    await recordSampling(store, model, backend.samplingRecord?.(options.params) ?? { ...options.params }, options.template.name, have.size > 0, k, options.allowMixed ?? false);
    const work: Array<{ question: Question; indices: number[] }> = [];
    let already = 0;
    const chunksPerQuestion = Math.ceil(k / nPerRequest);
    const shard = options.shard;
    const owned = (qpos: number, i: number) => !shard || (qpos * chunksPerQuestion + Math.floor(i / nPerRequest)) % shard.count === shard.index - 1;
    for (const [qpos, question] of options.questions.entries()) {
      const done = have.get(question.id);
      let chunk: number[] = [];
      for (let i = 0; i < k; i++) {
        if (!owned(qpos, i)) continue;
        if (done?.has(i)) {
          already++;
          continue;
        }
        chunk.push(i);
        if (chunk.length === nPerRequest) {
          work.push({ question, indices: chunk });
          chunk = [];
        }
      }
      if (chunk.length > 0) work.push({ question, indices: chunk });
    }
    const requested = work.reduce((s, w) => s + w.indices.length, 0);
    const progress = new Progress(`sampling ${model}`, requested, options.progress ?? null, 5_000, " samples");
    // large batches: each flush is one store transaction with key checks, and generation waits when flushes queue up
    const record = new WriterRecord(options.runDir, { command: "sample", model, shard: shard ? `${shard.index}/${shard.count}` : null, target: requested });
    const writer = new BufferedWriter(store, options.flushSamples ?? 16_384, options.flushMs ?? 1_000, (n) => record.update(n));
    // SIGTERM/SIGINT: take no new requests, land what has arrived, and stop with a message that says so
    let interrupted: NodeJS.Signals | null = null;
    let wake: () => void = () => {};
    const woken = new Promise<void>((r) => (wake = r));
    const onSignal = (sig: NodeJS.Signals) => {
      if (interrupted !== null) process.exit(sig === "SIGINT" ? 130 : 143);
      interrupted = sig;
      failure ??= new RlvdError("USAGE", `interrupted by ${sig}`);
      wake();
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    let arrived = 0;
    let failure: unknown = null;
    const rejected = new Map<string, SampleFailure>();
    let succeeded = 0;
    let refusedBeforeAny = 0;
    const attempted = new Set<string>();
    let next = 0;
    // name silent endpoints, and redraw while nothing arrives (a hung server would otherwise freeze the line)
    progress.note = () => backend.silentEndpoints?.().join(", ") ?? "";
    const ticker = setInterval(() => progress.update(arrived), 1_000);
    ticker.unref();
    const worker = async () => {
      while (failure === null && next < work.length) {
        const item = work[next++]!;
        attempted.add(item.question.id);
        const seed = requestSeed(options.seed ?? 0, item.question.id, item.indices[0]!);
        const t0 = Date.now();
        try {
          const completions = await backend.generate({ prompt: options.template.render(item.question.prompt), n: item.indices.length, params: { ...options.params, seed } });
          const latency = Date.now() - t0;
          const grades = options.grader ? await options.grader(completions.map((c) => ({ gold: item.question.answer, response: c.text }))) : null;
          const samples: Sample[] = completions.map((c, j) => ({
            model, question_id: item.question.id, sample_index: item.indices[j]!, text: c.text, finish_reason: c.finish_reason,
            n_tokens: c.n_tokens, seed, latency_ms: latency,
            extracted: grades?.[j]?.extracted ?? null, correct: grades ? grades[j]!.correct : null, verify_status: grades ? grades[j]!.status : "unverified",
            grading: grades?.[j]?.grading ?? null,
          }));
          writer.add(samples);
          succeeded++;
          arrived += samples.length;
          progress.update(arrived);
          await writer.maybeFlush();
        } catch (e) {
          // one question's request refused for its content: that question fails, the others go on; but a server
          // that refuses every request alike (a field it does not take) is a setup error that stops the run
          if (e instanceof RequestRejected && !(e.reason === "bad_request" && succeeded === 0 && ++refusedBeforeAny >= 3)) {
            recordRejection(rejected, model, item.question.id, item.indices.length, e);
          } else failure ??= e;
        }
      }
    };
    let written: number;
    try {
      // on a signal, requests in flight are abandoned: their samples were never acknowledged
      await Promise.race([Promise.all(Array.from({ length: Math.min(concurrency, work.length) }, worker)), woken]);
      clearInterval(ticker);
      written = await writer.flush();
    } catch (e) {
      // a write that failed (a full disk, a folder gone read-only): everything landed before it stays
      const msg = e instanceof Error ? e.message : String(e);
      throw new RlvdError(e instanceof RlvdError ? e.code : "INTERNAL", `${msg} (${writer.landed} new samples are safely stored; run the same command again to resume)`, { cause: e });
    } finally {
      clearInterval(ticker);
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      record.close();
    }
    progress.finish();
    await replaceSampleFailures(store, model, [...attempted], [...rejected.values()]);
    if (failure !== null) {
      const msg = failure instanceof Error ? failure.message : String(failure);
      throw new RlvdError("BACKEND", `${msg} (${written} new samples were kept; run the same command again to resume)`);
    }
    const failed = [...rejected.values()].map(({ question_id, missing, error }) => ({ question_id, missing, error }));
    return { model, questions: options.questions.length, requested, written, already, seconds: (Date.now() - started) / 1000, failed };
  });
  await recordInManifest(options.runDir, { command: "sample", model, spec: options.spec, k, template: options.template.name, params: options.params, written: result.written });
  return result;
}

/**
 * Buffers samples and lands them in batches. Flushes run in the background, one after another (one DuckDB
 * connection), so generation never waits for the store unless several flushes are already queued; a flush error
 * surfaces at the next call.
 */
class BufferedWriter {
  private buffer: Sample[] = [];
  private lastFlush = Date.now();
  private chain: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private error: unknown = null;
  private written = 0;

  constructor(
    private readonly store: SampleStore,
    private readonly maxSamples: number,
    private readonly maxMs: number,
    private readonly onLanded: (written: number) => void = () => {},
  ) {}

  /** samples landed so far (durable: in published segments) */
  get landed(): number {
    return this.written;
  }

  /** set by the final flush: samples of requests still in flight then (a signal, a failure) are never landed */
  private closed = false;

  add(samples: Sample[]): void {
    if (!this.closed) this.buffer.push(...samples);
  }

  async maybeFlush(): Promise<void> {
    if (this.error !== null) throw this.error;
    if (this.buffer.length < this.maxSamples && Date.now() - this.lastFlush < this.maxMs) return;
    this.startFlush();
    if (this.queued > 2) await this.chain; // back-pressure: the store is falling behind
  }

  private startFlush(): void {
    const batch = this.buffer;
    this.buffer = [];
    this.lastFlush = Date.now();
    if (batch.length === 0) return;
    this.queued++;
    this.chain = this.chain.then(async () => {
      try {
        this.written += (await writeSamples(this.store, batch)).inserted;
        this.onLanded(this.written);
      } catch (e) {
        this.error ??= e;
      } finally {
        this.queued--;
      }
    });
  }

  /** The last flush: lands what has arrived and takes nothing after it, so the count it returns is final. */
  async flush(): Promise<number> {
    this.closed = true;
    this.startFlush();
    await this.chain;
    if (this.error !== null) throw this.error;
    return this.written;
  }
}

/**
 * Records the exact sampling fields the backend sends for this model (models.meta.sampling). Samples already
 * stored under other settings would mix two distributions under one name: that is refused, naming the fields.
 * Stores from before this record (no meta) take the current settings.
 */
async function recordSampling(
  store: SampleStore, model: string, sampling: Record<string, unknown>, template: string, hasSamples: boolean, k: number, allowMixed: boolean,
): Promise<void> {
  const meta = await modelMeta(store, model);
  const before = meta.sampling as Record<string, unknown> | undefined;
  const next: Record<string, unknown> = { ...meta, sampling, template, k: Math.max(k, typeof meta.k === "number" ? meta.k : 0) };
  if (hasSamples && before) {
    const fields = [...new Set([...Object.keys(before), ...Object.keys(sampling)])].sort();
    const differ = fields.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(sampling[f]));
    const templateDiffers = meta.template !== undefined && meta.template !== template;
    if (differ.length > 0 || templateDiffers) {
      const what = [...differ.map((f) => `${f} ${JSON.stringify(before[f]) ?? "unset"} -> ${JSON.stringify(sampling[f]) ?? "unset"}`), ...(templateDiffers ? [`template ${String(meta.template)} -> ${template}`] : [])];
      if (!allowMixed) {
        throw new RlvdError("CONFLICT", `model ${model}: its stored samples were drawn with other settings (${what.join(", ")}); sample under another name (--new-model NAME), keep the settings, or pass --allow-mixed to mix them deliberately`);
      }
      // mixed on purpose: every setting the model was sampled under stays on record
      const history = Array.isArray(meta.sampling_history) ? meta.sampling_history : [{ sampling: before, template: meta.template }];
      next.sampling_history = [...history, { sampling, template }];
      next.mixed = true;
    }
  }
  await setModelMeta(store, model, next);
}

function recordRejection(into: Map<string, SampleFailure>, model: string, questionId: string, missing: number, e: RequestRejected): void {
  const known = into.get(questionId);
  if (known) known.missing += missing;
  else into.set(questionId, { model, question_id: questionId, missing, status: e.status, error: e.message });
}

/** A 31-bit seed from the run seed, the question id and the request's first sample index (FNV-1a). */
export function requestSeed(seed: number, questionId: string, firstIndex: number): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const ch of `${questionId}\u0000${firstIndex}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & 0x7fffffff;
}
