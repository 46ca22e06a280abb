import { describe, expect, it } from "vitest";
import { groupAdvantages, policyGradientWeights, zeroAdvantageFraction } from "./grpo-loss.js";

describe("group advantages", () => {
  it("normalise within each group and zero out groups with equal rewards", () => {
    // group 1: rewards 1, -1, -1, -1 -> mean -0.5, std sqrt(0.75)
    const a = groupAdvantages([1, -1, -1, -1, 1, 1, 1, 1], 4, "grpo", 0);
    const s = Math.sqrt(0.75);
    expect(a.slice(0, 4).map((x) => x.toFixed(6))).toEqual([1.5 / s, -0.5 / s, -0.5 / s, -0.5 / s].map((x) => x.toFixed(6)));
    expect(a.slice(4)).toEqual([0, 0, 0, 0]);
    expect(groupAdvantages([1, -1, -1, -1], 4, "dr_grpo")).toEqual([1.5, -0.5, -0.5, -0.5]);
    expect(zeroAdvantageFraction([1, -1, -1, -1, 1, 1, 1, 1, -1, -1, -1, -1], 4)).toBeCloseTo(2 / 3, 12);
  });
  it("sum to zero in every group", () => {
    const a = groupAdvantages([1, 1, -1, 1, -1, -1], 3, "grpo");
    expect(a[0]! + a[1]! + a[2]!).toBeCloseTo(0, 12);
    expect(() => groupAdvantages([1, 2, 3], 2, "grpo")).toThrow(/groups of 2/);
  });
});

describe("policy-gradient weights", () => {
  const onPolicy = (advantage: number, n: number) => ({ advantage, logprobs: Array(n).fill(-1), oldLogprobs: Array(n).fill(-1) });

  it("are the advantage on-policy, divided by each sequence's length for GRPO", () => {
    const r = policyGradientWeights([onPolicy(2, 4), onPolicy(-1, 2)], { aggregation: "grpo", clipEps: 0.2, beta: 0, maxTokens: 8 });
    expect(r.weights).toEqual([[0.5, 0.5, 0.5, 0.5], [-0.5, -0.5]]);
    expect(r.normaliser).toBe(2);
    // loss = mean over sequences of the per-sequence mean of -A: (-2 + 1) / 2
    expect(r.loss).toBeCloseTo(-0.5, 12);
  });

  it("use the token total for DAPO and sequences x max tokens for Dr. GRPO", () => {
    const seqs = [onPolicy(2, 4), onPolicy(-1, 2)];
    const dapo = policyGradientWeights(seqs, { aggregation: "dapo", clipEps: 0.2, beta: 0, maxTokens: 8 });
    expect(dapo.weights).toEqual([[2, 2, 2, 2], [-1, -1]]);
    expect(dapo.normaliser).toBe(6);
    expect(dapo.loss).toBeCloseTo((-8 + 2) / 6, 12);
    const dr = policyGradientWeights(seqs, { aggregation: "dr_grpo", clipEps: 0.2, beta: 0, maxTokens: 8 });
    expect(dr.normaliser).toBe(16);
    expect(dr.loss).toBeCloseTo((-8 + 2) / 16, 12);
  });

  it("give zero-advantage sequences no gradient", () => {
    const r = policyGradientWeights([onPolicy(0, 3)], { aggregation: "grpo", clipEps: 0.2, beta: 0, maxTokens: 8 });
    expect(r.weights[0]!.every((w) => w === 0)).toBe(true);
  });

  it("clip ratios outside [1-eps, 1+eps] in the direction of the advantage", () => {
    const lp = [Math.log(1.5), Math.log(1.1), Math.log(0.5)]; // ratios 1.5, 1.1, 0.5 against old log-prob 0
    const seq = (advantage: number) => ({ advantage, logprobs: lp, oldLogprobs: [0, 0, 0] });
    const pos = policyGradientWeights([seq(1)], { aggregation: "dapo", clipEps: 0.2, beta: 0, maxTokens: 8 });
    // A > 0: ratio 1.5 is clipped (no gradient), 1.1 and 0.5 are not
    expect(pos.weights[0]!.map((w) => Number(w.toFixed(9)))).toEqual([0, 1.1, 0.5]);
    expect(pos.clippedFraction).toBeCloseTo(1 / 3, 12);
    expect(pos.loss).toBeCloseTo(-(1.2 + 1.1 + 0.5) / 3, 9);
    const neg = policyGradientWeights([seq(-1)], { aggregation: "dapo", clipEps: 0.2, beta: 0, maxTokens: 8 });
    // A < 0: ratio 0.5 is clipped, 1.5 and 1.1 are not
    expect(neg.weights[0]!.map((w) => Number(w.toFixed(9)))).toEqual([-1.5, -1.1, 0]);
    expect(neg.loss).toBeCloseTo((1.5 + 1.1 + 0.8) / 3, 9);
  });

  it("add the k3 KL gradient when beta > 0, matching a finite difference of the loss", () => {
    const make = (lp0: number) => [{ advantage: 0.7, logprobs: [lp0, -2], oldLogprobs: [-1.05, -2], refLogprobs: [-0.8, -2.5] }];
    const opts = { aggregation: "dapo" as const, clipEps: 0.2, beta: 0.1, maxTokens: 8 };
    const r = policyGradientWeights(make(-1), opts);
    // the engine's gradient w.r.t. a token's log-prob is -w / normaliser; compare with d loss / d logprob
    const h = 1e-6;
    const numeric = (policyGradientWeights(make(-1 + h), opts).loss - policyGradientWeights(make(-1 - h), opts).loss) / (2 * h);
    expect(-r.weights[0]![0]! / r.normaliser).toBeCloseTo(numeric, 6);
  });
});
