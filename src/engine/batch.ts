// Packing token sequences into the flat batch forwardBackward takes.
import { RlvdError } from "../core/errors.js";
import type { TrainBatch } from "./model.js";

export type Sequence = {
  /** the whole sequence: prompt then completion */
  tokens: readonly number[];
  /** tokens [0, promptLength) get no loss (default 0: every next token is predicted) */
  promptLength?: number;
  /** loss weight of every predicted token (one number, e.g. a GRPO advantage) or one per completion token */
  weights?: number | readonly number[];
};

/**
 * Rows of next-token prediction: row b feeds tokens[0..n-2] and predicts tokens[1..n-1]; positions inside
 * the prompt (the target's index < promptLength) and the padding up to T get target -1. T defaults to the
 * longest sequence minus one.
 */
export function makeBatch(sequences: readonly Sequence[], pad: number, T?: number): TrainBatch {
  if (sequences.length === 0) throw new RlvdError("BAD_ARGUMENT", "makeBatch needs at least one sequence");
  const longest = Math.max(...sequences.map((s) => s.tokens.length - 1));
  const width = T ?? Math.max(1, longest);
  if (longest > width) throw new RlvdError("BAD_ARGUMENT", `a sequence of ${longest + 1} tokens does not fit rows of T = ${width}`);
  const B = sequences.length;
  const tokens = new Int32Array(B * width).fill(pad), targets = new Int32Array(B * width).fill(-1), weights = new Float32Array(B * width);
  sequences.forEach((s, b) => {
    const P = s.promptLength ?? 0, n = s.tokens.length;
    if (n < 2) throw new RlvdError("BAD_ARGUMENT", `sequence ${b} has ${n} token(s); at least 2 are needed to predict one`);
    const completion = n - Math.max(1, P);
    if (Array.isArray(s.weights) && s.weights.length !== completion) {
      throw new RlvdError("BAD_ARGUMENT", `sequence ${b}: ${s.weights.length} weights for ${completion} completion tokens`);
    }
    for (let t = 0; t < n - 1; t++) {
      tokens[b * width + t] = s.tokens[t];
      if (t + 1 < P) continue;
      targets[b * width + t] = s.tokens[t + 1];
      const j = t + 1 - Math.max(1, P);
      weights[b * width + t] = typeof s.weights === "number" ? s.weights : s.weights ? (s.weights as readonly number[])[j] : 1;
    }
  });
  return { B, T: width, tokens, targets, weights };
}
