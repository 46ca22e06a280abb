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
  pass_at_k_delta: Record<string, number>;
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

  const maxK = q === 0 ? 0 : Math.min(...pairedBase.map((r) => r.n), ...pairedOther.map((r) => r.n));
  const pass_at_k_delta: Record<string, number> = {};
  if (maxK > 0) {
    const sums = new Float64Array(maxK + 1);
    for (let i = 0; i < q; i++) {
      const cb = passAtKCurve(pairedBase[i]!.n, pairedBase[i]!.correct);
      const co = passAtKCurve(pairedOther[i]!.n, pairedOther[i]!.correct);
      for (let k = 1; k <= maxK; k++) sums[k]! += co[k]! - cb[k]!;
    }
    for (let k = 1; k <= maxK; k++) pass_at_k_delta[String(k)] = sums[k]! / q;
  }

  const testOptions = { seed: options.seed ?? 0, resamples: options.resamples, permutations: options.permutations, confidence: options.confidence };
  const ks = (options.ks ?? powersOfTwoUpTo(maxK)).filter((k) => k >= 1 && k <= maxK);
  const pass_at_k: Record<string, PairedResult> = {};
  for (const k of ks) {
    pass_at_k[String(k)] = pairedDifference(perQuestionPassAtK(pairedBase, k), perQuestionPassAtK(pairedOther, k), testOptions);
  }
  return {
    base: baseName,
    other: otherName,
    questions: q,
    bin_accuracy_delta,
    transition,
    pass_at_k_delta,
    significance: { accuracy: pairedDifference(perQuestionAccuracy(pairedBase), perQuestionAccuracy(pairedOther), testOptions), pass_at_k },
  };
}
