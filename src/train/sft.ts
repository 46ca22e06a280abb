import { z } from "zod";
import { AdamW, clipGradNorm, completionLength, encodePair, getLr, makeBatch, type Model, type Sequence } from "../engine/index.js";
import { Rng32 } from "../world/rng.js";
import { checkSftLengths } from "./context-check.js";
import { TrainLog } from "./log.js";

/** SFT settings: PAPER.md's (AdamW, constant lr after warmup 25, weight decay 1e-4) scaled to tiny models. */
export const SftConfigSchema = z
  .object({
    steps: z.number().int().positive().default(300),
    /** sequences per optimizer step */
    batch: z.number().int().positive().default(64),
    /** sequences per forward/backward pass (gradients accumulate over micro-batches) */
    microBatch: z.number().int().positive().default(64),
    lr: z.number().positive().default(3e-4),
    warmup: z.number().int().nonnegative().default(25),
    schedule: z.enum(["constant", "cosine"]).default("constant"),
    weightDecay: z.number().nonnegative().default(1e-4),
    gradClip: z.number().positive().default(1.0),
    /** share of the data held out to measure generalisation (0: none) */
    evalFraction: z.number().min(0).max(0.5).default(0.05),
    /**
     * what is held out: whole questions (every example of a held-out prompt), or single examples. By example,
     * a confident model's copies of one response land on both sides: in the quick and full runs 91-98% of the
     * held-out examples had an exact copy in training (issue 18), so the held-out loss measured memory.
     */
    holdout: z.enum(["question", "example"]).default("question"),
    evalEvery: z.number().int().positive().default(50),
    seed: z.number().int().nonnegative().default(0),
  })
  .strict();
export type SftConfig = z.infer<typeof SftConfigSchema>;

/**
 * SFT settings as they enter a stage's cache hash: `holdout` spelled only where it changes what is trained.
 * With nothing held out it changes nothing; `example` trains as every run did before it existed; the default
 * `question` (issue 18) is spelled out, so stages cached under the old rule run again instead of being reused.
 */
export function hashedSftConfig(train: Partial<SftConfig>): Partial<SftConfig> {
  const { holdout, ...rest } = train;
  const effective = holdout ?? SftConfigSchema.shape.holdout.parse(undefined);
  const holdsOut = (train.evalFraction ?? SftConfigSchema.shape.evalFraction.parse(undefined)) > 0;
  return holdsOut && effective === "question" ? { ...rest, holdout: effective } : rest;
}

export type SftExample = { prompt: string; completion: string };
export type SftResult = { steps: number; trainLoss: number; evalLoss: number | null; firstEvalLoss: number | null; seconds: number; data: SftDataSummary };

/**
 * What a run trained and measured on. A question is a prompt: examples with the same prompt answer the same
 * question. `held_out_seen` counts held-out examples whose exact (prompt, completion) is also in training.
 */
export type SftDataSummary = {
  examples: number;
  distinct: number;
  questions: number;
  holdout: SftConfig["holdout"];
  held_out_examples: number;
  held_out_questions: number;
  held_out_seen: number;
};

/**
 * Supervised fine-tuning with the loss on completion tokens only (also used to pretrain from scratch on a
 * corpus). Deterministic given the seed: the data order comes from it, and the engine is deterministic.
 */
export function trainSft(
  model: Model, data: readonly SftExample[], input: Partial<SftConfig>,
  options: { log?: TrainLog; afterStep?: (step: number) => void; /** how errors name the run (default "SFT") */ where?: string } = {},
): SftResult {
  const cfg = SftConfigSchema.parse(input);
  const tok = model.tokenizer!;
  const rng = new Rng32(cfg.seed);
  const split = splitHeldOut(data, cfg, rng);
  const train = split.train.map((d) => encodePair(tok, d.prompt, d.completion));
  const evalSet = split.held.map((d) => encodePair(tok, d.prompt, d.completion));
  // before the first step, not at the batch that holds the longest example
  checkSftLengths(options.where ?? "SFT", [...split.train, ...split.held], [...train, ...evalSet], model.config.context);
  const nEval = evalSet.length;
  options.log?.summary(split.summary);
  const opt = new AdamW(model, { weightDecay: cfg.weightDecay });
  const started = Date.now();
  let cursor = 0;
  let trainLoss = Number.NaN;
  let evalLoss: number | null = null;
  const firstEvalLoss: number | null = nEval > 0 ? meanLoss(model, evalSet, cfg.microBatch) : null;
  // Batches of similar lengths waste less compute on padding: draw a window of 16 batches, sort it by length,
  // cut it into batches and visit those in random order.
  let pending: Sequence[][] = [];
  const nextBatch = (): Sequence[] => {
    if (pending.length === 0) {
      const window: Sequence[] = [];
      for (let i = 0; i < cfg.batch * 16; i++) {
        if (cursor === train.length) {
          cursor = 0;
          rng.shuffle(train);
        }
        window.push(train[cursor++]!);
      }
      window.sort((a, b) => a.tokens.length - b.tokens.length);
      for (let i = 0; i < window.length; i += cfg.batch) pending.push(window.slice(i, i + cfg.batch));
      rng.shuffle(pending);
    }
    return pending.pop()!;
  };
  for (let step = 0; step < cfg.steps; step++) {
    const t0 = Date.now();
    const batch = nextBatch();
    model.zeroGrad();
    const tokens = batch.reduce((s, q) => s + completionLength(q), 0);
    let loss = 0;
    for (let i = 0; i < batch.length; i += cfg.microBatch) {
      const packed = makeBatch(batch.slice(i, i + cfg.microBatch), tok.pad, { context: model.config.context });
      loss += model.forwardBackward(packed, { normaliser: tokens }).loss;
    }
    const norm = clipGradNorm(model, cfg.gradClip);
    const lr = getLr({ lr: cfg.lr, warmup: cfg.warmup, shape: cfg.schedule, steps: cfg.steps }, step);
    opt.step(lr);
    trainLoss = loss;
    const last = step + 1 === cfg.steps;
    if (nEval > 0 && ((step + 1) % cfg.evalEvery === 0 || last)) evalLoss = meanLoss(model, evalSet, cfg.microBatch);
    options.log?.write({ step: step + 1, loss, eval_loss: (step + 1) % cfg.evalEvery === 0 || last ? evalLoss : null, lr, grad_norm: norm, step_time_s: (Date.now() - t0) / 1000 });
    options.afterStep?.(step + 1);
  }
  opt.dispose();
  return { steps: cfg.steps, trainLoss, evalLoss, firstEvalLoss, seconds: (Date.now() - started) / 1000, data: split.summary };
}

/**
 * The held-out split, drawn from the seeded rng. By example: the data shuffled, its first share held out (the
 * original rule, kept so `holdout: example` trains exactly as before). By question: the distinct prompts
 * shuffled, the first share of them held out with all their examples; the rest are shuffled for training.
 * Either way nothing is held out below 20 examples (or 20 questions), and at least one when anything is.
 */
export function splitHeldOut<T extends SftExample>(data: readonly T[], cfg: Pick<SftConfig, "evalFraction" | "holdout">, rng: Rng32): { train: T[]; held: T[]; summary: SftDataSummary } {
  let train: T[];
  let held: T[];
  const distinctPrompts = [...new Set(data.map((d) => d.prompt))];
  const questionsHeld = cfg.evalFraction > 0 && distinctPrompts.length >= 20 ? Math.max(1, Math.round(distinctPrompts.length * cfg.evalFraction)) : 0;
  // holding nothing out, both rules draw exactly what training always drew (pretraining's corpora, evalFraction 0)
  if (cfg.holdout === "example" || questionsHeld === 0) {
    const all = rng.shuffle([...data]);
    const n = cfg.holdout === "example" && cfg.evalFraction > 0 && all.length >= 20 ? Math.max(1, Math.round(all.length * cfg.evalFraction)) : 0;
    held = all.slice(0, n);
    train = all.slice(n);
  } else {
    const prompts = rng.shuffle(distinctPrompts);
    const heldPrompts = new Set(prompts.slice(0, questionsHeld));
    held = data.filter((d) => heldPrompts.has(d.prompt));
    train = rng.shuffle(data.filter((d) => !heldPrompts.has(d.prompt)));
  }
  const key = (d: SftExample) => JSON.stringify([d.prompt, d.completion]);
  const trained = new Set(train.map(key));
  const summary: SftDataSummary = {
    examples: data.length,
    distinct: new Set(data.map(key)).size,
    questions: new Set(data.map((d) => d.prompt)).size,
    holdout: cfg.holdout,
    held_out_examples: held.length,
    held_out_questions: new Set(held.map((d) => d.prompt)).size,
    held_out_seen: held.filter((d) => trained.has(key(d))).length,
  };
  return { train, held, summary };
}

/** Mean per-token loss over a set of sequences, without touching gradients. */
export function meanLoss(model: Model, sequences: readonly Sequence[], microBatch = 64): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < sequences.length; i += microBatch) {
    const packed = makeBatch(sequences.slice(i, i + microBatch), model.tokenizer!.pad, { context: model.config.context });
    const r = model.forwardLoss(packed);
    sum += r.meanNll * r.tokens;
    count += r.tokens;
  }
  return count === 0 ? Number.NaN : sum / count;
}
