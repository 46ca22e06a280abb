import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Analysis } from "../../report/analyze-run.js";
import { sweepRows } from "../../report/across-seeds.js";
import type { SweepResult } from "../../report/full-report.js";
import { defineStageKind } from "../runner.js";
import { stageRef, StudyRun, SweepFile } from "./outputs.js";

/** Studies lined up along a knob: the trained model's change against the base at each level. */
export const sweepKind = defineStageKind({
  kind: "sweep",
  settings: z.object({ studies: z.array(stageRef).min(1), trained: z.string().default("rlvr"), knob: z.string().min(1) }).strict(),
  references: { studies: StudyRun.required({ metrics: true }) },
  output: SweepFile,
  run: async (ctx, s, inputs) => {
    const levels = inputs.studies.map(({ id, output }, i) => ({ id, label: output.label, x: output.x ?? i, analysis: JSON.parse(readFileSync(output.metrics, "utf8")) as Analysis }));
    const rows = sweepRows(levels, s.trained);
    const file = join(ctx.stageDir, "sweep.json");
    const result: SweepResult = { knob: s.knob, trained: s.trained, rows };
    writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
    for (const r of rows) ctx.log(`${r.label}: ${s.trained} pass@${r.k} ${r.pass_at_k.delta >= 0 ? "+" : ""}${r.pass_at_k.delta.toFixed(3)} [${r.pass_at_k.ci.map((x) => x.toFixed(3)).join(", ")}] (${r.capability})`);
    return { sweep: file };
  },
});
