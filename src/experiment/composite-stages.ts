/**
 * Stages made of studies: `study` runs a whole nested spec in its own run folder (with its own cache, store,
 * metrics.json and report), `seeds` aggregates studies repeated at several seeds, `sweep` lines up studies
 * along a knob, and `summary` writes the top-level report of a full run. The full preset is built from them.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { z } from "zod";
import { RlvdError } from "../core/errors.js";
import type { Analysis } from "../report/analyze-run.js";
import { aggregateSeeds, sweepRows, type AcrossSeeds } from "../report/across-seeds.js";
import { writeFullReport, type SweepResult } from "../report/full-report.js";
import { applyOverrides } from "./overrides.js";
import { checkStages, defineStageKind, runStages, type StageKind, type StageOutput } from "./runner.js";
import { parseSpec } from "./spec.js";
import { STUDY_STAGE_KINDS } from "./study-stages.js";
import { seriesKind } from "./series-stage.js";

const ref = z.string().min(1);

function outputOf(inputs: Record<string, StageOutput>, id: string, field: string, stage: string): string {
  const v = inputs[id]?.[field];
  if (typeof v !== "string") throw new RlvdError("BAD_INPUT", `stage ${stage}: stage "${id}" has no ${field} (is it a ${field === "metrics" ? "study with an analyze stage" : "stage of the right kind"}?)`);
  return v;
}

function readAnalysis(file: string): Analysis {
  return JSON.parse(readFileSync(file, "utf8")) as Analysis;
}

const studyKind = defineStageKind({
  kind: "study",
  settings: z.object({
    /** the nested spec: a file name in the YAML (inlined when the spec loads) or the spec itself */
    spec: z.object({ name: z.string(), stages: z.array(z.record(z.string(), z.unknown())) }).passthrough(),
    seed: z.number().int().nonnegative().optional(),
    set: z.array(z.object({ stage: z.string().min(1), field: z.string(), value: z.unknown() }).strict()).default([]),
    /** how the sweep names and places this study */
    label: z.string().optional(),
    x: z.number().optional(),
  }).strict(),
  check: (s, id) => {
    const where = `stage ${id}`;
    const nested = parseSpec(applyOverrides(s.spec, { seed: s.seed, set: s.set }, where), where, 1);
    try {
      checkStages(nested.stages, ALL_STAGE_KINDS);
    } catch (e) {
      throw e instanceof RlvdError ? new RlvdError(e.code, `${where}: ${e.message}`) : e;
    }
  },
  run: async (ctx, s) => {
    const where = `stage ${ctx.id}`;
    const nested = parseSpec(applyOverrides(s.spec, { seed: s.seed, set: s.set }, where), where, 1);
    // studies may nest; a forced study reruns every stage of its own
    await runStages(nested.stages, { runDir: ctx.stageDir, kinds: ALL_STAGE_KINDS, log: ctx.log, force: ctx.forced ? nested.stages.map((st) => st.id) : [] });
    const metrics = join(ctx.stageDir, "metrics.json"), report = join(ctx.stageDir, "report.html");
    return {
      runDir: ctx.stageDir, label: s.label ?? ctx.id, x: s.x ?? null,
      ...(existsSync(metrics) ? { metrics } : {}), ...(existsSync(report) ? { report } : {}),
    };
  },
});

const seedsKind = defineStageKind({
  kind: "seeds",
  settings: z.object({ studies: z.array(ref).min(1), level: z.number().gt(0).lt(1).default(0.95) }).strict(),
  run: async (ctx, s, inputs) => {
    const runs = s.studies.map((id) => ({ id, analysis: readAnalysis(outputOf(inputs, id, "metrics", ctx.id)) }));
    const across = aggregateSeeds(runs, s.level);
    const file = join(ctx.stageDir, "across-seeds.json");
    writeFileSync(file, JSON.stringify(across, null, 2) + "\n");
    const held = across.findings.filter((f) => f.judged > 0 && f.holds === f.judged).length;
    ctx.log(`${runs.length} seeds: ${held} of ${across.findings.length} findings hold in every seed`);
    return { across: file };
  },
});

const sweepKind = defineStageKind({
  kind: "sweep",
  settings: z.object({ studies: z.array(ref).min(1), trained: z.string().default("rlvr"), knob: z.string().min(1) }).strict(),
  run: async (ctx, s, inputs) => {
    const levels = s.studies.map((id, i) => {
      const out = inputs[id]!;
      return { id, label: typeof out.label === "string" ? out.label : id, x: typeof out.x === "number" ? out.x : i, analysis: readAnalysis(outputOf(inputs, id, "metrics", ctx.id)) };
    });
    const rows = sweepRows(levels, s.trained);
    const file = join(ctx.stageDir, "sweep.json");
    const result: SweepResult = { knob: s.knob, trained: s.trained, rows };
    writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
    for (const r of rows) ctx.log(`${r.label}: ${s.trained} pass@${r.k} ${r.pass_at_k.delta >= 0 ? "+" : ""}${r.pass_at_k.delta.toFixed(3)} [${r.pass_at_k.ci.map((x) => x.toFixed(3)).join(", ")}] (${r.capability})`);
    return { sweep: file };
  },
});

/** metrics.json, report.html and summary.md of a run made of studies, at the top of its run folder. */
const summaryKind = defineStageKind({
  kind: "summary",
  settings: z.object({ seeds: ref.optional(), sweep: ref.optional(), title: z.string().optional(), description: z.string().optional() }).strict(),
  run: async (ctx, s, inputs) => {
    const across = s.seeds ? (JSON.parse(readFileSync(outputOf(inputs, s.seeds, "across", ctx.id), "utf8")) as AcrossSeeds) : null;
    const sweep = s.sweep ? (JSON.parse(readFileSync(outputOf(inputs, s.sweep, "sweep", ctx.id), "utf8")) as SweepResult) : null;
    // links to every study's own report, relative to the run folder
    const studies = Object.entries(inputs)
      .filter(([, out]) => typeof out.runDir === "string")
      .map(([id, out]) => ({ id, label: String(out.label ?? id), report: typeof out.report === "string" ? relative(ctx.runDir, out.report) : null }));
    const files = await writeFullReport(ctx.runDir, { across, sweep, studies, title: s.title, description: s.description });
    return { report: files.html, metrics: files.metrics, summary: files.markdown };
  },
});

export const COMPOSITE_STAGE_KINDS: StageKind[] = [studyKind, seedsKind, sweepKind, summaryKind];

/** Every stage kind a spec may use. */
export const ALL_STAGE_KINDS: StageKind[] = [...STUDY_STAGE_KINDS, seriesKind, ...COMPOSITE_STAGE_KINDS];
