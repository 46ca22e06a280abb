/**
 * Training logs: the trainers write `train-log.jsonl` (one JSON object per optimizer step) in the run folder or
 * in checkpoint folders under it. The report reads whatever of the known fields each line has.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";

export const TRAIN_LOG_FILE = "train-log.jsonl";

/** The per-step fields the report knows how to plot, in the order the charts show them. */
export const TRAIN_METRICS = ["reward_mean", "accuracy", "zero_adv_frac", "entropy", "mean_length", "kl", "loss", "lr", "step_time_s"] as const;
export type TrainMetric = (typeof TRAIN_METRICS)[number];

export type TrainStep = { step: number } & Partial<Record<TrainMetric, number>>;

export type TrainLog = {
  /** the trained model's name: the lines' `model` field, else the name of the log's folder */
  model: string;
  /** path relative to the run folder */
  file: string;
  steps: TrainStep[];
  /** what the run trained on, from a step-less `{"model", "data": {...}}` line (SFT's set and held-out split) */
  data?: Record<string, number | string>;
  /** lines that were not JSON objects with a numeric step (skipped) */
  skipped_lines: number;
};

const SKIP_DIRS = new Set(["node_modules", ".git"]);

/** Every `train-log.jsonl` under `dir` (any depth), sorted by path. */
export async function findTrainLogs(dir: string, maxDepth = 6): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isFile() && e.name === TRAIN_LOG_FILE) found.push(join(d, e.name));
      else if (e.isDirectory() && depth < maxDepth && !SKIP_DIRS.has(e.name)) await walk(join(d, e.name), depth + 1);
    }
  };
  await walk(dir, 0);
  return found.sort();
}

/** Parses one log's text. Lines that are not JSON objects with a finite `step` are counted and skipped. */
export function parseTrainLog(text: string, fallbackModel: string, file: string): TrainLog[] {
  const byModel = new Map<string, TrainStep[]>();
  const dataOf = new Map<string, Record<string, number | string>>();
  let skipped = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      skipped++;
      continue;
    }
    const r = row as Record<string, unknown>;
    const model = typeof r.model === "string" && r.model !== "" ? r.model : fallbackModel;
    if (r.step === undefined && typeof r.data === "object" && r.data !== null && !Array.isArray(r.data)) {
      const data: Record<string, number | string> = {};
      for (const [k, v] of Object.entries(r.data)) if (typeof v === "string" || (typeof v === "number" && Number.isFinite(v))) data[k] = v;
      dataOf.set(model, data);
      if (!byModel.has(model)) byModel.set(model, []);
      continue;
    }
    if (typeof r.step !== "number" || !Number.isFinite(r.step)) {
      skipped++;
      continue;
    }
    const step: TrainStep = { step: r.step };
    for (const m of TRAIN_METRICS) {
      const v = r[m];
      if (typeof v === "number" && Number.isFinite(v)) step[m] = v;
    }
    let list = byModel.get(model);
    if (!list) byModel.set(model, (list = []));
    list.push(step);
  }
  const logs: TrainLog[] = [...byModel].map(([model, steps]) => {
    const data = dataOf.get(model);
    return { model, file, steps: steps.sort((a, b) => a.step - b.step), ...(data ? { data } : {}), skipped_lines: 0 };
  });
  if (logs.length > 0) logs[0]!.skipped_lines = skipped;
  else if (skipped > 0) logs.push({ model: fallbackModel, file, steps: [], skipped_lines: skipped });
  return logs;
}

/** Reads every training log under run folder `dir`. */
export async function readTrainLogs(dir: string): Promise<TrainLog[]> {
  const logs: TrainLog[] = [];
  for (const path of await findTrainLogs(dir)) {
    const rel = relative(dir, path);
    const folder = dirname(rel);
    const fallback = basename(folder === "." ? dir : folder);
    logs.push(...parseTrainLog(await readFile(path, "utf8"), fallback, rel));
  }
  return logs;
}

/** Which of the plotted metrics appear in at least one step of at least one log. */
export function loggedMetrics(logs: readonly TrainLog[]): TrainMetric[] {
  return TRAIN_METRICS.filter((m) => logs.some((l) => l.steps.some((s) => s[m] !== undefined)));
}
