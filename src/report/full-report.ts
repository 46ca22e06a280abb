/**
 * The top-level report of a run made of studies (the full preset): findings counted over seeds, every model's
 * accuracy and capability as a mean with a t interval over seeds, changes against the base paired within a
 * seed, and the discoverability sweep. One self-contained HTML page plus metrics.json and summary.md; each
 * study keeps its own full report, linked from here.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SeedInterval } from "../metrics/seeds.js";
import { VERSION } from "../core/version.js";
import type { AcrossSeeds, FindingAcrossSeeds, SweepRow } from "./across-seeds.js";
import { makeChart, orderModelNames, PALETTE, type ChartRow, type ReportChart } from "./charts.js";
import { escapeHtml, figureHtml, REPORT_CSS, tableHtml } from "./html.js";
import { markdownTable } from "./markdown.js";
import { renderSvg } from "./render-svg.js";
import type { ReportTable } from "./tables.js";
import { STUDY_MODELS, type StudyModels } from "./study-models.js";
import type { SurveyResult } from "./survey.js";
import { surveyMarkdown, surveySectionHtml } from "./survey-report.js";
import { fmt, signed } from "./text-table.js";

export type SweepResult = { knob: string; trained: string; rows: SweepRow[] };
export type StudyLink = { id: string; label: string; report: string | null };
export type FullReportInput = {
  across: AcrossSeeds | null; sweep: SweepResult | null; studies: StudyLink[];
  /** a survey of worlds (issue 18): its section and its numbers in metrics.json; absent, the report is as before */
  survey?: SurveyResult | null; title?: string; description?: string;
  /** the model names the figures order by (default: the embedded study's) */
  study?: StudyModels;
};
export type FullReportFiles = { html: string; markdown: string; metrics: string };

const mean = (s: SeedInterval, digits = 3) => `${fmt(s.mean, digits)} [${fmt(s.ci[0], digits)}, ${fmt(s.ci[1], digits)}]`;
const meanSigned = (s: SeedInterval) => `${signed(s.mean)} [${signed(s.ci[0])}, ${signed(s.ci[1])}]`;
const perSeed = (s: SeedInterval, f: (x: number) => string = (x) => fmt(x)) => s.values.map(f).join(" / ");

export function acrossSeedsTables(a: AcrossSeeds, study: StudyModels = STUDY_MODELS): ReportTable[] {
  const models = orderModelNames(Object.keys(a.models), a.base, study);
  const K = String(a.ks[a.ks.length - 1]);
  const mid = a.ks.includes(256) && K !== "256" ? "256" : null;
  const level = `${Math.round(a.level * 100)}%`;
  const tables: ReportTable[] = [];
  tables.push({
    id: "seeds-models",
    title: `Accuracy and capability over ${a.seeds.length} seeds (mean [${level} t interval])`,
    header: ["model", "accuracy", ...(mid ? [`pass@${mid}`] : []), `pass@${K}`, "unsolved", "length (chars)", "reflection words / response"],
    rows: models.map((m) => {
      const x = a.models[m]!;
      return [m, mean(x.accuracy), ...(mid ? [mean(x.pass_at_k[mid]!)] : []), mean(x.pass_at_k[K]!), mean(x.unsolved), x.length_chars ? mean(x.length_chars, 1) : "-", x.keywords_per_response ? mean(x.keywords_per_response, 2) : "-"];
    }),
    note: `Seeds: ${a.seeds.join(", ")}. A seed reruns everything (world, corpora, initialisation, training, sampling); the interval is Student's t over seeds.`,
  });
  const others = models.filter((m) => a.deltas[m]);
  tables.push({
    id: "seeds-deltas",
    title: `Change against ${a.base}, paired within each seed (mean [${level} t interval]; per seed)`,
    header: ["model", "Δ accuracy", "per seed", ...(mid ? [`Δ pass@${mid}`] : []), `Δ pass@${K}`, "per seed"],
    rows: others.map((m) => {
      const d = a.deltas[m]!;
      return [m, meanSigned(d.accuracy), perSeed(d.accuracy, (x) => signed(x)), ...(mid ? [meanSigned(d.pass_at_k[mid]!)] : []), meanSigned(d.pass_at_k[K]!), perSeed(d.pass_at_k[K]!, (x) => signed(x))];
    }),
  });
  const binLabels = others.length ? a.deltas[others[0]!]!.bins.map((b) => b.label) : [];
  tables.push({
    id: "seeds-bins",
    title: `Accuracy change by ${a.base} difficulty bin (mean over seeds; bins are each seed's ${a.base} pass counts)`,
    header: ["model", ...binLabels],
    rows: others.map((m) => [m, ...a.deltas[m]!.bins.map((b) => (b.delta ? `${signed(b.delta.mean)} (${b.delta.n})` : "-"))]),
    note: "In parentheses: seeds in which the bin has questions.",
  });
  return tables;
}

export function sweepTable(s: SweepResult): ReportTable {
  return {
    id: "sweep-table",
    title: `Discoverability sweep: ${s.trained} against its base at each level of ${s.knob}`,
    header: ["level", "base accuracy", `${s.trained} accuracy`, "Δ accuracy [95% CI]", "k", "base pass@k", `${s.trained} pass@k`, "Δ pass@k [95% CI]", "capability"],
    rows: s.rows.map((r) => [
      r.label, fmt(r.base.accuracy), fmt(r.trained.accuracy), `${signed(r.accuracy.delta)} [${signed(r.accuracy.ci[0])}, ${signed(r.accuracy.ci[1])}]`, String(r.k),
      fmt(r.base.pass_at_k), fmt(r.trained.pass_at_k), `${signed(r.pass_at_k.delta)} [${signed(r.pass_at_k.ci[0])}, ${signed(r.pass_at_k.ci[1])}]`, r.capability,
    ]),
    note: "Each level is a whole study (world, base, RLVR, sampling); intervals are paired bootstrap intervals over that level's questions. capability: expands when the pass@k interval lies above zero, narrows when below, flat otherwise.",
  };
}

function passAtKChart(a: AcrossSeeds, study: StudyModels): ReportChart {
  const models = orderModelNames(Object.keys(a.models), a.base, study);
  const data: ChartRow[] = models.flatMap((m) => a.ks.map((k) => {
    const s = a.models[m]!.pass_at_k[String(k)]!;
    return { model: m, k, pass_at_k: s.mean, lo: s.ci[0], hi: s.ci[1] };
  }));
  const color = { scale: { domain: models, range: models.map((_, i) => PALETTE[i % PALETTE.length]!) } };
  const x = { field: "k", type: "quantitative", scale: { type: "log", base: 2, nice: false }, axis: { values: a.ks, format: "d", title: "k (log scale)" } };
  return makeChart("seeds-pass-at-k", `pass@k, mean over ${a.seeds.length} seeds`,
    `Mean pass@k over seeds; bands are ${Math.round(a.level * 100)}% t intervals over seeds. pass@1 is accuracy; the right end is capability.`, data, {
      width: 560, height: 340,
      layer: [
        { mark: { type: "area", fillOpacity: 0.08 }, encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color: { field: "model", type: "nominal", ...color } } },
        { mark: { type: "line", strokeWidth: 2, point: true }, encoding: { x, y: { field: "pass_at_k", type: "quantitative", scale: { zero: false }, title: "pass@k" }, color: { field: "model", type: "nominal", ...color, legend: { title: "model" } } } },
      ],
    });
}

function sweepChart(s: SweepResult): ReportChart {
  const data: ChartRow[] = s.rows.flatMap((r) => [
    { level: r.label, x: r.x, metric: "Δ accuracy", delta: r.accuracy.delta, lo: r.accuracy.ci[0], hi: r.accuracy.ci[1] },
    { level: r.label, x: r.x, metric: `Δ pass@${r.k}`, delta: r.pass_at_k.delta, lo: r.pass_at_k.ci[0], hi: r.pass_at_k.ci[1] },
  ]);
  const x = { field: "x", type: "quantitative", title: s.knob };
  return makeChart("sweep-chart", `${s.trained} against its base along ${s.knob}`,
    "Change in accuracy and in capability (pass@k at the largest k) at each knob level, with 95% paired bootstrap intervals. Above zero on the capability line means RLVR found answers the base could not sample.", data, {
      width: 480, height: 280,
      layer: [
        { mark: { type: "rule", strokeDash: [4, 3], color: "#999" }, encoding: { y: { datum: 0 } } },
        { mark: { type: "errorbar", ticks: true }, encoding: { x, y: { field: "lo", type: "quantitative", title: "change against the base" }, y2: { field: "hi" }, color: { field: "metric", type: "nominal" } } },
        { mark: { type: "line", point: true }, encoding: { x, y: { field: "delta", type: "quantitative" }, color: { field: "metric", type: "nominal", legend: { title: null } } } },
      ],
    });
}

const VERDICT_CLASS = (f: FindingAcrossSeeds) => (f.judged === 0 ? "unknown" : f.holds === f.judged ? "holds" : f.holds === 0 && f.inconclusive === 0 ? "fails" : "unknown");
const VERDICT_WORDS = (f: FindingAcrossSeeds) => {
  const words = f.judged === 0 ? "cannot be judged" : f.holds === f.judged ? `holds in all ${f.judged} seeds` : f.holds === 0 ? `holds in none of ${f.judged} seeds` : `holds in ${f.holds} of ${f.judged} seeds`;
  // inconclusive seeds are not seeds where the claim failed: say how many there were
  return f.inconclusive > 0 ? `${words} (${f.inconclusive} inconclusive)` : words;
};

function findingsHtml(findings: FindingAcrossSeeds[]): string {
  return `<ul class="findings">${findings.map((f) => `<li class="finding ${VERDICT_CLASS(f)}" data-finding="${escapeHtml(f.id)}" data-holds="${f.holds}" data-judged="${f.judged}">
<span class="verdict">${escapeHtml(VERDICT_WORDS(f))}</span> <span class="claim">${escapeHtml(f.claim)}</span>
${Object.entries(f.evidence).map(([seed, e]) => `<div class="evidence"><b>${escapeHtml(seed)}</b> (${escapeHtml(f.verdicts[seed]!)}): ${escapeHtml(e)}</div>`).join("")}
<div class="rule">rule: ${escapeHtml(f.rule)}</div></li>`).join("\n")}</ul>`;
}

/** Writes report.html, summary.md and metrics.json at the top of runDir. */
export async function writeFullReport(runDir: string, input: FullReportInput): Promise<FullReportFiles> {
  const title = input.title ?? "rlvd: RLVR and distillation across seeds";
  const sections: Array<[string, string, string]> = [];
  const md: string[] = [`# ${title}`, "", ...(input.description ? [input.description, ""] : [])];
  if (input.across) {
    const a = input.across;
    const tables = acrossSeedsTables(a, input.study);
    const chart = passAtKChart(a, input.study ?? STUDY_MODELS);
    const svg = await renderSvg(chart.spec, chart.id);
    sections.push(["findings", "Findings across seeds", `<p class="muted">Each finding judged in each seed by the single-run report's rules; the verdict counts the seeds where it holds.</p>${findingsHtml(a.findings)}`]);
    sections.push(["seeds", "Accuracy and capability across seeds", figureHtml({ chart, svg }, null) + tables.map(tableHtml).join("")]);
    md.push("## Findings across seeds", "", ...a.findings.map((f) => `- **${VERDICT_WORDS(f)}**: ${f.claim}`), "", "## Accuracy and capability across seeds", "", ...tables.map(markdownTable));
  }
  if (input.sweep) {
    const t = sweepTable(input.sweep);
    const chart = sweepChart(input.sweep);
    const svg = await renderSvg(chart.spec, chart.id);
    sections.push(["sweep", "Discoverability sweep: when does RLVR expand capability?", figureHtml({ chart, svg }, null) + tableHtml(t)]);
    md.push("## Discoverability sweep", "", markdownTable(t));
  }
  if (input.survey) {
    sections.push(["survey", `Survey of ${input.survey.worlds.length} worlds: where do the findings hold?`, await surveySectionHtml(input.survey)]);
    md.push(`## Survey of ${input.survey.worlds.length} worlds`, "", surveyMarkdown(input.survey), "");
  }
  if (input.studies.length > 0) {
    sections.push(["studies", "Each study's own report", `<ul>${input.studies.map((s) => `<li>${escapeHtml(s.label)} (<code>${escapeHtml(s.id)}</code>): ${s.report ? `<a href="${escapeHtml(s.report)}">${escapeHtml(s.report)}</a>` : "no report"}</li>`).join("")}</ul>`]);
    md.push("## Studies", "", ...input.studies.map((s) => `- ${s.label} (${s.id}): ${s.report ?? "no report"}`), "");
  }
  const generated = new Date().toISOString();
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style></head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<div class="muted">run <code>${escapeHtml(runDir)}</code>${input.description ? ` · ${escapeHtml(input.description)}` : ""} · generated ${escapeHtml(generated)} by rlvd ${escapeHtml(VERSION)}</div>
<nav>${sections.map(([id, t]) => `<a href="#s-${id}">${escapeHtml(t)}</a>`).join("")}</nav></header>
<main>
${sections.map(([id, t, body]) => `<section id="s-${id}"><h2>${escapeHtml(t)}</h2>\n${body}</section>`).join("\n")}
</main></body></html>
`;
  const files = { html: join(runDir, "report.html"), markdown: join(runDir, "summary.md"), metrics: join(runDir, "metrics.json") };
  writeFileSync(files.metrics, JSON.stringify({ rlvd_version: VERSION, across_seeds: input.across, sweep: input.sweep, ...(input.survey ? { survey: input.survey } : {}), studies: input.studies }, null, 2) + "\n");
  writeFileSync(files.markdown, md.join("\n"));
  writeFileSync(files.html, html);
  return files;
}
