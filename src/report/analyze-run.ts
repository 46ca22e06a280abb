import { RlvdError } from "../core/errors.js";
import {
  AnswerStatsAccumulator, binIndex, keywordPattern, textStats, binsFromUpperEdges, coarseBins, compareModels, powersOfTwoUpTo,
  studyBins, summarizeModel,
  type AnswerEquivalence, type AnswerGrouping, type AnswerStats, type BinScheme, type Comparison, type KeywordStats, type LengthStats, type ModelSummary,
  type QuestionResult,
} from "../metrics/index.js";
import { STUDY_KEYWORDS } from "../metrics/text-stats.js";
import { answersByQuestion, modelContents, modelGradings, questionResults, type ModelContents } from "../store/queries.js";
import { generationStats, modelMeta, sampleFailures } from "../store/sampling-records.js";
import { textAggregates } from "../store/text-aggregates.js";
import { harnessAgreement, type HarnessAgreement } from "../store/harness-agreement.js";
import { withStore, type SampleStore } from "../store/store.js";

export type AnalyzeOptions = {
  /** the model whose difficulty bins everything is measured on; default: a model named "base", if any */
  base?: string;
  /** k values for significance tests (default: powers of two up to n) */
  ks?: number[];
  /** custom inclusive upper bin edges; the last edge is the sample count they refer to */
  binEdges?: number[];
  keywords?: readonly string[];
  /**
   * how answers are grouped for maj@k and entropy: "math" (the verifier's equivalence) or "exact" (identical
   * strings). Default per model: "exact" for a model sampled from an embedded checkpoint (the world, graded by
   * exact match), "math" otherwise.
   */
  grouping?: AnswerGrouping;
  /** an equivalence of one's own instead (results say "custom"); overrides `grouping` */
  equivalent?: AnswerEquivalence;
  seed?: number;
  confidence?: number;
  /** called with a short description as each stage starts */
  onProgress?: (message: string) => void;
  /**
   * Models graded under different conventions (verify/conventions.ts) are not comparable: "warn" (default)
   * says so among the warnings, "refuse" stops with a usage error before anything is computed.
   */
  mixedGrading?: "warn" | "refuse";
};

/**
 * How a model's samples were generated: length in tokens, how often max_tokens cut them off (a model that is
 * truncated more often than another is a confound for every length and accuracy comparison), the questions
 * that could not be sampled, and the exact sampling parameters recorded when they were drawn.
 */
export type GenerationSummary = {
  /** mean tokens per response, over the `counted` samples whose count is known */
  mean_tokens: number | null;
  counted: number;
  /** share of samples with finish_reason "length", over the `with_finish` samples whose reason is known */
  truncation_rate: number | null;
  truncated: number;
  with_finish: number;
  failed_questions: string[];
  sampling?: Record<string, unknown>;
};

export type ModelAnalysis = ModelSummary & Partial<AnswerStats> & { length?: LengthStats; keywords?: KeywordStats; generation?: GenerationSummary };

export type Analysis = {
  base: string | null;
  models: Record<string, ModelAnalysis>;
  /** per model, the gradings of its verdicts (a convention label, or "imported"), most verdicts first;
   * absent from analyses not read from a store */
  grading?: Record<string, string[]>;
  comparisons: Comparison[];
  warnings: string[];
  /** imported samples: the harness's verdicts against rlvd's, per model (absent when none carries one) */
  harness_agreement?: HarnessAgreement[];
};

/** Analyses every model in a run folder: the numbers behind `rlvd analyze` and the report. */
export async function analyzeRun(runDir: string, options: AnalyzeOptions = {}): Promise<Analysis> {
  return withStore(runDir, {}, (store) => analyzeStore(store, options));
}

export async function analyzeStore(store: SampleStore, options: AnalyzeOptions = {}): Promise<Analysis> {
  const { seed = 0, confidence = 0.95, onProgress = () => {} } = options;
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
  const grading = await gradingsByModel(store);
  const mixed = mixedGrading(grading);
  if (mixed !== null) {
    if (options.mixedGrading === "refuse") throw new RlvdError("USAGE", `${store.dir}: ${mixed}; grade them alike (rlvd grade/import --regrade --extract ...) or pass --allow-mixed-grading`);
    warnings.push(mixed);
  }

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
    }
  }

  const specs = new Map((await store.all<{ name: string; spec: string | null }>("SELECT name, spec FROM models")).map((m) => [m.name, m.spec]));
  for (const [name, results] of byModel) {
    const c = contents.get(name);
    if (!c || (c.answers === 0 && c.texts === 0)) continue;
    const equivalent = options.equivalent ?? options.grouping ?? (specs.get(name)?.startsWith("embedded:") ? "exact" : "math");
    onProgress(`answer and text statistics for ${name}`);
    Object.assign(models[name]!, await sampleStatistics(store, name, c, base ?? results, baseScheme ?? schemeFor(models[name]!.samples_per_question), {
      equivalent, seed, keywords: options.keywords ?? STUDY_KEYWORDS, minN: models[name]!.samples_per_question,
    }));
  }
  await addGeneration(store, models, warnings);
  const harness = await harnessAgreement(store);
  return { base: baseName, models, grading, comparisons, warnings, ...(harness.length > 0 ? { harness_agreement: harness } : {}) };
}

async function gradingsByModel(store: SampleStore): Promise<Record<string, string[]>> {
  const rows = (await modelGradings(store)).sort((a, b) => a.model.localeCompare(b.model) || b.n - a.n || a.grading.localeCompare(b.grading));
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.model] ??= []).push(r.grading);
  return out;
}

/**
 * A one-line description of mixed grading, or null: the rlvd conventions that graded the models' verdicts
 * differ (between models or within one). Imported verdicts carry no rlvd convention and are not counted.
 */
export function mixedGrading(grading: Record<string, string[]>): string | null {
  const used = new Set(Object.values(grading).flat().filter((g) => g !== "imported"));
  if (used.size <= 1) return null;
  const who = Object.entries(grading).map(([m, gs]) => `${m} (${gs.join(" + ")})`).join(", ");
  return `models graded under different conventions are not comparable: ${who}`;
}

/** Attaches GenerationSummary to each analysed model, and warns of questions that could not be sampled. */
async function addGeneration(store: SampleStore, models: Record<string, ModelAnalysis>, warnings: string[]): Promise<void> {
  const failed = new Map<string, Array<{ question_id: string; error: string }>>();
  for (const f of await sampleFailures(store)) {
    let list = failed.get(f.model);
    if (!list) failed.set(f.model, (list = []));
    list.push(f);
  }
  for (const [model, list] of failed) {
    const shown = list.slice(0, 3).map((f) => `${f.question_id} (${f.error.slice(0, 160)})`).join("; ");
    const more = list.length > 3 ? `; ... (${list.length} in all)` : "";
    warnings.push(`model ${model}: ${list.length} question${list.length === 1 ? "" : "s"} could not be sampled and ${list.length === 1 ? "is" : "are"} left out: ${shown}${more}`);
  }
  for (const g of await generationStats(store)) {
    const m = models[g.model];
    if (!m) continue;
    const sampling = (await modelMeta(store, g.model)).sampling as Record<string, unknown> | undefined;
    m.generation = {
      mean_tokens: g.counted > 0 ? g.mean_tokens : null, counted: g.counted,
      truncation_rate: g.with_finish > 0 ? g.truncated / g.with_finish : null, truncated: g.truncated, with_finish: g.with_finish,
      failed_questions: (failed.get(g.model) ?? []).map((f) => f.question_id),
      ...(sampling ? { sampling } : {}),
    };
  }
}

/** maj@k, answer entropy (streamed one question at a time), length and keywords (summed in SQL) for one model. */
async function sampleStatistics(
  store: SampleStore,
  model: string,
  contents: ModelContents,
  binning: readonly QuestionResult[],
  scheme: BinScheme,
  options: { equivalent: AnswerGrouping | AnswerEquivalence; seed: number; keywords: readonly string[]; minN: number },
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
