import { describe, expect, it } from "vitest";
import { buildCharts } from "./charts.js";
import type { Analysis } from "./analyze-run.js";

/** One model, n = 4, with a fit out to k = 64: the chart draws the measured curve to 4 and the fit from 4 to 64. */
function analysis(withFit: boolean): Analysis {
  const pass_at_k = { "1": 0.3, "2": 0.45, "3": 0.52, "4": 0.56 };
  const fit = Object.fromEntries([1, 2, 4, 8, 16, 32, 64, 128].map((k) => [String(k), { estimate: 0.3 + 0.05 * Math.log2(k), ci: [0.2, 0.9] as [number, number] }]));
  const model = {
    questions: 10, samples_per_question: 4, modal_n: 4, samples_total: 40, accuracy: 0.3, accuracy_ci: [0.2, 0.4] as [number, number],
    pass_at_k, pass_at_k_ci: { "1": [0.2, 0.4] as [number, number], "4": [0.4, 0.7] as [number, number] },
    unsolved: 4, epsilon: 0.5, bins: [], short_questions: [],
    ...(withFit ? { pass_at_k_fit: fit } : {}),
  };
  return { base: null, models: { base: model }, comparisons: [], warnings: [] };
}

describe("pass@k chart with a fit", () => {
  it("adds a dashed fitted line and its band only beyond n (up to 16 n), and says it is a fit", () => {
    const chart = buildCharts(analysis(true)).find((c) => c.id === "pass-at-k")!;
    const layers = (chart.spec as unknown as { layer: Array<{ data?: { values: Array<{ k: number }> }; mark: { type: string; strokeDash?: number[] } }> }).layer;
    const dashed = layers.filter((l) => l.mark.strokeDash);
    expect(dashed).toHaveLength(1);
    expect(dashed[0]!.data!.values.map((r) => r.k)).toEqual([4, 8, 16, 32, 64]);
    expect(chart.caption).toMatch(/fit/);
    expect(chart.caption).toMatch(/not a measurement/);
    // the measured rows are unchanged: k = 1..n only
    expect(chart.data.map((r) => r.k)).toEqual([1, 2, 3, 4]);
  });

  it("draws no fit layers when the analysis has no fit", () => {
    const chart = buildCharts(analysis(false)).find((c) => c.id === "pass-at-k")!;
    const layers = (chart.spec as unknown as { layer: Array<{ mark: { strokeDash?: number[] } }> }).layer;
    expect(layers.some((l) => l.mark.strokeDash)).toBe(false);
    expect(chart.caption).not.toMatch(/beta-binomial/);
  });
});
