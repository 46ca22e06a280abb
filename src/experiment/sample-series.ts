import type { Backend } from "../backends/types.js";
import { RlvdError } from "../core/errors.js";
import { recordSeriesStep, seriesModelName } from "../store/series.js";
import { withStore } from "../store/store.js";
import { sampleRun, type SampleRunOptions, type SampleRunResult } from "./sample-run.js";

/** One checkpoint of a series: its training step and the model SPEC that serves it. */
export type SeriesSnapshot = { step: number; spec: string };

/** `--snapshot STEP=SPEC`: e.g. `50=openai:grpo-step-50@http://gpu1:8000/v1` (a vLLM LoRA adapter name works as MODEL). */
export function parseSnapshot(arg: string): SeriesSnapshot {
  const m = /^(\d+)=(.+)$/.exec(arg);
  if (!m) throw new RlvdError("USAGE", `--snapshot ${arg}: expected STEP=SPEC, e.g. 50=openai:MODEL@URL`);
  return { step: Number(m[1]), spec: m[2]! };
}

/**
 * Samples each checkpoint of a training run as the model SERIES@step-N, one after another, and records its step
 * as a number (store/series.ts), so `rlvd analyze` reads them as one series. Each snapshot is its own resumable
 * sampling run: a rerun of the same command continues where it stopped.
 */
export async function sampleSeries(
  o: { series: string; snapshots: readonly SeriesSnapshot[]; open: (spec: string) => Promise<Backend>; onSnapshot?: (r: SampleRunResult) => void } & Omit<SampleRunOptions, "backend" | "model" | "spec">,
): Promise<SampleRunResult[]> {
  const { series, snapshots, open, onSnapshot, ...run } = o;
  if (series.includes("@")) throw new RlvdError("USAGE", `--series ${series}: a series name has no @`);
  if (snapshots.length === 0) throw new RlvdError("USAGE", `--series ${series}: name its checkpoints with --snapshot STEP=SPEC (one per step)`);
  const steps = snapshots.map((s) => s.step);
  const twice = steps.find((s, i) => steps.indexOf(s) !== i);
  if (twice !== undefined) throw new RlvdError("USAGE", `--series ${series}: step ${twice} is given twice`);
  const results: SampleRunResult[] = [];
  for (const snap of [...snapshots].sort((a, b) => a.step - b.step)) {
    const model = seriesModelName(series, snap.step);
    const backend = await open(snap.spec);
    try {
      const r = await sampleRun({ ...run, backend, model, spec: snap.spec });
      await withStore(run.runDir, {}, (store) => recordSeriesStep(store, model, series, snap.step));
      results.push(r);
      onSnapshot?.(r);
    } finally {
      await backend.close();
    }
  }
  return results;
}
