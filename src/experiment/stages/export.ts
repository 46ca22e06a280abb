/**
 * The `export` stage: the training hand-off as part of the record. From a `distill` stage (`data`) it writes
 * an SFT set for TRL or OpenRLHF; from a dataset file (`dataset`) an RL prompt set for TRL, verl or OpenRLHF
 * with the gold answers for a reward function or `rlvd reward-server`. The formats are train/exports.ts's.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "../../core/errors.js";
import { resolveTemplate } from "../../backends/templates.js";
import { loadDataset } from "../../store/dataset.js";
import { exportOpenRlhf, exportTrl, exportVerl } from "../../train/exports.js";
import { fileDigest } from "../real-sample.js";
import { defineStageKind } from "../runner.js";
import { runFile, SftData, stageRef } from "./outputs.js";

const ExportSettingsSchema = z
  .object({
    format: z.enum(["trl", "verl", "openrlhf"]),
    /** a distill stage: its examples become an SFT set */
    data: stageRef.optional(),
    /** or a question file (relative to the spec): an RL prompt set */
    dataset: z.string().min(1).optional(),
    fields: z.object({ question: z.string().min(1), answer: z.string().min(1), id: z.string().min(1) }).partial().strict().prefault({}),
    template: z.string().min(1).default("boxed"),
    /** verl: data_source and extra_info.split */
    dataSource: z.string().min(1).optional(),
    split: z.string().min(1).default("train"),
  })
  .strict();

type ExportSettings = z.infer<typeof ExportSettingsSchema>;

function checkExport(s: ExportSettings, id: string): void {
  const where = `stage ${id}`;
  if ((s.data === undefined) === (s.dataset === undefined)) throw new RlvdError("BAD_INPUT", `${where}: export needs one of data (a distill stage: an SFT set) or dataset (a question file: an RL set)`);
  if (s.data !== undefined && s.format === "verl") throw new RlvdError("BAD_INPUT", `${where}: format verl exports RL prompt sets (dataset); SFT sets go to trl or openrlhf`);
  try {
    resolveTemplate(s.template);
  } catch (e) {
    throw e instanceof RlvdError ? new RlvdError("BAD_INPUT", `${where}: template: ${e.message}`) : e;
  }
}

export const exportKind = defineStageKind({
  kind: "export",
  settings: ExportSettingsSchema,
  references: { data: SftData },
  output: z.object({ file: runFile, rows: z.number().int().nonnegative(), format: z.string(), note: z.string() }),
  check: checkExport,
  // the dataset by its content, as the sample stage's
  hashed: (s) => ({ ...s, dataset: s.dataset === undefined || !existsSync(s.dataset) ? s.dataset : fileDigest(s.dataset) }),
  run: async (ctx, s, inputs) => {
    const template = resolveTemplate(s.template);
    if (s.data !== undefined) {
      const file = inputs.data!.data;
      const rows = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { question_id: string; prompt: string; completion: string });
      const out = join(ctx.stageDir, `${ctx.id}.jsonl`);
      const r = s.format === "trl" ? await exportTrl(rows, out, { template, kind: "sft" }) : await exportOpenRlhf(rows, out, { template, kind: "sft" });
      ctx.log(`${r.rows} SFT examples for ${s.format}: ${r.note}`);
      return { file: out, rows: r.rows, format: s.format, note: r.note };
    }
    const questions = await loadDataset(s.dataset!, { questionField: s.fields.question, answerField: s.fields.answer, idField: s.fields.id });
    const rows = questions.map((q) => ({ question_id: q.id, prompt: q.prompt, answer: q.answer }));
    const out = join(ctx.stageDir, `${ctx.id}.${s.format === "verl" ? "parquet" : "jsonl"}`);
    const r =
      s.format === "verl" ? await exportVerl(questions, out, { template, dataSource: s.dataSource, split: s.split })
      : s.format === "trl" ? await exportTrl(rows, out, { template, kind: "grpo" })
      : await exportOpenRlhf(rows, out, { template, kind: "rl" });
    ctx.log(`${r.rows} prompts for ${s.format}: ${r.note}`);
    return { file: out, rows: r.rows, format: s.format, note: r.note };
  },
});
