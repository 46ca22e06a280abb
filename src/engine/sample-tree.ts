// Tree sampling: a prompt's n completions decoded as a prefix tree (GenerateOptions.tree).
//
// n independent samples of a prompt agree on their first tokens far more often than not, and a sequence's
// next-token distribution depends on its prefix alone. So one row per distinct prefix carries a count c;
// after each decode step the row draws c tokens from its distribution and splits into one child per distinct
// token drawn, each child carrying the number of draws of its token. That is n independent samples, drawn
// in a different order, and the work is one row per distinct prefix instead of one per sample.
//
// Reproducibility: a node's random stream is seeded from its parent's seed, the position and the token, so
// every draw depends on the path alone, never on which rows share the batch. Leaves are sorted by their
// tokens and dealt out to sample indices by a seeded shuffle, so sample indices are exchangeable (the first
// k samples are a uniform subset, as with independent sampling).
//
// A child that branches off gets a free cache slot with the parent's cache copied in; when none is free it
// waits with a snapshot of that cache and takes the next slot that frees up, before any new prompt does.
import type { Model } from "./model.js";
import type { EngineCompletion, FinishReason, GenerateProgress, ResolvedGenerate } from "./sample.js";
import { mixSeeds, Rng } from "./rng.js";
import { appendPiece, drawToken, tokenDistribution } from "./token-distribution.js";

type Node = {
  prompt: number;
  ids: readonly number[];
  count: number;
  seed: number;
  rng: Rng;
  tokens: number[];
  logprobs: number[];
  text: string;
  slot: number;
  /** position of the next token to feed; the cache holds positions 0..p-1 */
  p: number;
};

type Leaf = { tokens: number[]; logprobs: number[]; text: string; finish: FinishReason; count: number };

/** A copy of one slot's cache positions 0..len-1, for children that must wait for a slot. */
type Snapshot = { k: Float32Array; v: Float32Array; len: number };

export function* treeSteps(model: Model, r: ResolvedGenerate): Generator<GenerateProgress, EngineCompletion[], void> {
  const cfg = model.config, V = cfg.vocabSize, tok = model.tokenizer;
  const { n, temperature, topK, topP, stop, stopTokens, firstSample, encoded, maxTokens } = r;
  const P = encoded.length;
  if (P === 0) return [];
  const Tmax = Math.min(cfg.context, r.longest + maxTokens - 1);
  const slots = Math.min(r.batchSize, P * n);
  const state = model.createDecodeState(slots, Math.max(1, Tmax));
  const { heads: H, dim: C, layers: L } = cfg;
  const hd = C / H, cacheSize = slots * state.Tmax * C, rowSize = state.Tmax * hd;
  const probs = new Float64Array(V), order = new Int32Array(V), tally = new Int32Array(V);
  const leaves: Leaf[][] = encoded.map(() => []);
  const free: number[] = [];
  for (let s = slots - 1; s >= 0; s--) free.push(s);
  const waiting: { node: Node; snap: Snapshot }[] = [];

  const rowAt = (l: number, slot: number, h: number) => l * cacheSize + (slot * H + h) * rowSize;
  const copySlot = (from: number, to: number, len: number) => {
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) {
      const src = rowAt(l, from, h), dst = rowAt(l, to, h);
      state.kcache.copyWithin(dst, src, src + len * hd);
      state.vcache.copyWithin(dst, src, src + len * hd);
    }
  };
  const snapshot = (slot: number, len: number): Snapshot => {
    const k = new Float32Array(L * H * len * hd), v = new Float32Array(L * H * len * hd);
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) {
      const src = rowAt(l, slot, h), dst = (l * H + h) * len * hd;
      k.set(state.kcache.subarray(src, src + len * hd), dst);
      v.set(state.vcache.subarray(src, src + len * hd), dst);
    }
    return { k, v, len };
  };
  const restore = (snap: Snapshot, slot: number) => {
    const m = snap.len * hd;
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) {
      const dst = rowAt(l, slot, h), src = (l * H + h) * m;
      state.kcache.set(snap.k.subarray(src, src + m), dst);
      state.vcache.set(snap.v.subarray(src, src + m), dst);
    }
  };

  let active: Node[] = [];
  let nextPrompt = 0, steps = 0, finished = 0;
  /** fills free slots: waiting children first, then the roots of new prompts */
  const admit = () => {
    while (free.length > 0 && waiting.length > 0) {
      const { node, snap } = waiting.shift()!;
      node.slot = free.pop()!;
      restore(snap, node.slot);
      active.push(node);
    }
    while (free.length > 0 && waiting.length === 0 && nextPrompt < P) {
      const i = nextPrompt++;
      const seed = mixSeeds(r.promptSeeds[i]!, firstSample, n);
      active.push({ prompt: i, ids: encoded[i]!, count: n, seed, rng: new Rng(seed), tokens: [], logprobs: [], text: "", slot: free.pop()!, p: 0 });
    }
  };

  /** appends token t to node; returns the finish reason if that ended it */
  const extend = (node: Node, t: number, lp: number): FinishReason | null => {
    node.tokens.push(t);
    node.logprobs.push(lp);
    if (stopTokens.has(t)) return "stop";
    if (tok && !tok.isSpecial(t)) {
      const r = appendPiece(node.text, tok.pieces[t]!, stop);
      node.text = r.text;
      if (r.stopped) return "stop";
    }
    return node.tokens.length >= maxTokens || node.p >= Tmax ? "length" : null;
  };

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
        const d = tokenDistribution(logits, row * V, V, temperature, topK, topP, probs, order);
        const off = row * V;
        // the token every one of the node's samples takes, when they all take one (-1 when they split)
        let only = d.greedy >= 0 ? d.greedy : q.count === 1 ? drawToken(probs, V, q.rng.next() * d.total) : -1;
        if (only < 0) {
          tally.fill(0);
          for (let c = 0; c < q.count; c++) tally[drawToken(probs, V, q.rng.next() * d.total)]!++;
          only = onlyToken(tally, V);
        }
        if (only >= 0) {
          // one child: the node goes on in its slot with its own stream
          const end = extend(q, only, logits[off + only]! - d.lse);
          if (end) {
            leaves[q.prompt]!.push({ tokens: q.tokens, logprobs: q.logprobs, text: q.text, finish: end, count: q.count });
            finished += q.count;
            free.push(q.slot);
          } else still.push(q);
          continue;
        }
        // branch: children in token order; the first one that goes on keeps the parent's slot
        let parentSlotTaken = false;
        let snap: Snapshot | null = null;
        for (let t = 0; t < V; t++) {
          const c = tally[t]!;
          if (c === 0) continue;
          const seed = mixSeeds(q.seed, q.p, t);
          const child: Node = { prompt: q.prompt, ids: q.ids, count: c, seed, rng: new Rng(seed), tokens: q.tokens.slice(), logprobs: q.logprobs.slice(), text: q.text, slot: -1, p: q.p };
          const end = extend(child, t, logits[off + t]! - d.lse);
          if (end) {
            leaves[q.prompt]!.push({ tokens: child.tokens, logprobs: child.logprobs, text: child.text, finish: end, count: c });
            finished += c;
            continue;
          }
          if (!parentSlotTaken) {
            child.slot = q.slot;
            parentSlotTaken = true;
            still.push(child);
          } else if (free.length > 0) {
            child.slot = free.pop()!;
            copySlot(q.slot, child.slot, q.p);
            still.push(child);
          } else {
            snap ??= snapshot(q.slot, q.p);
            waiting.push({ node: child, snap });
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
  return encoded.flatMap((_, i) => dealOut(leaves[i]!, i, firstSample, mixSeeds(r.promptSeeds[i]!, firstSample, n, 0x5eed)));
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

/** Expands leaves (sorted by tokens, so the order does not depend on the batch) to their counts' completions in a seeded random order. */
function dealOut(leaves: Leaf[], prompt: number, firstSample: number, seed: number): EngineCompletion[] {
  leaves.sort((a, b) => compareTokens(a.tokens, b.tokens));
  const expanded: Leaf[] = [];
  for (const leaf of leaves) for (let c = 0; c < leaf.count; c++) expanded.push(leaf);
  const rng = new Rng(seed);
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
