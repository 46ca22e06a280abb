import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "../../core/errors.js";
import { specWithoutEndpoints } from "../endpoints.js";
import { setWithAdaptiveKeys, specWithAdaptiveKeys } from "../adaptive-key.js";
import { applyOverrides } from "../overrides.js";
import { checkStages, defineStageKind, runStages, type StageKind } from "../runner.js";
import { parseSpec, type ExperimentSpec } from "../spec.js";
import { StudyRun } from "./outputs.js";

const StudySettings = z.object({
  /** the nested spec: a file name in the YAML (inlined when the spec loads) or the spec itself */
  spec: z.object({ name: z.string(), stages: z.array(z.record(z.string(), z.unknown())) }).passthrough(),
  seed: z.number().int().nonnegative().optional(),
  set: z.array(z.object({ stage: z.string().min(1), field: z.string(), value: z.unknown() }).strict()).default([]),
  /** how the sweep names and places this study */
  label: z.string().optional(),
  x: z.number().optional(),
}).strict();

/** The nested spec with the study's seed and overrides applied, checked as a spec of its own. */
export function nestedSpec(s: z.infer<typeof StudySettings>, id: string, kinds: readonly StageKind[]): ExperimentSpec {
  const where = `stage ${id}`;
  return parseSpec(applyOverrides(s.spec, { seed: s.seed, set: s.set }, where, kinds), where, kinds, 1);
}

/**
 * A whole nested spec in its own run folder (`stages/ID/`, with its own cache, store, metrics.json and report);
 * `seed` reseeds every random choice in it and `set` replaces single settings (docs/design-notes.md).
 */
export const studyKind = defineStageKind({
  kind: "study",
  settings: StudySettings,
  output: StudyRun,
  // servers are bound at run time and are no part of what a study computes
  // and the nested sample stages' adaptive rule is hashed as resolved (experiment/adaptive-key.ts)
  hashed: (s) => ({ ...s, spec: specWithAdaptiveKeys(specWithoutEndpoints(s.spec)), set: setWithAdaptiveKeys(s.set) }),
  check: (s, id, kinds) => {
    const nested = nestedSpec(s, id, kinds);
    try {
      checkStages(nested.stages, kinds);
    } catch (e) {
      throw e instanceof RlvdError ? new RlvdError(e.code, `stage ${id}: ${e.message}`) : e;
    }
  },
  run: async (ctx, s) => {
    const nested = nestedSpec(s, ctx.id, ctx.kinds);
    // studies may nest; a forced study reruns every stage of its own
    await runStages(nested.stages, { runDir: ctx.stageDir, kinds: ctx.kinds, log: ctx.log, force: ctx.forced ? nested.stages.map((st) => st.id) : [] });
    const metrics = join(ctx.stageDir, "metrics.json"), report = join(ctx.stageDir, "report.html");
    return {
      runDir: ctx.stageDir, label: s.label ?? ctx.id, x: s.x ?? null,
      ...(existsSync(metrics) ? { metrics } : {}), ...(existsSync(report) ? { report } : {}),
    };
  },
});
