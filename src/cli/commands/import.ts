import { Option } from "commander";
import { importCountsFile } from "../../store/import-counts.js";
import { importSamplesFile } from "../../store/import-samples.js";
import type { ImportResult } from "../../store/import-counts.js";
import type { CliIO } from "../io.js";
import type { CommandModule } from "./index.js";
import { gradeRun } from "../../experiment/grade-run.js";
import { mathGrader } from "../../experiment/graders.js";
import type { ExtractConvention } from "../../verify/conventions.js";
import { addGradingOptions, gradingFrom, positiveInt } from "../options.js";

function report(io: CliIO, result: ImportResult, json: boolean): void {
  if (json) io.out(JSON.stringify(result) + "\n");
  else io.out(`imported ${result.file} (${result.format}): ${result.inserted} new, ${result.unchanged} already stored; ` +
    `${result.questions} questions, models: ${result.models.join(", ")}\n`);
}

export const importCommand: CommandModule = {
  register(program, io) {
    const cmd = program.command("import").description("bring outside results into a run folder (all or nothing)");
    cmd
      .command("counts")
      .description('per-question counts JSONL: {"question": ID, "model": NAME, "n": 256, "correct": 17} per line')
      .argument("<file>", "JSONL file")
      .requiredOption("--run <dir>", "run folder (created if missing)")
      .option("--json", "print the result as JSON")
      .action(async (file: string, opts: { run: string; json?: boolean }) => {
        report(io, await importCountsFile(opts.run, file), Boolean(opts.json));
      });
    const samples = cmd
      .command("samples")
      .description("samples JSONL: generic {model, question, sample_index?, response, correct?, answer?, extracted?} lines, " +
        "or the Qwen2.5-Math evaluation schema {idx, question, gt, code[], pred[], score[]}")
      .argument("<file>", "JSONL file")
      .requiredOption("--run <dir>", "run folder (created if missing)")
      .addOption(new Option("--format <format>", "file schema").choices(["auto", "generic", "qwen"]).default("auto"))
      .option("--model <name>", "model name (required for the Qwen schema; fallback for generic lines without one)")
      .option("--id-field <field>", "field holding the question id (default: question; Qwen schema: idx)")
      .option("--json", "print the result as JSON")
      .option("--regrade", "grade the imported samples with rlvd's verifier (imported verdicts are replaced; see --extract)")
      .option("--workers <n>", "with --regrade: verifier threads (default: all cores)", positiveInt)
      .option("--timeout <ms>", "with --regrade: time limit per verification", positiveInt, 2000);
    type SampleFlags = { run: string; format: "auto" | "generic" | "qwen"; model?: string; idField?: string; json?: boolean; regrade?: boolean; workers?: number; timeout: number; extract: ExtractConvention; strict: boolean };
    addGradingOptions(samples)
      .action(async (file: string, opts: SampleFlags) => {
        const result = await importSamplesFile(opts.run, file, { format: opts.format, model: opts.model, idField: opts.idField });
        if (!opts.regrade) return report(io, result, Boolean(opts.json));
        // the import has landed (all or nothing); grading then lands batch by batch, resumable with rlvd grade
        const grader = mathGrader({ workers: opts.workers, timeoutMs: opts.timeout, ...gradingFrom(opts) });
        let graded = 0;
        let correct = 0;
        try {
          for (const model of result.models) {
            const r = await gradeRun(opts.run, grader.grade, { model, regrade: true, progress: opts.json ? null : { write: io.err, isTTY: io.isTTY } });
            graded += r.graded;
            correct += r.correct;
          }
        } finally {
          await grader.close();
        }
        if (opts.json) io.out(JSON.stringify({ ...result, regraded: { graded, correct, grading: grader.grading } }) + "\n");
        else {
          report(io, result, false);
          io.out(`regraded ${graded} samples: ${correct} correct (grading: ${grader.grading})\n`);
        }
      });
  },
};
