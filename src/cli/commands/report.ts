import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeReport } from "../../report/report.js";
import { flag, OPTIONS, withHelp } from "../options.js";
import { integer, outputDir } from "../parsers.js";
import type { CommandModule } from "./index.js";
import { addFindingOptions, findingSettings, type FindingFlags } from "./finding-options.js";

export const reportCommand: CommandModule = {
  register(program, io) {
    addFindingOptions(program
      .command("report")
      .description("one HTML report (charts, findings, question explorer) plus summary.md; a large run's explorer details go to REPORT.explorer/ beside it")
      .argument("<dir>", "run folder")
      .option("--base <model>", 'model whose difficulty bins the comparisons use (default: a model named "base")')
      .addOption(flag(withHelp(OPTIONS.outFile, "HTML file to write (default: DIR/report.html); summary.md is written beside it (the folder is created if missing)")))
      .addOption(flag("--specs <dir>", "also write each chart's Vega-Lite spec and data to this folder", outputDir))
      .addOption(flag(OPTIONS.bins))
      .addOption(flag("--samples <n>", "samples shown per model and question in the explorer (default 4, at most 1024)", integer(1, 1024)))
      .addOption(flag(withHelp(OPTIONS.seed, "seed for bootstrap and permutation tests"))))
      .action(async (dir: string, opts: FindingFlags & { base?: string; out?: string; specs?: string; bins?: number[]; samples?: number; seed: number }) => {
        const result = await writeReport(dir, {
          base: opts.base,
          out: opts.out,
          specsDir: opts.specs,
          binEdges: opts.bins,
          seed: opts.seed,
          findings: findingSettings(opts),
          explorer: { samplesPerQuestion: opts.samples },
          onProgress: (m) => io.isTTY && io.err(`\r\x1b[K${m}...`),
        });
        if (io.isTTY) io.err("\r\x1b[K");
        const { content, files } = result;
        const verdicts = content.findings.map((f) => f.verdict);
        const count = (v: string) => verdicts.filter((x) => x === v).length;
        io.out(`wrote ${files.html} (${content.charts.length} charts, ${(Buffer.byteLength(result.html) / 1e6).toFixed(2)} MB), ${files.markdown} and ${files.findings}\n`);
        if (files.explorer) io.out(`wrote the explorer's answers and samples to ${files.explorer}/ (${(folderBytes(files.explorer) / 1e6).toFixed(2)} MB, read when a question is opened: keep it beside the page)\n`);
        if (files.specs.length > 0) io.out(`wrote ${content.charts.length} chart specs and their data to ${opts.specs}\n`);
        io.out(`findings: ${count("holds")} hold, ${count("does not hold")} do not hold, ${count("inconclusive")} inconclusive, ${count("cannot be judged")} cannot be judged\n`);
        for (const w of content.analysis.warnings) io.err(`warning: ${w}\n`);
      });
  },
};

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}
