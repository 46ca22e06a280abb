import { bootstrapKindMeanCIs, mean } from "./bootstrap.js";
import { binIndex, type BinScheme } from "./bins.js";
import { unsolvedEpsilon } from "./epsilon.js";
import { passAtKCurves } from "./pass-at-k.js";

/** One model's result on one question: `correct` of `n` graded samples. */
export type QuestionResult = { question_id: string; n: number; correct: number };

export type BinRow = { label: string; lo: number; hi: number; questions: number; accuracy: number | null };

export type ModelSummary = {
  questions: number;
  /** the smallest sample count over questions: every question has pass@k for k up to it */
  samples_per_question: number;
  /** the most common sample count (ties: the larger): the n the bins and epsilon refer to */
  modal_n: number;
  samples_total: number;
  accuracy: number;
  accuracy_ci: [number, number];
  /** pass@k for every k = 1..(largest n), keyed by k; each k over the questions with at least k samples */
  pass_at_k: Record<string, number>;
  /** ranges of k where pass@k is over fewer than all questions (only when sample counts differ) */
  pass_at_k_questions?: Array<{ from_k: number; to_k: number; questions: number }>;
  /** bootstrap intervals of pass@k at powers of two and at samples_per_question */
  pass_at_k_ci: Record<string, [number, number]>;
  unsolved: number;
  /** per-sample success rate below which an unsolved question with modal_n samples lies, at `confidence` */
  epsilon: number;
  /** questions binned by this model's own counts */
  bins: BinRow[];
  /** question ids with fewer samples than the most common count (shown as a warning) */
  short_questions: string[];
};

export type SummaryOptions = { confidence?: number; resamples?: number; seed?: number };

/** Powers of two up to n, plus n itself: the k values tables and confidence bands use. */
export function powersOfTwoUpTo(n: number): number[] {
  const ks: number[] = [];
  for (let k = 1; k <= n; k *= 2) ks.push(k);
  if (ks[ks.length - 1] !== n) ks.push(n);
  return ks;
}

/** Per-question pass@k values for one k (each question with its own n). */
export function perQuestionPassAtK(results: readonly QuestionResult[], k: number): Float64Array {
  const curve = passAtKCurves();
  return Float64Array.from(results, (r) => curve(r.n, r.correct)[k]!);
}

/**
 * The distinct (n, c) of some results, each a kind: `kinds[i]` is result i's, `n` and `c` are per kind. What
 * depends on the counts alone (pass@k, accuracy) is computed once per kind and bootstrapped by kind.
 */
function countKinds(results: readonly QuestionResult[]): { kinds: Int32Array; n: number[]; c: number[] } {
  const index = new Map<number, Map<number, number>>(); // n -> c -> kind
  const n: number[] = [];
  const c: number[] = [];
  const kinds = new Int32Array(results.length);
  results.forEach((r, i) => {
    let ofN = index.get(r.n);
    if (ofN === undefined) index.set(r.n, (ofN = new Map()));
    let kind = ofN.get(r.correct);
    if (kind === undefined) {
      ofN.set(r.correct, (kind = n.length));
      n.push(r.n);
      c.push(r.correct);
    }
    kinds[i] = kind;
  });
  return { kinds, n, c };
}

export function perQuestionAccuracy(results: readonly QuestionResult[]): Float64Array {
  return Float64Array.from(results, (r) => r.correct / r.n);
}

/** Accuracy, capability curve, unsolved count and bins for one model. */
export function summarizeModel(results: readonly QuestionResult[], scheme: BinScheme, options: SummaryOptions = {}): ModelSummary {
  const { confidence = 0.95, resamples = 1000, seed = 0 } = options;
  if (results.length === 0) throw new RangeError("a model summary needs at least one question");
  const minN = Math.min(...results.map((r) => r.n));
  const commonN = mostCommon(results.map((r) => r.n));
  const accuracies = perQuestionAccuracy(results);

  const maxN = Math.max(...results.map((r) => r.n));
  const curve = passAtKCurves();
  const sums = new Float64Array(maxN + 1);
  const counts = new Float64Array(maxN + 1);
  for (const r of results) {
    const q = curve(r.n, r.correct);
    for (let k = 1; k <= r.n; k++) {
      sums[k]! += q[k]!;
      counts[k]!++;
    }
  }
  const pass_at_k: Record<string, number> = {};
  for (let k = 1; k <= maxN; k++) pass_at_k[String(k)] = sums[k]! / counts[k]!;
  const pass_at_k_questions: NonNullable<ModelSummary["pass_at_k_questions"]> = [];
  for (let k = minN + 1; k <= maxN; k++) {
    const last = pass_at_k_questions[pass_at_k_questions.length - 1];
    if (last && last.questions === counts[k]) last.to_k = k;
    else pass_at_k_questions.push({ from_k: k, to_k: k, questions: counts[k]! });
  }

  // accuracy and the bands at k <= the smallest n share one bootstrap: with the same seed and question count,
  // separate ones would draw the same resamples
  const { kinds, n, c } = countKinds(results);
  const bandKs = powersOfTwoUpTo(minN);
  const passAtKOfKinds = (k: number, kn: number[], kc: number[]) => Float64Array.from(kn, (nk, t) => curve(nk, kc[t]!)[k]!);
  const intervals = bootstrapKindMeanCIs(kinds, [...bandKs.map((k) => passAtKOfKinds(k, n, c)), Float64Array.from(n, (nk, t) => c[t]! / nk)], { resamples, confidence, seed });
  const pass_at_k_ci: Record<string, [number, number]> = {};
  bandKs.forEach((k, i) => (pass_at_k_ci[String(k)] = intervals[i]!));
  // beyond the smallest n: each k over its own questions
  for (const k of powersOfTwoUpTo(maxN).filter((k) => k > minN)) {
    const over = countKinds(results.filter((r) => r.n >= k));
    pass_at_k_ci[String(k)] = bootstrapKindMeanCIs(over.kinds, [passAtKOfKinds(k, over.n, over.c)], { resamples, confidence, seed })[0]!;
  }

  return {
    questions: results.length,
    samples_per_question: minN,
    modal_n: commonN,
    samples_total: results.reduce((s, r) => s + r.n, 0),
    accuracy: mean(accuracies),
    accuracy_ci: intervals[bandKs.length]!,
    pass_at_k,
    ...(pass_at_k_questions.length > 0 ? { pass_at_k_questions } : {}),
    pass_at_k_ci,
    unsolved: results.filter((r) => r.correct === 0).length,
    epsilon: unsolvedEpsilon(commonN, confidence),
    bins: binTable(results, results, scheme),
    short_questions: results.filter((r) => r.n < commonN).map((r) => r.question_id),
  };
}

/**
 * Mean accuracy of `measured` over the bins that `binning` puts each question in. Questions are matched by id;
 * those missing from `measured` are skipped.
 */
export function binTable(binning: readonly QuestionResult[], measured: readonly QuestionResult[], scheme: BinScheme): BinRow[] {
  const byId = new Map(measured.map((r) => [r.question_id, r]));
  const count = new Array<number>(scheme.bins.length).fill(0);
  const sum = new Array<number>(scheme.bins.length).fill(0);
  for (const r of binning) {
    const m = byId.get(r.question_id);
    if (!m) continue;
    const b = binIndex(scheme, r.correct, r.n);
    count[b]!++;
    sum[b]! += m.correct / m.n;
  }
  return scheme.bins.map((bin, b) => ({ ...bin, questions: count[b]!, accuracy: count[b] ? sum[b]! / count[b]! : null }));
}

function mostCommon(values: number[]): number {
  const counts = new Map<number, number>();
  let best = values[0]!;
  for (const v of values) {
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    if (c > counts.get(best)! || (c === counts.get(best)! && v > best)) best = v;
  }
  return best;
}
