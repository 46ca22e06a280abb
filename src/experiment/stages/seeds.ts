import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Analysis } from "../../report/analyze-run.js";
import { aggregateSeeds } from "../../report/across-seeds.js";
import { defineStageKind } from "../runner.js";
import { AcrossSeedsFile, MetricsFile, stageRef } from "./outputs.js";
import { StudyModelsSchema, studyModels } from "./shared.js";

/** A study repeated at several seeds: Student-t intervals over seeds, changes paired within each seed. */
export const seedsKind = defineStageKind({
  kind: "seeds",
  settings: z.object({ studies: z.array(stageRef).min(1), level: z.number().gt(0).lt(1).default(0.95), models: StudyModelsSchema.optional() }).strict(),
  // a study leaves metrics only when its spec has an analyze stage
  references: { studies: MetricsFile },
  output: AcrossSeedsFile,
  run: async (ctx, s, inputs) => {
    const runs = inputs.studies.map(({ id, output }) => ({ id, analysis: JSON.parse(readFileSync(output.metrics, "utf8")) as Analysis }));
    const across = aggregateSeeds(runs, s.level, studyModels(s.models));
    const file = join(ctx.stageDir, "across-seeds.json");
    writeFileSync(file, JSON.stringify(across, null, 2) + "\n");
    const held = across.findings.filter((f) => f.judged > 0 && f.holds === f.judged).length;
    ctx.log(`${runs.length} seeds: ${held} of ${across.findings.length} findings hold in every seed`);
    return { across: file };
  },
});
