import type { Analysis } from "./analyze-run.js";
import type { ReportTable } from "./tables.js";
import { fmt } from "./text-table.js";

/**
 * Harness verdict vs rlvd verdict per model, for imported samples: a real-world check of both graders. Null
 * when no sample carries a harness verdict.
 */
export function harnessTable(analysis: Analysis): ReportTable | null {
  const rows = analysis.harness_agreement ?? [];
  if (rows.length === 0) return null;
  return {
    id: "harness-table",
    title: "Harness verdict vs rlvd verdict",
    header: ["model", "harness verdicts", "graded by rlvd", "agreement", "disagree", "harness only right", "rlvd only right"],
    rows: rows.map((r) => [
      r.model, String(r.harness_verdicts), String(r.compared), r.agreement === null ? "-" : fmt(r.agreement),
      String(r.compared - r.agree), String(r.harness_only), String(r.rlvd_only),
    ]),
    note: rows.some((r) => r.compared < r.harness_verdicts)
      ? "samples not graded by rlvd yet count the harness's verdict; regrade them (rlvd import samples --regrade) to compare all"
      : undefined,
  };
}
