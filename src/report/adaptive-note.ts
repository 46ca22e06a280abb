/**
 * The adaptive table's note: how the run's questions were stopped, read from each model's stored settings
 * (models.meta.adaptive.settings), so a report says which rule actually ran, with its figures, not the default.
 */
import { ADAPTIVE_DEFAULTS, type AdaptiveOptions } from "../metrics/adaptive.js";

/** Settings as stored: records written before `rule` existed have none, and they ran the threshold rule. */
export type StoredAdaptiveSettings = Partial<AdaptiveOptions>;

const percent = (x: number) => `${+(100 * x).toFixed(2)}%`;

/** One sentence on the stopping rule of one model's adaptive run. */
export function adaptiveRuleText(settings: StoredAdaptiveSettings): string {
  const rule = settings.rule ?? "threshold";
  const keep = settings.keep ?? ADAPTIVE_DEFAULTS.keep;
  const unsolved = settings.unsolvedSettle ?? ADAPTIVE_DEFAULTS.unsolvedSettle;
  const stop = rule === "budget"
    ? `budget rule: each round a changed bin was priced in samples so that the expected share of questions reported in another bin than a full run's stayed at ${percent(settings.misses ?? ADAPTIVE_DEFAULTS.misses)}, and a question stopped where sampling on cost more than that price`
    : `threshold rule: a question stopped once its most likely bin at the full n had probability >= ${settings.settle ?? ADAPTIVE_DEFAULTS.settle}` +
      ((settings.taper ?? ADAPTIVE_DEFAULTS.taper) > 0 ? `, the allowance shrinking with the samples a stop would save (taper ${settings.taper ?? ADAPTIVE_DEFAULTS.taper})` : "");
  const never = unsolved >= 1 ? "; questions never solved ran to the full n" : `; a never-solved question stopped only at >= ${unsolved} odds of staying unsolved`;
  return `${stop}${never}; a stopped question was sampled on to the full n at random with probability ${keep}, which keeps the estimates unbiased`;
}

/** The note under the table: one clause per distinct rule, naming its models when they differ. */
export function adaptiveNote(runs: ReadonlyArray<{ model: string; settings: StoredAdaptiveSettings }>): string {
  const byText = new Map<string, string[]>();
  for (const r of runs) {
    const text = adaptiveRuleText(r.settings);
    byText.set(text, [...(byText.get(text) ?? []), r.model]);
  }
  const clauses = [...byText].map(([text, models]) => (byText.size === 1 ? `Questions were sampled in rounds, by the ${text}.` : `${models.join(", ")}: sampled in rounds, by the ${text}.`));
  return `${clauses.join(" ")} See docs/analysis.md, "Adaptive sampling". The pass@k columns above average each question's own n and are not corrected for the stopping.`;
}
