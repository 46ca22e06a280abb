import { Fields, answerText, binaryVerdict, questionMeta, userText, type HarnessFormat } from "./types.js";

/** verl's rule-based math scorers give 1.0 for a right answer and 0, -1 or a small format bonus otherwise. */
const RIGHT_SCORE = 1;

/** A ground truth as text: scalars as they are, anything else (a list of accepted answers) as JSON. */
function groundTruth(x: unknown): string | undefined {
  if (x === undefined || x === null) return undefined;
  return answerText(x) ?? JSON.stringify(x);
}

/**
 * verl validation generation dumps (`trainer.validation_data_dir` / `rollout_data_dir`, one `<step>.jsonl` per
 * validation): RayPPOTrainer._dump_generations in volcengine/verl verl/trainer/ppo/ray_trainer.py (v0.4-0.5)
 * writes one line per response {input, output, gts, score, step} plus every reward_extra_info of the same
 * length (e.g. `acc`, `pred` from the DAPO scorer). `input` is the decoded prompt (chat template included);
 * there are no ids, so questions are identified by a hash of the prompt, and val_kwargs.n responses to one
 * prompt are consecutive lines. The harness verdict is `acc` when the scorer gives one, else score >= 1.
 */
export const verlDump: HarnessFormat = {
  name: "verl-dump",
  summary: "verl validation generation dump <step>.jsonl (input, output, gts, score, step)",
  signatures: [["input", "output", "gts", "score", "step"]],
  needsModel: true,
  convert(value, line, ctx) {
    const f = new Fields(value, ctx.file, line);
    const input = f.string("input");
    const step = value.step;
    if (typeof step !== "number" || !Number.isSafeInteger(step) || step < 0) return f.fail("step", "must be a non-negative integer (the training step)");
    const score = value.score;
    if (typeof score !== "number") return f.fail("score", "must be a number (the reward)");
    const acc = binaryVerdict(value.acc);
    return {
      prompt: input, gold: groundTruth(value.gts), step,
      samples: [{ text: f.string("output"), harness: acc ?? score >= RIGHT_SCORE, extracted: answerText(value.pred) }],
      grouped: false,
    };
  },
};

/**
 * verl main_generation output parquet (verl/trainer/main_generation.py: the input dataset with a `responses`
 * column of n_samples texts per row, written with DataFrame.to_parquet). The dataset columns are verl's RL
 * layout (examples/data_preprocess/*.py): data_source, prompt (chat messages), ability, reward_model
 * {style, ground_truth}, extra_info {split, index, ...}. No verdicts: the responses are graded by rlvd.
 */
export const verlGeneration: HarnessFormat = {
  name: "verl-generation",
  summary: "verl main_generation parquet (dataset columns prompt, reward_model + responses[n])",
  signatures: [["prompt", "reward_model", "responses"]],
  needsModel: true,
  convert(value, line, ctx) {
    const f = new Fields(value, ctx.file, line);
    const prompt = userText(value.prompt) ?? f.fail("prompt", "must be the prompt text or a list of chat messages with a user turn");
    const reward = f.optObject("reward_model");
    const extra = f.optObject("extra_info");
    const index = extra ? answerText(extra.v.index) : null;
    const source = typeof value.data_source === "string" ? value.data_source : undefined;
    return {
      id: index !== null ? (source ? `${source}/${index}` : index) : undefined, prompt,
      gold: groundTruth(reward?.v.ground_truth), meta: extra ? questionMeta(extra.v) : undefined,
      samples: f.strings("responses").map((text) => ({ text, harness: null })), grouped: true,
    };
  },
};
