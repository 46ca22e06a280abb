import type { SampleStore } from "./store.js";
import { modelMeta, setModelMeta } from "./sampling-records.js";

/**
 * Series of snapshots: the checkpoints of one training run sampled as models of their own (`rlvr@step-50`,
 * ...). The series and the step go in `models.meta.series` as a name and a number, so the step axis never
 * depends on parsing model names (and stores without the record read as "no series").
 */
export type SeriesMember = { model: string; series: string; step: number };

/** The model name of one snapshot: SERIES@step-N (verl's dumps and `rlvd sample --series` use the same). */
export function seriesModelName(series: string, step: number): string {
  return `${series}@step-${step}`;
}

/** Records that `model` is the snapshot of `series` at `step` (merged into models.meta; a models record names it if none did). */
export async function recordSeriesStep(store: SampleStore, model: string, series: string, step: number): Promise<void> {
  if (!Number.isInteger(step) || step < 0) throw new RangeError(`series ${series}: step ${step} is not a whole number >= 0`);
  const meta = await modelMeta(store, model);
  await setModelMeta(store, model, { ...meta, series: { name: series, step } });
}

/** Every recorded snapshot, by series then step ascending. */
export async function seriesMembers(store: SampleStore): Promise<SeriesMember[]> {
  const rows = await store.all<{ name: string; meta: string | null }>("SELECT name, meta FROM models WHERE meta IS NOT NULL");
  const out: SeriesMember[] = [];
  for (const r of rows) {
    let meta: unknown;
    try {
      meta = JSON.parse(r.meta!);
    } catch {
      continue; // an unreadable meta records no series
    }
    const m = meta as { series?: unknown; step?: unknown } | null;
    const s = m?.series as { name?: unknown; step?: unknown } | string | undefined;
    if (s && typeof s === "object" && typeof s.name === "string" && typeof s.step === "number") out.push({ model: r.name, series: s.name, step: s.step });
    // verl imports before this record wrote {series: NAME, step: N} at the top level
    else if (typeof s === "string" && typeof m!.step === "number") out.push({ model: r.name, series: s, step: m!.step });
  }
  return out.sort((a, b) => a.series.localeCompare(b.series) || a.step - b.step || a.model.localeCompare(b.model));
}
