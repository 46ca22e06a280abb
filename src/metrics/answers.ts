import { answersEquivalent, prepareAnswer, preparedEquivalent, type PreparedAnswer } from "../verify/verify.js";
import { randomInt, seededRng } from "./rng.js";

/** Decides whether two extracted final answers are the same answer. The verifier supplies a mathematical one. */
export type AnswerEquivalence = (a: string, b: string) => boolean;

/** Plain string identity after trimming. */
export const sameString: AnswerEquivalence = (a, b) => a.trim() === b.trim();

/**
 * How answers are grouped into classes for maj@k and answer entropy:
 * - "math": by the verifier's equivalence, so `1/2`, `0.5` and `\frac12` are one answer (math datasets);
 * - "exact": by identical strings (the embedded world, whose answers are symbol strings graded by exact match).
 * Results name the grouping used ("custom" for an equivalence passed in as a function).
 */
export type AnswerGrouping = "math" | "exact";

/** Per-pair time limit of the math grouping: a pathological answer costs at most this, then counts as different. */
const MATH_GROUPING_TIMEOUT_MS = 200;

/** The verifier's equivalence on two extracted answers (`a` plays the gold). */
export const mathEquivalence: AnswerEquivalence = (a, b) => answersEquivalent(a, b, { timeoutMs: MATH_GROUPING_TIMEOUT_MS });

/** Distinct answers a caching math equivalence keeps read; past this it starts afresh (memory stays bounded). */
const PREPARED_ANSWERS_KEPT = 8192;

/**
 * mathEquivalence that reads each distinct answer once: the same verdicts (verify.ts: preparedEquivalent), at
 * a fraction of the cost when a question's few distinct answers are compared with each other again and again.
 * One per accumulator, so its cache lives as long as the analysis does.
 */
export function cachedMathEquivalence(): AnswerEquivalence {
  const prepared = new Map<string, PreparedAnswer>();
  const read = (s: string): PreparedAnswer => {
    let p = prepared.get(s);
    if (p === undefined) {
      if (prepared.size >= PREPARED_ANSWERS_KEPT) prepared.clear();
      prepared.set(s, (p = prepareAnswer(s)));
    }
    return p;
  };
  return (a, b) => preparedEquivalent(read(a), read(b), { timeoutMs: MATH_GROUPING_TIMEOUT_MS });
}

/** The equivalence of a named grouping; "math" caches what it reads (a fresh cache per call). */
export function groupingEquivalence(grouping: AnswerGrouping): AnswerEquivalence {
  return grouping === "math" ? cachedMathEquivalence() : sameString;
}

/** One question's samples grouped into answer classes. `group[i]` is -1 when sample i has no answer. */
export type AnswerGroups = {
  group: Int32Array;
  /** per group: number of members */
  size: number[];
  /** per group: whether the answer is correct (majority of its members' verdicts) */
  correct: boolean[];
};

/**
 * Groups a question's answers into equivalence classes. Identical strings are merged first (cheap), then each
 * distinct string is compared with one representative per class (so an expensive equivalence runs
 * O(distinct x classes) times, not O(samples^2)). The answers are coded (codeAnswers) and grouped as the
 * store's coded answers are (groupCodedAnswers).
 */
export function groupAnswers(
  answers: readonly (string | null)[],
  verdicts: readonly (boolean | null)[],
  equivalent: AnswerEquivalence = sameString,
): AnswerGroups {
  return groupCodedAnswers(codeAnswers(answers, verdicts), equivalent);
}

/**
 * One question's answers as codes: its distinct extracted strings as written (untrimmed), in order of first
 * appearance in sample order, with per string how many samples gave it and how many of those were right, and
 * per sample (in sample order) the index of its string, -1 where it has none. store/queries.ts reads them so.
 */
export type CodedAnswers = {
  question_id: string;
  answers: readonly string[];
  sizes: ArrayLike<number>;
  rightVotes: ArrayLike<number>;
  codes: ArrayLike<number>;
};

/**
 * A question's samples coded as the store codes them (store/queries.ts: startAnswerCodes): distinct raw
 * strings by first appearance, with their counts and right votes (verdicts that are true), and each sample's
 * code (-1: no answer).
 */
export function codeAnswers(answers: readonly (string | null)[], verdicts: readonly (boolean | null)[], questionId = ""): CodedAnswers {
  const index = new Map<string, number>();
  const distinct: string[] = [];
  const sizes: number[] = [];
  const rightVotes: number[] = [];
  const codes = new Int32Array(answers.length);
  for (let i = 0; i < answers.length; i++) {
    const a = answers[i];
    if (a === null || a === undefined) {
      codes[i] = -1;
      continue;
    }
    let c = index.get(a);
    if (c === undefined) {
      index.set(a, (c = distinct.length));
      distinct.push(a);
      sizes.push(0);
      rightVotes.push(0);
    }
    sizes[c]!++;
    if (verdicts[i] === true) rightVotes[c]!++;
    codes[i] = c;
  }
  return { question_id: questionId, answers: distinct, sizes, rightVotes, codes };
}

/**
 * Groups coded answers into equivalence classes, numbered by first appearance: the distinct raw strings are
 * visited in order of first appearance, so each distinct trimmed string is met first at the earliest sample
 * that gives it, as a walk over the samples would meet it, and every comparison is made in that order.
 */
export function groupCodedAnswers(coded: CodedAnswers, equivalent: AnswerEquivalence = sameString): AnswerGroups {
  const byString = new Map<string, number>();
  const representatives: string[] = [];
  const size: number[] = [];
  const rightVotes: number[] = [];
  const groupOfCode = new Int32Array(coded.answers.length).fill(-1);
  for (let c = 0; c < coded.answers.length; c++) {
    const key = coded.answers[c]!.trim();
    if (key === "") continue;
    let g = byString.get(key);
    if (g === undefined) {
      g = representatives.findIndex((rep) => equivalent(rep, key));
      if (g < 0) {
        g = representatives.length;
        representatives.push(key);
        size.push(0);
        rightVotes.push(0);
      }
      byString.set(key, g);
    }
    groupOfCode[c] = g;
    size[g]! += coded.sizes[c]!;
    rightVotes[g]! += coded.rightVotes[c]!;
  }
  const n = coded.codes.length;
  const group = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = coded.codes[i]!;
    group[i] = c < 0 ? -1 : groupOfCode[c]!;
  }
  return { group, size, correct: size.map((s, g) => rightVotes[g]! * 2 > s) };
}

/**
 * Majority vote over the samples at `indices`: 1 if the most frequent answer class is correct, 0 if not;
 * ties are split evenly (the expected outcome of breaking the tie at random). No answers at all scores 0.
 */
export function majorityCorrect(groups: AnswerGroups, indices?: ArrayLike<number>): number {
  const votes = new Int32Array(groups.size.length);
  const n = indices ? indices.length : groups.group.length;
  let best = 0;
  for (let j = 0; j < n; j++) {
    const g = groups.group[indices ? indices[j]! : j]!;
    if (g >= 0 && ++votes[g]! > best) best = votes[g]!;
  }
  if (best === 0) return 0;
  let tied = 0;
  let tiedCorrect = 0;
  for (let g = 0; g < votes.length; g++) {
    if (votes[g] !== best) continue;
    tied++;
    if (groups.correct[g]) tiedCorrect++;
  }
  return tiedCorrect / tied;
}

/**
 * maj@k for one question. With k equal to the number of samples this is the vote over all of them, and at
 * k = 1 it is computed exactly; otherwise it is the mean over `draws` seeded random subsets of size k
 * (a Monte-Carlo estimate of the expectation over subsets).
 */
export function majAtK(groups: AnswerGroups, k: number, options: { draws?: number; seed?: number } = {}): number {
  return majAtKs(groups, [k], options)[0]!;
}

/**
 * maj@k for several k at once. Each draw is one random permutation, and its first k entries are a uniform
 * random subset of size k for every k together; votes grow one sample at a time, so each draw costs O(max k).
 */
export function majAtKs(groups: AnswerGroups, ks: readonly number[], options: { draws?: number; seed?: number } = {}): number[] {
  const n = groups.group.length;
  for (const k of ks) if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`maj@k needs 1 <= k <= n (k=${k}, n=${n})`);
  const result = ks.map((k) => (k === n ? majorityCorrect(groups) : k === 1 ? exactMajAt1(groups) : Number.NaN));
  const sampled = ks.filter((k, i) => Number.isNaN(result[i]!));
  if (sampled.length === 0) return result;
  // every class right (or every one wrong) and every sample answered: each vote's outcome is 1 (or 0) at every
  // step of every draw, so the mean over draws is exactly that, whatever the draws (bit-identical)
  if (uniformOutcome(groups)) return result.map((r) => (Number.isNaN(r) ? (groups.correct[0] ? 1 : 0) : r));
  const { draws = 32, seed = 0 } = options;
  // the vote is scored only at the k asked for (each k's sum adds the same terms in the same order)
  const stops = [...new Set(sampled)].sort((a, b) => a - b);
  const kMax = stops[stops.length - 1]!;
  const order = drawOrder(n, kMax, draws, seed);
  const right = Uint8Array.from(groups.correct, (c) => (c ? 1 : 0));
  const atK = groups.size.length <= 8 && kMax <= 255 ? packedVoteSums(groups.group, right, order, stops, draws) : voteSums(groups.group, right, order, stops, draws);
  return result.map((r, i) => (Number.isNaN(r) ? atK[ks[i]!]! / draws : r));
}

function uniformOutcome(groups: AnswerGroups): boolean {
  const { correct, group } = groups;
  if (correct.length === 0) return false;
  for (const c of correct) if (c !== correct[0]) return false;
  for (let i = 0; i < group.length; i++) if (group[i]! < 0) return false;
  return true;
}

/**
 * Per k in `stops` (ascending), the vote's outcome summed over the draws: at each stop, over the first k samples
 * of the draw, 1 if the most voted class is right, 0 if not, ties split evenly; nothing while no sample has an
 * answer. The leader and its ties are tracked as the votes arrive (counts only increase).
 */
function voteSums(group: Int32Array, right: Uint8Array, order: Int32Array, stops: readonly number[], draws: number): Float64Array {
  const kMax = stops[stops.length - 1]!;
  const wanted = new Uint8Array(kMax + 1);
  for (const k of stops) wanted[k] = 1;
  const votes = new Int32Array(right.length);
  const atK = new Float64Array(kMax + 1);
  for (let d = 0, o = 0; d < draws; d++) {
    votes.fill(0);
    let best = 0;
    let tied = 0;
    let tiedCorrect = 0;
    for (let i = 0; i < kMax; i++, o++) {
      const g = group[order[o]!]!;
      if (g >= 0) {
        const v = ++votes[g]!;
        if (v > best) {
          best = v;
          tied = 1;
          tiedCorrect = right[g]!;
        } else if (v === best) {
          tied++;
          tiedCorrect += right[g]!;
        }
      }
      if (best > 0 && wanted[i + 1] === 1) atK[i + 1]! += tiedCorrect / tied;
    }
  }
  return atK;
}

/**
 * voteSums for at most eight classes and k below 256, the common case, about twice as fast. The votes are
 * packed 8 bits a class, four classes to an int32: a vote is an add in a register, where `++votes[g]` stores a
 * slot the next votes are likely to load again (a store-to-load chain the CPU mispredicts when the classes come
 * in random order). The leader is found at each stop from the counts; it is the one voteSums tracks (the
 * classes with the most votes), so the sums are the same.
 */
function packedVoteSums(group: Int32Array, right: Uint8Array, order: Int32Array, stops: readonly number[], draws: number): Float64Array {
  const kMax = stops[stops.length - 1]!;
  const classes = right.length;
  const low = new Int32Array(group.length); // classes 0-3
  const high = new Int32Array(group.length); // classes 4-7
  for (let i = 0; i < group.length; i++) {
    const g = group[i]!;
    if (g >= 4) high[i] = 1 << (8 * (g - 4));
    else if (g >= 0) low[i] = 1 << (8 * g);
  }
  const atK = new Float64Array(kMax + 1);
  for (let d = 0; d < draws; d++) {
    const from = d * kMax;
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (const stop of stops) {
      if (classes <= 4) for (; i < stop; i++) lo = (lo + low[order[from + i]!]!) | 0;
      else {
        for (; i < stop; i++) {
          const j = order[from + i]!;
          lo = (lo + low[j]!) | 0;
          hi = (hi + high[j]!) | 0;
        }
      }
      let best = 0;
      let tied = 0;
      let tiedCorrect = 0;
      for (let g = 0; g < classes; g++) {
        const v = ((g < 4 ? lo : hi) >>> (8 * (g & 3))) & 255;
        if (v > best) {
          best = v;
          tied = 1;
          tiedCorrect = right[g]!;
        } else if (v === best) {
          tied++;
          tiedCorrect += right[g]!;
        }
      }
      if (best > 0) atK[stop]! += tiedCorrect / tied;
    }
  }
  return atK;
}

/**
 * The sample indices majAtKs visits, draw after draw: the first `kMax` entries of each draw's partial
 * Fisher-Yates shuffle of one pool (0..n-1, carried over from draw to draw) under seededRng(seed). They depend
 * on nothing but (n, kMax, draws, seed), the same for every question of a model, so they are drawn once and kept.
 */
function drawOrder(n: number, kMax: number, draws: number, seed: number): Int32Array {
  const key = `${n}|${kMax}|${draws}|${seed}`;
  let order = drawOrders.get(key);
  if (order !== undefined) return order;
  order = new Int32Array(draws * kMax);
  const rng = seededRng(seed);
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let d = 0, o = 0; d < draws; d++) {
    for (let i = 0; i < kMax; i++, o++) {
      const j = i + randomInt(rng, n - i);
      const t = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = t;
      order[o] = pool[i]!;
    }
  }
  if (drawOrders.size >= 64) drawOrders.clear();
  drawOrders.set(key, order);
  return order;
}
const drawOrders = new Map<string, Int32Array>();

/** maj@1: one sample decides alone, so it is the share of samples whose answer class is correct. */
function exactMajAt1(groups: AnswerGroups): number {
  let right = 0;
  groups.size.forEach((size, g) => groups.correct[g] && (right += size));
  return right / groups.group.length;
}

/**
 * Entropy (natural log, nats) of the distribution of final answers over one question's samples, identical
 * answers grouped whether right or wrong. Samples without an answer form one more outcome of their own.
 */
export function answerEntropy(groups: AnswerGroups): number {
  const n = groups.group.length;
  if (n === 0) return 0;
  let missing = 0;
  for (let i = 0; i < n; i++) if (groups.group[i]! < 0) missing++;
  let h = 0;
  for (const count of [...groups.size, missing]) {
    if (count === 0) continue;
    const p = count / n;
    h -= p * Math.log(p);
  }
  return h;
}
