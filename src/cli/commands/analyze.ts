import { writeFile } from "node:fs/promises";
import { Option } from "commander";
import { analyzeRun } from "../../report/analyze-run.js";
import { formatAnalysis } from "../../report/analysis-text.js";
import { analysisWithFindings } from "../../report/findings.js";
import { addFindingOptions, findingSettings, type FindingFlags } from "./finding-options.js";
import { flag, OPTIONS, withHelp } from "../options.js";
import { list, positiveInt } from "../parsers.js";
import type { CommandModule } from "./index.js";
import type { FitVariant } from "../../metrics/fit-beta-binomial.js";

export const analyzeCommand: CommandModule = {
  register(program, io) {
    addFindingOptions(program
      .command("analyze")
      .description("accuracy, pass@k, bins and base -> model comparisons for a run folder")
      .argument("<dir>", "run folder")
      .option("--base <model>", 'model whose difficulty bins the comparisons use (default: a model named "base")')
      .addOption(flag(withHelp(OPTIONS.ks, "k values to show and test, e.g. 1,4,16,256 (default: powers of two)")))
      .addOption(flag(OPTIONS.bins))
      .addOption(flag("--fit-k <list>", "extra k values for the extrapolated pass@k (pass_at_k_fit), e.g. 1000,10000", list(positiveInt)))
      .addOption(new Option("--fit-variant <kind>", "the fit's mixture: a Beta, plus a never-solvable mass (zero), plus an always-solved one (zero-one), or the lowest AIC (auto)").choices(["beta", "zero", "zero-one", "auto"]).default("beta"))
      .option("--fit-bins", "also fit every model per difficulty bin of the base (pass_at_k_fit_bins, at k = n, 4n, 16n)")
      .option("--no-fit", "skip the beta-binomial fit of pass@k beyond n")
      .addOption(flag(withHelp(OPTIONS.seed, "seed for bootstrap and permutation tests")))
      .addOption(new Option("--equivalence <kind>", "how answers are grouped for maj@k and entropy: math (the verifier's equivalence), exact (identical strings; also: string), auto (exact for embedded-checkpoint models, math otherwise)").choices(["auto", "math", "exact", "string"]).default("auto"))
      .addOption(flag(withHelp(OPTIONS.outFile, "also write the JSON to this file (e.g. DIR/metrics.json; its folder is created if missing)")))
      .option("--json", "print the JSON (see docs) instead of tables")
      .option("--allow-mixed-grading", "compare models whose verdicts were made under different grading conventions (--extract, --no-strict)"))
      .action(async (dir: string, opts: FindingFlags & { base?: string; k?: number[]; bins?: number[]; fitK?: number[]; fitBins?: boolean; fit: boolean; fitVariant: FitVariant | "auto"; seed: number; out?: string; json?: boolean; equivalence: string; allowMixedGrading?: boolean }) => {
        const analysis = await analyzeRun(dir, {
          mixedGrading: opts.allowMixedGrading ? "warn" : "refuse",
          base: opts.base, ks: opts.k, binEdges: opts.bins, seed: opts.seed, findings: findingSettings(opts),
          fitKs: opts.fitK, fitBins: opts.fitBins, fit: opts.fit, fitVariant: opts.fitVariant,
          grouping: opts.equivalence === "auto" ? undefined : opts.equivalence === "math" ? "math" : "exact",
          onProgress: opts.json ? undefined : (m) => io.isTTY && io.err(`\r\x1b[K${m}...`),
        });
        if (!opts.json && io.isTTY) io.err("\r\x1b[K");
        const withFindings = analysisWithFindings(analysis);
        const json = JSON.stringify(withFindings, null, 2) + "\n";
        if (opts.out) await writeFile(opts.out, json);
        if (opts.json) io.out(json);
        else {
          io.out(formatAnalysis(analysis, { ks: opts.k }));
          for (const f of withFindings.findings) io.out(`finding ${f.id}: ${f.verdict}\n`);
        }
      });
  },
};
