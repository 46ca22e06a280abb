/**
 * A study's published figures beside a run's own, so a reproduction shows at a glance how close it came.
 * The figures come from a file (presets/real/published.json), each model's with its source; models are
 * matched by the name the run stores them under.
 */
import { z } from "zod";
import type { Analysis } from "./analyze-run.js";
import type { ReportTable } from "./tables.js";

const ModelFigures = z
  .object({
    /** questions per difficulty bin of this model's own counts, keyed by bin label ("0", "1-4", ...) */
    bins: z.record(z.string(), z.number().int().nonnegative()).optional(),
    accuracy: z.number().min(0).max(1).optional(),
    /** pass@k keyed by k */
    pass_at_k: z.record(z.string().regex(/^\d+$/), z.number().min(0).max(1)).optional(),
  })
  .strict();

export const PublishedFiguresSchema = z
  .object({
    /** where the figures come from (paper, table, data file) */
    source: z.string().min(1),
    dataset: z.string().min(1),
    /** samples per question the figures were computed at */
    n: z.number().int().positive(),
    models: z.record(z.string(), ModelFigures),
  })
  .strict();

export type PublishedFigures = z.infer<typeof PublishedFiguresSchema>;

const pct = (x: number | null | undefined) => (x === null || x === undefined ? "-" : `${(100 * x).toFixed(1)}%`);

/** One row per figure: the published value, the run's, and the difference where both exist. */
export function publishedTable(figures: PublishedFigures, analysis: Analysis): ReportTable {
  const rows: string[][] = [];
  for (const [model, f] of Object.entries(figures.models)) {
    const run = analysis.models[model];
    const bins = new Map((run?.bins ?? []).map((b) => [b.label, b.questions]));
    for (const [label, published] of Object.entries(f.bins ?? {})) {
      const mine = run && run.modal_n === figures.n ? bins.get(label) : undefined;
      rows.push([model, `questions in bin ${label}`, String(published), mine === undefined ? "-" : String(mine), mine === undefined ? "-" : signed(mine - published)]);
    }
    if (f.accuracy !== undefined) {
      const mine = run?.accuracy;
      rows.push([model, "accuracy (pass@1)", pct(f.accuracy), pct(mine), mine === undefined ? "-" : signedPct(mine - f.accuracy)]);
    }
    for (const [k, published] of Object.entries(f.pass_at_k ?? {})) {
      const mine = run?.pass_at_k[k];
      rows.push([model, `pass@${k}`, pct(published), pct(mine), mine === undefined ? "-" : signedPct(mine - published)]);
    }
  }
  const missing = Object.keys(figures.models).filter((m) => !analysis.models[m]);
  return {
    id: "published",
    title: `Published figures beside this run (${figures.dataset})`,
    header: ["model", "figure", "published", "this run", "difference"],
    rows,
    note:
      `published: ${figures.source}; at n = ${figures.n} samples per question (bins of this run are shown only at the same n)` +
      (missing.length > 0 ? `; not in this run: ${missing.join(", ")}` : ""),
  };
}

function signed(x: number): string {
  return x > 0 ? `+${x}` : String(x);
}

function signedPct(x: number): string {
  return `${x > 0 ? "+" : ""}${(100 * x).toFixed(1)} pp`;
}
