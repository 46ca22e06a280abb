import { RlvdError } from "../core/errors.js";
import {
  AnswerStatsAccumulator, binIndex, textStats, binsFromUpperEdges, coarseBins, compareModels, powersOfTwoUpTo,
  studyBins, summarizeModel,
  type AnswerEquivalence, type AnswerGrouping, type AnswerStats, type BinScheme, type Comparison, type KeywordStats, type LengthStats, type ModelSummary,
  type QuestionResult, type TextAggregate,
} from "../metrics/index.js";
import { STUDY_KEYWORDS } from "../metrics/text-stats.js";
import type { CodedAnswers } from "../metrics/answers.js";
import { answerCodesByQuestion, modelCounts, modelGradings, questionResults, startAnswerCodes, type ModelCounts } from "../store/queries.js";
import { startGenerationStats, modelMeta, sampleFailures, type GenerationStats } from "../store/sampling-records.js";
import type { AdaptiveSummary } from "../metrics/adaptive.js";
import { startTextAggregates, type TextAggregates } from "../store/text-aggregates.js";
import { addTextCell } from "../metrics/text-cells.js";
import { startHarnessAgreement, type HarnessAgreement } from "../store/harness-agreement.js";
import { withStore, type SampleStore } from "../store/store.js";
import { modelSpecs } from "../store/models.js";
import { addTextFindingTests, DEFAULT_FINDING_SETTINGS, findingTestsWithoutTexts, type FindingSettings, type FindingTests, type QuestionText } from "./finding-tests.js";
import { binFits, modelFit, type BinFit, type ModelFit } from "./analyze-fit.js";
import type { FitVariant } from "../metrics/fit-beta-binomial.js";
import { seriesMembers } from "../store/series.js";
import { seriesResults, type SeriesJsonEntry } from "./analyze-series.js";
import type { SeriesFall } from "../metrics/series.js";
import { STUDY_MODELS, studyPairs, type StudyModels } from "./study-models.js";
import { cachedAnalysis } from "./analysis-cache.js";

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
  /** the study's model names, for the direct contrasts its findings need (default: the embedded study's) */
  study?: Partial<StudyModels>;
  /** settings of the findings' tests (alpha, margin, resamples, minimum bin size): docs/analysis.md */
  findings?: Partial<FindingSettings>;
  /** extra k values for the extrapolated pass@k (`--fit-k`); the fit is skipped when `fit` is false */
  fitKs?: number[];
  fit?: boolean;
  fitVariant?: FitVariant | "auto";
  /** also fit each non-base model per base bin (`--fit-bins`) */
  fitBins?: boolean;
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
  /** what `rlvd sample --adaptive` spent, per bin, and its unbiased estimates (models.meta.adaptive) */
  adaptive?: AdaptiveSummary;
};

/** models.meta.adaptive as rlvd wrote it, or null (absent, or from a version whose shape differs). */
function adaptiveRecord(x: unknown): AdaptiveSummary | null {
  if (x === null || typeof x !== "object") return null;
  const a = x as Partial<AdaptiveSummary>;
  const e = a.estimates;
  const ok = Array.isArray(a.bins) && e !== undefined && Array.isArray(e.samples_per_bin) && Array.isArray(e.questions_per_bin) &&
    e.samples_per_bin.length === a.bins.length && typeof e.samples === "number" && typeof e.accuracy === "number";
  return ok ? (a as AdaptiveSummary) : null;
}

export type ModelAnalysis = ModelSummary & Partial<AnswerStats> & Partial<ModelFit> & {
  pass_at_k_fit_bins?: BinFit[]; length?: LengthStats; keywords?: KeywordStats; generation?: GenerationSummary;
};

export type Analysis = {
  base: string | null;
  models: Record<string, ModelAnalysis>;
  /** per model, the gradings of its verdicts (a convention label, or "imported"), most verdicts first;
   * absent from analyses not read from a store */
  grading?: Record<string, string[]>;
  comparisons: Comparison[];
  /** the statistics the findings are judged on (null without a base) */
  finding_tests?: FindingTests | null;
  warnings: string[];
  /** imported samples: the harness's verdicts against rlvd's, per model (absent when none carries one) */
  harness_agreement?: HarnessAgreement[];
  /**
   * snapshots of a training run, per series name, steps ascending, on the base's bins (absent when the store
   * records none); they are not among `models`, `comparisons` or the findings, unless the store holds nothing else
   */
  series?: Record<string, SeriesJsonEntry[]>;
  /** per series: the first step whose pass@N interval against the base lies below zero */
  series_fall?: Record<string, SeriesFall>;
};

/** Analyses every model in a run folder: the numbers behind `rlvd analyze` and the report. */
export async function analyzeRun(runDir: string, options: AnalyzeOptions = {}): Promise<Analysis> {
  return withStore(runDir, {}, (store) => analyzeStoreCached(store, options));
}

/** analyzeStore, reusing this process's analysis of the same snapshot with the same options (analysis-cache.ts). */
export async function analyzeStoreCached(store: SampleStore, options: AnalyzeOptions = {}): Promise<Analysis> {
  return cachedAnalysis(store, options, () => analyzeStore(store, options));
}

export async function analyzeStore(store: SampleStore, options: AnalyzeOptions = {}): Promise<Analysis> {
  // queries started ahead (the text scans) are awaited before the caller may close the store, whatever happened
  const pending: Promise<unknown>[] = [];
  try {
    return await analyzeWith(store, options, pending);
  } finally {
    await Promise.allSettled(pending);
  }
}

async function analyzeWith(store: SampleStore, options: AnalyzeOptions, pending: Promise<unknown>[]): Promise<Analysis> {
  const { seed = 0, confidence = 0.95, onProgress = () => {} } = options;
  const warnings: string[] = [];
  const byModel = new Map<string, QuestionResult[]>();
  for (const r of await questionResults(store)) {
    let list = byModel.get(r.model);
    if (!list) byModel.set(r.model, (list = []));
    list.push({ question_id: r.question_id, n: r.n, correct: r.correct });
  }
  const contents = new Map((await modelCounts(store)).map((c) => [c.model, c]));
  for (const c of contents.values()) {
    if (c.ungraded > 0) warnings.push(`model ${c.model}: ${c.ungraded} of ${c.samples} samples are not graded yet and are left out`);
  }
  if (byModel.size === 0) throw new RlvdError("NOT_FOUND", `${store.dir}: the store holds no graded samples or counts to analyze`);
  // snapshots of a series are analysed as a series (below), not as models of the study; a store that holds
  // nothing but snapshots (a verl dump, `rlvd sample --series` alone) keeps them as its models too
  const members = await seriesMembers(store);
  const allResults = new Map(byModel);
  const snapshotModels = new Set(members.map((m) => m.model));
  if ([...byModel.keys()].some((m) => !snapshotModels.has(m))) for (const m of snapshotModels) byModel.delete(m);
  else snapshotModels.clear();
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
  // bins refer to the modal n; a question with another n is placed by its success fraction (binIndex)
  const schemeFor = (n: number): BinScheme => {
    if (!options.binEdges) return studyBins(n);
    try {
      return binsFromUpperEdges(options.binEdges, options.binEdges[options.binEdges.length - 1]!);
    } catch (e) {
      // edges a user typed (--bins): their fault is a usage error, not an internal one
      if (e instanceof RangeError) throw new RlvdError("USAGE", `--bins ${options.binEdges.join(",")}: ${e.message}`);
      throw e;
    }
  };

  // the answer codes and the text scans, most of analyze's SQL, start now on side connections of the store
  // (SampleStore.startBeside) and run on DuckDB's threads while the summaries, fits and comparisons below are
  // computed in JavaScript, and the text scans on while the answer statistics are. All are started at once and
  // awaited together, so every query is executing before that synchronous work begins (connecting and preparing
  // each take turns of the JavaScript thread: one after another, they came to a tenth of the analysis). The
  // answer codes come first: past SIDE_CONNECTIONS, queries wait their turn in order.
  const base0 = baseName === null ? null : byModel.get(baseName)!;
  const starts: Promise<unknown>[] = [];
  const side = <T>(start: Promise<{ done: Promise<T> }>): Promise<T> => {
    starts.push(start.catch(() => undefined));
    const done = start.then((s) => s.done);
    pending.push(done);
    done.catch(() => undefined); // rejections surface where the result is awaited
    return done;
  };
  const codes = new Map<string, Promise<CodedAnswers[]>>();
  for (const name of byModel.keys()) {
    const c = contents.get(name);
    if (c && c.answers > 0) codes.set(name, side(startAnswerCodes(store, name)));
  }
  const scans = new Map<string, Promise<TextScan>>();
  for (const [name, results] of byModel) {
    const c = contents.get(name);
    if (c && c.samples > 0) scans.set(name, side(startTextScan(store, name, base0 ?? results, options.keywords ?? STUDY_KEYWORDS)));
  }
  // two small scans the end of the analysis reads, started now so that they do not run after it alone
  const generation = side(startGenerationStats(store));
  const harnessRows = side(startHarnessAgreement(store));
  await Promise.all(starts);

  const models: Record<string, ModelAnalysis> = {};
  for (const [name, results] of byModel) {
    onProgress(`summarising ${name}`);
    const summary = summarizeModel(results, schemeFor(modalN(results)), { seed, confidence });
    warnings.push(...sampleCountWarnings(name, summary));
    models[name] = summary;
    if (options.fit !== false) {
      onProgress(`fitting pass@k beyond n for ${name}`);
      Object.assign(summary, modelFit(results, { extraKs: options.fitKs, variant: options.fitVariant, seed, confidence }));
    }
  }

  const base = baseName === null ? null : byModel.get(baseName)!;
  const baseScheme = base === null ? null : schemeFor(models[baseName!]!.modal_n);
  const comparisons: Comparison[] = [];
  if (base !== null) {
    for (const [name, results] of byModel) {
      if (name === baseName) continue;
      onProgress(`comparing ${name} with ${baseName}`);
      const cmp = compareModels(baseName!, base, name, results, baseScheme!, { ks: options.ks, seed, confidence });
      if (cmp.questions < Math.max(base.length, results.length)) {
        warnings.push(`comparison ${baseName} -> ${name}: only ${cmp.questions} questions are shared`);
      }
      warnings.push(...testedKWarnings(cmp));
      comparisons.push(cmp);
      if (options.fitBins && options.fit !== false) {
        onProgress(`fitting ${name} per ${baseName} bin`);
        models[name]!.pass_at_k_fit_bins = binFits(base, (r) => binIndex(baseScheme!, r.correct, r.n), baseScheme!.bins.map((b) => b.label), results, { variant: options.fitVariant, seed, confidence });
      }
    }
  }

  const specs = await modelSpecs(store);
  const entropy = new Map<string, Map<string, number>>();
  const texts = new Map<string, Map<string, QuestionText>>();
  // a model of counts alone has nothing to scan; texts are not counted beforehand (that count alone reads every
  // response): the text scan finds none and adds nothing
  const sampled = [...byModel].filter(([name]) => (contents.get(name)?.samples ?? 0) > 0);
  const binningOf = (name: string, results: readonly QuestionResult[]) =>
    ({ binning: base ?? results, scheme: baseScheme ?? schemeFor(models[name]!.modal_n) });
  for (const [name, results] of sampled) {
    const equivalent = options.equivalent ?? options.grouping ?? (specs.get(name)?.startsWith("embedded:") ? "exact" : "math");
    onProgress(`answer statistics for ${name}`);
    const { binning, scheme } = binningOf(name, results);
    const stats = await answerStatistics(store, name, contents.get(name)!, binning, scheme, { equivalent, seed, minN: models[name]!.samples_per_question, codes: codes.get(name) });
    Object.assign(models[name]!, stats.summary);
    if (stats.entropy) entropy.set(name, stats.entropy);
  }
  // the findings' tests that need no texts run while the text scans still do; the text ratios follow them
  let finding_tests: FindingTests | null = null;
  const findingInputs = base === null ? null : { results: byModel, base: baseName!, scheme: baseScheme!, splitScheme: options.binEdges ? baseScheme! : undefined, entropy, texts, pairs: studyPairs({ ...STUDY_MODELS, ...options.study }) };
  const findingSettings = { ...DEFAULT_FINDING_SETTINGS, seed, ...options.findings };
  if (findingInputs !== null) {
    onProgress("testing the findings");
    finding_tests = findingTestsWithoutTexts(findingInputs, findingSettings);
  }
  for (const [name, results] of sampled) {
    onProgress(`text statistics for ${name}`);
    const { binning, scheme } = binningOf(name, results);
    const stats = await textStatistics(store, name, binning, scheme, { keywords: options.keywords ?? STUDY_KEYWORDS, scan: scans.get(name) });
    Object.assign(models[name]!, stats.summary);
    if (stats.texts) texts.set(name, stats.texts);
  }
  if (finding_tests !== null && findingInputs !== null) {
    onProgress("testing the findings on the texts");
    addTextFindingTests(finding_tests, findingInputs, findingSettings);
  }
  await addGeneration(store, models, warnings, await generation);
  const harness = await harnessRows;
  let series: Awaited<ReturnType<typeof seriesResults>> | null = null;
  if (members.length > 0) {
    onProgress("analysing the series of snapshots");
    series = await seriesResults(members, allResults, base === null ? null : { results: base, scheme: baseScheme! }, {
      seed, confidence, fit: options.fit !== false, fitVariant: options.fitVariant, warn: (m) => warnings.push(m),
      texts: async (name) => {
        const c = contents.get(name);
        if (!c || c.samples === 0) return {};
        const results = allResults.get(name)!;
        const equivalent = options.equivalent ?? options.grouping ?? (specs.get(name)?.startsWith("embedded:") ? "exact" : "math");
        const minN = Math.min(...results.map((r) => r.n));
        const stats = await sampleStatistics(store, name, c, base ?? results, baseScheme ?? schemeFor(modalN(results)), { equivalent, seed, keywords: options.keywords ?? STUDY_KEYWORDS, minN });
        return stats.summary;
      },
    });
  }
  return {
    base: baseName, models, grading: Object.fromEntries(Object.entries(grading).filter(([m]) => !snapshotModels.has(m))), comparisons, finding_tests, warnings, ...(harness.length > 0 ? { harness_agreement: harness } : {}),
    ...(series && Object.keys(series.series).length > 0 ? series : {}),
  };
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
async function addGeneration(store: SampleStore, models: Record<string, ModelAnalysis>, warnings: string[], stats: readonly GenerationStats[]): Promise<void> {
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
  for (const g of stats) {
    const m = models[g.model];
    if (!m) continue;
    const meta = await modelMeta(store, g.model);
    const sampling = meta.sampling as Record<string, unknown> | undefined;
    const adaptive = adaptiveRecord(meta.adaptive);
    m.generation = {
      mean_tokens: g.counted > 0 ? g.mean_tokens : null, counted: g.counted,
      truncation_rate: g.with_finish > 0 ? g.truncated / g.with_finish : null, truncated: g.truncated, with_finish: g.with_finish,
      failed_questions: (failed.get(g.model) ?? []).map((f) => f.question_id),
      ...(sampling ? { sampling } : {}),
      ...(adaptive ? { adaptive } : {}),
    };
  }
}

function modalN(results: readonly QuestionResult[]): number {
  const counts = new Map<number, number>();
  let best = results[0]!.n;
  for (const r of results) counts.set(r.n, (counts.get(r.n) ?? 0) + 1);
  for (const [n, c] of counts) if (c > counts.get(best)! || (c === counts.get(best)! && n > best)) best = n;
  return best;
}

/** Unequal sample counts: which questions are short, and what that does to pass@k, the bins and epsilon. */
function sampleCountWarnings(name: string, m: ModelSummary): string[] {
  if (m.short_questions.length === 0) return [];
  const shown = m.short_questions.slice(0, 5).join(", ");
  const more = m.short_questions.length > 5 ? `, ... (${m.short_questions.length} in all)` : "";
  const ranges = (m.pass_at_k_questions ?? []).map((r) => `k = ${r.from_k}${r.to_k > r.from_k ? `..${r.to_k}` : ""} over ${r.questions}`).join(", ");
  return [`model ${name}: ${m.short_questions.length} questions have fewer samples than the rest: ${shown}${more}; ` +
    `pass@k at each k is over the questions with at least k samples (${ranges} of ${m.questions} questions); ` +
    `bins and epsilon refer to the modal n = ${m.modal_n}, other questions placed by their success fraction`];
}

function testedKWarnings(c: Comparison): string[] {
  const out: string[] = [];
  if (c.untested_ks) out.push(`comparison ${c.base} -> ${c.other}: k = ${c.untested_ks.join(", ")} requested, but no shared question has that many samples in both models: not tested`);
  for (const [k, n] of Object.entries(c.tested_questions ?? {})) out.push(`comparison ${c.base} -> ${c.other}: pass@${k} is tested over the ${n} of ${c.questions} shared questions with at least ${k} samples in both models`);
  return out;
}

/**
 * maj@k, answer entropy (streamed one question at a time), length and keywords (summed in SQL, per question so
 * the findings can bootstrap over questions; the coarse-bin cells are folded from those sums) for one model:
 * answerStatistics, then textStatistics.
 */
async function sampleStatistics(
  store: SampleStore,
  model: string,
  contents: ModelCounts,
  binning: readonly QuestionResult[],
  scheme: BinScheme,
  options: { equivalent: AnswerGrouping | AnswerEquivalence; seed: number; keywords: readonly string[]; minN: number },
): Promise<{ summary: Partial<ModelAnalysis>; entropy?: Map<string, number>; texts?: Map<string, QuestionText> }> {
  const answers = await answerStatistics(store, model, contents, binning, scheme, options);
  const text = await textStatistics(store, model, binning, scheme, options);
  return { summary: { ...answers.summary, ...text.summary }, entropy: answers.entropy, texts: text.texts };
}

/** maj@k and answer entropy for one model, from its answer codes (read now, or started beforehand: `codes`). */
async function answerStatistics(
  store: SampleStore,
  model: string,
  contents: ModelCounts,
  binning: readonly QuestionResult[],
  scheme: BinScheme,
  options: { equivalent: AnswerGrouping | AnswerEquivalence; seed: number; minN: number; codes?: Promise<CodedAnswers[]> },
): Promise<{ summary: Partial<ModelAnalysis>; entropy?: Map<string, number> }> {
  if (contents.answers === 0) return { summary: {} };
  const binOf = new Map(binning.map((r) => [r.question_id, binIndex(scheme, r.correct, r.n)]));
  const answers = new AnswerStatsAccumulator(powersOfTwoUpTo(options.minN), scheme.bins, (q) => binOf.get(q) ?? -1, options.equivalent, options.seed);
  if (options.codes) for (const q of await options.codes) answers.addCoded(q);
  else for await (const q of answerCodesByQuestion(store, model)) answers.addCoded(q);
  return { summary: answers.result(), entropy: answers.correctedEntropy };
}

/** Length and keyword statistics for one model, folded from its text scan (run now, or started beforehand: `scan`). */
async function textStatistics(
  store: SampleStore,
  model: string,
  binning: readonly QuestionResult[],
  scheme: BinScheme,
  options: { keywords: readonly string[]; scan?: Promise<TextScan> },
): Promise<{ summary: Partial<ModelAnalysis>; texts?: Map<string, QuestionText> }> {
  const coarse = coarseBins(scheme.n);
  const coarseOf = new Map(binning.map((r) => [r.question_id, binIndex(coarse, r.correct, r.n)]));
  const { ids, perQuestion } = await (options.scan ?? (await startTextScan(store, model, binning, options.keywords)).done);
  if (perQuestion.cells.length === 0) return { summary: {} };
  const cells = new Map<string, TextAggregate>();
  const texts = new Map<string, QuestionText>();
  for (const c of perQuestion.cells) {
    const id = c.bin < 0 ? null : ids[c.bin]!;
    const bin = id === null ? -1 : coarseOf.get(id)!;
    const key = `${c.correct}|${bin}`;
    const cell = cells.get(key) ?? { correct: c.correct, bin, responses: 0, chars: 0, tokens: 0, token_responses: 0, keyword_total: 0, with_keyword: 0 };
    addTextCell(cell, c);
    cells.set(key, cell);
    if (id !== null) {
      const t = texts.get(id) ?? { responses: 0, chars: 0, keywords: 0, correct: { responses: 0, chars: 0, keywords: 0 } };
      t.responses += c.responses;
      t.chars += c.chars;
      t.keywords += c.keyword_total;
      if (c.correct) {
        t.correct.responses += c.responses;
        t.correct.chars += c.chars;
        t.correct.keywords += c.keyword_total;
      }
      texts.set(id, t);
    }
  }
  return { summary: textStats([...cells.values()], perQuestion.keywords, coarse.bins, options.keywords), texts };
}

type TextScan = { ids: string[]; perQuestion: TextAggregates };

/**
 * Starts one model's text sums per question of `binning` (each question its own "bin" in SQL, folded into
 * coarse cells by the caller); resolves once the scan is executing, with a promise of its sums.
 */
async function startTextScan(store: SampleStore, model: string, binning: readonly QuestionResult[], keywords: readonly string[]): Promise<{ done: Promise<TextScan> }> {
  const ids = [...new Set(binning.map((r) => r.question_id))];
  const { done } = await startTextAggregates(store, model, new Map(ids.map((q, i) => [q, i])), keywords);
  return { done: done.then((perQuestion) => ({ ids, perQuestion })) };
}
