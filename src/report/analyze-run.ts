import { RlvdError } from "../core/errors.js";
import {
  AnswerStatsAccumulator, binIndex, keywordPattern, textStats, binsFromUpperEdges, coarseBins, compareModels, powersOfTwoUpTo,
  sameString, studyBins, summarizeModel,
  type AnswerEquivalence, type AnswerStats, type BinScheme, type Comparison, type KeywordStats, type LengthStats, type ModelSummary,
  type QuestionResult,
} from "../metrics/index.js";
import { STUDY_KEYWORDS } from "../metrics/text-stats.js";
import { answersByQuestion, modelContents, questionResults, type ModelContents } from "../store/queries.js";
import { textAggregates } from "../store/text-aggregates.js";
import { withStore, type SampleStore } from "../store/store.js";
import { binFits, modelFit, type BinFit, type ModelFit } from "./analyze-fit.js";
import type { FitVariant } from "../metrics/fit-beta-binomial.js";

export type AnalyzeOptions = {
  /** the model whose difficulty bins everything is measured on; default: a model named "base", if any */
  base?: string;
  /** k values for significance tests (default: powers of two up to n) */
  ks?: number[];
  /** custom inclusive upper bin edges; the last edge is the sample count they refer to */
  binEdges?: number[];
  keywords?: readonly string[];
  /** how two extracted answers are judged the same for maj@k and entropy (default: identical strings) */
  equivalent?: AnswerEquivalence;
  seed?: number;
  confidence?: number;
  /** extra k values for the extrapolated pass@k (`--fit-k`); the fit is skipped when `fit` is false */
  fitKs?: number[];
  fit?: boolean;
  fitVariant?: FitVariant | "auto";
  /** also fit each non-base model per base bin (`--fit-bins`) */
  fitBins?: boolean;
  /** called with a short description as each stage starts */
  onProgress?: (message: string) => void;
};

export type ModelAnalysis = ModelSummary & Partial<AnswerStats> & Partial<ModelFit> & { pass_at_k_fit_bins?: BinFit[]; length?: LengthStats; keywords?: KeywordStats };

export type Analysis = {
  base: string | null;
  models: Record<string, ModelAnalysis>;
  comparisons: Comparison[];
  warnings: string[];
};

/** Analyses every model in a run folder: the numbers behind `rlvd analyze` and the report. */
export async function analyzeRun(runDir: string, options: AnalyzeOptions = {}): Promise<Analysis> {
  return withStore(runDir, {}, (store) => analyzeStore(store, options));
}

export async function analyzeStore(store: SampleStore, options: AnalyzeOptions = {}): Promise<Analysis> {
  const { seed = 0, confidence = 0.95, equivalent = sameString, onProgress = () => {} } = options;
  const warnings: string[] = [];
  const byModel = new Map<string, QuestionResult[]>();
  for (const r of await questionResults(store)) {
    let list = byModel.get(r.model);
    if (!list) byModel.set(r.model, (list = []));
    list.push({ question_id: r.question_id, n: r.n, correct: r.correct });
  }
  const contents = new Map((await modelContents(store)).map((c) => [c.model, c]));
  for (const c of contents.values()) {
    if (c.ungraded > 0) warnings.push(`model ${c.model}: ${c.ungraded} of ${c.samples} samples are not graded yet and are left out`);
  }
  if (byModel.size === 0) throw new RlvdError("NOT_FOUND", `${store.dir}: the store holds no graded samples or counts to analyze`);

  const baseName = options.base ?? (byModel.has("base") ? "base" : null);
  if (baseName !== null && !byModel.has(baseName)) {
    throw new RlvdError("NOT_FOUND", `${store.dir}: no model named ${baseName} (models: ${[...byModel.keys()].join(", ")})`);
  }
  const schemeFor = (n: number): BinScheme =>
    options.binEdges ? binsFromUpperEdges(options.binEdges, options.binEdges[options.binEdges.length - 1]!) : studyBins(n);

  const models: Record<string, ModelAnalysis> = {};
  for (const [name, results] of byModel) {
    onProgress(`summarising ${name}`);
    const summary = summarizeModel(results, schemeFor(Math.min(...results.map((r) => r.n))), { seed, confidence });
    if (summary.short_questions.length > 0) {
      const shown = summary.short_questions.slice(0, 5).join(", ");
      const more = summary.short_questions.length > 5 ? `, ... (${summary.short_questions.length} in all)` : "";
      warnings.push(`model ${name}: ${summary.short_questions.length} questions have fewer samples than the rest: ${shown}${more}`);
    }
    models[name] = summary;
    if (options.fit !== false) {
      onProgress(`fitting pass@k beyond n for ${name}`);
      Object.assign(summary, modelFit(results, { extraKs: options.fitKs, variant: options.fitVariant, seed, confidence }));
    }
  }

  const base = baseName === null ? null : byModel.get(baseName)!;
  const baseScheme = base === null ? null : schemeFor(models[baseName!]!.samples_per_question);
  const comparisons: Comparison[] = [];
  if (base !== null) {
    for (const [name, results] of byModel) {
      if (name === baseName) continue;
      onProgress(`comparing ${name} with ${baseName}`);
      const cmp = compareModels(baseName!, base, name, results, baseScheme!, { ks: options.ks, seed, confidence });
      if (cmp.questions < Math.max(base.length, results.length)) {
        warnings.push(`comparison ${baseName} -> ${name}: only ${cmp.questions} questions are shared`);
      }
      comparisons.push(cmp);
      if (options.fitBins && options.fit !== false) {
        onProgress(`fitting ${name} per ${baseName} bin`);
        models[name]!.pass_at_k_fit_bins = binFits(base, (r) => binIndex(baseScheme!, r.correct, r.n), baseScheme!.bins.map((b) => b.label), results, { variant: options.fitVariant, seed, confidence });
      }
    }
  }

  for (const [name, results] of byModel) {
    const c = contents.get(name);
    if (!c || (c.answers === 0 && c.texts === 0)) continue;
    onProgress(`answer and text statistics for ${name}`);
    Object.assign(models[name]!, await sampleStatistics(store, name, c, base ?? results, baseScheme ?? schemeFor(models[name]!.samples_per_question), {
      equivalent, seed, keywords: options.keywords ?? STUDY_KEYWORDS, minN: models[name]!.samples_per_question,
    }));
  }
  return { base: baseName, models, comparisons, warnings };
}

/** maj@k, answer entropy (streamed one question at a time), length and keywords (summed in SQL) for one model. */
async function sampleStatistics(
  store: SampleStore,
  model: string,
  contents: ModelContents,
  binning: readonly QuestionResult[],
  scheme: BinScheme,
  options: { equivalent: AnswerEquivalence; seed: number; keywords: readonly string[]; minN: number },
): Promise<Partial<ModelAnalysis>> {
  const out: Partial<ModelAnalysis> = {};
  if (contents.answers > 0) {
    const binOf = new Map(binning.map((r) => [r.question_id, binIndex(scheme, r.correct, r.n)]));
    const answers = new AnswerStatsAccumulator(powersOfTwoUpTo(options.minN), scheme.bins, (q) => binOf.get(q) ?? -1, options.equivalent, options.seed);
    for await (const q of answersByQuestion(store, model)) answers.add({ question_id: q.question_id, answers: q.extracted, verdicts: q.correct });
    Object.assign(out, answers.result());
  }
  if (contents.texts > 0) {
    const coarse = coarseBins(scheme.n);
    const coarseOf = new Map(binning.map((r) => [r.question_id, binIndex(coarse, r.correct, r.n)]));
    const sums = await textAggregates(store, model, coarseOf, keywordPattern(options.keywords));
    if (sums.cells.length > 0) Object.assign(out, textStats(sums.cells, sums.keywords, coarse.bins, options.keywords));
  }
  return out;
}
