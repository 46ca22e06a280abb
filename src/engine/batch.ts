// The one packer: token sequences into the flat batch forwardBackward / forwardLoss take (training, SFT's
// eval loss, GRPO and scoring all pack through makeBatch).
import { RlvdError } from "../core/errors.js";
import type { TrainBatch } from "./model.js";
import type { CharTokenizer } from "./tokenizer.js";

/** One sequence to learn from or score: a prompt (no loss) followed by a completion (loss, optionally weighted). */
export type Sequence = {
  /** the whole sequence: prompt then completion */
  tokens: readonly number[];
  /** tokens [0, promptLength) get no loss (default 0: every next token is predicted) */
  promptLength?: number;
  /** loss weight of every predicted token (one number, e.g. a GRPO advantage) or one per completion token */
  weights?: number | readonly number[];
};

export type PackOptions = {
  /** row width T (default: the longest sequence minus one, at least 1) */
  width?: number;
  /** the model's context: a sequence longer than it is an error naming it (default: no check) */
  context?: number;
};

/** Encodes a (prompt, completion) text pair the way the sampler sees it: bos + prompt, completion + eos. */
export function encodePair(tokenizer: CharTokenizer, prompt: string, completion: string): Sequence {
  const p = tokenizer.encode(prompt, { bos: true });
  return { tokens: [...p, ...tokenizer.encode(completion, { eos: true })], promptLength: p.length };
}

/** Number of predicted (completion) tokens of a sequence. */
export function completionLength(s: Sequence): number {
  return s.tokens.length - Math.max(1, s.promptLength ?? 0);
}

/**
 * Rows of next-token prediction: row b feeds tokens[0..n-2] and predicts tokens[1..n-1]; positions inside
 * the prompt (the target's index < promptLength) and the padding up to T get target -1. A one-token
 * sequence (a prompt with nothing to score) feeds its token and predicts nothing.
 */
export function makeBatch(sequences: readonly Sequence[], pad: number, options: PackOptions = {}): TrainBatch {
  if (sequences.length === 0) throw new RlvdError("BAD_ARGUMENT", "makeBatch needs at least one sequence");
  const longest = Math.max(...sequences.map((s) => s.tokens.length - 1));
  if (options.context !== undefined && longest > options.context) {
    throw new RlvdError("BAD_ARGUMENT", `a sequence of ${longest + 1} tokens exceeds the model's context of ${options.context}`);
  }
  const width = options.width ?? Math.max(1, longest);
  if (longest > width) throw new RlvdError("BAD_ARGUMENT", `a sequence of ${longest + 1} tokens does not fit rows of T = ${width}`);
  const B = sequences.length;
  const tokens = new Int32Array(B * width).fill(pad), targets = new Int32Array(B * width).fill(-1), weights = new Float32Array(B * width);
  sequences.forEach((s, b) => {
    const P = s.promptLength ?? 0, n = s.tokens.length;
    if (n === 0) throw new RlvdError("BAD_ARGUMENT", `sequence ${b} is empty`);
    if (n === 1 && P < 1) throw new RlvdError("BAD_ARGUMENT", `sequence ${b} has 1 token; at least 2 are needed to predict one`);
    const completion = n - Math.max(1, P);
    if (Array.isArray(s.weights) && s.weights.length !== completion) {
      throw new RlvdError("BAD_ARGUMENT", `sequence ${b}: ${s.weights.length} weights for ${completion} completion tokens`);
    }
    if (n === 1) tokens[b * width] = s.tokens[0]!;
    for (let t = 0; t < n - 1; t++) {
      tokens[b * width + t] = s.tokens[t]!;
      if (t + 1 < P) continue;
      targets[b * width + t] = s.tokens[t + 1]!;
      const j = t + 1 - Math.max(1, P);
      weights[b * width + t] = typeof s.weights === "number" ? s.weights : s.weights ? (s.weights as readonly number[])[j]! : 1;
    }
  });
  return { B, T: width, tokens, targets, weights };
}
