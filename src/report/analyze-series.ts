/**
 * `rlvd analyze`'s series (issue 17): the snapshots the store records as a series (store/series.ts), each
 * measured against the base on the base's bins (metrics/series.ts), with the extrapolated pass@k, answer
 * entropy, length and keywords of each snapshot beside them. Snapshots are left out of the run's models,
 * comparisons and findings, which stay those of the study's own models.
 */
import { analyzeSeries, SERIES_KS, type BinScheme, type QuestionResult, type SeriesEntry, type SeriesFall } from "../metrics/index.js";
import type { SeriesMember } from "../store/series.js";
import { modelFit } from "./analyze-fit.js";
import type { FitVariant } from "../metrics/fit-beta-binomial.js";

/** One snapshot in `--json`'s `series`: the entry of metrics/series.ts plus what its samples' texts show. */
export type SeriesJsonEntry = SeriesEntry & {
  /** the fitted (extrapolated) pass@k at SERIES_KS, where the fit ran */
  pass_at_k_fit?: Record<string, number>;
  answer_entropy?: number;
  /** mean characters and tokens per response */
  mean_chars?: number | null;
  mean_tokens?: number | null;
  /** mean reflection keywords per response */
  keywords_per_response?: number | null;
};

export type SeriesResults = { series: Record<string, SeriesJsonEntry[]>; series_fall: Record<string, SeriesFall> };

/** What analyze-run computes for one model's samples (answer and text statistics), reused per snapshot. */
export type SnapshotText = { answer_entropy?: number; length?: { chars: { all: number | null }; tokens?: { all: number | null } }; keywords?: { per_response: { all: number | null } } };

export async function seriesResults(
  members: readonly SeriesMember[],
  byModel: ReadonlyMap<string, QuestionResult[]>,
  base: { results: readonly QuestionResult[]; scheme: BinScheme } | null,
  options: { seed: number; confidence: number; fit: boolean; fitVariant?: FitVariant | "auto"; texts: (model: string) => Promise<SnapshotText>; warn: (m: string) => void },
): Promise<SeriesResults> {
  const series: Record<string, SeriesJsonEntry[]> = {};
  const series_fall: Record<string, SeriesFall> = {};
  const names = [...new Set(members.map((m) => m.series))];
  for (const name of names) {
    const points = members.filter((m) => m.series === name && byModel.has(m.model)).map((m) => ({ model: m.model, step: m.step, results: byModel.get(m.model)! }));
    const seen = new Set<number>();
    const unique = points.filter((p) => {
      if (!seen.has(p.step)) return seen.add(p.step), true;
      options.warn(`series ${name}: two snapshots at step ${p.step}; ${p.model} is left out`);
      return false;
    });
    if (unique.length === 0) continue;
    const analysed = analyzeSeries(unique, base, { seed: options.seed, confidence: options.confidence });
    const entries: SeriesJsonEntry[] = [];
    for (const e of analysed.entries) {
      const out: SeriesJsonEntry = { ...e };
      if (options.fit) {
        const fit = modelFit(byModel.get(e.model)!, { variant: options.fitVariant, seed: options.seed, confidence: options.confidence }).pass_at_k_fit;
        const at = Object.fromEntries(SERIES_KS.filter((k) => fit[String(k)]).map((k) => [String(k), fit[String(k)]!.estimate]));
        if (Object.keys(at).length > 0) out.pass_at_k_fit = at;
      }
      const t = await options.texts(e.model);
      if (t.answer_entropy !== undefined) out.answer_entropy = t.answer_entropy;
      if (t.length) {
        out.mean_chars = t.length.chars.all;
        out.mean_tokens = t.length.tokens?.all ?? null;
      }
      if (t.keywords) out.keywords_per_response = t.keywords.per_response.all;
      entries.push(out);
    }
    series[name] = entries;
    series_fall[name] = analysed.fall;
  }
  return { series, series_fall };
}
