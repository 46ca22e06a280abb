import { powersOfTwoUpTo } from "../metrics/summary.js";
import type { Analysis, ModelAnalysis } from "./analyze-run.js";
import { fmt, pValue, signed, textTable } from "./text-table.js";
import { formatFitLine } from "./analyze-fit.js";

/** The human-readable form of an analysis, as `rlvd analyze` prints it. */
export function formatAnalysis(analysis: Analysis, options: { ks?: number[] } = {}): string {
  let out = "";
  for (const [name, m] of Object.entries(analysis.models)) out += formatModel(name, m, options.ks, analysis.grading?.[name]) + "\n";
  for (const c of analysis.comparisons) {
    const acc = c.significance.accuracy;
    out += `${c.other} vs ${c.base} (${c.questions} shared questions, bins of ${c.base})\n`;
    out += `  accuracy ${signed(acc.delta)} [${signed(acc.ci[0])}, ${signed(acc.ci[1])}] ${pValue(acc.p_value)}\n`;
    const rows = Object.entries(c.significance.pass_at_k).map(([k, r]) => [`pass@${k}`, signed(r.delta), `[${signed(r.ci[0])}, ${signed(r.ci[1])}]`, pValue(r.p_value)]);
    out += textTable(["", "delta", "95% CI", "p"], rows);
    out += textTable(
      ["bin", "questions", c.base, c.other, "delta"],
      c.bin_accuracy_delta.map((b) => [b.label, String(b.questions), fmt(b.base_accuracy), fmt(b.other_accuracy), signed(b.delta)]),
    );
    const labels = c.bin_accuracy_delta.map((b) => b.label);
    out += `  transition (rows: ${c.base} bin, columns: ${c.other} bin)\n`;
    out += textTable(["", ...labels], c.transition.map((row, i) => [labels[i]!, ...row.map(String)]), "    ");
    out += "\n";
  }
  if (analysis.harness_agreement) {
    out += "harness verdict vs rlvd verdict\n";
    out += textTable(["model", "harness verdicts", "graded by rlvd", "agreement", "harness only right", "rlvd only right"],
      analysis.harness_agreement.map((h) => [h.model, String(h.harness_verdicts), String(h.compared), h.agreement === null ? "-" : fmt(h.agreement), String(h.harness_only), String(h.rlvd_only)]));
    out += "\n";
  }
  for (const w of analysis.warnings) out += `warning: ${w}\n`;
  return out;
}

function formatModel(name: string, m: ModelAnalysis, ks?: number[], grading?: string[]): string {
  const n = m.samples_per_question;
  let out = `${name}: ${m.questions} questions, ${n} samples each (${m.samples_total} in all)${grading?.length ? `, graded: ${grading.join(" + ")}` : ""}\n`;
  out += `  accuracy ${fmt(m.accuracy, 4)} [${fmt(m.accuracy_ci[0], 4)}, ${fmt(m.accuracy_ci[1], 4)}]   `;
  out += `unsolved ${m.unsolved} (each with p < ${fmt(m.epsilon, 4)} at 95%)\n`;
  const shownKs = (ks ?? powersOfTwoUpTo(n)).filter((k) => k >= 1 && k <= n);
  const header = ["", ...shownKs.map((k) => `k=${k}`)];
  const rows = [["pass@k", ...shownKs.map((k) => fmt(m.pass_at_k[String(k)]))]];
  if (m.maj_at_k) rows.push(["maj@k", ...shownKs.map((k) => fmt(m.maj_at_k![String(k)]))]);
  out += textTable(header, rows);
  out += formatFitLine(m);
  if (m.answer_entropy !== undefined) out += `  answer entropy ${fmt(m.answer_entropy)} nats${m.answer_grouping ? ` (answers grouped: ${m.answer_grouping})` : ""}\n`;
  out += textTable(["bin", ...m.bins.map((b) => b.label)], [
    ["questions", ...m.bins.map((b) => String(b.questions))],
    ["accuracy", ...m.bins.map((b) => fmt(b.accuracy))],
  ]);
  const g = m.generation;
  if (g && (g.counted > 0 || g.with_finish > 0)) {
    out += `  generation: ${g.counted > 0 ? `${fmt(g.mean_tokens ?? undefined, 0)} tokens per response (${g.counted} counted)` : "token counts unknown"}`;
    if (g.with_finish > 0) out += `, truncated at max_tokens ${fmt(g.truncation_rate ?? undefined, 3)} (${g.truncated} of ${g.with_finish})`;
    if (g.failed_questions.length > 0) out += `, ${g.failed_questions.length} questions failed`;
    out += "\n";
  }
  if (m.length) {
    out += `  length (chars): correct ${fmt(m.length.chars.correct, 0)}, incorrect ${fmt(m.length.chars.incorrect, 0)}`;
    if (m.keywords) out += `; reflection keywords per response: correct ${fmt(m.keywords.per_response.correct, 2)}, incorrect ${fmt(m.keywords.per_response.incorrect, 2)}`;
    out += "\n";
  }
  return out;
}
