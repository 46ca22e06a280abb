import { describe, expect, it } from "vitest";
import { ADAPTIVE_DEFAULTS, type AdaptiveSummary } from "../metrics/adaptive.js";
import type { Analysis } from "./analyze-run.js";
import { adaptiveNote, adaptiveRuleText } from "./adaptive-note.js";
import { adaptiveTable } from "./tables.js";

/** A stored adaptive record with the given settings (the spend is irrelevant to the note). */
function summary(settings: Partial<AdaptiveSummary["settings"]>): AdaptiveSummary {
  return {
    settings: settings as AdaptiveSummary["settings"], seed: 0, rounds: 3, bins: ["0", "1-4"], samples_saved: 10, mean_tokens: null, tokens_saved: null,
    estimates: { accuracy: 0.5, pass_at_full: 0.75, samples: 22, samples_full: 32, samples_per_bin: [16, 6], questions_per_bin: [1, 1] },
  };
}

function analysisOf(models: Record<string, AdaptiveSummary>): Analysis {
  const entries = Object.entries(models).map(([name, adaptive]) => [name, { generation: { adaptive } }]);
  return { base: null, models: Object.fromEntries(entries), comparisons: [], warnings: [] } as unknown as Analysis;
}

describe("the adaptive table's note", () => {
  it("describes the rule each run recorded: the budget rule with its allowance, not a threshold", () => {
    const text = adaptiveRuleText({ ...ADAPTIVE_DEFAULTS, misses: 0.04, keep: 0.1 });
    expect(text).toMatch(/^budget rule: .* stayed at 4%/);
    expect(text).toContain("with probability 0.1");
    expect(text).toContain("questions never solved ran to the full n");
    expect(text).not.toMatch(/probability >=/);
  });

  it("describes the threshold rule with its settle and taper, and reads a record older than `rule` as threshold", () => {
    expect(adaptiveRuleText({ rule: "threshold", settle: 0.8, taper: 0, keep: 0.05, unsolvedSettle: 0.95 })).toBe(
      "threshold rule: a question stopped once its most likely bin at the full n had probability >= 0.8; a never-solved question stopped only at >= 0.95 odds " +
        "of staying unsolved; a stopped question was sampled on to the full n at random with probability 0.05, which keeps the estimates unbiased",
    );
    // the first version stored no rule and no misses: it could only have run the threshold rule
    const old = adaptiveRuleText({ schedule: [16, 256], settle: 0.9, keep: 0.05, taper: 1, unsolvedSettle: 1 });
    expect(old).toMatch(/^threshold rule: .* probability >= 0\.9, the allowance shrinking .* \(taper 1\)/);
    expect(old).not.toContain("budget");
  });

  it("names the models when runs used different rules, once per rule", () => {
    const note = adaptiveNote([
      { model: "base", settings: { rule: "budget", misses: 0.025 } },
      { model: "rlvr", settings: { rule: "threshold", settle: 0.9 } },
      { model: "teacher", settings: { rule: "budget", misses: 0.025 } },
    ]);
    expect(note).toMatch(/^base, teacher: sampled in rounds, by the budget rule: .* 2\.5%.* rlvr: sampled in rounds, by the threshold rule: /);
    expect(note.match(/budget rule/g)).toHaveLength(1);
  });

  it("is what the report's table carries, from the stored settings of the models it shows", () => {
    const table = adaptiveTable(analysisOf({ base: summary({ ...ADAPTIVE_DEFAULTS }), old: summary({ schedule: [16, 32], rule: "threshold", settle: 0.85, keep: 0.05 }) }), ["base"])!;
    expect(table.note).toMatch(/^Questions were sampled in rounds, by the budget rule: .* stayed at 2\.5%/);
    const both = adaptiveTable(analysisOf({ base: summary({ ...ADAPTIVE_DEFAULTS }), old: summary({ schedule: [16, 32], rule: "threshold", settle: 0.85, keep: 0.05 }) }), ["base", "old"])!;
    expect(both.note).toContain("old: sampled in rounds, by the threshold rule: a question stopped once its most likely bin at the full n had probability >= 0.85");
  });
});
