/**
 * The extrapolated pass@k of `rlvd analyze`: per model, the beta-binomial fit of its counts (metrics/fit-*.ts) and
 * pass@k predicted for k = 1, 2, 4, .. up to at least 16 n, with bootstrap intervals. Counts alone suffice, so it
 * works on imported counts as well as on graded samples. Kept apart from analyze-run.ts so the wiring is one call.
 */
import { FIT_DEFAULTS, fitKs, passAtKFit, type FitPoint, type PassAtKFitOptions } from "../metrics/fit-predict.js";
import type { QuestionResult } from "../metrics/summary.js";
import type { FitVariant } from "../metrics/fit-beta-binomial.js";

/**
 * How analyze fits: the settings docs/analysis.md's validation chose (a Beta, tail-censored at n/4, posterior
 * predictive); `variant` can be overridden (`rlvd analyze --fit-variant zero`).
 */
export const ANALYZE_FIT = { variant: FIT_DEFAULTS.variant, method: FIT_DEFAULTS.method, censorAbove: FIT_DEFAULTS.censorAbove, resamples: 100 } as const satisfies PassAtKFitOptions;

export type FitModelInfo = {
  variant: string;
  method: string;
  /** counts above this fraction of n entered the likelihood only as "above" */
  censor_above: number;
  a: number;
  b: number;
  w0: number;
  w1: number;
  log_likelihood: number;
  /** pass@k below this is the unbiased estimator's; above it, only the fit speaks */
  samples_per_question: number;
};

export type ModelFit = { pass_at_k_fit: Record<string, FitPoint>; pass_at_k_fit_model: FitModelInfo };

export type ModelFitOptions = { extraKs?: readonly number[]; variant?: FitVariant | "auto"; seed?: number; confidence?: number };

export function modelFit(results: readonly QuestionResult[], options: ModelFitOptions = {}): ModelFit {
  const n = Math.min(...results.map((r) => r.n));
  const fit = passAtKFit(results, {
    ...ANALYZE_FIT, variant: options.variant ?? ANALYZE_FIT.variant, ks: fitKs(n, options.extraKs), seed: options.seed ?? 0, confidence: options.confidence ?? 0.95,
  });
  return {
    pass_at_k_fit: fit.points,
    pass_at_k_fit_model: {
      variant: fit.fit.variant, method: fit.method, censor_above: ANALYZE_FIT.censorAbove,
      a: fit.fit.a, b: fit.fit.b, w0: fit.fit.w0, w1: fit.fit.w1, log_likelihood: fit.fit.log_likelihood, samples_per_question: n,
    },
  };
}

/** One line for `rlvd analyze`'s text: the fit beyond n at 2n, 4n and 16n, with intervals, labelled a fit. */
export function formatFitLine(m: Partial<ModelFit> & { samples_per_question: number }): string {
  if (!m.pass_at_k_fit || !m.pass_at_k_fit_model) return "";
  const n = m.samples_per_question;
  const parts: string[] = [];
  for (const k of [2 * n, 4 * n, 16 * n]) {
    const p = m.pass_at_k_fit[String(k)];
    if (p) parts.push(`k=${k} ${p.estimate.toFixed(3)} [${p.ci[0].toFixed(3)}, ${p.ci[1].toFixed(3)}]`);
  }
  if (parts.length === 0) return "";
  const f = m.pass_at_k_fit_model;
  const never = f.w0 > 0 ? `, ${(100 * f.w0).toFixed(1)}% never solvable` : "";
  return `  pass@k beyond n (a fit: ${f.variant === "beta" ? "" : `${f.variant}-inflated `}beta-binomial${never}): ${parts.join(", ")}\n`;
}

export type BinFit = { label: string; questions: number; pass_at_k_fit: Record<string, FitPoint> };

/**
 * The fit per difficulty bin of another model (the base): the model's counts on the questions of each base bin,
 * fitted separately, at k = n, 4 n and 16 n. Bins come from a different model's samples, so selecting the
 * questions does not select on the counts being fitted (a model's own bins would: its bin 0 holds only zeros).
 */
export function binFits(
  binning: readonly QuestionResult[],
  binOf: (r: QuestionResult) => number,
  labels: readonly string[],
  results: readonly QuestionResult[],
  options: { variant?: FitVariant | "auto"; seed?: number; confidence?: number } = {},
): BinFit[] {
  const byId = new Map(results.map((r) => [r.question_id, r]));
  const groups = labels.map(() => [] as QuestionResult[]);
  for (const b of binning) {
    const r = byId.get(b.question_id);
    if (r) groups[binOf(b)]!.push(r);
  }
  return groups.flatMap((group, i) => {
    if (group.length === 0) return [];
    const n = Math.min(...group.map((r) => r.n));
    const fit = passAtKFit(group, {
      ...ANALYZE_FIT, resamples: 100, variant: options.variant ?? ANALYZE_FIT.variant, ks: [n, 4 * n, 16 * n], seed: options.seed ?? 0, confidence: options.confidence ?? 0.95,
    });
    return [{ label: labels[i]!, questions: group.length, pass_at_k_fit: fit.points }];
  });
}
