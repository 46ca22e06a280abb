import type { BinScheme } from "./bins.js";
import { mean } from "./bootstrap.js";
import { pairedDifference, type PairedResult } from "./paired-test.js";
import { passAtK } from "./pass-at-k.js";
import { binTable, type QuestionResult } from "./summary.js";

/**
 * Capability along a training run: a series of snapshots of one model (steps ascending) measured against the
 * base on the base's difficulty bins, which stay fixed for every step. A question is "solved" by a model when at
 * least one of its samples is right (pass@n > 0); "won" and "lost" count questions that change between solved
 * and unsolved from the previous snapshot (the base, for the first) and from the base.
 */

/** The pass@k the series reports against step (issue 17): accuracy, a middle k and the study's k = 256. */
export const SERIES_KS = [1, 16, 256] as const;

export type SeriesPoint = { model: string; step: number; results: readonly QuestionResult[] };

export type SeriesBinAccuracy = { label: string; questions: number; accuracy: number | null };

export type SeriesEntry = {
  model: string;
  step: number;
  questions: number;
  accuracy: number;
  /** pass@k at SERIES_KS that every question's sample count reaches (each over all of the snapshot's questions) */
  pass_at_k: Record<string, number>;
  /** mean accuracy per base bin (the base's own bins, the same at every step); [] without a base */
  bin_accuracy: SeriesBinAccuracy[];
  /** questions solved now and unsolved at the previous snapshot (the base, for the first); null: nothing to compare */
  won: number | null;
  /** questions unsolved now and solved at the previous snapshot (the base, for the first) */
  lost: number | null;
  won_from_base: number | null;
  lost_from_base: number | null;
  /** pass@N against the base, paired over shared questions (N: the largest k both have on every one) */
  pass_at_n_vs_base: (PairedResult & { k: number }) | null;
};

/** The first step whose pass@N interval against the base lies wholly below zero (null: none does). */
export type SeriesFall = { k: number | null; step: number | null; model: string | null };

export type SeriesAnalysis = { entries: SeriesEntry[]; fall: SeriesFall };

export type SeriesOptions = { seed?: number; resamples?: number; permutations?: number; confidence?: number };

export function analyzeSeries(
  points: readonly SeriesPoint[],
  base: { results: readonly QuestionResult[]; scheme: BinScheme } | null,
  options: SeriesOptions = {},
): SeriesAnalysis {
  const sorted = [...points].sort((a, b) => a.step - b.step);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.step === sorted[i - 1]!.step) throw new RangeError(`two snapshots at step ${sorted[i]!.step}: ${sorted[i - 1]!.model} and ${sorted[i]!.model}`);
  }
  const entries: SeriesEntry[] = [];
  let previous: readonly QuestionResult[] | null = base?.results ?? null;
  for (const p of sorted) {
    if (p.results.length === 0) throw new RangeError(`snapshot ${p.model} has no questions`);
    const minN = Math.min(...p.results.map((r) => r.n));
    const pass_at_k: Record<string, number> = {};
    for (const k of SERIES_KS) if (k <= minN) pass_at_k[String(k)] = mean(Float64Array.from(p.results, (r) => passAtK(r.n, r.correct, k)));
    const fromPrevious = previous === null ? null : solvedTransitions(previous, p.results);
    const fromBase = base === null ? null : solvedTransitions(base.results, p.results);
    entries.push({
      model: p.model,
      step: p.step,
      questions: p.results.length,
      accuracy: mean(Float64Array.from(p.results, (r) => r.correct / r.n)),
      pass_at_k,
      bin_accuracy: base === null ? [] : binTable(base.results, p.results, base.scheme).map(({ label, questions, accuracy }) => ({ label, questions, accuracy })),
      won: fromPrevious?.won ?? null,
      lost: fromPrevious?.lost ?? null,
      won_from_base: fromBase?.won ?? null,
      lost_from_base: fromBase?.lost ?? null,
      pass_at_n_vs_base: base === null ? null : passAtNAgainst(base.results, p.results, options),
    });
    previous = p.results;
  }
  const falling = entries.find((e) => e.pass_at_n_vs_base !== null && e.pass_at_n_vs_base.ci[1] < 0);
  const k = entries.find((e) => e.pass_at_n_vs_base !== null)?.pass_at_n_vs_base?.k ?? null;
  return { entries, fall: { k, step: falling?.step ?? null, model: falling?.model ?? null } };
}

/** Questions (shared by both) that go from unsolved to solved (won) and from solved to unsolved (lost). */
export function solvedTransitions(before: readonly QuestionResult[], after: readonly QuestionResult[]): { won: number; lost: number } {
  const byId = new Map(before.map((r) => [r.question_id, r]));
  let won = 0;
  let lost = 0;
  for (const a of after) {
    const b = byId.get(a.question_id);
    if (!b) continue;
    if (a.correct > 0 && b.correct === 0) won++;
    if (a.correct === 0 && b.correct > 0) lost++;
  }
  return { won, lost };
}

function passAtNAgainst(base: readonly QuestionResult[], other: readonly QuestionResult[], options: SeriesOptions): (PairedResult & { k: number }) | null {
  const byId = new Map(other.map((r) => [r.question_id, r]));
  const pairs = base.flatMap((b) => (byId.has(b.question_id) ? [[b, byId.get(b.question_id)!] as const] : []));
  if (pairs.length === 0) return null;
  const k = Math.min(...pairs.map(([b, o]) => Math.min(b.n, o.n)));
  const result = pairedDifference(
    Float64Array.from(pairs, ([b]) => passAtK(b.n, b.correct, k)),
    Float64Array.from(pairs, ([, o]) => passAtK(o.n, o.correct, k)),
    { seed: options.seed ?? 0, resamples: options.resamples, permutations: options.permutations, confidence: options.confidence },
  );
  return { k, ...result };
}
