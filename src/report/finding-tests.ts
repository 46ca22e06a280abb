/**
 * The statistics every finding is judged on (findings.ts turns them into verdicts). All of them are computed
 * here from per-question results, with the settings stated in `settings`, so the analysis JSON carries the
 * tests themselves and a verdict can be re-derived from it. docs/analysis.md states each test and its target.
 */
import { binIndex, coarseBins, studyBins, type BinScheme } from "../metrics/bins.js";
import { bootstrapGroupMeans, bootstrapSplitSums, contrastFromReplicates, pairedMeanContrast, type Contrast } from "../metrics/contrast.js";
import { pairedBinaryBounds, pairedBinaryP } from "../metrics/exact-binomial.js";
import { fixedBenchmarkAccuracy, fixedBenchmarkAtN } from "../metrics/fixed-benchmark.js";
import { passAtKCurve } from "../metrics/pass-at-k.js";
import { studentQuantile, studentTwoSided } from "../metrics/seeds.js";
import { splitBinOf, splitCounts } from "../metrics/split-bins.js";
import type { QuestionResult } from "../metrics/summary.js";

export type FindingSettings = {
  /** one-sided level of every test, and the family-wise level of the Holm adjustment across findings */
  alpha: number;
  /** flatness margin: a pass@N change below +margin counts as flat (and an accuracy loss below it as none) */
  margin: number;
  /** relative margin of "not longer" / "no more keywords" */
  text_margin: number;
  /** bootstrap resamples over questions */
  resamples: number;
  /** fewest questions a bin needs for a within-bin test; below it the test is inconclusive */
  min_bin: number;
  seed: number;
};

export const DEFAULT_FINDING_SETTINGS: FindingSettings = { alpha: 0.05, margin: 0.01, text_margin: 0.05, resamples: 10_000, min_bin: 10, seed: 0 };

export type BinTests = {
  /** the scheme's labels; questions are binned by half A of the base's samples, the base measured on half B */
  labels: string[];
  questions: number[];
  base_half_b: Array<number | null>;
  other: Array<number | null>;
  groups: { hard: string[]; middle: string[]; easy: string[] };
  middle_minus_hard: Contrast | null;
  middle_minus_easy: Contrast | null;
  middle: Contrast | null;
  /** the rarely-solved bin (the first above 0): mean accuracy change, one-sided Student t */
  hardest: Contrast | null;
};

export type EntropyBinTest = { label: string; questions: number; base: number | null; other: number | null; change: Contrast | null };

export type ModelTests = {
  accuracy: Contrast;
  capability: Contrast & { k: number };
  bins: BinTests | null;
  entropy?: EntropyBinTest[];
  length?: TextRatio;
  keywords?: TextRatio;
};

/** One part of a text ratio: the responses of one correctness, or the questions of one coarse base bin. */
export type TextPart = {
  label: string;
  /** questions with responses in the part, in both models */
  questions: number;
  /** mean per response in the part: base, trained */
  base: number | null;
  other: number | null;
  /** trained / base ratio with its interval; null where the base's mean is 0 or a model has no such response */
  ratio: Contrast | null;
};

/**
 * The ratio a length or keyword finding is judged on, with the same ratio for correct and incorrect responses
 * and in each of the four coarse base bins (the study's breakdown), from one bootstrap over questions.
 */
export type TextRatio = Contrast & { by_correctness: TextPart[]; by_bin: TextPart[] };

export type FindingTests = {
  settings: FindingSettings;
  /** per trained model, against the base */
  models: Record<string, ModelTests>;
  /** direct paired contrasts between two trained models, keyed "a - b: metric" */
  pairs: Record<string, Contrast>;
};

/** Per-question text sums of one model: all graded responses, and (`correct`) those graded correct. */
export type QuestionText = { responses: number; chars: number; keywords: number; correct: { responses: number; chars: number; keywords: number } };

export type TestInputs = {
  results: ReadonlyMap<string, readonly QuestionResult[]>;
  base: string;
  scheme: BinScheme;
  /** the bins of half the base's samples (split-sample bin tests); default: the study's bins at half the modal n */
  splitScheme?: BinScheme;
  /** Miller-Madow answer entropy per model and question, for models with extracted answers */
  entropy?: ReadonlyMap<string, ReadonlyMap<string, number>>;
  texts?: ReadonlyMap<string, ReadonlyMap<string, QuestionText>>;
  /** direct contrasts to compute: [a, b, metric] */
  pairs?: Array<[string, string, "accuracy" | "capability"]>;
};

/** Questions both models answered, aligned. */
export function pairResults(a: readonly QuestionResult[], b: readonly QuestionResult[]): [QuestionResult[], QuestionResult[]] {
  const byId = new Map(b.map((r) => [r.question_id, r]));
  const pa: QuestionResult[] = [], pb: QuestionResult[] = [];
  for (const r of a) {
    const o = byId.get(r.question_id);
    if (o) {
      pa.push(r);
      pb.push(o);
    }
  }
  return [pa, pb];
}

/** The modal sample count (ties: the larger). */
export function modalN(results: readonly QuestionResult[]): number {
  const counts = new Map<number, number>();
  let best = results[0]?.n ?? 0;
  for (const r of results) {
    const c = (counts.get(r.n) ?? 0) + 1;
    counts.set(r.n, c);
    if (c > counts.get(best)! || (c === counts.get(best)! && r.n > best)) best = r.n;
  }
  return best;
}

export function accuracyContrast(base: readonly QuestionResult[], other: readonly QuestionResult[], s: FindingSettings, seed: number): Contrast {
  const diff = Float64Array.from(base, (b, i) => other[i]!.correct / other[i]!.n - b.correct / b.n);
  const c = pairedMeanContrast(diff, { alpha: s.alpha, resamples: s.resamples, seed, thresholds: [0, -s.margin, s.margin] });
  return { ...c, ci_fixed: fixedBenchmarkAccuracy(base, other, s.alpha) };
}

/**
 * pass@K change (K: the base's modal sample count) over the questions where both models have at least K
 * samples. When every such question has exactly K samples, pass@K is 0/1 per question and the exact paired
 * bound is used; otherwise the paired bootstrap of the unbiased per-question pass@K.
 */
export function capabilityContrast(base: readonly QuestionResult[], other: readonly QuestionResult[], k: number, s: FindingSettings, seed: number): Contrast & { k: number } {
  const keep = base.map((b, i) => b.n >= k && other[i]!.n >= k);
  const pb = base.filter((_, i) => keep[i]), po = other.filter((_, i) => keep[i]);
  const q = pb.length;
  const thresholds = [0, s.margin];
  if (pb.every((b, i) => b.n === k && po[i]!.n === k)) {
    let onlyBase = 0, onlyOther = 0;
    pb.forEach((b, i) => {
      const sb = b.correct > 0, so = po[i]!.correct > 0;
      if (sb && !so) onlyBase++;
      if (so && !sb) onlyOther++;
    });
    const p: Contrast["p"] = {};
    for (const t of thresholds) p[String(t)] = pairedBinaryP(onlyBase, onlyOther, q, t);
    return {
      k, estimate: q === 0 ? Number.NaN : (onlyOther - onlyBase) / q, ci: pairedBinaryBounds(onlyBase, onlyOther, q, s.alpha), n: q,
      method: `exact paired bound at k = n (Clopper-Pearson on the discordance rate and on the McNemar split, ${onlyBase} questions solved by the base only, ${onlyOther} by the other only)`,
      target: "new questions", p, ci_fixed: fixedBenchmarkAtN(pb, po, { resamples: Math.min(s.resamples, 2000), seed: seed + 7, alpha: s.alpha }),
    };
  }
  const diff = Float64Array.from(pb, (b, i) => passAtKCurve(po[i]!.n, po[i]!.correct)[k]! - passAtKCurve(b.n, b.correct)[k]!);
  return { k, ...pairedMeanContrast(diff, { alpha: s.alpha, resamples: s.resamples, seed, thresholds }) };
}

/** One-sided Student t contrast of a mean (small bins, where percentile bootstrap bounds undercover). */
export function studentContrast(values: Float64Array, alpha: number, method: string): Contrast {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { estimate: mean, ci: [Number.NaN, Number.NaN], n, method, target: "new questions", p: { "0": { above: 1, below: 1 } } };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const se = sd / Math.sqrt(n);
  if (se === 0) return { estimate: mean, ci: [mean, mean], n, method, target: "new questions", p: { "0": { above: mean > 0 ? 0 : 1, below: mean < 0 ? 0 : 1 } } };
  const half = studentQuantile(1 - 2 * alpha, n - 1) * se;
  const t = mean / se;
  const tail = (1 - studentTwoSided(Math.abs(t), n - 1)) / 2; // P(T > |t|)
  return { estimate: mean, ci: [mean - half, mean + half], n, method, target: "new questions", p: { "0": { above: t > 0 ? tail : 1 - tail, below: t < 0 ? tail : 1 - tail } } };
}

function binTests(base: readonly QuestionResult[], other: readonly QuestionResult[], scheme: BinScheme, s: FindingSettings, seed: number): BinTests | null {
  const size = scheme.bins.length;
  if (size < 4) return null;
  const splits = splitCounts(base, s.seed);
  const bin = splitBinOf(splits, scheme);
  const diff = Float64Array.from(splits, (sp, i) => (sp.nB === 0 ? 0 : other[i]!.correct / other[i]!.n - sp.cB / sp.nB));
  const questions = new Array<number>(size).fill(0);
  const sumB = new Array<number>(size).fill(0), sumO = new Array<number>(size).fill(0);
  splits.forEach((sp, i) => {
    const b = bin[i]!;
    if (b < 0) return;
    questions[b]!++;
    sumB[b]! += sp.cB / sp.nB;
    sumO[b]! += other[i]!.correct / other[i]!.n;
  });
  const labels = scheme.bins.map((b) => b.label);
  const hardBins = [0, 1], middleBins = [...Array(size).keys()].slice(2, size - 1), easyBins = [size - 1];
  const groupOf = (b: number) => (b < 0 ? -1 : b <= 1 ? 0 : b === size - 1 ? 2 : 1);
  const group = Int32Array.from(bin, groupOf);
  const count = [0, 0, 0];
  group.forEach((g) => g >= 0 && count[g]!++);
  const mean = (g: number) => {
    let sum = 0, n = 0;
    group.forEach((x, i) => {
      if (x === g) {
        sum += diff[i]!;
        n++;
      }
    });
    return n === 0 ? Number.NaN : sum / n;
  };
  const reps = bootstrapGroupMeans(diff, group, 3, s.resamples, seed);
  const method = `bins from half A of the base's samples, base measured on half B; bootstrap over questions (${s.resamples} resamples)`;
  const contrast = (f: (h: number, m: number, e: number) => number, n: number) => {
    const r = Float64Array.from(reps[0]!, (h, i) => f(h, reps[1]![i]!, reps[2]![i]!));
    return contrastFromReplicates(f(mean(0), mean(1), mean(2)), r, n, s.alpha, [0], method);
  };
  const hardestDiff = diff.filter((_, i) => bin[i] === 1);
  return {
    labels,
    questions,
    base_half_b: sumB.map((x, b) => (questions[b] ? x / questions[b]! : null)),
    other: sumO.map((x, b) => (questions[b] ? x / questions[b]! : null)),
    groups: { hard: hardBins.map((b) => labels[b]!), middle: middleBins.map((b) => labels[b]!), easy: easyBins.map((b) => labels[b]!) },
    middle_minus_hard: count[0] && count[1] ? contrast((h, m) => m - h, count[0] + count[1]) : null,
    middle_minus_easy: count[1] && count[2] ? contrast((_, m, e) => m - e, count[1] + count[2]) : null,
    middle: count[1] ? contrast((_, m) => m, count[1]) : null,
    hardest: hardestDiff.length === 0 ? null : studentContrast(hardestDiff, s.alpha, `one-sided Student t over the ${hardestDiff.length} questions of bin ${labels[1]} (split samples)`),
  };
}

function entropyTests(
  base: readonly QuestionResult[], hb: ReadonlyMap<string, number>, ho: ReadonlyMap<string, number>, scheme: BinScheme, s: FindingSettings, seed: number,
): EntropyBinTest[] {
  const size = scheme.bins.length;
  const rows = base.filter((r) => hb.has(r.question_id) && ho.has(r.question_id));
  const diff = Float64Array.from(rows, (r) => ho.get(r.question_id)! - hb.get(r.question_id)!);
  const group = Int32Array.from(rows, (r) => binIndex(scheme, r.correct, r.n));
  const reps = bootstrapGroupMeans(diff, group, size, s.resamples, seed);
  return scheme.bins.map((bin, b) => {
    const idx = rows.map((_, i) => i).filter((i) => group[i] === b);
    const m = (f: (i: number) => number) => (idx.length === 0 ? null : idx.reduce((a, i) => a + f(i), 0) / idx.length);
    const est = m((i) => diff[i]!);
    return {
      label: bin.label, questions: idx.length,
      base: m((i) => hb.get(rows[i]!.question_id)!), other: m((i) => ho.get(rows[i]!.question_id)!),
      change: est === null ? null : contrastFromReplicates(est, reps[b]!, idx.length, s.alpha, [0],
        `Miller-Madow entropy change in the base's bin (all of its samples), bootstrap over questions (${s.resamples} resamples)`),
    };
  });
}

/**
 * Ratio of per-response means (other / base) over the questions both have texts for, bootstrapped over
 * questions; the parts (correct / incorrect responses, the base's four coarse bins) are ratios of the same sums
 * restricted to their responses or questions, from the same resamples.
 */
function textRatio(
  tb: ReadonlyMap<string, QuestionText>, to: ReadonlyMap<string, QuestionText>, coarseOf: ReadonlyMap<string, number>, coarse: BinScheme,
  pick: "chars" | "keywords", s: FindingSettings, seed: number,
): TextRatio | undefined {
  const ids = [...tb.keys()].filter((q) => to.has(q) && tb.get(q)!.responses > 0 && to.get(q)!.responses > 0);
  if (ids.length === 0) return undefined;
  type Sums = { responses: number; chars: number; keywords: number };
  const incorrect = (t: QuestionText): Sums => ({ responses: t.responses - t.correct.responses, chars: t.chars - t.correct.chars, keywords: t.keywords - t.correct.keywords });
  // each part: which of a question's sums it takes (null: the question is not in the part)
  const parts: Array<{ label: string; of: (q: string, t: QuestionText) => Sums | null }> = [
    { label: "all", of: (_q, t) => t },
    { label: "correct", of: (_q, t) => t.correct },
    { label: "incorrect", of: (_q, t) => incorrect(t) },
    ...coarse.bins.map((bin, b) => ({ label: bin.label, of: (q: string, t: QuestionText) => (coarseOf.get(q) === b ? t : null) })),
  ];
  // four columns a part: trained numerator, trained responses, base numerator, base responses
  const cols: Float64Array[] = [];
  for (const part of parts) {
    const side = (m: ReadonlyMap<string, QuestionText>, f: (x: Sums) => number) => Float64Array.from(ids, (q) => {
      const x = part.of(q, m.get(q)!);
      return x === null ? 0 : f(x);
    });
    cols.push(side(to, (x) => x[pick]), side(to, (x) => x.responses), side(tb, (x) => x[pick]), side(tb, (x) => x.responses));
  }
  const ratio = (oNum: number, oDen: number, bNum: number, bDen: number) => (oNum / oDen) / (bNum / bDen);
  // the same replicates as bootstrapSums(cols, ...), in a third of the additions (cols are parts of the first 8)
  const group = Int32Array.from(ids, (q) => coarseOf.get(q) ?? -1);
  const sums = bootstrapSplitSums(cols.slice(0, 4), cols.slice(4, 8), group, coarse.bins.length, s.resamples, seed);
  const what = pick === "chars" ? "characters" : "reflection keywords";
  const results = parts.map((part, i) => {
    const c = cols.slice(4 * i, 4 * i + 4), r = sums.slice(4 * i, 4 * i + 4);
    const total = c.map((col) => col.reduce((a, b) => a + b, 0));
    const reps = Float64Array.from(r[0]!, (_, j) => ratio(r[0]![j]!, r[1]![j]!, r[2]![j]!, r[3]![j]!));
    const questions = ids.filter((_, j) => c[1]![j]! > 0 && c[3]![j]! > 0).length;
    const estimate = ratio(total[0]!, total[1]!, total[2]!, total[3]!);
    const contrast = contrastFromReplicates(estimate, reps, questions, s.alpha, [1 + s.text_margin],
      `ratio of mean ${what} per response (trained / base)${i === 0 ? "" : `, ${part.label}${i > 2 ? " (coarse base bin)" : " responses"}`}, bootstrap over questions (${s.resamples} resamples)`);
    const part_: TextPart = {
      label: part.label, questions,
      base: total[3]! > 0 ? total[2]! / total[3]! : null, other: total[1]! > 0 ? total[0]! / total[1]! : null,
      ratio: Number.isFinite(estimate) ? contrast : null,
    };
    return { contrast, part: part_ };
  });
  const all = results[0]!.contrast;
  return { ...all, n: ids.length, by_correctness: results.slice(1, 3).map((x) => x.part), by_bin: results.slice(3).map((x) => x.part) };
}

/** Every finding's statistics for a run's per-question results. */
export function findingTests(inputs: TestInputs, settings: FindingSettings = DEFAULT_FINDING_SETTINGS): FindingTests {
  return addTextFindingTests(findingTestsWithoutTexts(inputs, settings), inputs, settings);
}

/**
 * The findings' statistics that need no texts: accuracy, capability, bins, entropy, the pairs. Analyze computes
 * them while its text scans still run, then adds the length and keyword ratios (addTextFindingTests);
 * findingTests is the two in turn. Each compared model's seeds come from its place in `inputs.results`, so the
 * two parts draw what one pass would.
 */
export function findingTestsWithoutTexts(inputs: Omit<TestInputs, "texts">, settings: FindingSettings = DEFAULT_FINDING_SETTINGS): FindingTests {
  const s = settings;
  const base = inputs.results.get(inputs.base)!;
  const k = modalN(base);
  const splitScheme = inputs.splitScheme ?? studyBins(Math.max(1, Math.floor(k / 2)));
  const models: Record<string, ModelTests> = {};
  for (const [name, results, seed] of comparedModels(inputs, s)) {
    const [pb, po] = pairResults(base, results);
    const t: ModelTests = {
      accuracy: accuracyContrast(pb, po, s, seed + 1),
      capability: capabilityContrast(pb, po, k, s, seed + 2),
      bins: binTests(pb, po, splitScheme, s, seed + 3),
    };
    const hb = inputs.entropy?.get(inputs.base), ho = inputs.entropy?.get(name);
    if (hb && ho) t.entropy = entropyTests(pb, hb, ho, inputs.scheme, s, seed + 4);
    models[name] = t;
  }
  const pairs: Record<string, Contrast> = {};
  let seed = s.seed + 101 * Object.keys(models).length;
  for (const [a, b, metric] of inputs.pairs ?? []) {
    const ra = inputs.results.get(a), rb = inputs.results.get(b);
    if (!ra || !rb) continue;
    const [pb, pa] = pairResults(rb, ra); // a - b: b plays the base
    seed += 101;
    pairs[pairKey(a, b, metric)] = metric === "accuracy" ? accuracyContrast(pb, pa, s, seed) : capabilityContrast(pb, pa, k, s, seed);
  }
  return { settings: s, models, pairs };
}

/** Adds to `tests` (findingTestsWithoutTexts's) the length and keyword ratios of each model whose texts, and the base's, `inputs` has. */
export function addTextFindingTests(tests: FindingTests, inputs: TestInputs, settings: FindingSettings = DEFAULT_FINDING_SETTINGS): FindingTests {
  const base = inputs.results.get(inputs.base)!;
  // the length and keyword breakdown's bins: the four coarse bins of the base's own counts
  const coarse = coarseBins(inputs.scheme.n);
  const coarseOf = new Map(base.map((r) => [r.question_id, binIndex(coarse, r.correct, r.n)]));
  for (const [name, , seed] of comparedModels(inputs, settings)) {
    const tb = inputs.texts?.get(inputs.base), to = inputs.texts?.get(name);
    const t = tests.models[name];
    if (!tb || !to || !t) continue;
    const length = textRatio(tb, to, coarseOf, coarse, "chars", settings, seed + 5);
    const keywords = textRatio(tb, to, coarseOf, coarse, "keywords", settings, seed + 6);
    if (length) t.length = length;
    if (keywords) t.keywords = keywords;
  }
  return tests;
}

/** The models compared with the base, in the order of `inputs.results`, each with its seed: the settings' seed, 101 apart. */
function comparedModels(inputs: Pick<TestInputs, "results" | "base">, s: FindingSettings): Array<[string, readonly QuestionResult[], number]> {
  const out: Array<[string, readonly QuestionResult[], number]> = [];
  let seed = s.seed;
  for (const [name, results] of inputs.results) {
    if (name === inputs.base) continue;
    seed += 101;
    out.push([name, results, seed]);
  }
  return out;
}

export const pairKey = (a: string, b: string, metric: string): string => `${a} - ${b}: ${metric}`;
