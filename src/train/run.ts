import { join } from "node:path";
import { RlvdError } from "../core/errors.js";
import type { Question } from "../core/types.js";
import { checkpointFiles, loadCheckpoint, saveCheckpoint, writeCheckpointFiles, type Model } from "../engine/index.js";
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
  /** keep a snapshot OUT/step-N (Hugging Face layout, like OUT) every this many steps; 0: none */
  snapshotEvery?: number;
};

/** A checkpoint kept during training: where it is and after how many optimizer steps. */
export type Snapshot = { step: number; checkpoint: string };

/** The folder of the snapshot after `step` steps. */
export function snapshotDir(out: string, step: number): string {
  return join(out, `step-${step}`);
}

/** SFT from a checkpoint to a new checkpoint, logging to OUT/train-log.jsonl. */
export async function runSft(options: TrainRunCommon & { data: readonly SftExample[]; config: Partial<SftConfig> }): Promise<SftResult & { snapshots: Snapshot[] }> {
  if (options.data.length === 0) throw new RlvdError("BAD_INPUT", "SFT needs at least one (prompt, completion) example");
  const model = typeof options.from === "string" ? await loadCheckpoint(options.from) : options.from;
  try {
    return await sftLoop(model, options);
  } finally {
    // a model loaded here is ours to free: many stages run in one process (a survey runs hundreds), and the
    // engine's heap is one wasm memory of at most 4 GiB that only frees what is released
    if (model !== options.from) model.dispose();
  }
}

async function sftLoop(model: Model, options: TrainRunCommon & { data: readonly SftExample[]; config: Partial<SftConfig> }): Promise<SftResult & { snapshots: Snapshot[] }> {
  const log = new TrainLog(join(options.out, "train-log.jsonl"), options.name, options.echo, { fresh: true });
  const every = options.snapshotEvery ?? 0;
  // trainSft's loop is synchronous: each snapshot is encoded at its step and written once training is done
  const pending: Array<{ step: number; files: ReturnType<typeof checkpointFiles> }> = [];
  const result = trainSft(model, options.data, options.config, {
    log,
    afterStep: (step) => {
      if (every > 0 && step % every === 0) pending.push({ step, files: checkpointFiles(model) });
    },
  });
  const snapshots: Snapshot[] = [];
  for (const p of pending.splice(0)) {
    const checkpoint = snapshotDir(options.out, p.step);
    await writeCheckpointFiles(p.files, checkpoint);
    snapshots.push({ step: p.step, checkpoint });
  }
  await saveCheckpoint(model, options.out);
  return { ...result, snapshots };
}

/**
 * GRPO from a checkpoint to a new checkpoint. Snapshots go to OUT/step-N every `snapshotEvery` steps; the
 * final one to OUT. With beta > 0 the starting checkpoint is loaded a second time as the frozen reference.
 */
export async function runGrpo(
  options: TrainRunCommon & { questions: readonly Question[]; verify: Verifier; config: Partial<GrpoConfig> },
): Promise<{ history: GrpoStepStats[]; snapshots: Snapshot[] }> {
  if ((options.config.beta ?? 0) > 0 && typeof options.from !== "string") throw new RlvdError("BAD_ARGUMENT", "a KL penalty (beta > 0) needs the starting checkpoint on disk for the reference model");
  const model = typeof options.from === "string" ? await loadCheckpoint(options.from) : options.from;
  let reference: Model | undefined;
  try {
    reference = (options.config.beta ?? 0) > 0 ? await loadCheckpoint(options.from as string) : undefined;
    return await grpoLoop(model, reference, options);
  } finally {
    reference?.dispose();
    if (model !== options.from) model.dispose();
  }
}

async function grpoLoop(
  model: Model,
  reference: Model | undefined,
  options: TrainRunCommon & { questions: readonly Question[]; verify: Verifier; config: Partial<GrpoConfig> },
): Promise<{ history: GrpoStepStats[]; snapshots: Snapshot[] }> {
  const log = new TrainLog(join(options.out, "train-log.jsonl"), options.name, options.echo, { fresh: true });
  const every = options.snapshotEvery ?? 0;
  const snapshots: Snapshot[] = [];
  const history = await trainGrpo(model, options.questions, options.verify, options.config, {
    log,
    reference,
    afterStep: async (step) => {
      if (every > 0 && step % every === 0) {
        const checkpoint = snapshotDir(options.out, step);
        await saveCheckpoint(model, checkpoint);
        snapshots.push({ step, checkpoint });
      }
    },
  });
  await saveCheckpoint(model, options.out);
  return { history, snapshots };
}
