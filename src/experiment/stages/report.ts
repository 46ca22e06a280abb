import { readFileSync } from "node:fs";
import { z } from "zod";
import { RlvdError } from "../../core/errors.js";
import { PublishedFiguresSchema, publishedTable, type PublishedFigures } from "../../report/published.js";
import { writeReport } from "../../report/report.js";
import type { ResponseClassifier } from "../../report/response-classes.js";
import { detectFormat, FORMATS } from "../../world/index.js";
import { defineStageKind } from "../runner.js";
import { runFile } from "./outputs.js";
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
  readsRun: true,
  settings: z.object({
    base: z.string().default("base"), title: z.string().optional(), findings: FindingSettingsSchema.default({}), models: StudyModelsSchema.optional(),
    /** the world's solution formats as a table (embedded study; the default), or none (real models answer in their own words) */
    // no default: an unset field stays out of the cache hash, so earlier run folders stay cached
    formats: z.enum(["world", "none"]).optional(),
    /** a file of published figures (report/published.ts) shown beside the run's, relative to the spec */
    published: z.string().min(1).optional(),
  }).strict(),
  output: z.object({ report: runFile, summary: runFile, findings: runFile }),
  check: (s, id) => void (s.published !== undefined && readPublished(s.published, id)),
  run: async (ctx, s) => {
    const published = s.published === undefined ? null : readPublished(s.published, ctx.id);
    const r = await writeReport(ctx.runDir, {
      base: s.base, title: s.title, classify: s.formats === "none" ? undefined : WORLD_FORMATS, findings: s.findings, study: studyModels(s.models),
      extraTables: published ? (analysis) => [publishedTable(published, analysis)] : undefined,
    });
    return { report: r.files.html, summary: r.files.markdown, findings: r.files.findings };
  },
});

function readPublished(file: string, stage: string): PublishedFigures {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new RlvdError("BAD_INPUT", `stage ${stage}: published: ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  const r = PublishedFiguresSchema.safeParse(raw);
  if (!r.success) throw new RlvdError("BAD_INPUT", `stage ${stage}: published: ${file}: ${r.error.issues[0]!.path.join(".")}: ${r.error.issues[0]!.message}`);
  return r.data;
}
