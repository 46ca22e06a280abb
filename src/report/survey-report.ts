/**
 * The survey's report (issue 18 part 2), in words, tables and one figure: the headline share with its interval,
 * what must be true of a world for RLVR to expand capability (read off the best splits and the logistic model),
 * every finding's share, and the phase diagram of the headline over its two strongest knobs. The same text goes
 * to survey.md and to the top-level report's survey section.
 */
import { makeChart, type ChartRow, type ReportChart } from "./charts.js";
import { escapeHtml, figureHtml, tableHtml } from "./html.js";
import { markdownTable } from "./markdown.js";
import { renderSvg } from "./render-svg.js";
import type { KnobSplit, PhaseDiagram, SurveyOutcome, SurveyResult } from "./survey.js";
import type { ReportTable } from "./tables.js";
import { fmt, signed } from "./text-table.js";

const pct = (x: number | null) => (x === null ? "-" : `${Math.round(x * 100)}%`);
const share = (o: SurveyOutcome) => (o.share.share === null ? "cannot be judged in any world" : `${o.counts.holds} of ${o.share.n} worlds, ${pct(o.share.share)} [95% Wilson ${pct(o.share.ci![0])}, ${pct(o.share.ci![1])}]`);
const num = (x: number) => (Math.abs(x) >= 10 ? x.toFixed(0) : Math.abs(x) >= 0.01 ? x.toPrecision(3) : x.toExponential(2));

function splitWords(s: KnobSplit, label: (k: string) => string): string {
  return `${label(s.knob)} <= ${num(s.threshold)}: holds in ${s.below.holds} of ${s.below.n}; above: ${s.above.holds} of ${s.above.n} (misclassifies ${s.errors} of ${s.below.n + s.above.n}, against ${s.baseline} with no split)`;
}

/** The two sentences the issue asks the survey to answer. */
export function surveyHeadline(r: SurveyResult): string[] {
  const label = (k: string) => r.knobs.find((x) => x.name === k)?.label ?? k;
  const h = r.headline, e = r.expands;
  const lines = [`"RLVR raises accuracy but not capability" holds in ${share(h)} of the plausible worlds surveyed (${h.counts.does_not_hold} refuted, ${h.counts.inconclusive} inconclusive).`];
  if (e.share.n === 0) lines.push("Whether RLVR expands capability could not be judged in any world.");
  else if (e.counts.holds === 0) lines.push(`RLVR expanded capability (pass@N beyond the margin) in none of the ${e.share.n} worlds judged, so this survey cannot say what a world needs for it: within this prior it did not happen.`);
  else {
    const strongest = e.model ? [...e.model.effects].sort((a, b) => Math.abs(b.beta) - Math.abs(a.beta)).slice(0, 3).map((x) => `${x.knob} ${signed(x.beta, 2)}`).join(", ") : null;
    lines.push(`RLVR expanded capability in ${share(e)}.${e.splits[0] ? ` The knob that separates those worlds best: ${splitWords(e.splits[0], label)}.` : ""}${strongest ? ` Largest logistic effects (log-odds per sd of the knob): ${strongest}.` : ""}`);
  }
  return lines;
}

export function surveyTables(r: SurveyResult): ReportTable[] {
  const label = (k: string) => r.knobs.find((x) => x.name === k)?.label ?? k;
  const outcomes = [r.headline, r.expands, ...r.findings];
  const effects = (o: SurveyOutcome) => (o.model ? [...o.model.effects].sort((a, b) => Math.abs(b.beta) - Math.abs(a.beta)).slice(0, 3).map((x) => `${x.knob} ${signed(x.beta, 2)} (se ${fmt(x.se, 2)})`).join("; ") : "-");
  return [
    {
      id: "survey-findings", title: `Each finding across ${r.worlds.length} worlds: the share where it holds (95% Wilson interval)`,
      header: ["finding", "holds", "refuted", "inconclusive", "not judged", "share [95%]", "best split", "largest logistic effects"],
      rows: outcomes.map((o) => [o.id, String(o.counts.holds), String(o.counts.does_not_hold), String(o.counts.inconclusive), String(o.counts.cannot_be_judged),
        o.share.share === null ? "-" : `${fmt(o.share.share, 2)} [${fmt(o.share.ci![0], 2)}, ${fmt(o.share.ci![1], 2)}]`,
        o.splits[0] ? `${o.splits[0].knob} <= ${num(o.splits[0].threshold)}: ${o.splits[0].below.holds}/${o.splits[0].below.n}, above ${o.splits[0].above.holds}/${o.splits[0].above.n}` : "-", effects(o)]),
      note: `Share = worlds where it holds / worlds judged (inconclusive counts as not holding). Logistic regression of "holds" on the knobs standardised over the worlds, ridge ${r.ridge} on the slopes; effects are log-odds per sd of the knob; a finding that holds in all or none of its worlds has no model.`,
    },
    {
      id: "survey-knobs", title: "The prior's knobs as drawn",
      header: ["knob", "meaning", "min", "mean", "max"],
      rows: r.knobs.map((k) => [k.name, label(k.name), num(k.min), num(k.mean), num(k.max)]),
    },
    {
      id: "survey-worlds", title: "Every world: its knobs and the headline's verdict",
      header: ["world", "seed", ...r.knobs.map((k) => k.name), "RLVR accuracy", "RLVR capability", "seconds"],
      rows: r.worlds.map((w) => [w.id, String(w.seed), ...r.knobs.map((k) => num(w.knobs[k.name]!)), w.failed ? `failed: ${w.failed}` : w.verdicts["rlvr-accuracy"] ?? "-", w.failed ? "-" : w.verdicts["rlvr-capability"] ?? "-", w.seconds.toFixed(0)]),
    },
  ];
}

/** The phase diagram: the model's probability as shaded cells, each world a point marked by the headline's verdict. */
export function phaseChart(p: PhaseDiagram, r: SurveyResult): ReportChart {
  const label = (k: string) => r.knobs.find((x) => x.name === k)?.label ?? k;
  const data: ChartRow[] = [
    ...p.cells.map((c) => ({ layer: "model", x0: c.x0, x1: c.x1, y0: c.y0, y1: c.y1, p: c.p })),
    ...p.points.map((q) => ({ layer: "world", x: q.x, y: q.y, verdict: q.holds ? "holds" : "does not hold / inconclusive", world: q.world })),
  ];
  const xTitle = `${p.x}: ${label(p.x)}`, yTitle = `${p.y}: ${label(p.y)}`;
  return makeChart("survey-phase", `Where "RLVR raises accuracy but not capability" holds: ${p.x} against ${p.y}`,
    `Each point is one world of the survey (filled: the headline holds). The shading is the logistic model's probability that it holds, with every other knob at its mean${p.cells.length === 0 ? " (no model: every judged world agrees)" : ""}.`, data, {
      width: 420, height: 320,
      layer: [
        ...(p.cells.length > 0 ? [{
          transform: [{ filter: "datum.layer === 'model'" }],
          mark: { type: "rect", opacity: 0.75 },
          encoding: {
            x: { field: "x0", type: "quantitative", title: xTitle }, x2: { field: "x1" }, y: { field: "y0", type: "quantitative", title: yTitle }, y2: { field: "y1" },
            color: { field: "p", type: "quantitative", scale: { domain: [0, 1], scheme: "blues" }, legend: { title: "P(holds)" } },
          },
        }] : []),
        {
          transform: [{ filter: "datum.layer === 'world'" }],
          mark: { type: "point", size: 70, strokeWidth: 1.5 },
          encoding: {
            x: { field: "x", type: "quantitative", title: xTitle }, y: { field: "y", type: "quantitative", title: yTitle },
            shape: { field: "verdict", type: "nominal", legend: { title: "headline" } },
            fill: { condition: { test: "datum.verdict === 'holds'", value: "#000000" }, value: "#ffffff" },
            stroke: { value: "#000000" },
          },
        },
      ],
    });
}

export function surveyMarkdown(r: SurveyResult): string {
  return [...surveyHeadline(r).map((l) => `- ${l}`), "", ...surveyTables(r).map(markdownTable)].join("\n");
}

/** The survey's section of an HTML page (the figure rendered to inline SVG). */
export async function surveySectionHtml(r: SurveyResult): Promise<string> {
  const figure = r.phase ? figureHtml({ chart: phaseChart(r.phase, r), svg: await renderSvg(phaseChart(r.phase, r).spec, "survey-phase") }, null) : `<p class="muted">No phase diagram: fewer than two knobs vary.</p>`;
  return `<div class="survey-headline">${surveyHeadline(r).map((l) => `<p>${escapeHtml(l)}</p>`).join("")}</div>${figure}${surveyTables(r).map(tableHtml).join("")}`;
}
