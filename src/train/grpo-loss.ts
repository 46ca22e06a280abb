/**
 * GRPO's advantages and per-token loss weights, as pure functions.
 *
 * The engine minimises sum_t w_t * (-log p(x_t)) / normaliser, so its gradient with respect to a sampled token's
 * log-prob is -w_t / normaliser. The clipped policy-gradient objective
 *     l_t = -min(r_t A, clip(r_t, 1 - eps, 1 + eps) A),   r_t = exp(logp_t - logp_old_t)
 * has gradient -A r_t in its unclipped region and 0 where the clip is active, so it is reproduced exactly by
 * w_t = A r_t (unclipped) or 0 (clipped). A KL penalty beta * KL(pi || pi_ref) with the k3 estimator
 * exp(ref - logp) - (ref - logp) - 1 adds beta * (exp(ref - logp) - 1) to w_t.
 */

/**
 * How the per-token losses of a step's rollouts become one loss (the names are TRL's `loss_type` values, from
 * huggingface/trl trl/trainer/grpo_trainer.py `_compute_loss` and grpo_config.py, v0.17.0 and v0.22.0):
 * - `grpo`: each sequence's mean, then the mean over sequences (the original GRPO, and TRL before v0.16.0,
 *   Feb 2025). A token of a short response weighs more than one of a long response: correct short answers are
 *   pushed up harder and wrong long ones pushed down more gently, a length bias.
 * - `dapo`: the mean over every token of the step's rollouts. TRL switched to this token-level mean in v0.16.0
 *   (March 2025); v0.17.0 (April 2025, around the study) named it `bnpo`, the default, normalised over the local
 *   batch; v0.22.0 (Aug 2025) made `dapo`, over the globally accumulated batch, the default. rlvd's step is one
 *   batch, so the two coincide here.
 * - `dr_grpo`: Dr. GRPO (Liu et al. 2025, "Understanding R1-Zero-Like Training"), as oat trains the study's
 *   Oat-Zero model with it (sail-sg/oat oat/algorithms/ppo.py at c1a074c: `critic_type="drgrpo"` sums each
 *   sequence's token losses over `generate_max_length`, then means over sequences, and skips the std division
 *   in `compute_monte_carlo_advantages`): the sum over tokens over sequences x maxTokens (TRL:
 *   per_token_loss.size(0) x max_completion_length, with scale_rewards off).
 * TRL and oat divide by the group's sample std (torch .std); rlvd by the population std (groupAdvantages).
 */
export const LOSS_AGGREGATIONS = ["grpo", "dapo", "dr_grpo"] as const;
export type LossAggregation = (typeof LOSS_AGGREGATIONS)[number];

/**
 * Group-normalised advantages: rewards come in consecutive groups of `groupSize` (the G completions of one
 * prompt); A = (r - mean) / (std + eps), or r - mean for Dr. GRPO. A group whose rewards are all equal gets
 * A = 0 for every member: it carries no learning signal (the study's reason hard questions are sacrificed).
 * std is the population standard deviation of the group.
 */
export function groupAdvantages(rewards: readonly number[], groupSize: number, aggregation: LossAggregation, eps = 1e-4): number[] {
  if (groupSize < 1 || rewards.length % groupSize !== 0) throw new RangeError(`${rewards.length} rewards do not split into groups of ${groupSize}`);
  const out = new Array<number>(rewards.length);
  for (let g = 0; g < rewards.length; g += groupSize) {
    const group = rewards.slice(g, g + groupSize);
    const mean = group.reduce((a, b) => a + b, 0) / groupSize;
    const std = Math.sqrt(group.reduce((a, b) => a + (b - mean) ** 2, 0) / groupSize);
    for (let i = 0; i < groupSize; i++) {
      const centred = group[i]! - mean;
      out[g + i] = std === 0 ? 0 : aggregation === "dr_grpo" ? centred : centred / (std + eps);
    }
  }
  return out;
}

/** Share of groups whose rewards are all equal (zero advantage, no gradient). */
export function zeroAdvantageFraction(rewards: readonly number[], groupSize: number): number {
  let zero = 0;
  const groups = rewards.length / groupSize;
  for (let g = 0; g < rewards.length; g += groupSize) {
    const first = rewards[g]!;
    if (rewards.slice(g, g + groupSize).every((r) => r === first)) zero++;
  }
  return groups === 0 ? 0 : zero / groups;
}

export type SequenceTerms = {
  advantage: number;
  /** log-probs of the sampled tokens under the current policy */
  logprobs: readonly number[];
  /** log-probs when the rollout was sampled (equal to logprobs for the first, on-policy update) */
  oldLogprobs: readonly number[];
  /** log-probs under the frozen reference model (only when beta > 0) */
  refLogprobs?: readonly number[];
};

export type WeightOptions = { aggregation: LossAggregation; clipEps: number; beta: number; maxTokens: number };

/**
 * Per-token weights for one batch of sequences, the normaliser that goes with them, and the value of the
 * surrogate loss (for logging). Weights for sequence i are in `weights[i]`, one per completion token.
 */
export function policyGradientWeights(sequences: readonly SequenceTerms[], options: WeightOptions): { weights: number[][]; normaliser: number; loss: number; clippedFraction: number } {
  const { aggregation, clipEps, beta } = options;
  const totalTokens = sequences.reduce((s, q) => s + q.logprobs.length, 0);
  const normaliser = aggregation === "dapo" ? Math.max(1, totalTokens) : aggregation === "dr_grpo" ? sequences.length * options.maxTokens : sequences.length;
  let loss = 0;
  let clipped = 0;
  const weights = sequences.map((seq) => {
    const length = seq.logprobs.length;
    // the original GRPO averages within each sequence first: its tokens count 1/|o_i| each
    const perSequence = aggregation === "grpo" ? 1 / Math.max(1, length) : 1;
    return seq.logprobs.map((lp, t) => {
      const ratio = Math.exp(lp - seq.oldLogprobs[t]!);
      const a = seq.advantage;
      const clippedRatio = Math.min(Math.max(ratio, 1 - clipEps), 1 + clipEps);
      const unclipped = ratio * a <= clippedRatio * a; // min() picks the unclipped term
      let w = unclipped ? a * ratio : 0;
      if (!unclipped) clipped++;
      let term = -Math.min(ratio * a, clippedRatio * a);
      if (beta > 0 && seq.refLogprobs) {
        const d = seq.refLogprobs[t]! - lp;
        w += beta * (Math.exp(d) - 1);
        term += beta * (Math.exp(d) - d - 1);
      }
      loss += (term * perSequence) / normaliser;
      return w * perSequence;
    });
  });
  return { weights, normaliser, loss, clippedFraction: totalTokens === 0 ? 0 : clipped / totalTokens };
}
