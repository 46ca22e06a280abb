/** The report page: one self-contained HTML file (inline CSS, inline SVG, inline script, no network references). */
import type { Analysis } from "./analyze-run.js";
import type { ReportChart } from "./charts.js";
import { EXPLORER_SCRIPT } from "./explorer-script.js";
import type { ExplorerPage } from "./explorer-page.js";
import { FINDINGS_PREAMBLE, type Finding } from "./findings.js";
import { allTables, type ReportTable, type ReportTables } from "./tables.js";
import { gradingLine } from "./markdown.js";

export type PageParts = {
  title: string;
  runDir: string;
  generatedAt: string;
  version: string;
  analysis: Analysis;
  models: string[];
  findings: Finding[];
  tables: ReportTables;
  /** chart id -> rendered SVG, with the chart */
  charts: Array<{ chart: ReportChart; svg: string }>;
  /** the explorer's index, and its details inline or as side files (explorer-page.ts) */
  explorer: ExplorerPage;
  /** where the full samples are (relative link), or the command that writes them */
  samplesLink: { href: string } | { command: string } | null;
  /** relative folder of exported specs, when --specs was given */
  specsHref: string | null;
};

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** JSON that is safe inside <script>: no "<" (so no </script> or <!--), no line separators. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

export function tableHtml(t: ReportTable | null | undefined): string {
  if (!t) return "";
  const head = `<tr>${t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`;
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join("")}</tr>`).join("\n");
  const note = t.note ? `<p class="note">${escapeHtml(t.note)}</p>` : "";
  return `<div class="table-wrap" id="${escapeHtml(t.id)}"><h3>${escapeHtml(t.title)}</h3><table class="data"><thead>${head}</thead><tbody>${rows}</tbody></table>${note}</div>`;
}

export function figureHtml(item: { chart: ReportChart; svg: string }, specsHref: string | null): string {
  const { chart, svg } = item;
  const links = specsHref
    ? ` <span class="spec-links">(<a href="${escapeHtml(`${specsHref}/${chart.id}.vl.json`)}">Vega-Lite spec</a>, <a href="${escapeHtml(`${specsHref}/${chart.id}.data.json`)}">data</a>)</span>`
    : "";
  return `<figure class="chart" id="${escapeHtml(chart.id)}" data-chart="${escapeHtml(chart.id)}">${svg}<figcaption>${escapeHtml(chart.caption)}${links}</figcaption></figure>`;
}

const VERDICT_CLASS: Record<Finding["verdict"], string> = { holds: "holds", "does not hold": "fails", inconclusive: "unclear", "cannot be judged": "unknown" };

function findingsHtml(findings: Finding[], chartIds: Set<string>, tableIds: Set<string>): string {
  const items = findings.map((f) => {
    const refs = f.figures.filter((id) => chartIds.has(id) || tableIds.has(id)).map((id) => `<a href="#${escapeHtml(id)}">${escapeHtml(id)}</a>`).join(", ");
    return `<li class="finding ${VERDICT_CLASS[f.verdict]}" data-finding="${escapeHtml(f.id)}" data-verdict="${escapeHtml(f.verdict)}">
<span class="verdict">${escapeHtml(f.verdict)}</span> <span class="claim">${escapeHtml(f.claim)}</span>
<div class="evidence">${escapeHtml(f.evidence)}</div>
<div class="rule">rule: ${escapeHtml(f.rule)}${refs ? ` — see ${refs}` : ""}</div>
<div class="rule">test: ${escapeHtml(f.test)}${f.p !== null ? `; p = ${escapeHtml(f.p.toPrecision(2))}, after Holm ${escapeHtml((f.p_holm ?? 1).toPrecision(2))}` : ""}${f.target ? `; interval for ${escapeHtml(f.target)}` : ""}</div></li>`;
  });
  return `<ul class="findings">${items.join("\n")}</ul>`;
}

export const REPORT_CSS = `
:root { --fg: #1b1b1b; --muted: #666; --line: #ddd; --ok: #1a7f37; --bad: #b42318; --unk: #8a6d00; --unc: #5b6b8c; }
* { box-sizing: border-box; }
body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: var(--fg); margin: 0; padding: 0 24px 48px; max-width: 1280px; }
header { border-bottom: 1px solid var(--line); padding: 16px 0 8px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 14px; margin: 16px 0 6px; } h4 { margin: 10px 0 4px; font-size: 13px; }
nav a { margin-right: 12px; } .muted, .note, .rule { color: var(--muted); font-size: 12px; }
.grid { display: flex; flex-wrap: wrap; gap: 16px 28px; align-items: flex-start; }
figure.chart { margin: 8px 0 16px; max-width: 100%; overflow-x: auto; } figure.chart svg { max-width: none; height: auto; }
figcaption { font-size: 12px; color: var(--muted); max-width: 640px; margin-top: 4px; }
.grid figcaption { max-width: 480px; }
table.data { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: right; white-space: nowrap; }
table.data th[scope=row], table.data thead th:first-child { text-align: left; }
.table-wrap { overflow-x: auto; margin-bottom: 12px; }
ul.findings { list-style: none; padding: 0; } li.finding { border-left: 4px solid var(--line); padding: 4px 10px; margin: 8px 0; }
li.finding.holds { border-color: var(--ok); } li.finding.fails { border-color: var(--bad); } li.finding.unknown { border-color: var(--unk); } li.finding.unclear { border-color: var(--unc); }
.verdict { font-weight: bold; text-transform: uppercase; font-size: 11px; letter-spacing: .03em; }
.holds .verdict { color: var(--ok); } .fails .verdict { color: var(--bad); } .unknown .verdict { color: var(--unk); } .unclear .verdict { color: var(--unc); }
.claim { font-weight: 600; } .evidence { margin: 2px 0; }
.warnings { background: #fff8e1; border: 1px solid #f0d98c; padding: 6px 10px; font-size: 12px; }
.controls { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 8px 0; font-size: 12px; }
table.questions { border-collapse: collapse; font-size: 12px; width: 100%; }
table.questions th, table.questions td { border-bottom: 1px solid var(--line); padding: 3px 6px; text-align: left; }
table.questions td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.q-row { cursor: pointer; } tr.q-row:hover { background: #f4f7fb; }
.detail pre { white-space: pre-wrap; background: #f7f7f7; padding: 6px 8px; max-height: 360px; overflow: auto; font-size: 12px; }
.detail details { margin: 2px 0; } .detail details.ok summary { color: var(--ok); } .detail details.bad summary { color: var(--bad); }
ul.answers { display: inline; padding: 0; } ul.answers li { display: inline; margin-right: 10px; } ul.answers li.ok code { color: var(--ok); } ul.answers li.bad code { color: var(--bad); }
code { font-family: Menlo, Consolas, monospace; font-size: 12px; }
`;

const DYNAMICS_PREAMBLE = "Snapshots kept during training, each sampled on the test set like the other models: does RL trade the hardest questions for the easier ones, and when? The training run's own curves sit beside them on the same steps. Snapshots are not among the models of the tables above.";

export function renderHtml(p: PageParts): string {
  const chartIds = new Set(p.charts.map((c) => c.chart.id));
  const tableIds = new Set(allTables(p.tables).map((t) => t.id));
  const chart = (id: string) => p.charts.filter((c) => c.chart.id === id).map((c) => figureHtml(c, p.specsHref)).join("");
  const chartsWhere = (pred: (id: string) => boolean) => p.charts.filter((c) => pred(c.chart.id)).map((c) => figureHtml(c, p.specsHref)).join("");
  const a = p.analysis;
  const sections: Array<[string, string, string]> = [];
  sections.push(["findings", "Findings", `<p class="muted">${escapeHtml(FINDINGS_PREAMBLE)}</p>${findingsHtml(p.findings, chartIds, tableIds)}`]);
  sections.push(["capability", "Accuracy and capability", chart("pass-at-k") + tableHtml(p.tables.accuracy) + tableHtml(p.tables.comparison)]);
  if (a.comparisons.length > 0 || chartIds.has("bin-histogram")) {
    const transitions = `<div class="grid">${chartsWhere((id) => id.startsWith("transition-"))}</div>`;
    sections.push(["bins", "Difficulty bins", chart("bin-accuracy-delta") + tableHtml(p.tables.binDelta) + chart("bin-histogram") + transitions]);
  }
  if (chartIds.has("answer-entropy")) sections.push(["entropy", "Answer entropy", chart("answer-entropy") + tableHtml(p.tables.entropy)]);
  if (chartIds.has("response-length") || chartIds.has("reflection-keywords")) {
    sections.push(["texts", "Response length and reflection keywords", chart("response-length") + chart("reflection-keywords") + tableHtml(p.tables.text)]);
  }
  if (p.tables.generation) sections.push(["generation", "Generation", tableHtml(p.tables.generation)]);
  if (p.tables.adaptive) sections.push(["adaptive", p.tables.adaptive.title, tableHtml(p.tables.adaptive)]);
  if (p.tables.classes) sections.push(["classes", p.tables.classes.title, tableHtml(p.tables.classes)]);
  if (p.tables.harness) sections.push(["harness", p.tables.harness.title, tableHtml(p.tables.harness)]);
  for (const t of p.tables.extra ?? []) sections.push([t.id, t.title, tableHtml(t)]);
  if (chartIds.has("training-curves")) sections.push(["training", "Training", chart("training-curves") + tableHtml(p.tables.training) + tableHtml(p.tables.trainingSets)]);
  if (p.tables.dynamics.length > 0) {
    // per series: its charts side by side with the training run's curves, then its table
    const body = p.tables.dynamics.map((t) => {
      const id = t.id.slice("dynamics-".length);
      const figs = ["capability", "train", "bins", "won-lost", "texts"].map((what) => chart(`dynamics-${what}-${id}`)).join("");
      return `<div class="grid">${figs}</div>${tableHtml(t)}`;
    }).join("");
    sections.push(["dynamics", "Training dynamics", `<p class="muted">${escapeHtml(DYNAMICS_PREAMBLE)}</p>${body}`]);
  }

  const rest = p.samplesLink === null ? "" : "href" in p.samplesLink
    ? `<p class="muted">Every sample: <a href="${escapeHtml(p.samplesLink.href)}">${escapeHtml(p.samplesLink.href)}</a> (JSONL).</p>`
    : `<p class="muted">Every sample, as JSONL: <code>${escapeHtml(p.samplesLink.command)}</code></p>`;
  const ex = p.explorer.index;
  const capNote = ex.has_samples ? ` Up to ${ex.cap} samples per model and question are shown (right and wrong ones alternating), texts cut at ${ex.max_chars} characters.` : "";
  const sideNote = ex.detail.kind === "files" ? ` Answers and samples are read, when a question is opened, from the folder ${ex.detail.dir}/ beside this page: keep it with the page.` : "";
  sections.push(["explorer", "Question explorer", `<p class="muted">Click a question for its prompt, gold answer, each model's most frequent answers and samples. Cells: correct/n (bin).${escapeHtml(capNote + sideNote)}</p>${rest}
<noscript><p>The explorer needs JavaScript; the tables above do not.</p></noscript><div id="explorer"></div>`]);
  if (p.tables.transitions.length > 0) {
    sections.push(["tables", "Transition tables", p.tables.transitions.map(tableHtml).join("")]);
  }

  const warnings = a.warnings.length ? `<div class="warnings">${a.warnings.map((w) => `<div>warning: ${escapeHtml(w)}</div>`).join("")}</div>` : "";
  const specs = p.specsHref ? `Chart specs and data: <a href="${escapeHtml(p.specsHref)}/index.json">${escapeHtml(p.specsHref)}/</a>.` : `Export the charts' Vega-Lite specs and data with <code>rlvd report ${escapeHtml(p.runDir)} --specs DIR</code>.`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)}</title>
<style>${REPORT_CSS}</style></head>
<body>
<header><h1>${escapeHtml(p.title)}</h1>
<div class="muted">run <code>${escapeHtml(p.runDir)}</code> · ${p.models.length} models: ${p.models.map(escapeHtml).join(", ")} · base: ${a.base === null ? "none (pass --base MODEL for comparisons)" : escapeHtml(a.base)} · grading: ${escapeHtml(gradingLine(a))} · generated ${escapeHtml(p.generatedAt)} by rlvd ${escapeHtml(p.version)}</div>
<nav>${sections.map(([id, title]) => `<a href="#s-${id}">${escapeHtml(title)}</a>`).join("")}</nav>
${warnings}</header>
<main>
${sections.map(([id, title, body]) => `<section id="s-${id}"><h2>${escapeHtml(title)}</h2>\n${body}</section>`).join("\n")}
</main>
<footer class="muted"><p>Accuracy = pass@1, capability = pass@k (Kim et al. 2025, "Reinforcement Learning vs. Distillation"). ${specs}</p></footer>
<script type="application/json" id="explorer-data">${scriptJson(ex)}</script>
${p.explorer.inlineDetail === null ? "" : `<script type="application/json" id="explorer-detail">${p.explorer.inlineDetail}</script>\n`}
<script>${EXPLORER_SCRIPT}</script>
</body></html>
`;
}
