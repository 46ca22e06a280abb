// Batched sampling with a KV cache, and scoring of given completions.
//
// generate(): every sequence (prompt x sample) gets its own cache slot and its own random stream, seeded
// from (prompt seed, sample index), and the model computes each row of a decode step independently of the
// others, so sample j of a prompt comes out the same whatever else is in the batch. Prompts are fed one
// position per decode step (prefill and decode share one path; the work is the same matmuls). Sequences
// run in slots of up to `batchSize`; a finished sequence's slot takes the next waiting one.
import { RlvdError } from "../core/errors.js";
import type { Model } from "./model.js";
import { hashString, mixSeeds, Rng } from "./rng.js";
import { appendPiece, drawToken, tokenDistribution } from "./token-distribution.js";
import { treeSteps } from "./sample-tree.js";

/** Text (encoded with the model's tokenizer) or token ids (the rendered request prompt is backends/types.ts `Prompt`). */
export type EnginePrompt = string | readonly number[];

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
  /** most sequences decoded together (default 256) */
  batchSize?: number;
  /** prepend bos to text prompts (default true when the model has a tokenizer) */
  addBos?: boolean;
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

export type FinishReason = "stop" | "length";

/** One sampled continuation as token ids (the HTTP-level completion is backends/types.ts `Completion`). */
export type EngineCompletion = {
  /** index of the prompt in the input */
  prompt: number;
  /** sample index (firstSample + j) */
  sample: number;
  /** generated token ids (including a final stop token) */
  tokens: number[];
  /** decoded text of the generated tokens, cut before a stop string */
  text: string;
  /** log p(token) under the model (temperature 1, no top-k/top-p), one per token */
  logprobs: number[];
  finishReason: FinishReason;
};

type Seq = {
  prompt: number;
  sample: number;
  ids: readonly number[];
  rng: Rng;
  tokens: number[];
  logprobs: number[];
  text: string;
  finish?: FinishReason;
  slot: number;
  /** position of the next token to feed */
  p: number;
};

export function encodePrompt(model: Model, prompt: EnginePrompt, addBos?: boolean): number[] {
  if (typeof prompt !== "string") return [...prompt];
  const t = model.tokenizer;
  if (!t) throw new RlvdError("BAD_ARGUMENT", "text prompts need a model with a tokenizer");
  return t.encode(prompt, { bos: addBos ?? true });
}

/** Options checked and defaulted, prompts encoded: what both samplers start from. */
export type ResolvedGenerate = {
  n: number; temperature: number; topK: number; topP: number; stop: string[]; stopTokens: Set<number>;
  firstSample: number; batchSize: number; encoded: number[][]; longest: number; maxTokens: number;
  /** prompt i's stream seed */
  promptSeeds: number[];
};

export function resolveGenerate(model: Model, prompts: readonly EnginePrompt[], options: GenerateOptions): ResolvedGenerate {
  const cfg = model.config, V = cfg.vocabSize, tok = model.tokenizer;
  const n = options.n ?? 1;
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  const topP = options.topP ?? 1;
  const stop = (options.stop ?? []).filter((s) => s.length > 0);
  const stopTokens = new Set(options.stopTokens ?? (tok ? [tok.eos] : []));
  const firstSample = options.firstSample ?? 0;
  const batchSize = options.batchSize ?? 256;
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
  return { n, temperature, topK, topP, stop, stopTokens, firstSample, batchSize, encoded, longest, maxTokens, promptSeeds };
}

/** Samples completions (see the file comment); blocks until done. */
export function generate(model: Model, prompts: readonly EnginePrompt[], options: GenerateOptions = {}): EngineCompletion[] {
  const it = generateSteps(model, prompts, options);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

export type GenerateProgress = { finished: number; total: number; steps: number };
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

/** The decode loop, one yield per decode step. */
function* generateSteps(model: Model, prompts: readonly EnginePrompt[], options: GenerateOptions): Generator<GenerateProgress, EngineCompletion[], void> {
  const resolved = resolveGenerate(model, prompts, options);
  if (options.tree && options.onText) throw new RlvdError("BAD_ARGUMENT", "onText needs independent sampling (tree: false)");
  if (options.tree) return yield* treeSteps(model, resolved);
  const cfg = model.config, V = cfg.vocabSize, tok = model.tokenizer;
  const { n, temperature, topK, topP, stop, stopTokens, firstSample, batchSize, encoded, longest, maxTokens } = resolved;

  const seqs: Seq[] = [];
  encoded.forEach((ids, i) => {
    const promptSeed = resolved.promptSeeds[i]!;
    for (let j = 0; j < n; j++) {
      const sample = firstSample + j;
      seqs.push({ prompt: i, sample, ids, rng: new Rng(mixSeeds(promptSeed, sample)), tokens: [], logprobs: [], text: "", slot: -1, p: 0 });
    }
  });
  if (seqs.length === 0) return [];

  // positions fed: prompt 0..P-1, then generated tokens at P.. (the last generated token is never fed)
  const Tmax = Math.min(cfg.context, longest + maxTokens - 1);
  const slots = Math.min(batchSize, seqs.length);
  const state = model.createDecodeState(slots, Math.max(1, Tmax));
  const probs = new Float64Array(V);
  const order = new Int32Array(V);
  try {
    // Sequences of one prompt share its prefill: the first one (the leader) feeds the prompt, the others
    // wait in their slots and then copy the cache of positions 0..P-2 from any sequence that has them.
    // Rows are computed independently of each other, so the copy is bitwise what they would have computed.
    const { heads: H, dim: C } = cfg;
    const hd = C / H, cacheSize = slots * state.Tmax * C;
    type Group = { leader: Seq | null; waiters: Seq[]; holders: Set<Seq> };
    const groups = new Map<number, Group>();
    const copyPrefix = (from: Seq, to: Seq) => {
      const n = (from.ids.length - 1) * hd;
      for (let l = 0; l < cfg.layers; l++) {
        for (let h = 0; h < H; h++) {
          const src = l * cacheSize + (from.slot * H + h) * state.Tmax * hd, dst = l * cacheSize + (to.slot * H + h) * state.Tmax * hd;
          state.kcache.copyWithin(dst, src, src + n);
          state.vcache.copyWithin(dst, src, src + n);
        }
      }
      to.p = to.ids.length - 1;
    };
    let active: Seq[] = [];
    let next = 0, steps = 0, finished = 0;
    /** puts seqs[next] into `slot`: active now, or waiting for its prompt's leader */
    const start = (slot: number, into: Seq[]) => {
      const q = seqs[next++];
      q.slot = slot;
      if (q.ids.length <= 1 || n === 1) {
        into.push(q);
        return;
      }
      let g = groups.get(q.prompt);
      if (!g) groups.set(q.prompt, (g = { leader: null, waiters: [], holders: new Set() }));
      const holder = g.holders.values().next();
      if (!holder.done) {
        copyPrefix(holder.value, q);
        g.holders.add(q);
        into.push(q);
      } else if (g.leader) {
        g.waiters.push(q);
      } else {
        g.leader = q;
        into.push(q);
      }
    };
    for (let s = 0; s < slots; s++) start(s, active);
    while (active.length > 0) {
      const S = active.length;
      for (let r = 0; r < S; r++) {
        const q = active[r];
        state.tokens[r] = q.p < q.ids.length ? q.ids[q.p] : q.tokens[q.tokens.length - 1];
        state.pos[r] = q.p;
        state.slot[r] = q.slot;
      }
      const logits = model.decodeStep(state, S);
      const still: Seq[] = [];
      for (let r = 0; r < S; r++) {
        const q = active[r];
        q.p++;
        if (q.p < q.ids.length) {
          still.push(q); // still reading the prompt
          const g = groups.get(q.prompt);
          if (g && g.leader === q && q.p === q.ids.length - 1) {
            // the prefix is in the leader's cache: release the waiters
            g.leader = null;
            g.holders.add(q);
            for (const w of g.waiters) {
              copyPrefix(q, w);
              g.holders.add(w);
              still.push(w);
            }
            g.waiters = [];
          }
          continue;
        }
        const d = tokenDistribution(logits, r * V, V, temperature, topK, topP, probs, order);
        const t = d.greedy >= 0 ? d.greedy : drawToken(probs, V, q.rng.next() * d.total);
        const lp = logits[r * V + t]! - d.lse;
        q.tokens.push(t);
        q.logprobs.push(lp);
        if (stopTokens.has(t)) q.finish = "stop";
        else if (tok && !tok.isSpecial(t)) {
          const r = appendPiece(q.text, tok.pieces[t]!, stop);
          q.text = r.text;
          if (r.stopped) q.finish = "stop";
          else options.onText?.(q.prompt, q.sample, q.text);
        }
        if (!q.finish && (q.tokens.length >= maxTokens || q.p >= Tmax)) q.finish = "length";
        if (!q.finish) {
          still.push(q);
        } else {
          finished++;
          groups.get(q.prompt)?.holders.delete(q);
          if (next < seqs.length) start(q.slot, still); // the finished sequence's slot takes the next waiting one
        }
      }
      active = still;
      steps++;
      yield { finished, total: seqs.length, steps };
    }
  } finally {
    state.free();
  }
  return seqs.map((q) => ({ prompt: q.prompt, sample: q.sample, tokens: q.tokens, text: q.text, logprobs: q.logprobs, finishReason: q.finish ?? "length" }));
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
  const rows = items.map((it, i) => {
    const p = encodePrompt(model, it.prompt, options.addBos);
    const c = typeof it.completion === "string" ? encodeText(model, it.completion) : [...it.completion];
    if (p.length === 0) throw new RlvdError("BAD_ARGUMENT", `item ${i}: empty prompt (add a bos token)`);
    if (p.length + c.length - 1 > cfg.context) throw new RlvdError("BAD_ARGUMENT", `item ${i}: ${p.length + c.length} tokens exceed the context of ${cfg.context}`);
    return { ids: [...p, ...c], P: p.length, c };
  });
  const out: Score[] = new Array(items.length);
  // group rows of similar length (longest first) so padding stays small
  const idx = rows.map((_, i) => i).sort((a, b) => rows[b].ids.length - rows[a].ids.length || a - b);
  const pad = model.tokenizer?.pad ?? 0;
  for (let s = 0; s < idx.length;) {
    const T = Math.max(1, rows[idx[s]].ids.length - 1);
    const B = Math.max(1, Math.min(idx.length - s, options.batchSize ?? Math.max(1, Math.floor(16384 / T))));
    const tokens = new Int32Array(B * T).fill(pad), targets = new Int32Array(B * T).fill(-1);
    for (let b = 0; b < B; b++) {
      const { ids, P } = rows[idx[s + b]];
      for (let t = 0; t < ids.length - 1; t++) {
        tokens[b * T + t] = ids[t];
        if (t + 1 >= P) targets[b * T + t] = ids[t + 1];
      }
      if (ids.length === 1) tokens[b * T] = ids[0];
    }
    const { logprobs } = model.forwardLoss({ B, T, tokens, targets });
    for (let b = 0; b < B; b++) {
      const { P, c } = rows[idx[s + b]];
      const lp: number[] = [];
      for (let j = 0; j < c.length; j++) lp.push(logprobs[b * T + P - 1 + j]);
      out[idx[s + b]] = { tokens: c, logprobs: lp, sum: lp.reduce((a, x) => a + x, 0) };
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
