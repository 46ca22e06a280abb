// The decode loop behind generate(): one loop for independent and tree sampling.
//
// A row of the batch is a node: a prefix (prompt, then generated tokens) standing for `count` samples, with
// its own cache slot. A node first reads its prompt, one position per decode step (prefill and decode share
// one path; the work is the same matmuls). Past the prompt, each decode step gives the node's next-token
// distribution, and the node either goes on with one token in its slot or splits into children:
// - tree sampling (GenerateOptions.tree): a node of count c draws c tokens from its own stream and splits
//   into one child per distinct token drawn, each carrying the number of draws of its token. That is c
//   independent samples drawn in a different order, at the cost of one row per distinct prefix.
// - independent sampling: a prompt's root (count n) reads the prompt once and then splits into its n
//   samples, each with the stream seeded from (prompt seed, sample index); a node of count 1 never splits
//   again. So sample j of a prompt comes out the same whatever else is decoded with it.
// Both are reproducible because the model computes each row independently of the others: a child's cache,
// copied from its parent, is bitwise what it would have computed itself, and no draw depends on the batch.
//
// A child that branches off gets a free slot with the parent's cache copied in; when none is free it waits
// with a snapshot of that cache and takes the next slot that frees up, before any new prompt does.
import type { DecodeState, Model } from "./model.js";
import { mixSeeds, Xoshiro128 } from "./rng.js";
import { appendPiece, cumulate, drawCumulative, drawToken, tokenDistribution } from "./token-distribution.js";

export type FinishReason = "stop" | "length";

export type GenerateProgress = { finished: number; total: number; steps: number };

/** What the loop decodes: options checked and defaulted, prompts encoded. */
export type DecodePlan = {
  /** encoded prompts (each non-empty, shorter than the context) */
  prompts: readonly (readonly number[])[];
  /** prompt i's stream seed */
  promptSeeds: readonly number[];
  /** samples per prompt, and the index of the first */
  n: number;
  firstSample: number;
  tree: boolean;
  temperature: number;
  topK: number;
  topP: number;
  stop: readonly string[];
  stopTokens: ReadonlySet<number>;
  maxTokens: number;
  batchSize: number;
  /** keep each token's log-prob (default true); without, completions carry none and a pass over the vocabulary is saved */
  logprobs?: boolean;
  /** called whenever an independent sample's text grows */
  onText?: (prompt: number, sample: number, text: string) => void;
};

/** One finished sample, in the fields (and order) of the engine's EngineCompletion. */
export type Decoded = { prompt: number; sample: number; tokens: number[]; text: string; logprobs: number[]; finishReason: FinishReason };

type Node = {
  prompt: number;
  ids: readonly number[];
  count: number;
  /** sample index when the node is one independent sample, else -1 */
  sample: number;
  /** a prompt's root under independent sampling: splits into its n samples at the first token */
  fanOut: boolean;
  seed: number;
  rng: Xoshiro128 | null;
  tokens: number[];
  logprobs: number[];
  text: string;
  slot: number;
  /** position of the next token to feed; the cache holds positions 0..p-1 */
  p: number;
};

type Leaf = { sample: number; tokens: number[]; logprobs: number[]; text: string; finish: FinishReason; count: number };

/** A copy of one slot's cache positions 0..len-1, for children that must wait for a slot. */
type Snapshot = { k: Float32Array; v: Float32Array; len: number; waiting: number };

/** Copies of cache positions between slots of a decode state: [L, slots, H, Tmax, hd] per cache. */
class SlotCache {
  private readonly L: number;
  private readonly H: number;
  private readonly hd: number;
  private readonly cacheSize: number;
  private readonly rowSize: number;
  constructor(private readonly state: DecodeState, layers: number, heads: number, dim: number, slots: number) {
    this.L = layers;
    this.H = heads;
    this.hd = dim / heads;
    this.rowSize = state.Tmax * this.hd;
    this.cacheSize = slots * state.Tmax * dim;
  }
  private at(l: number, slot: number, h: number): number {
    return l * this.cacheSize + (slot * this.H + h) * this.rowSize;
  }
  /** positions 0..len-1 of slot `from` into slot `to` */
  copy(from: number, to: number, len: number): void {
    const { state, L, H, hd } = this;
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) {
      const src = this.at(l, from, h), dst = this.at(l, to, h);
      state.kcache.copyWithin(dst, src, src + len * hd);
      state.vcache.copyWithin(dst, src, src + len * hd);
    }
  }
  /** buffers of restored snapshots, for the next ones (a decode call makes many, all of at most Tmax positions) */
  private readonly spare: Float32Array[] = [];
  private buffer(): Float32Array {
    return this.spare.pop() ?? new Float32Array(this.L * this.H * this.state.Tmax * this.hd);
  }
  /** hands a snapshot's buffers back once no waiting child needs them */
  recycle(snap: Snapshot): void {
    this.spare.push(snap.k, snap.v);
  }
  snapshot(slot: number, len: number): Snapshot {
    const { state, L, H, hd } = this;
    // laid out as if len were the length (the buffer is longer): restore reads it back the same way
    const k = this.buffer(), v = this.buffer();
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) {
      const src = this.at(l, slot, h), dst = (l * H + h) * len * hd;
      k.set(state.kcache.subarray(src, src + len * hd), dst);
      v.set(state.vcache.subarray(src, src + len * hd), dst);
    }
    return { k, v, len, waiting: 0 };
  }
  restore(snap: Snapshot, slot: number): void {
    const { state, L, H, hd } = this;
    const m = snap.len * hd;
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) {
      const dst = this.at(l, slot, h), src = (l * H + h) * m;
      state.kcache.set(snap.k.subarray(src, src + m), dst);
      state.vcache.set(snap.v.subarray(src, src + m), dst);
    }
  }
}

/** The decode loop (see the file comment), one yield per decode step; returns prompt-major, sample-minor. */
export function* decode(model: Model, plan: DecodePlan): Generator<GenerateProgress, Decoded[], void> {
  const cfg = model.config, V = cfg.vocabSize, tok = model.tokenizer;
  const { n, temperature, topK, topP, stop, stopTokens, firstSample, maxTokens, onText } = plan;
  const P = plan.prompts.length;
  if (P === 0) return [];
  const longest = Math.max(...plan.prompts.map((ids) => ids.length));
  // positions fed: prompt 0..P-1, then generated tokens at P.. (the last generated token is never fed)
  const Tmax = Math.min(cfg.context, longest + maxTokens - 1);
  const slots = Math.min(plan.batchSize, P * n);
  const state = model.createDecodeState(slots, Math.max(1, Tmax));
  const cache = new SlotCache(state, cfg.layers, cfg.heads, cfg.dim, slots);
  const probs = new Float64Array(V), order = new Int32Array(V), tally = new Int32Array(V), cum = new Float64Array(V);
  const withLogprobs = plan.logprobs ?? true;
  const leaves: Leaf[][] = plan.prompts.map(() => []);
  const free: number[] = [];
  for (let s = slots - 1; s >= 0; s--) free.push(s);
  const waiting: { node: Node; snap: Snapshot }[] = [];

  let active: Node[] = [];
  let nextPrompt = 0, steps = 0, finished = 0;
  /** fills free slots: waiting children first, then the roots of new prompts */
  const admit = () => {
    while (free.length > 0 && waiting.length > 0) {
      const { node, snap } = waiting.shift()!;
      node.slot = free.pop()!;
      cache.restore(snap, node.slot);
      if (--snap.waiting === 0) cache.recycle(snap);
      active.push(node);
    }
    while (free.length > 0 && waiting.length === 0 && nextPrompt < P) {
      const i = nextPrompt++;
      const seed = plan.tree ? mixSeeds(plan.promptSeeds[i]!, firstSample, n) : 0;
      active.push({
        prompt: i, ids: plan.prompts[i]!, count: n, sample: -1, fanOut: !plan.tree, seed, rng: plan.tree ? new Xoshiro128(seed) : null,
        tokens: [], logprobs: [], text: "", slot: free.pop()!, p: 0,
      });
    }
  };

  /** appends token t to node; returns the finish reason if that ended it */
  const extend = (node: Node, t: number, lp: number): FinishReason | null => {
    node.tokens.push(t);
    if (withLogprobs) node.logprobs.push(lp);
    if (stopTokens.has(t)) return "stop";
    if (tok && !tok.isSpecial(t)) {
      const r = appendPiece(node.text, tok.pieces[t]!, stop);
      node.text = r.text;
      if (r.stopped) return "stop";
      if (onText && node.sample >= 0) onText(node.prompt, node.sample, node.text);
    }
    return node.tokens.length >= maxTokens || node.p >= Tmax ? "length" : null;
  };
  const finish = (node: Node, end: FinishReason) => {
    leaves[node.prompt]!.push({ sample: node.sample, tokens: node.tokens, logprobs: node.logprobs, text: node.text, finish: end, count: node.count });
    finished += node.count;
  };
  const child = (q: Node, count: number, sample: number, seed: number): Node => ({
    prompt: q.prompt, ids: q.ids, count, sample, fanOut: false, seed, rng: new Xoshiro128(seed),
    tokens: q.tokens.slice(), logprobs: q.logprobs.slice(), text: q.text, slot: -1, p: q.p,
  });

  try {
    admit();
    while (active.length > 0) {
      const S = active.length;
      for (let row = 0; row < S; row++) {
        const q = active[row]!;
        state.tokens[row] = q.p < q.ids.length ? q.ids[q.p]! : q.tokens[q.tokens.length - 1]!;
        state.pos[row] = q.p;
        state.slot[row] = q.slot;
      }
      const logits = model.decodeStep(state, S);
      const still: Node[] = [];
      for (let row = 0; row < S; row++) {
        const q = active[row]!;
        q.p++;
        if (q.p < q.ids.length) {
          still.push(q); // still reading the prompt
          continue;
        }
        const d = tokenDistribution(logits, row * V, V, temperature, topK, topP, probs, order, withLogprobs);
        const off = row * V;
        // many draws from one distribution (a root's n samples, a tree node's count): by binary search over the
        // cumulative weights, which picks drawToken's token for every u (token-distribution.ts)
        const many = d.greedy < 0 && q.count >= 4;
        if (many) cumulate(probs, V, cum);
        const draw = (rng: Xoshiro128) => (d.greedy >= 0 ? d.greedy : many ? drawCumulative(cum, probs, V, rng.next() * d.total) : drawToken(probs, V, rng.next() * d.total));
        // the children this step makes, each already extended by its token (none: q goes on with `only`)
        const children: { node: Node; end: FinishReason | null }[] = [];
        let only = -1;
        if (q.fanOut) {
          for (let j = 0; j < q.count; j++) {
            const sample = firstSample + j;
            const c = child(q, 1, sample, mixSeeds(plan.promptSeeds[q.prompt]!, sample));
            const t = draw(c.rng!);
            children.push({ node: c, end: extend(c, t, logits[off + t]! - d.lse) });
          }
        } else {
          only = d.greedy >= 0 ? d.greedy : q.count === 1 ? draw(q.rng!) : -1;
          if (only < 0) {
            tally.fill(0);
            for (let c = 0; c < q.count; c++) tally[draw(q.rng!)]!++;
            only = onlyToken(tally, V);
          }
          if (only < 0) {
            // branch: children in token order
            for (let t = 0; t < V; t++) {
              if (tally[t] === 0) continue;
              const c = child(q, tally[t]!, q.sample, mixSeeds(q.seed, q.p, t));
              children.push({ node: c, end: extend(c, t, logits[off + t]! - d.lse) });
            }
          }
        }
        if (only >= 0) {
          // one child: the node goes on in its slot with its own stream
          const end = extend(q, only, logits[off + only]! - d.lse);
          if (end) {
            finish(q, end);
            free.push(q.slot);
          } else still.push(q);
          continue;
        }
        // the first child that goes on keeps the parent's slot; the others take free ones or wait
        let parentSlotTaken = false;
        let snap: Snapshot | null = null;
        for (const { node: c, end } of children) {
          if (end) {
            finish(c, end);
          } else if (!parentSlotTaken) {
            c.slot = q.slot;
            parentSlotTaken = true;
            still.push(c);
          } else if (free.length > 0) {
            c.slot = free.pop()!;
            cache.copy(q.slot, c.slot, q.p);
            still.push(c);
          } else {
            snap ??= cache.snapshot(q.slot, q.p);
            snap.waiting++;
            waiting.push({ node: c, snap });
          }
        }
        if (!parentSlotTaken) free.push(q.slot);
      }
      active = still;
      admit();
      steps++;
      yield { finished, total: P * n, steps };
    }
  } finally {
    state.free();
  }
  return plan.prompts.flatMap((_, i) =>
    plan.tree ? dealOut(leaves[i]!, i, firstSample, mixSeeds(plan.promptSeeds[i]!, firstSample, n, 0x5eed)) : inSampleOrder(leaves[i]!, i, firstSample, n));
}

/** The token drawn when all draws fell on one, else -1. */
function onlyToken(tally: Int32Array, V: number): number {
  let only = -1;
  for (let t = 0; t < V; t++) {
    if (tally[t] === 0) continue;
    if (only >= 0) return -1;
    only = t;
  }
  return only;
}

/** Independent samples (one leaf each) in sample order. */
function inSampleOrder(leaves: Leaf[], prompt: number, firstSample: number, n: number): Decoded[] {
  const out: Decoded[] = new Array(n);
  for (const leaf of leaves) {
    out[leaf.sample - firstSample] = { prompt, sample: leaf.sample, tokens: leaf.tokens, text: leaf.text, logprobs: leaf.logprobs, finishReason: leaf.finish };
  }
  return out;
}

/** Expands tree leaves (sorted by tokens, so the order does not depend on the batch) to their counts' samples in a seeded random order. */
function dealOut(leaves: Leaf[], prompt: number, firstSample: number, seed: number): Decoded[] {
  leaves.sort((a, b) => compareTokens(a.tokens, b.tokens));
  const expanded: Leaf[] = [];
  for (const leaf of leaves) for (let c = 0; c < leaf.count; c++) expanded.push(leaf);
  const rng = new Xoshiro128(seed);
  for (let i = expanded.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [expanded[i], expanded[j]] = [expanded[j]!, expanded[i]!];
  }
  return expanded.map((leaf, j) => ({
    prompt, sample: firstSample + j, tokens: leaf.tokens.slice(), text: leaf.text, logprobs: leaf.logprobs.slice(), finishReason: leaf.finish,
  }));
}

function compareTokens(a: readonly number[], b: readonly number[]): number {
  const m = Math.min(a.length, b.length);
  for (let i = 0; i < m; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
