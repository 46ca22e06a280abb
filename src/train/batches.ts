import { RlvdError } from "../core/errors.js";
import type { CharTokenizer, TrainBatch } from "../engine/index.js";

/** One training sequence: prompt tokens (no loss) followed by completion tokens (loss, optionally weighted). */
export type Sequence = { prompt: readonly number[]; completion: readonly number[]; weights?: readonly number[] };

/** Encodes a (prompt, completion) text pair the way the sampler sees it: bos + prompt, completion + eos. */
export function encodePair(tokenizer: CharTokenizer, prompt: string, completion: string): Sequence {
  return { prompt: tokenizer.encode(prompt, { bos: true }), completion: tokenizer.encode(completion, { eos: true }) };
}

/**
 * Packs sequences into one [B x T] batch, T = the longest sequence: position t predicts token t+1, so the
 * loss covers exactly the completion tokens (targets -1 on the prompt and the padding). Weights default to 1.
 */
export function packBatch(sequences: readonly Sequence[], pad: number, context: number): TrainBatch & { T: number } {
  const T = Math.max(2, ...sequences.map((s) => s.prompt.length + s.completion.length - 1));
  if (T > context) throw new RlvdError("BAD_ARGUMENT", `a sequence of ${T + 1} tokens exceeds the model's context of ${context}`);
  const B = sequences.length;
  const tokens = new Int32Array(B * T).fill(pad);
  const targets = new Int32Array(B * T).fill(-1);
  const weights = new Float32Array(B * T);
  sequences.forEach((s, b) => {
    if (s.prompt.length === 0) throw new RlvdError("BAD_ARGUMENT", "a training sequence needs at least one prompt token (bos)");
    const ids = [...s.prompt, ...s.completion];
    for (let t = 0; t < ids.length - 1; t++) {
      tokens[b * T + t] = ids[t]!;
      const c = t + 1 - s.prompt.length; // index of the predicted token within the completion
      if (c >= 0) {
        targets[b * T + t] = ids[t + 1]!;
        weights[b * T + t] = s.weights ? s.weights[c]! : 1;
      }
    }
  });
  return { B, T, tokens, targets, weights };
}
