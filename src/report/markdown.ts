/** summary.md: the report's findings and tables as Markdown, for terminals and papers. */
import type { Analysis } from "./analyze-run.js";
import { FINDINGS_PREAMBLE, type Finding } from "./findings.js";
import { allTables, type ReportTable, type ReportTables } from "./tables.js";

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function markdownTable(t: ReportTable): string {
  const lines = [`### ${t.title}`, "", `| ${t.header.map(cell).join(" | ")} |`, `|${t.header.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`];
  for (const r of t.rows) lines.push(`| ${r.map(cell).join(" | ")} |`);
  if (t.note) lines.push("", `_${t.note}_`);
  return lines.join("\n") + "\n";
}

export function renderMarkdown(p: { title: string; runDir: string; analysis: Analysis; models: string[]; findings: Finding[]; tables: ReportTables }): string {
  const out: string[] = [`# ${p.title}`, ""];
  out.push(`Run \`${p.runDir}\`; models: ${p.models.join(", ")}; base: ${p.analysis.base ?? "none"}.`, "");
  out.push(`Grading (rlvd verify --extract; "imported": verdicts that came with the data): ${gradingLine(p.analysis)}.`, "");
  out.push("## Findings", "");
  out.push(FINDINGS_PREAMBLE, "");
  for (const f of p.findings) out.push(`- **${f.verdict}**: ${f.claim}. ${f.evidence}. _Rule: ${f.rule}. Test: ${f.test}${f.p !== null ? `; p = ${f.p.toPrecision(2)}, after Holm ${(f.p_holm ?? 1).toPrecision(2)}` : ""}._`);
  out.push("", "## Tables", "");
  for (const t of allTables(p.tables)) out.push(markdownTable(t));
  if (p.analysis.warnings.length > 0) {
    out.push("## Warnings", "");
    for (const w of p.analysis.warnings) out.push(`- ${w}`);
    out.push("");
  }
  return out.join("\n");
}

/** Which convention graded each model, e.g. "base any, rl boxed". */
export function gradingLine(a: Analysis): string {
  const parts = Object.entries(a.grading ?? {}).map(([m, gs]) => `${m} ${gs.join(" + ")}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}
