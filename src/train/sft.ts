import { z } from "zod";
import { AdamW, clipGradNorm, completionLength, encodePair, getLr, makeBatch, type Model, type Sequence } from "../engine/index.js";
import { Rng32 } from "../world/rng.js";
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
    evalEvery: z.number().int().positive().default(50),
    seed: z.number().int().nonnegative().default(0),
  })
  .strict();
export type SftConfig = z.infer<typeof SftConfigSchema>;

export type SftExample = { prompt: string; completion: string };
export type SftResult = { steps: number; trainLoss: number; evalLoss: number | null; firstEvalLoss: number | null; seconds: number };

/**
 * Supervised fine-tuning with the loss on completion tokens only (also used to pretrain from scratch on a
 * corpus). Deterministic given the seed: the data order comes from it, and the engine is deterministic.
 */
export function trainSft(model: Model, data: readonly SftExample[], input: Partial<SftConfig>, options: { log?: TrainLog; afterStep?: (step: number) => void } = {}): SftResult {
  const cfg = SftConfigSchema.parse(input);
  const tok = model.tokenizer!;
  const rng = new Rng32(cfg.seed);
  const all = rng.shuffle(data.map((d) => encodePair(tok, d.prompt, d.completion)));
  const nEval = cfg.evalFraction > 0 && all.length >= 20 ? Math.max(1, Math.round(all.length * cfg.evalFraction)) : 0;
  const evalSet = all.slice(0, nEval);
  const train = all.slice(nEval);
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
  return { steps: cfg.steps, trainLoss, evalLoss, firstEvalLoss, seconds: (Date.now() - started) / 1000 };
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
