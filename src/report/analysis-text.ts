import { powersOfTwoUpTo } from "../metrics/summary.js";
import type { Analysis, ModelAnalysis } from "./analyze-run.js";
import { fmt, pValue, signed, textTable } from "./text-table.js";
import { formatFitLine } from "./analyze-fit.js";
import type { SeriesJsonEntry } from "./analyze-series.js";
import type { SeriesFall } from "../metrics/series.js";

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
  for (const [name, entries] of Object.entries(analysis.series ?? {})) out += formatSeries(name, entries, analysis.series_fall?.[name]) + "\n";
  for (const w of analysis.warnings) out += `warning: ${w}\n`;
  return out;
}

/** One series: a row per snapshot (steps ascending), then the step at which capability first falls, if any. */
function formatSeries(name: string, entries: SeriesJsonEntry[], fall: SeriesFall | undefined): string {
  const ks = ["1", "16", "256"].filter((k) => entries.some((e) => e.pass_at_k[k] !== undefined || e.pass_at_k_fit?.[k] !== undefined));
  const nk = entries.find((e) => e.pass_at_n_vs_base)?.pass_at_n_vs_base?.k;
  let out = `series ${name}: ${entries.length} snapshots (bins of the base; won/lost: questions solved or no longer solved since the previous snapshot)\n`;
  out += textTable(
    ["step", ...ks.map((k) => `pass@${k}`), "won", "lost", ...(nk ? [`pass@${nk} - base`, "95% CI"] : [])],
    entries.map((e) => [
      String(e.step),
      ...ks.map((k) => (e.pass_at_k[k] !== undefined ? fmt(e.pass_at_k[k]) : e.pass_at_k_fit?.[k] !== undefined ? `${fmt(e.pass_at_k_fit[k])}*` : "-")),
      e.won === null ? "-" : String(e.won), e.lost === null ? "-" : String(e.lost),
      ...(nk ? (e.pass_at_n_vs_base ? [signed(e.pass_at_n_vs_base.delta), `[${signed(e.pass_at_n_vs_base.ci[0])}, ${signed(e.pass_at_n_vs_base.ci[1])}]`] : ["-", "-"]) : []),
    ]),
  );
  if (entries.some((e) => ks.some((k) => e.pass_at_k[k] === undefined && e.pass_at_k_fit?.[k] !== undefined))) out += "  * beyond the samples drawn: the beta-binomial fit\n";
  if (fall?.k != null) out += fall.step === null ? `  no step's pass@${fall.k} interval against the base lies below zero\n` : `  capability (pass@${fall.k}) first falls below the base at step ${fall.step} (${fall.model})\n`;
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
