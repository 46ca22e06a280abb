// Batched sampling with a KV cache, and scoring of given completions.
//
// generate(): options checked and prompts encoded here, then the one decode loop (decode.ts) runs them,
// independently or as a prefix tree. Every sample has its own random stream, seeded from (prompt seed,
// sample index) or, in a tree, from its path, and the model computes each row of a decode step independently
// of the others, so results do not depend on what else is in the batch. Sequences run in slots of up to
// `batchSize`; a finished sequence's slot takes the next waiting one.
import { RlvdError } from "../core/errors.js";
import { makeBatch, type Sequence } from "./batch.js";
import { decode, type CacheLayout, type DecodePlan, type FinishReason, type GenerateProgress } from "./decode.js";
import type { Model } from "./model.js";
import { hashString, mixSeeds } from "./rng.js";

export type { FinishReason, GenerateProgress } from "./decode.js";

export type EnginePrompt = string | readonly number[];

/**
 * Rows of a decode step by default. Fewer rows than the 256 before issue 18's cache work: every step reads each
 * row's whole KV cache, and 256 rows of the quick preset's model (about 16 MB a step) no longer stay in the
 * CPU's cache from one step to the next, while 48 do (about 3.5 MB). Measured in docs/engine.md; no result
 * depends on it.
 */
export const DECODE_ROWS = 48;

export type GenerateOptions = {
  /** samples per prompt (default 1) */
  n?: number;
  /** sampling temperature (default 1); 0 = greedy */
  temperature?: number;
  /** keep only the k most likely tokens (default: off) */
  topK?: number;
  /** keep the smallest set of tokens whose probability reaches p (default 1: off) */
  topP?: number;
  /** most new tokens per sample (default: up to the context) */
  maxTokens?: number;
  /** stop strings: generation ends when the text contains one; the text is cut before it */
  stop?: readonly string[];
  /** stop tokens (default: the tokenizer's eos): kept in tokens/logprobs, left out of the text */
  stopTokens?: readonly number[];
  /** base seed (default 0); prompt i's stream seed is seeds[i] if given, else mix(seed, hash(prompt)) */
  seed?: number;
  seeds?: readonly number[];
  /** index of the first sample (default 0): asking for samples 8..15 later gives what n=16 would have */
  firstSample?: number;
  /** most sequences decoded together (default DECODE_ROWS) */
  batchSize?: number;
  /** prepend bos to text prompts (default true when the model has a tokenizer) */
  addBos?: boolean;
  /** compute each token's log-prob (default true); false leaves `logprobs` empty and saves a pass over the vocabulary a token */
  logprobs?: boolean;
  /** the KV cache's page size and starting pages (tests and benches): no result depends on it */
  cache?: CacheLayout;
  /**
   * Sample a prompt's n completions as a prefix tree (default false): sequences that share a prefix are
   * computed once, and at each step a prefix's count is split over next tokens by n draws from its
   * distribution. The completions have exactly the distribution of n independent samples, at the cost of
   * the distinct prefixes instead of n (a confident model repeats itself a lot). Sample j then depends on
   * n and firstSample, not on j alone; results still do not depend on the batch.
   */
  tree?: boolean;
  /**
   * Called whenever a sequence's text grows, with the text so far (a stop string's first characters may show
   * before the stop string completes and cuts them: hold back the longest stop string's length less one).
   * Not with `tree`, where a prefix is not yet any particular sample.
   */
  onText?: (prompt: number, sample: number, text: string) => void;
};

export type EngineCompletion = {
  /** index of the prompt in the input */
  prompt: number;
  /** sample index (firstSample + j) */
  sample: number;
  /** generated token ids (including a final stop token) */
  tokens: number[];
  /** decoded text of the generated tokens, cut before a stop string */
  text: string;
  /** log p(token) under the model (temperature 1, no top-k/top-p), one per token (none with `logprobs: false`) */
  logprobs: number[];
  finishReason: FinishReason;
};

export function encodePrompt(model: Model, prompt: EnginePrompt, addBos?: boolean): number[] {
  if (typeof prompt !== "string") return [...prompt];
  const t = model.tokenizer;
  if (!t) throw new RlvdError("BAD_ARGUMENT", "text prompts need a model with a tokenizer");
  return t.encode(prompt, { bos: addBos ?? true });
}

/** The decode plan of a generate() call: options checked and defaulted, prompts encoded. */
function planDecode(model: Model, prompts: readonly EnginePrompt[], options: GenerateOptions): DecodePlan {
  const cfg = model.config, V = cfg.vocabSize, tok = model.tokenizer;
  const n = options.n ?? 1;
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  const topP = options.topP ?? 1;
  const stop = (options.stop ?? []).filter((s) => s.length > 0);
  const stopTokens = new Set(options.stopTokens ?? (tok ? [tok.eos] : []));
  const firstSample = options.firstSample ?? 0;
  const batchSize = options.batchSize ?? DECODE_ROWS;
  if (!(Number.isInteger(n) && n >= 1)) throw new RlvdError("BAD_ARGUMENT", `n must be a positive integer (got ${n})`);
  if (!(temperature >= 0)) throw new RlvdError("BAD_ARGUMENT", `temperature must be >= 0 (got ${temperature})`);
  if (!(topP > 0 && topP <= 1)) throw new RlvdError("BAD_ARGUMENT", `topP must be in (0, 1] (got ${topP})`);
  if (!(Number.isInteger(topK) && topK >= 0)) throw new RlvdError("BAD_ARGUMENT", `topK must be an integer >= 0 (got ${topK})`);
  if (options.seeds && options.seeds.length !== prompts.length) throw new RlvdError("BAD_ARGUMENT", "seeds must have one entry per prompt");

  const encoded = prompts.map((p) => encodePrompt(model, p, options.addBos));
  let longest = 0;
  encoded.forEach((ids, i) => {
    if (ids.length === 0) throw new RlvdError("BAD_ARGUMENT", `prompt ${i} is empty (add a bos token)`);
    if (ids.length >= cfg.context) throw new RlvdError("BAD_ARGUMENT", `prompt ${i} has ${ids.length} tokens; the context is ${cfg.context}`);
    for (const t of ids) if (!(Number.isInteger(t) && t >= 0 && t < V)) throw new RlvdError("BAD_ARGUMENT", `prompt ${i} has token ${t} outside the vocab`);
    longest = Math.max(longest, ids.length);
  });
  const maxTokens = options.maxTokens ?? cfg.context - longest;
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) throw new RlvdError("BAD_ARGUMENT", `maxTokens must be a positive integer (got ${maxTokens})`);

  const promptSeeds = encoded.map((ids, i) => options.seeds?.[i] ?? mixSeeds(options.seed ?? 0, hashString(ids.join(","))));
  return {
    prompts: encoded, promptSeeds, n, firstSample, tree: options.tree ?? false, temperature, topK, topP, stop, stopTokens, maxTokens, batchSize,
    logprobs: options.logprobs ?? true, onText: options.onText, cache: options.cache,
  };
}

/** Samples completions (see the file comment); blocks until done. */
export function generate(model: Model, prompts: readonly EnginePrompt[], options: GenerateOptions = {}): EngineCompletion[] {
  const it = generateSteps(model, prompts, options);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

export type AsyncGenerateOptions = GenerateOptions & {
  /** stops generation (the promise rejects with the signal's reason) */
  signal?: AbortSignal;
  /** called after each decode step */
  onProgress?: (p: GenerateProgress) => void;
  /** longest stretch of work between two yields to the event loop, in ms (default 20) */
  yieldEveryMs?: number;
};

/** generate() that gives the event loop a turn every few milliseconds (for servers), with progress and abort. */
export async function generateAsync(model: Model, prompts: readonly EnginePrompt[], options: AsyncGenerateOptions = {}): Promise<EngineCompletion[]> {
  const it = generateSteps(model, prompts, options);
  const every = options.yieldEveryMs ?? 20;
  let last = performance.now();
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      const r = it.next();
      if (r.done) return r.value;
      options.onProgress?.(r.value);
      if (performance.now() - last >= every) {
        await new Promise((resolve) => setImmediate(resolve));
        last = performance.now();
      }
    }
  } finally {
    it.return([]); // frees the KV cache if we stopped early
  }
}

/** The decode loop over checked options, one yield per decode step. */
function* generateSteps(model: Model, prompts: readonly EnginePrompt[], options: GenerateOptions): Generator<GenerateProgress, EngineCompletion[], void> {
  const plan = planDecode(model, prompts, options);
  if (options.tree && options.onText) throw new RlvdError("BAD_ARGUMENT", "onText needs independent sampling (tree: false)");
  return yield* decode(model, plan);
}

export type ScoreItem = { prompt: EnginePrompt; completion: EnginePrompt };
export type ScoreOptions = {
  /** prepend bos to text prompts (default true when the model has a tokenizer) */
  addBos?: boolean;
  /** most sequences per forward pass (default: about 16k tokens per pass) */
  batchSize?: number;
};
export type Score = {
  /** completion token ids */
  tokens: number[];
  /** log p(token | everything before it), one per completion token */
  logprobs: number[];
  /** sum of logprobs: log p(completion | prompt) */
  sum: number;
};

/** log p(completion | prompt) under the model, per token and summed, for each item. */
export function scoreCompletions(model: Model, items: readonly ScoreItem[], options: ScoreOptions = {}): Score[] {
  const cfg = model.config;
  const rows: (Sequence & { promptLength: number })[] = items.map((it, i) => {
    const p = encodePrompt(model, it.prompt, options.addBos);
    const c = typeof it.completion === "string" ? encodeText(model, it.completion) : it.completion;
    if (p.length === 0) throw new RlvdError("BAD_ARGUMENT", `item ${i}: empty prompt (add a bos token)`);
    if (p.length + c.length - 1 > cfg.context) throw new RlvdError("BAD_ARGUMENT", `item ${i}: ${p.length + c.length} tokens exceed the context of ${cfg.context}`);
    p.push(...c);
    return { tokens: p, promptLength: p.length - c.length };
  });
  const out: Score[] = new Array(items.length);
  // group rows of similar length (longest first) so padding stays small
  const idx = rows.map((_, i) => i).sort((a, b) => rows[b]!.tokens.length - rows[a]!.tokens.length || a - b);
  const pad = model.tokenizer?.pad ?? 0;
  for (let s = 0; s < idx.length;) {
    const T = Math.max(1, rows[idx[s]!]!.tokens.length - 1);
    const B = Math.max(1, Math.min(idx.length - s, options.batchSize ?? Math.max(1, Math.floor(16384 / T))));
    const { logprobs } = model.forwardLoss(makeBatch(idx.slice(s, s + B).map((i) => rows[i]!), pad, { width: T }));
    for (let b = 0; b < B; b++) {
      const { tokens, promptLength: P } = rows[idx[s + b]!]!;
      const lp: number[] = [];
      for (let t = P; t < tokens.length; t++) lp.push(logprobs[b * T + t - 1]!);
      out[idx[s + b]!] = { tokens: tokens.slice(P), logprobs: lp, sum: lp.reduce((a, x) => a + x, 0) };
    }
    s += B;
  }
  return out;
}

function encodeText(model: Model, text: string): number[] {
  const t = model.tokenizer;
  if (!t) throw new RlvdError("BAD_ARGUMENT", "text completions need a model with a tokenizer");
  return t.encode(text);
}
