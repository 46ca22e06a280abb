import { z } from "zod";
import type { Question } from "../core/types.js";
import { AdamW, clipGradNorm, generate, getLr, makeBatch, scoreCompletions, type EngineCompletion, type Model, type Sequence } from "../engine/index.js";
import { Rng32 } from "../world/rng.js";
import { groupAdvantages, LOSS_AGGREGATIONS, policyGradientWeights, zeroAdvantageFraction, type SequenceTerms } from "./grpo-loss.js";
import { checkGrpoLengths } from "./context-check.js";
import { TrainLog } from "./log.js";
import { RlvdError } from "../core/errors.js";

/**
 * GRPO settings. Defaults follow PAPER.md (G = 10 generations per question, rollout temperature 0.9,
 * top-p 1.0, top-k 50, AdamW beta 0.9/0.99 and weight decay 0.1, warmup then constant lr, beta = 0 KL)
 * scaled to tiny models: a larger lr and grad-clip suit a model trained from scratch in minutes.
 */
export const GrpoConfigSchema = z
  .object({
    steps: z.number().int().positive().default(100),
    /** questions per step */
    questions: z.number().int().positive().default(32),
    /** completions per question (G) */
    group: z.number().int().min(2).default(10),
    temperature: z.number().positive().default(0.9),
    topP: z.number().gt(0).max(1).default(1.0),
    topK: z.number().int().nonnegative().default(50),
    maxTokens: z.number().int().positive().default(64),
    lr: z.number().positive().default(2e-4),
    warmup: z.number().int().nonnegative().default(10),
    weightDecay: z.number().nonnegative().default(0.1),
    beta2: z.number().gt(0).lt(1).default(0.99),
    gradClip: z.number().positive().default(1.0),
    /** KL coefficient to the frozen starting policy (0: no reference model, as in the study) */
    beta: z.number().nonnegative().default(0),
    /**
     * Every this many steps the reference model becomes a copy of the current policy and the optimizer's
     * moments start afresh (0: never). ProRL (Liu et al. 2025) resets this way so that the KL term, which
     * grows as the policy drifts, stops holding prolonged training back. Needs beta > 0. No default value, so
     * that stages which leave it out keep their cache hashes.
     */
    referenceReset: z.number().int().nonnegative().optional(),
    clipEps: z.number().positive().default(0.2),
    /** policy updates per rollout batch (> 1 uses importance ratios against the rollout policy) */
    updates: z.number().int().positive().default(1),
    /** how token losses are averaged (grpo-loss.ts): per sequence (the default), per token (dapo), or Dr. GRPO */
    aggregation: z.enum(LOSS_AGGREGATIONS).default("grpo"),
    microBatch: z.number().int().positive().default(128),
    /** reward for a verified answer and for anything else (the study: +1 / -1) */
    rewardCorrect: z.number().default(1),
    rewardWrong: z.number().default(-1),
    seed: z.number().int().nonnegative().default(0),
  })
  .strict();
export type GrpoConfig = z.infer<typeof GrpoConfigSchema>;

/** Whether a response to a question is verifiably right. */
export type Verifier = (question: Question, response: string) => boolean;

export type GrpoStepStats = {
  step: number;
  reward_mean: number;
  accuracy: number;
  zero_adv_frac: number;
  entropy: number;
  kl: number | null;
  mean_length: number;
  loss: number;
  clip_frac: number;
  lr: number;
  step_time_s: number;
};

export type GrpoHooks = {
  log?: TrainLog;
  /** a frozen copy of the starting policy, needed when beta > 0 */
  reference?: Model;
  /** called after every step (checkpointing) */
  afterStep?: (step: number, stats: GrpoStepStats) => Promise<void> | void;
  /** how errors name the run (default "GRPO") */
  where?: string;
};

/**
 * RLVR with GRPO on an embedded model. Each step samples G completions for each of B questions from the
 * current policy, rewards them with the verifier, normalises rewards within each group and takes `updates`
 * clipped policy-gradient steps. Groups whose completions all get the same reward give no gradient.
 */
export async function trainGrpo(model: Model, questions: readonly Question[], verify: Verifier, input: Partial<GrpoConfig>, hooks: GrpoHooks = {}): Promise<GrpoStepStats[]> {
  const cfg = GrpoConfigSchema.parse(input);
  if (questions.length === 0) throw new RlvdError("BAD_INPUT", "GRPO needs training questions (the dataset is empty)");
  const referenceReset = cfg.referenceReset ?? 0;
  if (referenceReset > 0 && !(cfg.beta > 0 && hooks.reference)) {
    throw new RlvdError("BAD_ARGUMENT", "referenceReset resets the KL reference model: it needs beta > 0 (and the reference checkpoint)");
  }
  const tok = model.tokenizer!;
  // every prompt, before the first step: a prompt too long for the context would fail only when its batch came up
  checkGrpoLengths(hooks.where ?? "GRPO", questions.map((q) => ({ id: q.id, tokens: tok.encode(q.prompt, { bos: true }).length })), cfg.maxTokens, model.config.context);
  const newOptimizer = () => new AdamW(model, { weightDecay: cfg.weightDecay, beta1: 0.9, beta2: cfg.beta2 });
  let opt = newOptimizer();
  const rng = new Rng32(cfg.seed);
  const order = rng.shuffle([...questions]);
  let cursor = 0;
  const history: GrpoStepStats[] = [];
  for (let step = 0; step < cfg.steps; step++) {
    const t0 = Date.now();
    const batch: Question[] = [];
    for (let i = 0; i < cfg.questions; i++) {
      if (cursor === order.length) {
        cursor = 0;
        rng.shuffle(order);
      }
      batch.push(order[cursor++]!);
    }
    const rollouts = generate(model, batch.map((q) => q.prompt), {
      n: cfg.group, temperature: cfg.temperature, topP: cfg.topP, topK: cfg.topK > 0 ? cfg.topK : undefined,
      maxTokens: cfg.maxTokens, seed: cfg.seed * 1_000_003 + step, tree: true,
    });
    rollouts.sort((a, b) => a.prompt - b.prompt || a.sample - b.sample);
    const correct = rollouts.map((c) => verify(batch[c.prompt]!, c.text));
    const rewards = correct.map((ok) => (ok ? cfg.rewardCorrect : cfg.rewardWrong));
    const advantages = groupAdvantages(rewards, cfg.group, cfg.aggregation);
    const prompts = batch.map((q) => tok.encode(q.prompt, { bos: true }));
    const sequences: Sequence[] = rollouts.map((c) => ({ tokens: [...prompts[c.prompt]!, ...c.tokens], promptLength: prompts[c.prompt]!.length }));
    const old = rollouts.map((c) => c.logprobs);
    const ref = cfg.beta > 0 && hooks.reference ? completionLogprobs(hooks.reference, rollouts, prompts, cfg.microBatch) : null;
    let loss = 0;
    let clipFrac = 0;
    let kl: number | null = null;
    const lr = getLr({ lr: cfg.lr, warmup: cfg.warmup, shape: "constant" }, step);
    // sequences with zero advantage (and no KL term) contribute nothing: skip their forward/backward entirely
    const active = rollouts.map((_, i) => i).filter((i) => advantages[i] !== 0 || ref !== null);
    for (let u = 0; u < cfg.updates; u++) {
      const current = u === 0 ? old : completionLogprobs(model, rollouts, prompts, cfg.microBatch);
      const terms: SequenceTerms[] = rollouts.map((_, i) => ({ advantage: advantages[i]!, logprobs: current[i]!, oldLogprobs: old[i]!, refLogprobs: ref?.[i] }));
      const w = policyGradientWeights(terms, { aggregation: cfg.aggregation, clipEps: cfg.clipEps, beta: cfg.beta, maxTokens: cfg.maxTokens });
      loss = w.loss;
      clipFrac = w.clippedFraction;
      if (ref) kl = meanKl(current, ref);
      model.zeroGrad();
      for (let i = 0; i < active.length; i += cfg.microBatch) {
        const ids = active.slice(i, i + cfg.microBatch);
        const packed = makeBatch(ids.map((j) => ({ ...sequences[j]!, weights: w.weights[j]! })), tok.pad, { context: model.config.context });
        model.forwardBackward(packed, { normaliser: w.normaliser });
      }
      if (active.length > 0) {
        clipGradNorm(model, cfg.gradClip);
        opt.step(lr);
      }
    }
    const tokens = rollouts.reduce((s, c) => s + c.tokens.length, 0);
    const stats: GrpoStepStats = {
      step: step + 1,
      reward_mean: rewards.reduce((a, b) => a + b, 0) / rewards.length,
      accuracy: correct.filter(Boolean).length / correct.length,
      zero_adv_frac: zeroAdvantageFraction(rewards, cfg.group),
      // E[-log p(x)] over sampled tokens estimates the per-token entropy of the rollout distribution
      entropy: -old.reduce((s, lp) => s + lp.reduce((a, b) => a + b, 0), 0) / Math.max(1, tokens),
      kl,
      mean_length: rollouts.reduce((s, c) => s + c.text.length, 0) / rollouts.length,
      loss,
      clip_frac: clipFrac,
      lr,
      step_time_s: (Date.now() - t0) / 1000,
    };
    if (referenceReset > 0 && (step + 1) % referenceReset === 0 && step + 1 < cfg.steps) {
      const reference = hooks.reference!;
      reference.params.set(model.params.subarray(0, model.layout.total));
      reference.paramsChanged();
      opt.dispose();
      opt = newOptimizer();
    }
    history.push(stats);
    hooks.log?.write(stats);
    await hooks.afterStep?.(step + 1, stats);
  }
  opt.dispose();
  return history;
}

/** Log-probs of each rollout's tokens under `model`: the engine's scorer, `microBatch` sequences per pass. */
function completionLogprobs(model: Model, rollouts: readonly EngineCompletion[], prompts: readonly number[][], microBatch: number): number[][] {
  return scoreCompletions(model, rollouts.map((c) => ({ prompt: prompts[c.prompt]!, completion: c.tokens })), { batchSize: microBatch }).map((s) => s.logprobs);
}

function meanKl(current: number[][], ref: number[][]): number {
  let sum = 0;
  let n = 0;
  current.forEach((lp, i) =>
    lp.forEach((x, t) => {
      const d = ref[i]![t]! - x;
      sum += Math.exp(d) - d - 1;
      n++;
    }),
  );
  return n === 0 ? 0 : sum / n;
}
