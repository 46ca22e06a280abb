import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { analyzeRun } from "../../report/analyze-run.js";
import { analysisWithFindings } from "../../report/findings.js";
import { defineStageKind } from "../runner.js";
import { MetricsFile } from "./outputs.js";
import { FindingSettingsSchema, StudyModelsSchema, studyModels } from "./shared.js";

/** metrics.json of the run folder: every model in its store against the base, with the findings judged. */
export const analyzeKind = defineStageKind({
  kind: "analyze",
  readsRun: true,
  settings: z.object({ base: z.string().default("base"), seed: z.number().int().nonnegative().default(0), findings: FindingSettingsSchema.default({}), models: StudyModelsSchema.optional() }).strict(),
  seeds: ["seed"],
  output: MetricsFile,
  run: async (ctx, s) => {
    const study = studyModels(s.models);
    const analysis = await analyzeRun(ctx.runDir, { base: s.base, seed: s.seed, findings: s.findings, study });
    const file = join(ctx.runDir, "metrics.json");
    writeFileSync(file, JSON.stringify(analysisWithFindings(analysis, study), null, 2) + "\n");
    return { metrics: file };
  },
});
