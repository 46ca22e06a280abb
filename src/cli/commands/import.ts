import { Option } from "commander";
import { FORMAT_NAMES } from "../../store/formats/registry.js";
import { importCountsFile } from "../../store/import-counts.js";
import { importSamplesFile, MAX_SAMPLE_INDEX, type SampleImportResult } from "../../store/import-samples.js";
import type { ImportResult } from "../../store/import-counts.js";
import type { CliIO } from "../io.js";
import type { CommandModule } from "./index.js";
import { gradeRun } from "../../experiment/grade-run.js";
import { mathGrader } from "../../experiment/graders.js";
import type { ExtractConvention } from "../../verify/conventions.js";
import { addGradingOptions, flag, gradingFrom, OPTIONS, withHelp } from "../options.js";
import { existingFile, integer, outputDir, usageError, type Parse } from "../parsers.js";

function report(io: CliIO, result: ImportResult & Partial<SampleImportResult>, json: boolean): void {
  if (json) {
    io.out(JSON.stringify(result) + "\n");
    return;
  }
  const how = result.detected ? `${result.format}, detected` : result.format;
  io.out(`imported ${result.file} (${how}): ${result.inserted} new, ${result.unchanged} already stored; ` +
    `${result.questions} questions, models: ${result.models.join(", ")}\n`);
  if (result.skipped) io.out(`skipped ${result.skipped} records of other lm-eval filters (choose one with --filter)\n`);
  if (result.seed_offset) io.out(`sample indices start at ${result.seed_offset} (seed ${result.seed ?? "?"}; --seed-offset)\n`);
  if (result.matched !== undefined) {
    io.out(`matched ${result.matched} questions to the dataset` + (result.unmatched_count ? `; ${result.unmatched_count} not found: ` +
      `${result.unmatched!.join(", ")}${result.unmatched_count > result.unmatched!.length ? ", ..." : ""}` : "") + "\n");
  }
}

const seedOffset: Parse<number | "auto"> = (value, option) => {
  if (value === "auto") return value;
  try {
    return integer(0, MAX_SAMPLE_INDEX)(value, option);
  } catch {
    throw usageError(option, `"auto" or an integer from 0 to ${MAX_SAMPLE_INDEX}`, value);
  }
};

export const importCommand: CommandModule = {
  register(program, io) {
    const cmd = program.command("import").description("bring outside results into a run folder (all or nothing per model; a rerun completes a killed import)");
    cmd
      .command("counts")
      .description('per-question counts JSONL: {"question": ID, "model": NAME, "n": 256, "correct": 17} per line')
      .argument("<file>", "JSONL file")
      .addOption(flag("--run <dir>", "run folder (created if missing)", outputDir).makeOptionMandatory())
      .option("--json", "print the result as JSON")
      .action(async (file: string, opts: { run: string; json?: boolean }) => {
        report(io, await importCountsFile(opts.run, file), Boolean(opts.json));
      });
    const samples = cmd
      .command("samples")
      .description("samples: generic JSONL {model, question, sample_index?, response, correct?, answer?, extracted?} lines, " +
        "or a harness's results file (lm-eval, lighteval, verl, OpenRLHF, SkyThought, evalchemy, Qwen2.5-Math; see README)")
      .argument("<file>", "JSONL, JSON or Parquet file")
      .addOption(flag("--run <dir>", "run folder (created if missing)", outputDir).makeOptionMandatory())
      .addOption(new Option("--format <format>", "file format (auto: detected from the first record)").choices(["auto", ...FORMAT_NAMES]).default("auto"))
      .option("--model <name>", "model name (required for harness files; fallback for generic lines without one)")
      .option("--id-field <field>", "field holding the question id (default: question; Qwen schema: idx)")
      .addOption(flag("--dataset <file>", "match questions to this dataset by id or prompt text; gold answers and metadata come from it", existingFile))
      .addOption(flag("--seed-offset <n>", 'add n to every sample index (several seeds of one model); "auto": seed N in the file name x responses per question', seedOffset, "auto"))
      .option("--filter <name>", "lm-eval: keep the lines of this filter (default: the first in the file)")
      .option("--json", "print the result as JSON")
      .option("--regrade", "grade the imported samples with rlvd's verifier (imported verdicts are replaced; see --extract)")
      .addOption(flag(withHelp(OPTIONS.workers, "with --regrade: verifier threads (default: all cores)")))
      .addOption(flag(withHelp(OPTIONS.timeoutMs, "with --regrade: time limit per verification")))
      .option("--lossy", "generic JSONL: read invalid UTF-8 with U+FFFD in place of the bad bytes (default: a file:line error)")
      .addHelpText("after", `
A bad line stops the import before anything is written. A file of several models lands all or nothing per
model, not across models: each model's samples are one segment, renamed into place one after another, so a
process killed while they are renamed (kill -9, SIGTERM, power loss) can leave some models in and the rest out.
Run the same command again to complete it: what already landed is an identical repeat (docs/store.md, "Crashes").`);
    type SampleFlags = { run: string; format: "auto" | (typeof FORMAT_NAMES)[number]; model?: string; idField?: string; dataset?: string;
      seedOffset: number | "auto"; filter?: string; json?: boolean; regrade?: boolean; workers?: number; timeout: number; lossy?: boolean; extract: ExtractConvention; strict: boolean };
    addGradingOptions(samples)
      .action(async (file: string, opts: SampleFlags) => {
        const result = await importSamplesFile(opts.run, file, {
          format: opts.format, model: opts.model, idField: opts.idField, dataset: opts.dataset, seedOffset: opts.seedOffset, filter: opts.filter, lossy: opts.lossy,
        });
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
