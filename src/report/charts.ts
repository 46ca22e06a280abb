/**
 * The report's figures as Vega-Lite specs with their data inline. Each builder returns null when the run has
 * nothing to draw (no base model, no texts, no training log), so the report shows only figures with data.
 */
import type { TopLevelSpec } from "vega-lite";
import { powersOfTwoUpTo } from "../metrics/summary.js";
import type { Analysis } from "./analyze-run.js";
import { TRAIN_METRICS, type TrainLog, type TrainMetric } from "./train-log.js";
import { STUDY_MODELS, studyModelOrder, type StudyModels } from "./study-models.js";

export type ChartRow = Record<string, string | number | boolean | null>;

export type ReportChart = {
  /** file-name-safe id: the figure's anchor in the HTML and its name under `--specs` */
  id: string;
  title: string;
  /** one or two sentences: what the figure shows and how to read it */
  caption: string;
  /** the data the spec draws (also inline in `spec`) */
  data: ChartRow[];
  spec: TopLevelSpec;
};

/** The embedded study's models, in the order its figures list them; other names follow alphabetically. */
export const STUDY_MODEL_ORDER = studyModelOrder(STUDY_MODELS);

/** A colour-blind-safe palette (Okabe-Ito, then Tableau) so every chart colours a model the same way. */
export const PALETTE = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#F0E442", "#7f7f7f", "#9467bd", "#8c564b", "#17becf"];

export function orderModels(analysis: Analysis, study: StudyModels = STUDY_MODELS): string[] {
  return orderModelNames(Object.keys(analysis.models), analysis.base, study);
}

/** The base first, then the study's models in their order, then the rest alphabetically. */
export function orderModelNames(names: readonly string[], base: string | null, study: StudyModels = STUDY_MODELS): string[] {
  const order = studyModelOrder(study);
  const rank = (n: string) => (n === base ? -1 : order.includes(n) ? order.indexOf(n) : order.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const CONFIG = {
  font: "Helvetica, Arial, sans-serif",
  view: { stroke: "#ddd" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eee" },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 220 },
  title: { fontSize: 13, anchor: "start" as const },
};

/** Builds every chart the analysis (and training logs) can fill. */
export function buildCharts(analysis: Analysis, trainLogs: readonly TrainLog[] = [], study: StudyModels = STUDY_MODELS): ReportChart[] {
  const models = orderModels(analysis, study);
  // fixed colours per model; each chart's legend lists only the models it draws
  const colorOf = new Map(models.map((m, i) => [m, PALETTE[i % PALETTE.length]!]));
  const color: ColorFor = (present) => {
    const domain = models.filter((m) => present.includes(m)).concat(present.filter((m) => !colorOf.has(m)));
    return { scale: { domain, range: domain.map((m, i) => colorOf.get(m) ?? PALETTE[(models.length + i) % PALETTE.length]!) }, legend: { title: "model" } };
  };
  const charts: Array<ReportChart | null> = [
    passAtKChart(analysis, models, color),
    binDeltaChart(analysis, models, color),
    ...transitionCharts(analysis),
    binHistogramChart(analysis, models, color),
    entropyChart(analysis, models, color),
    lengthChart(analysis, models, color),
    keywordChart(analysis, models, color),
    trainingChart(trainLogs, color),
  ];
  return charts.filter((c): c is ReportChart => c !== null);
}

type Color = { scale: { domain: string[]; range: string[] }; legend: { title: string } };
type ColorFor = (present: string[]) => Color;

/** The distinct model names in chart rows, in first-seen order. */
function present(data: ChartRow[]): string[] {
  return [...new Set(data.map((d) => String(d.model)))];
}

export function makeChart(id: string, title: string, caption: string, data: ChartRow[], body: Record<string, unknown>): ReportChart {
  const spec = { $schema: SCHEMA, title, data: { values: data }, config: CONFIG, ...body } as unknown as TopLevelSpec;
  return { id, title, caption, data, spec };
}

/** Bins as the base model defines them: labels in order, for sorting nominal axes. */
function baseBinLabels(analysis: Analysis): string[] {
  if (analysis.base !== null) return analysis.models[analysis.base]!.bins.map((b) => b.label);
  const first = Object.values(analysis.models)[0];
  return first ? first.bins.map((b) => b.label) : [];
}

function passAtKChart(analysis: Analysis, models: string[], colorFor: ColorFor): ReportChart | null {
  const data: ChartRow[] = [];
  let maxN = 1;
  for (const name of models) {
    const m = analysis.models[name]!;
    maxN = Math.max(maxN, m.samples_per_question);
    for (const [k, v] of Object.entries(m.pass_at_k)) {
      const ci = m.pass_at_k_ci[k];
      data.push({ model: name, k: Number(k), pass_at_k: v, lo: ci ? ci[0] : null, hi: ci ? ci[1] : null });
    }
  }
  if (data.length === 0) return null;
  const color = colorFor(present(data));
  // bands of many models overlap: make each fainter so the lines stay readable
  const bandOpacity = present(data).length <= 2 ? 0.18 : present(data).length <= 4 ? 0.1 : 0.06;
  const fit = fitRows(analysis, models);
  const maxK = Math.max(maxN, ...fit.map((r) => r.k as number));
  const x = { field: "k", type: "quantitative", scale: { type: "log", base: 2, nice: false }, axis: { values: powersOfTwoUpTo(maxK), format: "d", title: "k (samples per question, log scale)" } };
  const fitCaption = fit.length > 0
    ? " Dashed, beyond each model's n: a beta-binomial fit of the counts (a model's extrapolation, not a measurement), its band a 95% bootstrap interval."
    : "";
  return makeChart(
    "pass-at-k",
    fit.length > 0 ? "Capability: pass@k by model (dashed: fit beyond n)" : "Capability: pass@k by model",
    "pass@k for k = 1..n (unbiased estimator); shaded bands are 95% bootstrap intervals over questions at powers of two. pass@1 is accuracy; the right end is capability." + fitCaption,
    data,
    {
      width: 560,
      height: 340,
      layer: [
        ...fitLayers(fit, x, color, bandOpacity),
        { transform: [{ filter: "datum.lo != null" }], mark: { type: "area", fillOpacity: bandOpacity }, encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color: { field: "model", type: "nominal", ...color } } },
        { mark: { type: "line", strokeWidth: 2 }, encoding: { x, y: { field: "pass_at_k", type: "quantitative", scale: { zero: false }, title: "pass@k" }, color: { field: "model", type: "nominal", ...color, legend: { title: "model", symbolType: "stroke", symbolStrokeWidth: 2.5, symbolOpacity: 1 } } } },
        { transform: [{ filter: "datum.lo != null" }], mark: { type: "point", filled: true, size: 22 }, encoding: { x, y: { field: "pass_at_k", type: "quantitative" }, color: { field: "model", type: "nominal", ...color } } },
      ],
    },
  );
}

/** The fitted pass@k from each model's n (where the measured curve ends) to 16 n. */
function fitRows(analysis: Analysis, models: string[]): ChartRow[] {
  const rows: ChartRow[] = [];
  for (const name of models) {
    const m = analysis.models[name]!;
    if (!m.pass_at_k_fit) continue;
    const n = m.samples_per_question;
    for (const [k, p] of Object.entries(m.pass_at_k_fit)) {
      const kk = Number(k);
      if (kk >= n && kk <= 16 * n) rows.push({ model: name, k: kk, fit: p.estimate, lo: p.ci[0], hi: p.ci[1] });
    }
  }
  return rows;
}

function fitLayers(rows: ChartRow[], x: Record<string, unknown>, color: Color, bandOpacity: number): Record<string, unknown>[] {
  if (rows.length === 0) return [];
  const data = { values: rows };
  return [
    { data, mark: { type: "area", fillOpacity: bandOpacity * 0.7 }, encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color: { field: "model", type: "nominal", ...color } } },
    { data, mark: { type: "line", strokeWidth: 2, strokeDash: [6, 4] }, encoding: { x, y: { field: "fit", type: "quantitative" }, color: { field: "model", type: "nominal", ...color }, tooltip: [{ field: "model" }, { field: "k" }, { field: "fit", title: "pass@k (fit)", format: ".4f" }] } },
  ];
}

function binDeltaChart(analysis: Analysis, models: string[], colorFor: ColorFor): ReportChart | null {
  if (analysis.comparisons.length === 0) return null;
  const labels = baseBinLabels(analysis);
  const data: ChartRow[] = [];
  for (const c of analysis.comparisons) {
    for (const b of c.bin_accuracy_delta) {
      if (b.delta === null) continue;
      data.push({ model: c.other, bin: b.label, questions: b.questions, base_accuracy: b.base_accuracy, model_accuracy: b.other_accuracy, delta: b.delta });
    }
  }
  if (data.length === 0) return null;
  const color = colorFor(present(data));
  const others = models.filter((m) => m !== analysis.base);
  return makeChart(
    "bin-accuracy-delta",
    `Accuracy change per difficulty bin (vs ${analysis.base})`,
    `Mean accuracy of each model minus ${analysis.base}'s, over the questions of each of ${analysis.base}'s bins (bin = how many of ${analysis.base}'s samples were correct). Bars above zero: the model gained on those questions.`,
    data,
    {
      width: 620,
      height: 300,
      layer: [
        {
          mark: { type: "bar" },
          encoding: {
            x: { field: "bin", type: "nominal", sort: labels, title: `${analysis.base} bin (correct samples)`, axis: { labelAngle: 0 } },
            xOffset: { field: "model", type: "nominal", sort: others },
            y: { field: "delta", type: "quantitative", title: "accuracy change" },
            color: { field: "model", type: "nominal", ...color },
          },
        },
        { data: { values: [{ zero: 0 }] }, mark: { type: "rule", color: "#555" }, encoding: { y: { field: "zero", type: "quantitative" } } },
      ],
    },
  );
}

function transitionCharts(analysis: Analysis): ReportChart[] {
  const labels = baseBinLabels(analysis);
  return analysis.comparisons.map((c) => {
    const data: ChartRow[] = [];
    c.transition.forEach((row, i) => row.forEach((count, j) => data.push({ from: labels[i] ?? String(i), to: labels[j] ?? String(j), count })));
    const max = Math.max(1, ...data.map((d) => d.count as number));
    return makeChart(
      `transition-${slug(c.other)}`,
      `Transitions: ${c.base} bin → ${c.other} bin`,
      `Each cell counts the questions in ${c.base}'s bin (row) that land in ${c.other}'s bin (column), both binned by correct samples out of n. Cells on the diagonal did not move; right of it ${c.other} solves more often.`,
      data,
      {
        width: 300,
        height: 300,
        encoding: {
          x: { field: "to", type: "ordinal", sort: labels, title: `${c.other} bin`, axis: { labelAngle: -40 } },
          y: { field: "from", type: "ordinal", sort: labels, title: `${c.base} bin` },
        },
        layer: [
          { mark: { type: "rect" }, encoding: { color: { field: "count", type: "quantitative", scale: { domain: [0, max], range: ["#f7fbff", "#08519c"] }, legend: { title: "questions" } } } },
          {
            transform: [{ filter: "datum.count > 0" }],
            mark: { type: "text", fontSize: 10 },
            encoding: { text: { field: "count", type: "quantitative" }, color: { condition: { test: `datum.count > ${max / 2}`, value: "white" }, value: "#222" } },
          },
        ],
      },
    );
  });
}

function binHistogramChart(analysis: Analysis, models: string[], colorFor: ColorFor): ReportChart | null {
  const labels = baseBinLabels(analysis);
  const data: ChartRow[] = [];
  for (const name of models) for (const b of analysis.models[name]!.bins) data.push({ model: name, bin: b.label, questions: b.questions });
  if (data.length === 0) return null;
  const color = colorFor(present(data));
  return makeChart(
    "bin-histogram",
    "Questions per difficulty bin",
    "How many questions fall in each bin when every model is binned by its own correct samples out of n: mass moving right means questions solved more often, mass in bin 0 means unsolved.",
    data,
    {
      width: 620,
      height: 260,
      mark: { type: "bar" },
      encoding: {
        x: { field: "bin", type: "nominal", sort: labels, title: "bin (correct samples)", axis: { labelAngle: 0 } },
        xOffset: { field: "model", type: "nominal", sort: models },
        y: { field: "questions", type: "quantitative", title: "questions" },
        color: { field: "model", type: "nominal", ...color },
      },
    },
  );
}

function entropyChart(analysis: Analysis, models: string[], colorFor: ColorFor): ReportChart | null {
  const labels = baseBinLabels(analysis);
  const data: ChartRow[] = [];
  for (const name of models) {
    for (const b of analysis.models[name]!.answer_entropy_bins ?? []) if (b.entropy !== null) data.push({ model: name, bin: b.label, entropy: b.entropy, questions: b.questions });
  }
  if (data.length === 0) return null;
  const color = colorFor(present(data));
  const binner = analysis.base ?? "each model";
  return makeChart(
    "answer-entropy",
    "Answer entropy per difficulty bin",
    `Mean entropy (nats) of the final-answer distribution over a question's samples, by ${binner}'s bins. Lower means the model gives the same answer more often, right or wrong.`,
    data,
    {
      width: 620,
      height: 260,
      mark: { type: "bar" },
      encoding: {
        x: { field: "bin", type: "nominal", sort: labels, title: `${binner} bin (correct samples)`, axis: { labelAngle: 0 } },
        xOffset: { field: "model", type: "nominal", sort: models },
        y: { field: "entropy", type: "quantitative", title: "answer entropy (nats)" },
        color: { field: "model", type: "nominal", ...color },
      },
    },
  );
}

function byCorrectnessChart(
  id: string,
  title: string,
  caption: string,
  yTitle: string,
  models: string[],
  colorFor: ColorFor,
  rows: ChartRow[],
): ReportChart | null {
  if (rows.length === 0) return null;
  const color = colorFor(present(rows));
  const bins = [...new Set(rows.map((r) => r.bin as string))];
  return makeChart(id, title, caption, rows, {
    facet: { column: { field: "responses", type: "nominal", sort: ["correct", "incorrect"], title: null } },
    spec: {
      width: 300,
      height: 240,
      mark: { type: "bar" },
      encoding: {
        x: { field: "bin", type: "nominal", sort: bins, title: "coarse base bin (correct samples)", axis: { labelAngle: 0 } },
        xOffset: { field: "model", type: "nominal", sort: models },
        y: { field: "value", type: "quantitative", title: yTitle },
        color: { field: "model", type: "nominal", ...color },
      },
    },
  });
}

function lengthChart(analysis: Analysis, models: string[], colorFor: ColorFor): ReportChart | null {
  const rows: ChartRow[] = [];
  for (const name of models) {
    for (const b of analysis.models[name]!.length?.by_bin ?? []) {
      for (const side of ["correct", "incorrect"] as const) {
        if (b[side].mean_chars !== null) rows.push({ model: name, bin: b.label, responses: side, value: b[side].mean_chars, count: b[side].responses });
      }
    }
  }
  return byCorrectnessChart(
    "response-length",
    "Response length by correctness and difficulty",
    "Mean response length in characters, for correct and incorrect responses, in the four coarse bins of the base model's difficulty.",
    "mean length (characters)",
    models,
    colorFor,
    rows,
  );
}

function keywordChart(analysis: Analysis, models: string[], colorFor: ColorFor): ReportChart | null {
  const rows: ChartRow[] = [];
  for (const name of models) {
    for (const b of analysis.models[name]!.keywords?.by_bin ?? []) {
      for (const side of ["correct", "incorrect"] as const) if (b[side] !== null) rows.push({ model: name, bin: b.label, responses: side, value: b[side] });
    }
  }
  return byCorrectnessChart(
    "reflection-keywords",
    "Reflection keywords by correctness and difficulty",
    "Mean number of reflection keywords (the study's list: wait, hmm, let me check, verify, ...) per response, for correct and incorrect responses, in the four coarse base bins.",
    "keywords per response",
    models,
    colorFor,
    rows,
  );
}

const METRIC_TITLES: Record<TrainMetric, string> = {
  reward_mean: "mean reward",
  accuracy: "training accuracy",
  zero_adv_frac: "zero-advantage fraction",
  entropy: "token entropy",
  mean_length: "mean response length",
  kl: "KL to reference",
  loss: "loss",
  lr: "learning rate",
  step_time_s: "step time (s)",
};

function trainingChart(logs: readonly TrainLog[], colorFor: ColorFor): ReportChart | null {
  const data: ChartRow[] = [];
  for (const log of logs) {
    for (const s of log.steps) for (const m of TRAIN_METRICS) if (s[m] !== undefined) data.push({ model: log.model, file: log.file, step: s.step, metric: METRIC_TITLES[m], value: s[m]! });
  }
  if (data.length === 0) return null;
  const color = colorFor(present(data));
  const metrics = TRAIN_METRICS.map((m) => METRIC_TITLES[m]).filter((t) => data.some((d) => d.metric === t));
  return makeChart(
    "training-curves",
    "Training curves",
    `Per optimizer step, from ${logs.length === 1 ? "train-log.jsonl" : `${logs.length} train-log.jsonl files`}: reward, accuracy on the training batch, the fraction of prompt groups whose rewards are all equal (no gradient under GRPO), token entropy, response length and whatever else the trainer logged.`,
    data,
    {
      facet: { field: "metric", type: "nominal", sort: metrics, title: null },
      columns: 3,
      spec: {
        width: 220,
        height: 150,
        mark: { type: "line", strokeWidth: 1.5 },
        encoding: {
          x: { field: "step", type: "quantitative", title: "step" },
          y: { field: "value", type: "quantitative", title: null, scale: { zero: false }, axis: { format: ".3~g" } },
          color: { field: "model", type: "nominal", ...color },
          detail: { field: "file", type: "nominal" },
        },
      },
      resolve: { scale: { y: "independent" } },
    },
  );
}

export function slug(name: string): string {
  return name.replace(/<-/g, "-from-").replace(/[^A-Za-z0-9._-]+/g, "_");
}
