import { writeFile } from "node:fs/promises";
import { Option } from "commander";
import { answersEquivalent } from "../../verify/verify.js";
import { analyzeRun } from "../../report/analyze-run.js";
import { formatAnalysis } from "../../report/analysis-text.js";
import { intList } from "../options.js";
import type { CommandModule } from "./index.js";
import type { FitVariant } from "../../metrics/fit-beta-binomial.js";

export const analyzeCommand: CommandModule = {
  register(program, io) {
    program
      .command("analyze")
      .description("accuracy, pass@k, bins and base -> model comparisons for a run folder")
      .argument("<dir>", "run folder")
      .option("--base <model>", 'model whose difficulty bins the comparisons use (default: a model named "base")')
      .option("--k <list>", "k values to show and test, e.g. 1,4,16,256 (default: powers of two)", intList)
      .option("--bins <edges>", "custom inclusive upper bin edges, e.g. 0,8,64,192,256 (the last is n)", intList)
      .option("--fit-k <list>", "extra k values for the extrapolated pass@k (pass_at_k_fit), e.g. 1000,10000", intList)
      .addOption(new Option("--fit-variant <kind>", "the fit's mixture: a Beta, plus a never-solvable mass (zero), plus an always-solved one (zero-one), or the lowest AIC (auto)").choices(["beta", "zero", "zero-one", "auto"]).default("beta"))
      .option("--fit-bins", "also fit every model per difficulty bin of the base (pass_at_k_fit_bins, at k = n, 4n, 16n)")
      .option("--no-fit", "skip the beta-binomial fit of pass@k beyond n")
      .option("--seed <n>", "seed for bootstrap and permutation tests", (v) => Number(v), 0)
      .addOption(new Option("--equivalence <kind>", "how answers are grouped for maj@k and entropy: identical strings, or the math verifier's equivalence").choices(["string", "math"]).default("string"))
      .option("--out <file>", "also write the JSON to this file (e.g. DIR/metrics.json)")
      .option("--json", "print the JSON (see docs) instead of tables")
      .action(async (dir: string, opts: { base?: string; k?: number[]; bins?: number[]; fitK?: number[]; fitBins?: boolean; fit: boolean; fitVariant: FitVariant | "auto"; seed: number; out?: string; json?: boolean; equivalence: string }) => {
        const analysis = await analyzeRun(dir, {
          base: opts.base, ks: opts.k, binEdges: opts.bins, seed: opts.seed, fitKs: opts.fitK, fitBins: opts.fitBins, fit: opts.fit, fitVariant: opts.fitVariant,
          equivalent: opts.equivalence === "math" ? (a, b) => answersEquivalent(a, b, { predIsAnswer: true, timeoutMs: 200 }) : undefined,
          onProgress: opts.json ? undefined : (m) => io.isTTY && io.err(`\r\x1b[K${m}...`),
        });
        if (!opts.json && io.isTTY) io.err("\r\x1b[K");
        const json = JSON.stringify(analysis, null, 2) + "\n";
        if (opts.out) await writeFile(opts.out, json);
        if (opts.json) io.out(json);
        else {
          io.out(formatAnalysis(analysis, { ks: opts.k }));
        }
      });
  },
};
