import { Argument } from "commander";
import { exportSamples, type SampleExportFormat } from "../../store/export.js";
import type { CommandModule } from "./index.js";

export const exportCommand: CommandModule = {
  register(program, io) {
    program
      .command("export")
      .description("write stored samples (with gold answers and verdicts) for other tools")
      .addArgument(new Argument("<format>", "output format").choices(["jsonl", "parquet"]))
      .requiredOption("--run <dir>", "run folder")
      .requiredOption("--out <file>", "output file")
      .option("--model <name>", "only this model's samples")
      .action(async (format: SampleExportFormat, opts: { run: string; out: string; model?: string }) => {
        const { rows } = await exportSamples(opts.run, opts.out, format, { model: opts.model });
        io.out(`wrote ${rows} samples to ${opts.out}\n`);
      });
  },
};
