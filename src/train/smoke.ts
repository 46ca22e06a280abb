import { createModel, type Model } from "../engine/index.js";
import { CharTokenizer } from "../engine/index.js";
import { buildCorpus, checkWorldAnswer, drawQuestions, World, worldCharacters } from "../world/index.js";
import type { Question } from "../core/types.js";
import { trainSft } from "./sft.js";
import type { TrainLog } from "./log.js";

/**
 * The built-in smoke task behind `--preset smoke`: a 6-symbol world whose base corpus shows half the facts
 * only half the time, a one-layer model pretrained on it for a few seconds, and chain questions to train on.
 * Small enough for tests and quick checks; it has room for RL to improve (shaky facts, mixed formats).
 */
export const SMOKE_WORLD = new World({
  seed: 7,
  alphabet: 6,
  chainLengths: [1, 2],
  facts: { known: 0.5, shaky: 0.5, weak: 0, absent: 0 },
  shakyAccuracy: 0.5,
  formats: { direct: 0.6, steps: 0.4, check: 0 },
});

export const SMOKE_MODEL = { dim: 48, layers: 2, heads: 4, context: 48 } as const;

export function smokeQuestions(n: number, seed: number): Question[] {
  return drawQuestions(SMOKE_WORLD, n, seed);
}

export function smokeVerifier(question: Question, response: string): boolean {
  return checkWorldAnswer(question.answer, response).correct;
}

/** A base model for the smoke task, pretrained from scratch on the smoke world's base corpus. */
export async function smokeBase(options: { steps?: number; seed?: number; log?: TrainLog } = {}): Promise<Model> {
  const tokenizer = CharTokenizer.fromText(worldCharacters(SMOKE_WORLD));
  const model = await createModel({ vocabSize: tokenizer.vocabSize, ...SMOKE_MODEL }, options.seed ?? 1, { tokenizer });
  const corpus = buildCorpus(SMOKE_WORLD, { author: "base", documents: 4000, seed: 11 });
  trainSft(model, corpus, { steps: options.steps ?? 250, batch: 64, lr: 3e-3, warmup: 20, schedule: "cosine", weightDecay: 0.01, evalFraction: 0 }, { log: options.log });
  return model;
}
