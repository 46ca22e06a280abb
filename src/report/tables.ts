/** The report's tables as plain header + rows of strings: the HTML page and summary.md render the same ones. */
import { powersOfTwoUpTo } from "../metrics/summary.js";
import type { Analysis } from "./analyze-run.js";
import { slug } from "./charts.js";
import { fmt, pValue, signed } from "./text-table.js";
import { harnessTable } from "./harness-table.js";
import { TRAIN_METRICS, type TrainLog } from "./train-log.js";
import { dynamicsTables } from "./charts-dynamics.js";
import { adaptiveNote } from "./adaptive-note.js";

export type ReportTable = { id: string; title: string; header: string[]; rows: string[][]; note?: string };

/** Every table of a report; null where the run has no data for it. */
export type ReportTables = {
  accuracy: ReportTable;
  /** tables the caller adds (ReportOptions.extraTables), e.g. a study's published figures beside the run's */
  extra?: ReportTable[];
  comparison: ReportTable | null;
  binDelta: ReportTable | null;
  transitions: ReportTable[];
  entropy: ReportTable | null;
  text: ReportTable | null;
  /** length in tokens, truncation at max_tokens, failed questions and sampling parameters per model */
  generation: ReportTable | null;
  /** models sampled with --adaptive: samples spent per (estimated) bin and the unbiased estimates */
  adaptive: ReportTable | null;
  training: ReportTable | null;
  /** what each SFT run trained on: examples, distinct ones, questions, the held-out split (issue 18) */
  trainingSets: ReportTable | null;
  /** responses by class (ReportOptions.classify), null without a classifier */
  classes: ReportTable | null;
  /** harness verdict vs rlvd verdict of imported samples (harness-table.ts) */
  harness: ReportTable | null;
  /** one per series of snapshots (charts-dynamics.ts) */
  dynamics: ReportTable[];
};

/** The tables in reading order, absent ones left out. */
export function allTables(t: ReportTables): ReportTable[] {
  return [t.accuracy, t.comparison, t.binDelta, ...t.transitions, t.entropy, t.text, t.generation, t.adaptive, t.classes, t.harness, t.training, t.trainingSets, ...t.dynamics, ...(t.extra ?? [])].filter((x): x is ReportTable => x !== null);
}

export function reportTables(analysis: Analysis, models: string[], logs: readonly TrainLog[], classes: ReportTable | null = null): ReportTables {
  return {
    accuracy: accuracyTable(analysis, models),
    comparison: comparisonTable(analysis),
    binDelta: binDeltaTable(analysis),
    transitions: transitionTables(analysis),
    entropy: entropyTable(analysis, models),
    text: textTable(analysis, models),
    generation: generationTable(analysis, models),
    adaptive: adaptiveTable(analysis, models),
    training: trainingTable(logs),
    trainingSets: trainingSetsTable(logs),
    classes,
    harness: harnessTable(analysis),
    dynamics: dynamicsTables(analysis),
  };
}

const ci = (c: [number, number] | undefined, digits = 3) => (c ? `[${fmt(c[0], digits)}, ${fmt(c[1], digits)}]` : "");
const withCi = (x: number | undefined, c: [number, number] | undefined) => (x === undefined ? "-" : `${fmt(x)} ${ci(c)}`.trim());

/** Accuracy, pass@k (with intervals at powers of two), maj@n, unsolved and entropy per model. */
export function accuracyTable(analysis: Analysis, models: string[]): ReportTable {
  const maxN = Math.max(...models.map((m) => analysis.models[m]!.samples_per_question));
  const ks = powersOfTwoUpTo(maxN).filter((k) => k > 1);
  const anyMaj = models.some((m) => analysis.models[m]!.maj_at_k);
  const anyEntropy = models.some((m) => analysis.models[m]!.answer_entropy !== undefined);
  const header = ["model", "questions", "n", "accuracy (pass@1) [95% CI]", ...ks.map((k) => `pass@${k}`), "unsolved (p < ε)"];
  if (anyMaj) header.push("maj@n");
  if (anyEntropy) header.push("answer entropy");
  const rows = models.map((name) => {
    const m = analysis.models[name]!;
    const row = [
      name,
      String(m.questions),
      String(m.samples_per_question),
      withCi(m.accuracy, m.accuracy_ci),
      ...ks.map((k) => withCi(m.pass_at_k[String(k)], m.pass_at_k_ci[String(k)])),
      `${m.unsolved} (ε = ${fmt(m.epsilon, 4)})`,
    ];
    if (anyMaj) row.push(m.maj_at_k ? fmt(m.maj_at_k[String(m.samples_per_question)]) : "-");
    if (anyEntropy) row.push(m.answer_entropy === undefined ? "-" : fmt(m.answer_entropy));
    return row;
  });
  return {
    id: "accuracy-table",
    title: "Accuracy and capability",
    header,
    rows,
    note: "Intervals: 95% percentile bootstrap over questions. Unsolved: questions with no correct sample; each has a per-sample success rate below ε with 95% confidence.",
  };
}

/** Per comparison: accuracy and pass@k changes with paired intervals and p-values. */
export function comparisonTable(analysis: Analysis): ReportTable | null {
  if (analysis.comparisons.length === 0) return null;
  const ks = [...new Set(analysis.comparisons.flatMap((c) => Object.keys(c.significance.pass_at_k).map(Number)))].sort((a, b) => a - b).filter((k) => k > 1);
  const cell = (r: { delta: number; ci: [number, number]; p_value: number } | undefined) =>
    r ? `${signed(r.delta)} [${signed(r.ci[0])}, ${signed(r.ci[1])}] ${pValue(r.p_value)}` : "-";
  return {
    id: "comparison-table",
    title: `Changes vs ${analysis.base}`,
    header: ["model", "shared questions", "accuracy change", ...ks.map((k) => `pass@${k} change`)],
    rows: analysis.comparisons.map((c) => [c.other, String(c.questions), cell(c.significance.accuracy), ...ks.map((k) => cell(c.significance.pass_at_k[String(k)]))]),
    note: "Paired over shared questions: bootstrap 95% interval of the mean change and a sign-flip permutation p-value.",
  };
}

/** Per base bin: questions, the base's accuracy and each model's change. */
export function binDeltaTable(analysis: Analysis): ReportTable | null {
  if (analysis.comparisons.length === 0) return null;
  const first = analysis.comparisons[0]!;
  return {
    id: "bin-delta-table",
    title: `Accuracy change per ${analysis.base} bin`,
    header: ["bin", "questions", `${analysis.base} accuracy`, ...analysis.comparisons.map((c) => c.other)],
    rows: first.bin_accuracy_delta.map((b, i) => [
      b.label,
      String(b.questions),
      fmt(b.base_accuracy),
      ...analysis.comparisons.map((c) => signed(c.bin_accuracy_delta[i]?.delta ?? null)),
    ]),
  };
}

/** One transition matrix as a table (rows: base bin, columns: the model's bin). */
export function transitionTables(analysis: Analysis): ReportTable[] {
  return analysis.comparisons.map((c) => {
    const labels = c.bin_accuracy_delta.map((b) => b.label);
    return {
      id: `transition-table-${slug(c.other)}`,
      title: `Transitions ${c.base} → ${c.other} (rows: ${c.base} bin, columns: ${c.other} bin)`,
      header: ["", ...labels],
      rows: c.transition.map((row, i) => [labels[i]!, ...row.map(String)]),
    };
  });
}

export function entropyTable(analysis: Analysis, models: string[]): ReportTable | null {
  const withEntropy = models.filter((m) => analysis.models[m]!.answer_entropy_bins);
  if (withEntropy.length === 0) return null;
  const labels = analysis.models[withEntropy[0]!]!.answer_entropy_bins!.map((b) => b.label);
  return {
    id: "entropy-table",
    title: "Answer entropy (nats) per base bin",
    header: ["model", ...labels, "all"],
    rows: withEntropy.map((m) => [m, ...analysis.models[m]!.answer_entropy_bins!.map((b) => fmt(b.entropy)), fmt(analysis.models[m]!.answer_entropy)]),
    note: groupingNote(withEntropy.map((m) => analysis.models[m]!.answer_grouping)),
  };
}

const GROUPING_TEXT: Record<string, string> = {
  math: "by the verifier's equivalence (1/2, 0.5 and \frac12 are one answer)",
  exact: "by identical strings",
  custom: "by a custom equivalence",
};

/** Says how answers were grouped into classes for maj@k and entropy (one grouping, or which model used which). */
export function groupingNote(groupings: readonly (string | undefined)[]): string {
  const known = groupings.filter((g): g is string => g !== undefined);
  const kinds = [...new Set(known)];
  if (kinds.length === 0) return "";
  if (kinds.length === 1) return `maj@k and answer entropy group answers ${GROUPING_TEXT[kinds[0]!] ?? kinds[0]}.`;
  return `maj@k and answer entropy group answers per model: ${kinds.map((k) => `${GROUPING_TEXT[k] ?? k} (${known.filter((g) => g === k).length} models)`).join("; ")}.`;
}

export function textTable(analysis: Analysis, models: string[]): ReportTable | null {
  const withText = models.filter((m) => analysis.models[m]!.length);
  if (withText.length === 0) return null;
  return {
    id: "text-table",
    title: "Response length and reflection keywords",
    header: ["model", "chars (correct)", "chars (incorrect)", "keywords/response (correct)", "keywords/response (incorrect)", "share with any keyword"],
    rows: withText.map((name) => {
      const m = analysis.models[name]!;
      return [
        name,
        fmt(m.length!.chars.correct, 0),
        fmt(m.length!.chars.incorrect, 0),
        fmt(m.keywords?.per_response.correct, 2),
        fmt(m.keywords?.per_response.incorrect, 2),
        fmt(m.keywords?.responses_with_any.all, 2),
      ];
    }),
  };
}

/** Per model: mean length in tokens, the share truncated at max_tokens, failed questions, the sampling fields sent. */
export function generationTable(analysis: Analysis, models: string[]): ReportTable | null {
  const withGen = models.filter((m) => {
    const g = analysis.models[m]!.generation;
    return g && (g.counted > 0 || g.with_finish > 0 || g.failed_questions.length > 0 || g.sampling);
  });
  if (withGen.length === 0) return null;
  return {
    id: "generation-table",
    title: "Generation: length in tokens, truncation and sampling parameters",
    header: ["model", "tokens/response", "truncated (finish = length)", "failed questions", "sampling parameters"],
    rows: withGen.map((name) => {
      const g = analysis.models[name]!.generation!;
      return [
        name,
        g.counted > 0 ? fmt(g.mean_tokens ?? undefined, 0) : "-",
        g.with_finish > 0 ? `${fmt(g.truncation_rate ?? undefined, 3)} (${g.truncated}/${g.with_finish})` : "-",
        String(g.failed_questions.length),
        g.sampling ? Object.entries(g.sampling).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ") : "not recorded",
      ];
    }),
    note: "A model cut off at max_tokens more often than another is a confound for the length and accuracy comparisons.",
  };
}

/**
 * Models sampled adaptively: per bin (each question in its most likely bin at the full n), the questions, the
 * samples spent and their share of a fixed run's, then the totals with the inverse-probability estimates, the
 * unbiased ones under the stopping (the plain per-question c / n of such a run is not).
 */
export function adaptiveTable(analysis: Analysis, models: string[]): ReportTable | null {
  const withAdaptive = models.filter((m) => analysis.models[m]!.generation?.adaptive);
  if (withAdaptive.length === 0) return null;
  const rows: string[][] = [];
  for (const name of withAdaptive) {
    const a = analysis.models[name]!.generation!.adaptive!;
    const e = a.estimates;
    const full = a.settings.schedule[a.settings.schedule.length - 1]!;
    a.bins.forEach((label, i) => {
      const q = e.questions_per_bin[i]!, spent = e.samples_per_bin[i]!;
      if (q === 0) return;
      rows.push([name, label, String(q), String(spent), fmt(spent / q, 0), `${((100 * spent) / (q * full)).toFixed(1)}%`, ""]);
    });
    const tokens = a.tokens_saved === null ? "" : `, ~${a.tokens_saved.toLocaleString("en-US")} tokens`;
    rows.push([
      name, "all", String(e.questions_per_bin.reduce((s, x) => s + x, 0)), String(e.samples), fmt(e.samples / Math.max(1, e.questions_per_bin.reduce((s, x) => s + x, 0)), 0),
      `${((100 * e.samples) / e.samples_full).toFixed(1)}%`,
      `accuracy ${fmt(e.accuracy)}, pass@${full} ${fmt(e.pass_at_full)}; saved ${a.samples_saved} samples${tokens} in ${a.rounds} rounds`,
    ]);
  }
  return {
    id: "adaptive-table",
    title: "Adaptive sampling: samples spent per bin",
    header: ["model", "bin (most likely at full n)", "questions", "samples", "samples/question", "of a fixed run", "unbiased estimates"],
    rows,
    // the rule each run used, from its stored settings (the default rule has changed once already)
    note: adaptiveNote(withAdaptive.map((m) => ({ model: m, settings: analysis.models[m]!.generation!.adaptive!.settings }))),
  };
}

/**
 * The sets the SFT runs trained on, from their logs' data lines: a confident model's set can be mostly copies
 * of a few responses, and a held-out example with a copy in training measures memory, not generalisation.
 */
export function trainingSetsTable(logs: readonly TrainLog[]): ReportTable | null {
  const withData = logs.filter((l) => l.data !== undefined);
  if (withData.length === 0) return null;
  const num = (d: Record<string, number | string>, k: string) => (typeof d[k] === "number" ? (d[k] as number) : null);
  const int = (x: number | null) => (x === null ? "-" : String(x));
  const share = (part: number | null, whole: number | null) => (part === null || whole === null || whole === 0 ? "" : ` (${((100 * part) / whole).toFixed(0)}%)`);
  return {
    id: "training-sets",
    title: "Training sets (SFT)",
    header: ["model", "examples", "distinct", "questions", "distinct per question", "held out by", "held-out examples", "held-out questions", "held-out with a copy in training"],
    rows: withData.map((l) => {
      const d = l.data!;
      const [examples, distinct, questions, heldEx, heldQ, seen] = ["examples", "distinct", "questions", "held_out_examples", "held_out_questions", "held_out_seen"].map((k) => num(d, k));
      return [
        l.model, int(examples), `${int(distinct)}${share(distinct, examples)}`, int(questions),
        distinct !== null && questions ? (distinct / questions).toFixed(2) : "-", typeof d.holdout === "string" ? d.holdout : "-",
        int(heldEx), int(heldQ), `${int(seen)}${share(seen, heldEx)}`,
      ];
    }),
    note: "Distinct: different (question, response) pairs. Held out by question keeps every example of a held-out question out of training; held out by example lets copies of one response fall on both sides.",
  };
}

/** First and last logged value of each metric per training log. */
export function trainingTable(logs: readonly TrainLog[]): ReportTable | null {
  const withSteps = logs.filter((l) => l.steps.length > 0);
  if (withSteps.length === 0) return null;
  const metrics = TRAIN_METRICS.filter((m) => withSteps.some((l) => l.steps.some((s) => s[m] !== undefined)));
  const firstLast = (l: TrainLog, m: (typeof TRAIN_METRICS)[number]) => {
    const vals = l.steps.filter((s) => s[m] !== undefined);
    if (vals.length === 0) return "-";
    const f = (x: number) => (Math.abs(x) >= 1000 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toFixed(3));
    return `${f(vals[0]![m]!)} → ${f(vals[vals.length - 1]![m]!)}`;
  };
  return {
    id: "training-table",
    title: "Training logs (first → last step)",
    header: ["model", "file", "steps", ...metrics],
    rows: withSteps.map((l) => [l.model, l.file, `${l.steps[0]!.step}–${l.steps[l.steps.length - 1]!.step}`, ...metrics.map((m) => firstLast(l, m))]),
  };
}
