import { describe, expect, it } from "vitest";
import { groupAdvantages, LOSS_AGGREGATIONS, policyGradientWeights, zeroAdvantageFraction, type LossAggregation, type SequenceTerms } from "./grpo-loss.js";

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

/**
 * The engine minimises sum_t w_t * (-log p_t) / normaliser, so the gradient it applies to a sampled token's
 * log-prob is -w_t / normaliser (engine/model.test.ts checks that part against finite differences). Here each
 * aggregation's weights are checked against the derivative of its own loss, token by token, and on-policy
 * against the gradient written out by hand.
 */
describe("each loss aggregation's gradient", () => {
  // three sequences of one group, of lengths 4, 2 and 3: rewards +1, -1, +1
  const rewards = [1, -1, 1];
  const lengths = [4, 2, 3];
  const maxTokens = 6;
  // off-policy log-probs: ratios from 0.7 to 1.4, so some tokens sit in the clipped region of either sign
  const current = lengths.map((n, i) => Array.from({ length: n }, (_, t) => -1 - 0.1 * t - 0.05 * i));
  const old = current.map((lp, i) => lp.map((x, t) => x + [0.3, -0.25, 0.05, -0.1, 0.15][(i + t) % 5]!));
  const ref = current.map((lp) => lp.map((x, t) => x - 0.2 + 0.1 * t));
  const sequences = (aggregation: LossAggregation, lp: number[][], withRef: boolean): SequenceTerms[] => {
    const adv = groupAdvantages(rewards, 3, aggregation);
    return lp.map((logprobs, i) => ({ advantage: adv[i]!, logprobs, oldLogprobs: old[i]!, ...(withRef ? { refLogprobs: ref[i]! } : {}) }));
  };

  for (const aggregation of LOSS_AGGREGATIONS) {
    for (const beta of [0, 0.05]) {
      it(`${aggregation}${beta > 0 ? " with a KL term" : ""}: -w / normaliser is d loss / d log-prob for every token`, () => {
        const opts = { aggregation, clipEps: 0.2, beta, maxTokens };
        const r = policyGradientWeights(sequences(aggregation, current, beta > 0), opts);
        expect(r.clippedFraction).toBeGreaterThan(0);
        expect(r.clippedFraction).toBeLessThan(1);
        const h = 1e-6;
        let worst = 0;
        current.forEach((lp, i) =>
          lp.forEach((_, t) => {
            const moved = (d: number) => current.map((row, j) => row.map((x, u) => (j === i && u === t ? x + d : x)));
            const numeric = (policyGradientWeights(sequences(aggregation, moved(h), beta > 0), opts).loss - policyGradientWeights(sequences(aggregation, moved(-h), beta > 0), opts).loss) / (2 * h);
            worst = Math.max(worst, Math.abs(-r.weights[i]![t]! / r.normaliser - numeric));
          }),
        );
        expect(worst).toBeLessThan(1e-7);
      });
    }
  }

  it("on-policy, match the hand-written gradients: 1/(N |o_i|), 1/(total tokens), 1/(N max tokens)", () => {
    const onPolicy = (aggregation: LossAggregation) => {
      const adv = groupAdvantages(rewards, 3, aggregation);
      const seqs = current.map((lp, i) => ({ advantage: adv[i]!, logprobs: lp, oldLogprobs: lp }));
      const r = policyGradientWeights(seqs, { aggregation, clipEps: 0.2, beta: 0, maxTokens });
      return r.weights.map((w) => w.map((x) => -x / r.normaliser));
    };
    // rewards +1, -1, +1: mean 1/3, population std sqrt(8/9); GRPO and token-level divide by std + 1e-4
    const std = Math.sqrt(8 / 9) + 1e-4;
    const a = [2 / 3, -4 / 3, 2 / 3];
    const expectRows = (got: number[][], perToken: (i: number) => number) =>
      got.forEach((row, i) => row.forEach((g) => expect(g).toBeCloseTo(perToken(i), 12)));
    // per-sequence mean: a token of a short sequence weighs more (the length bias Dr. GRPO removes)
    expectRows(onPolicy("grpo"), (i) => -(a[i]! / std) / (3 * lengths[i]!));
    expectRows(onPolicy("dapo"), (i) => -(a[i]! / std) / 9);
    // Dr. GRPO: unscaled advantages over a constant: 3 sequences x 6 max tokens
    expectRows(onPolicy("dr_grpo"), (i) => -a[i]! / 18);
  });
});
