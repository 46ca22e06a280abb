import type { Command } from "commander";
import type { FindingSettings } from "../../report/finding-tests.js";
import { flag, MAX_RESAMPLES } from "../options.js";
import { integer, nonNegativeNumber, number, positiveInt } from "../parsers.js";

export type FindingFlags = { alpha?: number; margin?: number; textMargin?: number; resamples?: number; minBin?: number };

/** The findings' test settings as flags (analyze and report share them; defaults in docs/analysis.md). */
export function addFindingOptions(cmd: Command): Command {
  return cmd
    .addOption(flag("--alpha <a>", "one-sided level of each finding's test and family-wise level across findings (Holm) (default 0.05)", number({ min: 0, max: 0.5, open: true })))
    .addOption(flag("--margin <m>", "flatness margin: a pass@N change below +m counts as flat (default 0.01)", nonNegativeNumber))
    .addOption(flag("--text-margin <r>", "relative margin of the length and keyword findings (default 0.05)", nonNegativeNumber))
    .addOption(flag("--resamples <n>", `bootstrap resamples over questions for the findings' tests (default 10000, at most ${MAX_RESAMPLES})`, integer(1, MAX_RESAMPLES, `a positive integer up to ${MAX_RESAMPLES}`)))
    .addOption(flag("--min-bin <n>", "fewest questions a bin needs for a within-bin test (default 10)", positiveInt));
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
