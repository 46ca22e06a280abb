/**
 * The report's "training dynamics" section (issue 17): per series of snapshots, capability and accuracy against
 * step, accuracy per base bin, questions won and lost, answer entropy / length / keywords, and beside them the
 * training run's own curves (reward, zero-advantage fraction, token entropy) on the same step axis, so the
 * zero-advantage mechanism and the loss of the hardest bins can be seen at the same steps. The base is drawn at
 * step 0 when the series is measured against it.
 */
import type { Analysis } from "./analyze-run.js";
import type { SeriesJsonEntry } from "./analyze-series.js";
import { makeChart, slug, type ChartRow, type ReportChart } from "./charts.js";
import type { ReportTable } from "./tables.js";
import type { TrainLog, TrainMetric } from "./train-log.js";

/** The train-log curves shown beside a series: the study's zero-advantage mechanism and its symptoms. */
const DYNAMICS_TRAIN_METRICS: Array<[TrainMetric, string]> = [["reward_mean", "mean reward"], ["zero_adv_frac", "zero-advantage fraction"], ["entropy", "token entropy"]];

const fmt = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? "-" : x.toFixed(digits));

/** The base as the series' step 0 (null without a base). */
function baseEntry(analysis: Analysis): (Pick<SeriesJsonEntry, "model" | "step" | "accuracy" | "pass_at_k" | "bin_accuracy" | "answer_entropy" | "mean_chars" | "keywords_per_response"> & { pass_at_k_fit?: Record<string, number> }) | null {
  if (analysis.base === null) return null;
  const b = analysis.models[analysis.base];
  if (!b) return null;
  const pick = (r: Record<string, number>) => Object.fromEntries(["1", "16", "256"].filter((k) => r[k] !== undefined).map((k) => [k, r[k]!]));
  return {
    model: analysis.base,
    step: 0,
    accuracy: b.accuracy,
    pass_at_k: pick(b.pass_at_k),
    ...(b.pass_at_k_fit ? { pass_at_k_fit: pick(Object.fromEntries(Object.entries(b.pass_at_k_fit).map(([k, p]) => [k, p.estimate]))) } : {}),
    bin_accuracy: b.bins.map((r) => ({ label: r.label, questions: r.questions, accuracy: r.accuracy })),
    answer_entropy: b.answer_entropy,
    mean_chars: b.length?.chars.all ?? null,
    keywords_per_response: b.keywords?.per_response.all ?? null,
  };
}

/** The training log of the run a series comes from: the one whose model is the series' name. */
function seriesLog(name: string, logs: readonly TrainLog[]): TrainLog | null {
  return logs.find((l) => l.model === name && l.steps.length > 0) ?? null;
}

export function dynamicsCharts(analysis: Analysis, logs: readonly TrainLog[]): ReportChart[] {
  const out: ReportChart[] = [];
  for (const [name, entries] of Object.entries(analysis.series ?? {})) {
    if (entries.length === 0) continue;
    const base = baseEntry(analysis);
    const points = base ? [base, ...entries] : entries;
    const log = seriesLog(name, logs);
    const maxStep = Math.max(...entries.map((e) => e.step), ...(log ? log.steps.map((s) => s.step) : []));
    const x = { field: "step", type: "quantitative", title: "training step", scale: { domain: [0, maxStep], nice: false } };
    const id = slug(name);
    const fall = analysis.series_fall?.[name];

    const cap: ChartRow[] = [];
    for (const p of points) {
      for (const [k, v] of Object.entries(p.pass_at_k)) cap.push({ model: p.model, step: p.step, k: `pass@${k}`, value: v, kind: "measured" });
      for (const [k, v] of Object.entries(p.pass_at_k_fit ?? {})) if (p.pass_at_k[k] === undefined) cap.push({ model: p.model, step: p.step, k: `pass@${k}`, value: v, kind: "fit" });
    }
    const kOrder = ["pass@1", "pass@16", "pass@256"];
    const fallNote = fall?.step != null ? ` The rule marks step ${fall.step}, the first whose paired pass@${fall.k} interval against the base lies below zero.` : fall?.k != null ? ` No step's paired pass@${fall.k} interval against the base lies below zero.` : "";
    out.push(makeChart(
      `dynamics-capability-${id}`,
      `${name}: accuracy and capability against step`,
      `pass@1 (accuracy), pass@16 and pass@256 of each snapshot on the test set${base ? `, the base at step 0` : ""}; dashed where k exceeds the samples drawn (the beta-binomial fit, an extrapolation).${fallNote}`,
      cap,
      {
        width: 520, height: 260,
        layer: [
          {
            mark: { type: "line", point: true, strokeWidth: 2 },
            encoding: {
              x, y: { field: "value", type: "quantitative", title: "pass@k", scale: { domain: [0, 1] } },
              color: { field: "k", type: "nominal", sort: kOrder, title: null },
              strokeDash: { field: "kind", type: "nominal", scale: { domain: ["measured", "fit"], range: [[1, 0], [5, 3]] }, title: null },
            },
          },
          ...(fall?.step != null ? [{ data: { values: [{ step: fall.step }] }, mark: { type: "rule", color: "#D55E00", strokeDash: [2, 2] }, encoding: { x: { field: "step", type: "quantitative" } } }] : []),
        ],
      },
    ));

    if (points.some((p) => p.bin_accuracy.length > 0)) {
      const labels = (base?.bin_accuracy ?? entries[0]!.bin_accuracy).map((b) => b.label);
      const bins: ChartRow[] = points.flatMap((p) => p.bin_accuracy.filter((b) => b.accuracy !== null).map((b) => ({ model: p.model, step: p.step, bin: b.label, questions: b.questions, accuracy: b.accuracy })));
      out.push(makeChart(
        `dynamics-bins-${id}`,
        `${name}: accuracy per base difficulty bin against step`,
        "Mean accuracy of each snapshot over the questions of each of the base's bins (the bins stay those of the base at every step; the legend gives the base's correct count out of n).",
        bins,
        {
          width: 520, height: 260,
          mark: { type: "line", point: true, strokeWidth: 1.5 },
          encoding: {
            x, y: { field: "accuracy", type: "quantitative", title: "accuracy", scale: { domain: [0, 1] } },
            color: { field: "bin", type: "ordinal", sort: labels, title: "base bin", scale: { scheme: "viridis" } },
            tooltip: [{ field: "bin" }, { field: "questions" }, { field: "accuracy", format: ".3f" }],
          },
        },
      ));
    }

    const wonLost: ChartRow[] = entries.flatMap((e) => [
      ...(e.won !== null ? [{ model: e.model, step: e.step, against: "previous snapshot", what: "won", questions: e.won }, { model: e.model, step: e.step, against: "previous snapshot", what: "lost", questions: -e.lost! }] : []),
      ...(e.won_from_base !== null ? [{ model: e.model, step: e.step, against: "base", what: "won", questions: e.won_from_base }, { model: e.model, step: e.step, against: "base", what: "lost", questions: -e.lost_from_base! }] : []),
    ]);
    if (wonLost.length > 0) {
      out.push(makeChart(
        `dynamics-won-lost-${id}`,
        `${name}: questions won and lost`,
        "Questions a snapshot solves (at least one right sample) that the previous snapshot (the base, for the first) or the base did not (won, up) and the reverse (lost, down).",
        wonLost,
        {
          facet: { field: "against", type: "nominal", sort: ["previous snapshot", "base"], title: null },
          columns: 2,
          spec: {
            width: 250, height: 180,
            mark: { type: "bar" },
            encoding: {
              x: { field: "step", type: "ordinal", title: "training step" },
              y: { field: "questions", type: "quantitative", title: "questions (lost < 0 < won)" },
              color: { field: "what", type: "nominal", scale: { domain: ["won", "lost"], range: ["#009E73", "#D55E00"] }, title: null },
            },
          },
        },
      ));
    }

    const texts: ChartRow[] = points.flatMap((p) => [
      ["answer entropy", p.answer_entropy], ["mean response length (chars)", p.mean_chars], ["reflection keywords per response", p.keywords_per_response],
    ].filter(([, v]) => typeof v === "number").map(([metric, v]) => ({ model: p.model, step: p.step, metric: metric as string, value: v as number })));
    if (texts.length > 0) out.push(facetLines(`dynamics-texts-${id}`, `${name}: answers and texts against step`, "Per snapshot: the entropy of its final answers per question (mean over questions), mean response length, and reflection keywords per response.", texts, x));

    if (log) {
      const train: ChartRow[] = [];
      for (const s of log.steps) for (const [m, title] of DYNAMICS_TRAIN_METRICS) if (s[m] !== undefined) train.push({ model: log.model, step: s.step, metric: title, value: s[m]! });
      if (train.length > 0) {
        out.push(facetLines(`dynamics-train-${id}`, `${name}: the training run on the same steps`,
          `From ${log.file}: mean reward of the training batch, the fraction of prompt groups whose rewards are all equal (no gradient under GRPO), and the rollouts' token entropy, per optimizer step.`, train, x, false));
      }
    }
  }
  return out;
}

function facetLines(id: string, title: string, caption: string, data: ChartRow[], x: Record<string, unknown>, points = true): ReportChart {
  const metrics = [...new Set(data.map((d) => String(d.metric)))];
  return makeChart(id, title, caption, data, {
    facet: { field: "metric", type: "nominal", sort: metrics, title: null },
    columns: 3,
    spec: {
      width: 200, height: 150,
      mark: { type: "line", point: points, strokeWidth: 1.5, color: "#0072B2" },
      encoding: { x, y: { field: "value", type: "quantitative", title: null, scale: { zero: false }, axis: { format: ".3~g" } } },
    },
    resolve: { scale: { y: "independent" } },
  });
}

/** One table per series: the numbers behind the charts, one row per snapshot. */
export function dynamicsTables(analysis: Analysis): ReportTable[] {
  return Object.entries(analysis.series ?? {}).map(([name, entries]) => {
    const ks = ["1", "16", "256"].filter((k) => entries.some((e) => e.pass_at_k[k] !== undefined || e.pass_at_k_fit?.[k] !== undefined));
    const fall = analysis.series_fall?.[name];
    const nk = entries.find((e) => e.pass_at_n_vs_base)?.pass_at_n_vs_base?.k;
    return {
      id: `dynamics-${slug(name)}`,
      title: `Training dynamics: ${name}`,
      header: ["model", "step", ...ks.map((k) => `pass@${k}`), "won", "lost", "won / lost from base", ...(nk ? [`pass@${nk} - base [95% CI]`] : []), "answer entropy", "mean chars"],
      rows: entries.map((e) => [
        e.model, String(e.step),
        ...ks.map((k) => (e.pass_at_k[k] !== undefined ? fmt(e.pass_at_k[k]) : e.pass_at_k_fit?.[k] !== undefined ? `${fmt(e.pass_at_k_fit[k])} (fit)` : "-")),
        e.won === null ? "-" : String(e.won), e.lost === null ? "-" : String(e.lost),
        e.won_from_base === null ? "-" : `${e.won_from_base} / ${e.lost_from_base}`,
        ...(nk ? [e.pass_at_n_vs_base ? `${fmt(e.pass_at_n_vs_base.delta)} [${fmt(e.pass_at_n_vs_base.ci[0])}, ${fmt(e.pass_at_n_vs_base.ci[1])}]` : "-"] : []),
        fmt(e.answer_entropy), fmt(e.mean_chars, 1),
      ]),
      note: fall?.k == null ? undefined : fall.step === null
        ? `No snapshot's pass@${fall.k} interval against the base lies below zero.`
        : `Capability (pass@${fall.k}) first falls below the base, by its paired 95% interval, at step ${fall.step} (${fall.model}).`,
    };
  });
}
