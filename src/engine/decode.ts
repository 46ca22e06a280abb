// The decode loop behind generate(): one loop for independent and tree sampling.
//
// A row of the batch is a node: a prefix (prompt, then generated tokens) standing for `count` samples, with
// its own cache pages. A node first reads its prompt, one position per decode step (prefill and decode share
// one path; the work is the same matmuls). Past the prompt, each decode step gives the node's next-token
// distribution, and the node either goes on with one token in its row or splits into children:
// - tree sampling (GenerateOptions.tree): a node of count c draws c tokens from its own stream and splits
//   into one child per distinct token drawn, each carrying the number of draws of its token. That is c
//   independent samples drawn in a different order, at the cost of one row per distinct prefix.
// - independent sampling: a prompt's root (count n) reads the prompt once and then splits into its n
//   samples, each with the stream seeded from (prompt seed, sample index); a node of count 1 never splits
//   again. So sample j of a prompt comes out the same whatever else is decoded with it.
// Both are reproducible because the model computes each row independently of the others: a child's cache,
// its parent's, is bitwise what it would have computed itself, and no draw depends on the batch.
//
// The KV cache is paged (PagePool): a node holds a list of pages of PAGE_SIZE positions, and a child starts
// with its parent's list, each page counted once more, instead of a copy of the parent's cache. A page is
// written only by a node that holds it alone: before writing into a shared page (the parent's last, partly
// filled one) a node copies it. So the prefix shared by siblings is stored once, and the siblings, which sit in
// neighbouring rows, read it from the CPU's cache instead of memory. The attention kernel sums a row in the same
// order whatever its pages (kernels.ts): every bit is as with one contiguous cache per sequence.
//
// At most batchSize rows go in a decode step. A child that branches off takes a free row; when none is free it
// waits (holding its pages) and takes the next row that frees up, before any new prompt does.
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
  /** the KV cache's page size and starting number of pages (tests and benches; no result depends on them) */
  cache?: CacheLayout;
  /** called whenever an independent sample's text grows */
  onText?: (prompt: number, sample: number, text: string) => void;
};

export type CacheLayout = {
  /** positions a page (default PAGE_SIZE): a multiple of 8, or 0 for one page a sequence (the cache length) */
  pageSize?: number;
  /** pages to allocate at first (default: batchSize sequences of the cache length); more are added as needed */
  pages?: number;
};

/** Positions a KV-cache page: a multiple of 8 (the attention kernel's blocks). Measured in docs/engine.md. */
export const PAGE_SIZE = 16;

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
  /** the node's cache pages (PagePool), positions 0..p-1; empty while it has none */
  pages: number[];
  /** position of the next token to feed; the cache holds positions 0..p-1 */
  p: number;
};

type Leaf = { sample: number; tokens: number[]; logprobs: number[]; text: string; finish: FinishReason; count: number };

/** The decode state's cache pages, counted by the nodes that hold them; a shared page is copied before a write. */
class PagePool {
  private refs: Int32Array;
  private readonly free: number[] = [];
  constructor(private readonly state: DecodeState) {
    this.refs = new Int32Array(state.capacity);
    for (let g = state.capacity - 1; g >= 0; g--) this.free.push(g);
  }
  /** a page of one's own (the pool grows by half when none is free) */
  private take(): number {
    if (this.free.length === 0) {
      const { state } = this, had = state.capacity;
      state.grow(had + Math.max(state.pagesPerRow, Math.ceil(had / 2)));
      const refs = new Int32Array(state.capacity);
      refs.set(this.refs);
      this.refs = refs;
      for (let g = state.capacity - 1; g >= had; g--) this.free.push(g);
    }
    const g = this.free.pop()!;
    this.refs[g] = 1;
    return g;
  }
  /** makes pages[j] writable by the node that holds `pages`: a new page past the end, a copy if it is shared */
  own(pages: number[], j: number): void {
    if (j === pages.length) {
      pages.push(this.take());
      return;
    }
    const g = pages[j]!;
    if (this.refs[g]! === 1) return;
    const mine = this.take();
    this.state.copyPage(g, mine);
    this.refs[g]!--;
    pages[j] = mine;
  }
  /** another holder of every page in `pages` */
  retain(pages: readonly number[]): void {
    for (const g of pages) this.refs[g]!++;
  }
  release(pages: readonly number[]): void {
    for (const g of pages) if (--this.refs[g]! === 0) this.free.push(g);
  }
  /** pages held by some node */
  inUse(): number {
    return this.state.capacity - this.free.length;
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
  const rows = Math.min(plan.batchSize, P * n);
  const cacheLength = Math.max(1, Tmax);
  const pageSize = plan.cache?.pageSize === 0 ? cacheLength : plan.cache?.pageSize ?? PAGE_SIZE;
  const state = model.createDecodeState(rows, cacheLength, pageSize, plan.cache?.pages);
  const pool = new PagePool(state);
  const mp = state.pagesPerRow, table = state.pages;
  const probs = new Float64Array(V), order = new Int32Array(V), tally = new Int32Array(V), cum = new Float64Array(V);
  const withLogprobs = plan.logprobs ?? true;
  const leaves: Leaf[][] = plan.prompts.map(() => []);
  let freeRows = rows;
  // children waiting for a row, first come first served: waiting[waitHead..]
  const waiting: Node[] = [];
  let waitHead = 0;

  let active: Node[] = [];
  let nextPrompt = 0, steps = 0, finished = 0;
  /** fills free rows: waiting children first, then the roots of new prompts */
  const admit = () => {
    while (freeRows > 0 && waitHead < waiting.length) {
      freeRows--;
      active.push(waiting[waitHead++]!);
    }
    if (waitHead === waiting.length) {
      waiting.length = 0;
      waitHead = 0;
    }
    while (freeRows > 0 && waiting.length === 0 && nextPrompt < P) {
      const i = nextPrompt++;
      const seed = plan.tree ? mixSeeds(plan.promptSeeds[i]!, firstSample, n) : 0;
      freeRows--;
      active.push({
        prompt: i, ids: plan.prompts[i]!, count: n, sample: -1, fanOut: !plan.tree, seed, rng: plan.tree ? new Xoshiro128(seed) : null,
        tokens: [], logprobs: [], text: "", pages: [], p: 0,
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
    tokens: q.tokens.slice(), logprobs: q.logprobs.slice(), text: q.text, pages: [], p: q.p,
  });

  try {
    admit();
    while (active.length > 0) {
      const S = active.length;
      for (let row = 0; row < S; row++) {
        const q = active[row]!;
        state.tokens[row] = q.p < q.ids.length ? q.ids[q.p]! : q.tokens[q.tokens.length - 1]!;
        state.pos[row] = q.p;
        pool.own(q.pages, Math.floor(q.p / pageSize)); // position p is written: the node's own page
        for (let j = 0, at = row * mp; j < q.pages.length; j++) table[at + j] = q.pages[j]!;
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
          // one child: the node goes on in its row with its own stream
          const end = extend(q, only, logits[off + only]! - d.lse);
          if (end) {
            finish(q, end);
            pool.release(q.pages);
            freeRows++;
          } else still.push(q);
          continue;
        }
        // the first child that goes on takes the parent's row and pages; the others share the pages and take
        // free rows or wait
        let parentRowTaken = false;
        for (const { node: c, end } of children) {
          if (end) {
            finish(c, end);
            continue;
          }
          if (!parentRowTaken) {
            c.pages = q.pages;
            parentRowTaken = true;
            still.push(c);
            continue;
          }
          c.pages = q.pages.slice();
          pool.retain(c.pages);
          if (freeRows > 0) {
            freeRows--;
            still.push(c);
          } else waiting.push(c);
        }
        if (!parentRowTaken) {
          pool.release(q.pages);
          freeRows++;
        }
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
