import { binIndex, type BinScheme } from "./bins.js";
import { pairedDifference, type PairedResult } from "./paired-test.js";
import { binTable, perQuestionAccuracy, perQuestionPassAtK, powersOfTwoUpTo, type QuestionResult } from "./summary.js";
import { passAtKCurve } from "./pass-at-k.js";

export type BinDelta = {
  label: string;
  lo: number;
  hi: number;
  questions: number;
  base_accuracy: number | null;
  other_accuracy: number | null;
  delta: number | null;
};

export type Comparison = {
  base: string;
  other: string;
  /** questions both models answered: every figure below is over these */
  questions: number;
  bin_accuracy_delta: BinDelta[];
  /** rows: base bin, columns: the other model's bin (same scheme), cells: question counts */
  transition: number[][];
  /** pass@k change for k = 1..(largest n both have), each k over the questions where both have >= k samples */
  pass_at_k_delta: Record<string, number>;
  /** questions behind each tested k, where fewer than all shared questions have that many samples */
  tested_questions?: Record<string, number>;
  /** requested k values no shared question has enough samples for (not tested; analyze warns) */
  untested_ks?: number[];
  significance: { accuracy: PairedResult; pass_at_k: Record<string, PairedResult> };
};

export type ComparisonOptions = { ks?: number[]; seed?: number; resamples?: number; permutations?: number; confidence?: number };

/** How `other` differs from `base` on their shared questions, binned by the base model's difficulty. */
export function compareModels(
  baseName: string,
  base: readonly QuestionResult[],
  otherName: string,
  other: readonly QuestionResult[],
  scheme: BinScheme,
  options: ComparisonOptions = {},
): Comparison {
  const otherById = new Map(other.map((r) => [r.question_id, r]));
  const pairedBase: QuestionResult[] = [];
  const pairedOther: QuestionResult[] = [];
  for (const r of base) {
    const o = otherById.get(r.question_id);
    if (o) {
      pairedBase.push(r);
      pairedOther.push(o);
    }
  }
  const q = pairedBase.length;
  const baseRows = binTable(pairedBase, pairedBase, scheme);
  const otherRows = binTable(pairedBase, pairedOther, scheme);
  const bin_accuracy_delta = scheme.bins.map((bin, b) => {
    const ba = baseRows[b]!.accuracy;
    const oa = otherRows[b]!.accuracy;
    return { ...bin, questions: baseRows[b]!.questions, base_accuracy: ba, other_accuracy: oa, delta: ba === null || oa === null ? null : oa - ba };
  });

  const size = scheme.bins.length;
  const transition = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (let i = 0; i < q; i++) {
    const from = binIndex(scheme, pairedBase[i]!.correct, pairedBase[i]!.n);
    const to = binIndex(scheme, pairedOther[i]!.correct, pairedOther[i]!.n);
    transition[from]![to]!++;
  }

  const pairN = pairedBase.map((r, i) => Math.min(r.n, pairedOther[i]!.n));
  const minK = q === 0 ? 0 : Math.min(...pairN);
  const maxK = q === 0 ? 0 : Math.max(...pairN);
  const pass_at_k_delta: Record<string, number> = {};
  if (maxK > 0) {
    const sums = new Float64Array(maxK + 1);
    const counts = new Float64Array(maxK + 1);
    for (let i = 0; i < q; i++) {
      const cb = passAtKCurve(pairedBase[i]!.n, pairedBase[i]!.correct);
      const co = passAtKCurve(pairedOther[i]!.n, pairedOther[i]!.correct);
      for (let k = 1; k <= pairN[i]!; k++) {
        sums[k]! += co[k]! - cb[k]!;
        counts[k]!++;
      }
    }
    for (let k = 1; k <= maxK; k++) pass_at_k_delta[String(k)] = sums[k]! / counts[k]!;
  }

  const testOptions = { seed: options.seed ?? 0, resamples: options.resamples, permutations: options.permutations, confidence: options.confidence };
  // default: powers of two up to the most common n, so one short question does not cut every test to its n
  const requested = options.ks ?? powersOfTwoUpTo(modal(pairN, minK));
  const ks = requested.filter((k) => k >= 1 && k <= maxK);
  const untested_ks = requested.filter((k) => k > maxK);
  const pass_at_k: Record<string, PairedResult> = {};
  const tested_questions: Record<string, number> = {};
  for (const k of ks) {
    const keep = pairN.map((n) => n >= k);
    const b = pairedBase.filter((_, i) => keep[i]), o = pairedOther.filter((_, i) => keep[i]);
    if (b.length < q) tested_questions[String(k)] = b.length;
    pass_at_k[String(k)] = pairedDifference(perQuestionPassAtK(b, k), perQuestionPassAtK(o, k), testOptions);
  }
  return {
    base: baseName,
    other: otherName,
    questions: q,
    bin_accuracy_delta,
    transition,
    pass_at_k_delta,
    ...(Object.keys(tested_questions).length > 0 ? { tested_questions } : {}),
    ...(untested_ks.length > 0 ? { untested_ks } : {}),
    significance: { accuracy: pairedDifference(perQuestionAccuracy(pairedBase), perQuestionAccuracy(pairedOther), testOptions), pass_at_k },
  };
}

function modal(values: readonly number[], fallback: number): number {
  if (values.length === 0) return fallback;
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0]!;
  for (const [v, c] of counts) if (c > counts.get(best)! || (c === counts.get(best)! && v > best)) best = v;
  return best;
}
