import type { Command } from "commander";
import type { FindingSettings } from "../../report/finding-tests.js";
import { nonNegativeNumber, numberIn, positiveInt } from "../options.js";

export type FindingFlags = { alpha?: number; margin?: number; textMargin?: number; resamples?: number; minBin?: number };

/** The findings' test settings as flags (analyze and report share them; defaults in docs/analysis.md). */
export function addFindingOptions(cmd: Command): Command {
  return cmd
    .option("--alpha <a>", "one-sided level of each finding's test and family-wise level across findings (Holm) (default 0.05)", numberIn(0, 0.5))
    .option("--margin <m>", "flatness margin: a pass@N change below +m counts as flat (default 0.01)", nonNegativeNumber)
    .option("--text-margin <r>", "relative margin of the length and keyword findings (default 0.05)", nonNegativeNumber)
    .option("--resamples <n>", "bootstrap resamples over questions for the findings' tests (default 10000)", positiveInt)
    .option("--min-bin <n>", "fewest questions a bin needs for a within-bin test (default 10)", positiveInt);
}

export function findingSettings(f: FindingFlags): Partial<FindingSettings> {
  const s: Partial<FindingSettings> = {};
  if (f.alpha !== undefined) s.alpha = f.alpha;
  if (f.margin !== undefined) s.margin = f.margin;
  if (f.textMargin !== undefined) s.text_margin = f.textMargin;
  if (f.resamples !== undefined) s.resamples = f.resamples;
  if (f.minBin !== undefined) s.min_bin = f.minBin;
  return s;
}
