import { z } from "zod";
import { writeReport } from "../../report/report.js";
import type { ResponseClassifier } from "../../report/response-classes.js";
import { detectFormat, FORMATS } from "../../world/index.js";
import { defineStageKind } from "../runner.js";
import { FindingSettingsSchema, StudyModelsSchema, studyModels } from "./shared.js";

/** The world's solution formats as report classes: which method each model answers with (docs/world.md). */
export const WORLD_FORMATS: ResponseClassifier = {
  title: "Solution formats",
  classes: [...FORMATS],
  classify: detectFormat,
  note: "share of each model's responses in each format of the world, and how many of those are right (docs/world.md: direct and steps use the fact table, check adds a reflection line, shortcut applies a rule that is right only where the table agrees with it)",
};

/** report.html, summary.md and findings of the run folder. */
export const reportKind = defineStageKind({
  kind: "report",
  settings: z.object({ base: z.string().default("base"), title: z.string().optional(), findings: FindingSettingsSchema.default({}), models: StudyModelsSchema.optional() }).strict(),
  output: z.object({ report: z.string(), summary: z.string(), findings: z.string() }),
  run: async (ctx, s) => {
    const r = await writeReport(ctx.runDir, { base: s.base, title: s.title, classify: WORLD_FORMATS, findings: s.findings, study: studyModels(s.models) });
    return { report: r.files.html, summary: r.files.markdown, findings: r.files.findings };
  },
});
