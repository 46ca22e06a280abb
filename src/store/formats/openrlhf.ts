import { Fields, type HarnessFormat } from "./types.js";

/**
 * OpenRLHF batch inference output (openrlhf/cli/batch_inference.py, batch_generate / batch_generate_vllm):
 * JSONL of {input, output} (plus `reward` from batch_rm_inference, a reward-model score, not a verdict), one
 * line per response, best_of_n responses to a prompt as n lines. No ids and no gold answers: questions are
 * identified by a hash of the prompt; pass --dataset to attach gold answers.
 */
export const openrlhf: HarnessFormat = {
  name: "openrlhf",
  summary: "OpenRLHF batch_inference JSONL (input, output)",
  signatures: [["input", "output"]],
  needsModel: true,
  convert(value, line, ctx) {
    const f = new Fields(value, ctx.file, line);
    const input = f.string("input");
    return { prompt: input, samples: [{ text: f.string("output"), harness: null }], grouped: false };
  },
};
