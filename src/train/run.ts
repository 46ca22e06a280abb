import { join } from "node:path";
import { RlvdError } from "../core/errors.js";
import type { Question } from "../core/types.js";
import { loadCheckpoint, saveCheckpoint, type Model } from "../engine/index.js";
import { trainGrpo, type GrpoConfig, type GrpoStepStats, type Verifier } from "./grpo.js";
import { TrainLog } from "./log.js";
import { trainSft, type SftConfig, type SftExample, type SftResult } from "./sft.js";

export type TrainRunCommon = {
  /** the starting checkpoint, or a model already in memory */
  from: string | Model;
  /** where the trained checkpoint and train-log.jsonl go */
  out: string;
  /** model name in train-log.jsonl */
  name: string;
  echo?: (line: string) => void;
};

/** SFT from a checkpoint to a new checkpoint, logging to OUT/train-log.jsonl. */
export async function runSft(options: TrainRunCommon & { data: readonly SftExample[]; config: Partial<SftConfig> }): Promise<SftResult> {
  if (options.data.length === 0) throw new RlvdError("BAD_INPUT", "SFT needs at least one (prompt, completion) example");
  const model = typeof options.from === "string" ? await loadCheckpoint(options.from) : options.from;
  const log = new TrainLog(join(options.out, "train-log.jsonl"), options.name, options.echo);
  const result = trainSft(model, options.data, options.config, { log });
  await saveCheckpoint(model, options.out);
  return result;
}

/**
 * GRPO from a checkpoint to a new checkpoint. Intermediate checkpoints go to OUT/step-N every
 * `checkpointEvery` steps; the final one to OUT. With beta > 0 the starting checkpoint is loaded a second
 * time as the frozen reference.
 */
export async function runGrpo(
  options: TrainRunCommon & { questions: readonly Question[]; verify: Verifier; config: Partial<GrpoConfig>; checkpointEvery?: number },
): Promise<GrpoStepStats[]> {
  const model = typeof options.from === "string" ? await loadCheckpoint(options.from) : options.from;
  const reference = (options.config.beta ?? 0) > 0 ? (typeof options.from === "string" ? await loadCheckpoint(options.from) : undefined) : undefined;
  if ((options.config.beta ?? 0) > 0 && !reference) throw new RlvdError("BAD_ARGUMENT", "a KL penalty (beta > 0) needs the starting checkpoint on disk for the reference model");
  const log = new TrainLog(join(options.out, "train-log.jsonl"), options.name, options.echo);
  const every = options.checkpointEvery ?? 0;
  const history = await trainGrpo(model, options.questions, options.verify, options.config, {
    log,
    reference,
    afterStep: async (step) => {
      if (every > 0 && step % every === 0) await saveCheckpoint(model, join(options.out, `step-${step}`));
    },
  });
  await saveCheckpoint(model, options.out);
  reference?.dispose();
  return history;
}
