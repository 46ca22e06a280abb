import { writeReport } from "../../report/report.js";
import { intList, positiveInt } from "../options.js";
import type { CommandModule } from "./index.js";
import { addFindingOptions, findingSettings, type FindingFlags } from "./finding-options.js";

export const reportCommand: CommandModule = {
  register(program, io) {
    addFindingOptions(program
      .command("report")
      .description("one self-contained HTML report (charts, findings, question explorer) plus summary.md")
      .argument("<dir>", "run folder")
      .option("--base <model>", 'model whose difficulty bins the comparisons use (default: a model named "base")')
      .option("--out <file>", "HTML file to write (default: DIR/report.html); summary.md is written beside it")
      .option("--specs <dir>", "also write each chart's Vega-Lite spec and data to this folder")
      .option("--bins <edges>", "custom inclusive upper bin edges, e.g. 0,8,64,192,256 (the last is n)", intList)
      .option("--samples <n>", "samples shown per model and question in the explorer (default 4)", positiveInt)
      .option("--seed <n>", "seed for bootstrap and permutation tests", (v) => Number(v), 0))
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
        if (files.specs.length > 0) io.out(`wrote ${content.charts.length} chart specs and their data to ${opts.specs}\n`);
        io.out(`findings: ${count("holds")} hold, ${count("does not hold")} do not hold, ${count("inconclusive")} inconclusive, ${count("cannot be judged")} cannot be judged\n`);
        for (const w of content.analysis.warnings) io.err(`warning: ${w}\n`);
      });
  },
};
