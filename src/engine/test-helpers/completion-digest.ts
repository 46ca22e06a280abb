import { createHash } from "node:crypto";
import type { ModelConfigInput } from "../config.js";
import { createModel, type Model } from "../model.js";
import type { EngineCompletion } from "../sample.js";
import type { CharTokenizer } from "../tokenizer.js";

/** sha256 of every field of every completion, log-probs as their exact float64 bits: pins a sampler's results. */
export function completionDigest(out: readonly EngineCompletion[]): string {
  const h = createHash("sha256");
  for (const c of out) {
    h.update(`${c.prompt}|${c.sample}|${c.finishReason}|${c.text}|${c.tokens.join(",")}|`);
    h.update(new Uint8Array(Float64Array.from(c.logprobs).buffer));
  }
  return h.digest("hex").slice(0, 16);
}

/**
 * A random model whose decayed weights are scaled up, so its distributions are peaked as a trained model's:
 * tree sampling then shares long prefixes and branches often.
 */
export async function peakedModel(config: Omit<ModelConfigInput, "vocabSize">, seed: number, tok: CharTokenizer, scale: number): Promise<Model> {
  const model = await createModel({ vocabSize: tok.vocabSize, ...config }, seed, { tokenizer: tok });
  for (let i = 0; i < model.layout.nDecay; i++) model.params[i] *= scale;
  model.paramsChanged();
  return model;
}
