import { existsSync } from "node:fs";

import { fileURLToPath } from "node:url";
import { RlvdError } from "../core/errors.js";
import { runPath } from "../core/run-folder.js";
import { specGaps } from "./bindings.js";
import { checkStages, runStages, type StageResult } from "./runner.js";
import { stagePool } from "./stage-pool.js";
import { loadSpec, type ExperimentSpec } from "./spec.js";
import { STAGE_KINDS } from "./stages/index.js";

export const PRESETS = ["smoke", "quick", "quick-classic", "full", "survey"] as const;
export type Preset = (typeof PRESETS)[number];

/** The spec file a preset ships as (presets/NAME.yaml in the package). */
export function presetFile(preset: string): string {
  const file = fileURLToPath(new URL(`../../presets/${preset}.yaml`, import.meta.url));
  if (!existsSync(file)) throw new RlvdError("NOT_FOUND", `no preset "${preset}" (presets: ${PRESETS.join(", ")})`);
  return file;
}

export type ExperimentResult = { spec: ExperimentSpec; runDir: string; stages: StageResult[]; report: string | null; seconds: number };

/**
 * Checks a spec without running anything: the graph and every stage's settings (nested studies' too), then
 * lists what it still needs before it can run (unbound endpoints, missing datasets).
 */
export function checkExperiment(spec: ExperimentSpec): { stages: number; gaps: string[] } {
  checkStages(spec.stages, STAGE_KINDS);
  return { stages: spec.stages.length, gaps: specGaps(spec) };
}

export type ExperimentOptions = {
  log?: (m: string) => void;
  force?: string[];
  /** stages at once (default 1); above 1 each runs in a stage worker process (experiment/stage-pool.ts) */
  jobs?: number;
};

/** Runs an experiment spec in a run folder: every stage cached, resumable, timed in run.json. */
export async function runExperiment(spec: ExperimentSpec, runDir: string, options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const started = Date.now();
  // an endpoint or dataset missing anywhere fails now, before the first stage runs (and before the run folder exists)
  const { gaps } = checkExperiment(spec);
  if (gaps.length > 0) throw new RlvdError("BAD_INPUT", `${spec.name}: cannot run yet: ${gaps.join("; ")}`);
  const jobs = Math.max(1, Math.floor(options.jobs ?? 1));
  const pool = jobs > 1 ? stagePool({ size: jobs }) : null;
  let stages: StageResult[];
  try {
    stages = await runStages(spec.stages, { runDir, kinds: STAGE_KINDS, log: options.log, force: options.force, jobs, host: pool ?? undefined });
  } finally {
    await pool?.close();
  }
  const report = runPath(runDir, "report");
  return { spec, runDir, stages, report: existsSync(report) ? report : null, seconds: (Date.now() - started) / 1000 };
}

/** `rlvd demo`: the embedded study of a preset, end to end. */
export async function runDemo(preset: string, runDir: string, options: Omit<ExperimentOptions, "force"> = {}): Promise<ExperimentResult> {
  return runExperiment(loadSpec(presetFile(preset), STAGE_KINDS), runDir, options);
}


