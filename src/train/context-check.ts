/**
 * Length checks against the model's context, made before the first training step. The packer refuses a sequence
 * longer than the context too (engine/batch.ts), but only when the batch holding it comes up, which can be long
 * after the start; and a GRPO rollout is cut at the context without a word, so its maxTokens would not hold.
 * A sequence of n tokens feeds n - 1 of them (the last one is only predicted): that is what the context must hold.
 */
import { RlvdError } from "../core/errors.js";
import type { Sequence } from "../engine/index.js";

/** A short, one-line excerpt of a text for an error message. */
function excerpt(text: string, max = 40): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}...` : text);
}

/** The index of the longest of `lengths` (the first of equals); -1 when empty. */
function longestIndex(lengths: readonly number[]): number {
  let best = -1;
  lengths.forEach((n, i) => {
    if (best < 0 || n > lengths[best]!) best = i;
  });
  return best;
}

/**
 * SFT: every (prompt, completion) pair, encoded as it is trained (bos + prompt, completion + eos), must fit.
 * `where` names the run in the message (`stage ID`).
 */
export function checkSftLengths(where: string, examples: ReadonlyArray<{ prompt: string }>, encoded: readonly Sequence[], context: number): void {
  const i = longestIndex(encoded.map((s) => s.tokens.length));
  if (i < 0) return;
  const n = encoded[i]!.tokens.length;
  if (n - 1 <= context) return;
  throw new RlvdError(
    "BAD_INPUT",
    `${where}: the longest training example (prompt ${excerpt(examples[i]!.prompt)}) is ${n} tokens with its BOS and EOS, more than the model's context of ${context} holds (it reads ${n - 1})`,
  );
}

/**
 * GRPO: the longest prompt (encoded with its bos, as the sampler sees it) plus maxTokens generated tokens must fit,
 * so that no rollout is cut short of maxTokens by the context.
 */
export function checkGrpoLengths(where: string, prompts: ReadonlyArray<{ id: string; tokens: number }>, maxTokens: number, context: number): void {
  const i = longestIndex(prompts.map((p) => p.tokens));
  if (i < 0) return;
  const { id, tokens } = prompts[i]!;
  const reads = tokens + maxTokens - 1;
  if (reads <= context) return;
  const fix = context - tokens + 1 >= 1 ? `set maxTokens to at most ${context - tokens + 1}` : "the prompt alone does not fit";
  throw new RlvdError(
    "BAD_INPUT",
    `${where}: the longest prompt (question ${id}) is ${tokens} tokens, and with maxTokens ${maxTokens} a rollout reads ${reads}, more than the model's context of ${context} (${fix})`,
  );
}
