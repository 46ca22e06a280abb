// Sweep rows read each level's own paired comparison; capability is classified by where its interval lies.
import { describe, expect, it } from "vitest";
import type { Analysis } from "./analyze-run.js";
import { sweepRows } from "./across-seeds.js";

function level(passCi: [number, number], delta: number): Analysis {
  const model = (acc: number, pass: number) => ({ accuracy: acc, pass_at_k: { "1": acc, "4": pass }, questions: 10, unsolved: 2 }) as unknown as Analysis["models"][string];
  return {
    base: "base",
    models: { base: model(0.2, 0.5), rlvr: model(0.6, 0.5 + delta) },
    comparisons: [{
      base: "base", other: "rlvr", questions: 10, bin_accuracy_delta: [], transition: [], pass_at_k_delta: {},
      significance: { accuracy: { delta: 0.4, ci: [0.3, 0.5], p_value: 0.001 }, pass_at_k: { "1": { delta: 0.4, ci: [0.3, 0.5], p_value: 0.001 }, "4": { delta, ci: passCi, p_value: 0.5 } } },
    }],
    warnings: [],
  };
}

describe("sweepRows", () => {
  it("takes the largest k and classifies capability by its interval", () => {
    const rows = sweepRows([
      { id: "a", label: "A", x: 0, analysis: level([-0.2, -0.05], -0.1) },
      { id: "b", label: "B", x: 0.5, analysis: level([-0.02, 0.03], 0.01) },
      { id: "c", label: "C", x: 1, analysis: level([0.01, 0.09], 0.05) },
    ]);
    expect(rows.map((r) => [r.k, r.capability])).toEqual([[4, "narrows"], [4, "flat"], [4, "expands"]]);
    expect(rows[2]!.trained.pass_at_k).toBeCloseTo(0.55, 12);
    expect(rows[0]!.base).toEqual({ accuracy: 0.2, pass_at_k: 0.5, unsolved: 0.2 });
  });

  it("names the level that has no comparison for the trained model", () => {
    const a = level([0, 0], 0);
    expect(() => sweepRows([{ id: "lvl", label: "L", x: 0, analysis: { ...a, comparisons: [] } }])).toThrow(/sweep level lvl: no comparison of rlvr/);
  });
});
