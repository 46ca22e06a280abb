import { Argument } from "commander";
import { resolveTemplate } from "../../backends/templates.js";
import { RlvdError } from "../../core/errors.js";
import { readJsonl } from "../../core/jsonl.js";
import { InputError } from "../../core/errors.js";
import { loadDataset } from "../../store/dataset.js";
import { exportSamples } from "../../store/export.js";
import { exportTrl, exportVerl } from "../../train/exports.js";
import type { CommandModule } from "./index.js";
import { flag, OPTIONS, withHelp } from "../options.js";
import { existingFile } from "../parsers.js";

type ExportOptions = {
  run?: string; out: string; model?: string; dataset?: string; distill?: string; template: string;
  dataSource?: string; split: string; questionField?: string; answerField?: string; idField?: string; rawPrompts?: boolean;
};

export const exportCommand: CommandModule = {
  register(program, io) {
    program
      .command("export")
      .description("write data for other tools: stored samples (jsonl, parquet) or training sets for verl and TRL")
      .addArgument(new Argument("<format>", "output format").choices(["jsonl", "parquet", "verl", "trl"]))
      .addOption(flag(withHelp(OPTIONS.outFile, "output file (its folder is created if missing)")).makeOptionMandatory())
      .option("--run <dir>", "run folder (jsonl, parquet: its samples)")
      .option("--model <name>", "jsonl, parquet: only this model's samples")
      .addOption(flag("--dataset <file>", "verl, trl: the questions (JSONL, JSON or Parquet)", existingFile))
      .addOption(flag("--distill <file>", "trl: an SFT set from 'rlvd distill-set' instead of questions", existingFile))
      .option("--template <name|file>", "verl, trl: prompt template", "boxed")
      .option("--data-source <name>", "verl: data_source field (default: rlvd)")
      .option("--split <name>", "verl: extra_info.split", "train")
      .option("--raw-prompts", "verl: a text template's prompt as it is (run verl with a pass-through custom_chat_template, printed)")
      .option("--question-field <f>", "dataset field with the question")
      .option("--answer-field <f>", "dataset field with the gold answer")
      .option("--id-field <f>", "dataset field with the question id")
      .addHelpText("after", `
Examples:
  rlvd export jsonl --run runs/math500 --out samples.jsonl
  rlvd export verl --dataset math_train.jsonl --out train.parquet --template boxed
  rlvd export verl --dataset math_train.jsonl --out train.parquet --template r1 --raw-prompts
  rlvd export trl --dataset math_train.jsonl --out grpo.jsonl
  rlvd export trl --distill runs/x/distill-rlvr.jsonl --out sft.jsonl`)
      .action(async (format: "jsonl" | "parquet" | "verl" | "trl", opts: ExportOptions) => {
        if (format === "jsonl" || format === "parquet") {
          if (!opts.run) throw new RlvdError("BAD_ARGUMENT", `export ${format} needs --run DIR`);
          const { rows } = await exportSamples(opts.run, opts.out, format, { model: opts.model });
          io.out(`wrote ${rows} samples to ${opts.out}\n`);
          return;
        }
        const template = resolveTemplate(opts.template);
        if (format === "trl" && opts.distill) {
          const rows: Array<{ question_id: string; prompt: string; completion: string }> = [];
          for await (const { line, value } of readJsonl(opts.distill)) {
            const v = value as Record<string, unknown>;
            if (typeof v.prompt !== "string" || typeof v.completion !== "string") throw new InputError(opts.distill, line, "expected {prompt, completion} strings");
            rows.push({ question_id: String(v.question_id ?? line), prompt: v.prompt, completion: v.completion });
          }
          const r = await exportTrl(rows, opts.out, { template, kind: "sft" });
          io.out(`wrote ${r.rows} SFT examples to ${opts.out}: ${r.note}\n`);
          return;
        }
        if (!opts.dataset) throw new RlvdError("BAD_ARGUMENT", `export ${format} needs --dataset FILE${format === "trl" ? " (or --distill FILE)" : ""}`);
        const questions = await loadDataset(opts.dataset, { questionField: opts.questionField, answerField: opts.answerField, idField: opts.idField });
        if (opts.rawPrompts && format !== "verl") throw new RlvdError("BAD_ARGUMENT", "--raw-prompts is for export verl (TRL takes a text template's prompts as plain strings already)");
        const r = format === "verl"
          ? await exportVerl(questions, opts.out, { template, dataSource: opts.dataSource, split: opts.split, rawPrompts: opts.rawPrompts })
          : await exportTrl(questions.map((q) => ({ question_id: q.id, prompt: q.prompt, answer: q.answer })), opts.out, { template, kind: "grpo" });
        io.out(`wrote ${r.rows} questions to ${opts.out}: ${r.note}\n`);
      });
  },
};
