import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { z } from "zod";
import type { AcrossSeeds } from "../../report/across-seeds.js";
import { writeFullReport, type SweepResult } from "../../report/full-report.js";
import { defineStageKind } from "../runner.js";
import type { SurveyResult } from "../../report/survey.js";
import { AcrossSeedsFile, runFile, stageRef, StudyRun, SurveyFile, SweepFile } from "./outputs.js";
import { StudyModelsSchema, studyModels } from "./shared.js";

/** metrics.json, report.html and summary.md of a run made of studies, at the top of its run folder. */
export const summaryKind = defineStageKind({
  kind: "summary",
  readsRun: true,
  settings: z.object({ seeds: stageRef.optional(), sweep: stageRef.optional(), survey: stageRef.optional(), title: z.string().optional(), description: z.string().optional(), models: StudyModelsSchema.optional() }).strict(),
  references: { seeds: AcrossSeedsFile, sweep: SweepFile, survey: SurveyFile },
  output: z.object({ report: runFile, metrics: runFile, summary: runFile }),
  run: async (ctx, s, inputs) => {
    const across = inputs.seeds ? (JSON.parse(readFileSync(inputs.seeds.across, "utf8")) as AcrossSeeds) : null;
    const sweep = inputs.sweep ? (JSON.parse(readFileSync(inputs.sweep.sweep, "utf8")) as SweepResult) : null;
    const survey = inputs.survey ? (JSON.parse(readFileSync(inputs.survey.survey, "utf8")) as SurveyResult) : null;
    // links to every study it needs, to each one's own report, relative to the run folder
    const studies = ctx.needs.flatMap(({ id, output }) => {
      const study = StudyRun.safeParse(output);
      return study.success ? [{ id, label: study.data.label, report: study.data.report !== undefined ? relative(ctx.runDir, study.data.report) : null }] : [];
    });
    const files = await writeFullReport(ctx.runDir, { across, sweep, survey, studies, title: s.title, description: s.description, study: studyModels(s.models) });
    return { report: files.html, metrics: files.metrics, summary: files.markdown };
  },
});
