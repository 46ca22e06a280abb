import { join } from "node:path";
import { Option } from "commander";
import { InputError, RlvdError } from "../../core/errors.js";
import { readJsonl } from "../../core/jsonl.js";
import { saveCheckpoint } from "../../engine/index.js";
import { loadDataset } from "../../store/dataset.js";
import { LOSS_AGGREGATIONS } from "../../train/grpo-loss.js";
import { runGrpo, runSft } from "../../train/run.js";
import { TRAIN_PRESETS, TRAIN_PRESET_NAMES, type TrainPreset, type TrainPresetName } from "../../train/presets.js";
import type { SftExample } from "../../train/sft.js";
import { checkWorldAnswer } from "../../world/index.js";
import { addGradingOptions, definedOptions, flag, gradingFrom } from "../options.js";
import { existingFile, integer, nonNegativeInt, nonNegativeNumber, number, outputDir, positiveInt, positiveNumber, seed } from "../parsers.js";
import { verify as verifyAnswer } from "../../verify/verify.js";
import type { CommandModule } from "./index.js";

async function readSftData(file: string): Promise<SftExample[]> {
  const out: SftExample[] = [];
  for await (const { line, value } of readJsonl(file)) {
    const v = value as Record<string, unknown>;
    if (typeof v?.prompt !== "string" || typeof v?.completion !== "string") throw new InputError(file, line, 'expected {"prompt": string, "completion": string}');
    out.push({ prompt: v.prompt, completion: v.completion });
  }
  return out;
}

/** Where a preset's run starts: the given checkpoint, or the preset's base pretrained now and saved in OUT/base. */
async function presetStart(preset: TrainPreset, name: string, checkpoint: string | undefined, out: string, echo: (l: string) => void): Promise<string> {
  if (checkpoint) return checkpoint;
  echo(`pretraining the ${name} base model`);
  const base = join(out, "base");
  await saveCheckpoint(await preset.base(), base);
  return base;
}

/** --preset's help: every preset's line for this trainer. */
function presetHelp(trainer: "grpo" | "sft"): string {
  return TRAIN_PRESET_NAMES.map((n) => TRAIN_PRESETS[n].description[trainer]).join("; ");
}

export const trainCommand: CommandModule = {
  register(program, io) {
    const train = program.command("train").description("train embedded models: GRPO (RLVR) or SFT (distillation)");
    const echo = (l: string) => io.err(l + "\n");

    const grpo = train
      .command("grpo")
      .description("RLVR with GRPO: sample G completions per question, reward verified answers, group-normalised policy gradient")
      .option("--checkpoint <dir>", "starting checkpoint (with --preset smoke: optional)")
      .addOption(flag("--data <file>", "questions with gold answers (JSONL, JSON or Parquet)", existingFile))
      .addOption(flag("--out <dir>", "output checkpoint folder (train-log.jsonl goes here too)", outputDir).makeOptionMandatory())
      .addOption(new Option("--reward <kind>", "verifier: the synthetic world's answer checker, or the math verifier (with --extract, --no-strict)").choices(["world", "math"]).default("world"))
      .addOption(new Option("--preset <name>", presetHelp("grpo")).choices(TRAIN_PRESET_NAMES))
      .addOption(flag("--steps <n>", "optimizer steps", positiveInt))
      .addOption(flag("--questions <n>", "questions per step", positiveInt))
      .addOption(flag("--group <n>", "completions per question (G, at least 2)", integer(2)))
      .addOption(flag("--lr <x>", "learning rate", positiveNumber))
      .addOption(flag("--warmup <n>", "warmup steps", nonNegativeInt))
      .addOption(flag("--max-tokens <n>", "max completion tokens", integer(1, 1 << 20)))
      .addOption(flag("--temperature <t>", "rollout temperature", number({ min: 0, max: 5, open: true })))
      .addOption(flag("--beta <x>", "KL coefficient to the starting model (0: none)", nonNegativeNumber))
      .addOption(flag("--reference-reset <n>", "with --beta: every n steps the KL reference becomes the current policy and the optimizer restarts (ProRL)", positiveInt))
      .addOption(flag("--updates <n>", "policy updates per rollout batch", positiveInt))
      .addOption(new Option("--aggregation <kind>", "loss aggregation: grpo (per-sequence mean), dapo (token-level mean), dr_grpo (Dr. GRPO)").choices(LOSS_AGGREGATIONS))
      .addOption(flag("--checkpoint-every <n>", "keep a snapshot OUT/step-N every n steps", positiveInt))
      .addOption(flag("--seed <n>", "seed", seed));
    addGradingOptions(grpo)
      .action(async (opts) => {
        const preset = opts.preset === undefined ? undefined : TRAIN_PRESETS[opts.preset as TrainPresetName];
        const smoke = preset !== undefined;
        if (!smoke && !opts.checkpoint) throw new RlvdError("BAD_ARGUMENT", "train grpo needs --checkpoint DIR (or --preset smoke)");
        if (!smoke && !opts.data) throw new RlvdError("BAD_ARGUMENT", "train grpo needs --data FILE (or --preset smoke)");
        const questions = opts.data ? await loadDataset(opts.data) : preset!.grpo.questions();
        const grading = gradingFrom(opts);
        // the math verifier in-process (its cooperative time limit): rollouts are short and graded between steps
        const verify = preset && !opts.data ? preset.grpo.verify
          : opts.reward === "math" ? (q: { answer: string }, text: string) => verifyAnswer(q.answer, text, { ...grading, timeoutMs: 500 }).correct
          : (q: { answer: string }, text: string) => checkWorldAnswer(q.answer, text).correct;
        const defaults = preset?.grpo.config ?? {};
        const config = { ...defaults, ...definedOptions(opts, ["steps", "questions", "group", "lr", "warmup", "maxTokens", "temperature", "beta", "referenceReset", "updates", "aggregation", "seed"]) };
        const from = preset ? await presetStart(preset, opts.preset, opts.checkpoint, opts.out, echo) : opts.checkpoint;
        const { history } = await runGrpo({ from, out: opts.out, name: opts.out.replace(/\/+$/, "").split("/").pop()!, where: "train grpo", questions, verify, config, snapshotEvery: opts.checkpointEvery, echo });
        const q = Math.max(1, Math.floor(history.length / 4));
        const mean = (xs: typeof history) => xs.reduce((s, h) => s + h.reward_mean, 0) / xs.length;
        io.out(`trained ${history.length} GRPO steps -> ${opts.out}; mean reward first quarter ${mean(history.slice(0, q)).toFixed(3)}, last quarter ${mean(history.slice(-q)).toFixed(3)}\n`);
      });

    train
      .command("sft")
      .description("supervised fine-tuning on (prompt, completion) pairs, loss on the completion only")
      .option("--checkpoint <dir>", "starting checkpoint (with --preset smoke: optional)")
      .addOption(flag("--data <file>", 'JSONL of {"prompt", "completion"} (e.g. from rlvd distill-set)', existingFile))
      .addOption(flag("--out <dir>", "output checkpoint folder (train-log.jsonl goes here too)", outputDir).makeOptionMandatory())
      .addOption(new Option("--preset <name>", presetHelp("sft")).choices(TRAIN_PRESET_NAMES))
      .addOption(flag("--steps <n>", "optimizer steps", positiveInt))
      .addOption(flag("--batch <n>", "sequences per step", positiveInt))
      .addOption(flag("--lr <x>", "learning rate (constant after warmup)", positiveNumber))
      .addOption(flag("--warmup <n>", "warmup steps", nonNegativeInt))
      .addOption(flag("--eval-fraction <x>", "share of the data held out (0 to 0.5)", number({ min: 0, max: 0.5 })))
      .addOption(new Option("--holdout <unit>", "hold out whole questions (prompts) or single examples (default: question)").choices(["question", "example"]))
      .addOption(flag("--seed <n>", "seed", seed))
      .action(async (opts) => {
        const preset = opts.preset === undefined ? undefined : TRAIN_PRESETS[opts.preset as TrainPresetName];
        const smoke = preset !== undefined;
        if (!smoke && (!opts.checkpoint || !opts.data)) throw new RlvdError("BAD_ARGUMENT", "train sft needs --checkpoint DIR and --data FILE (or --preset smoke)");
        const data = opts.data ? await readSftData(opts.data) : preset!.sft.data();
        const defaults = preset?.sft.config ?? {};
        const config = { ...defaults, ...definedOptions(opts, ["steps", "batch", "lr", "warmup", "evalFraction", "holdout", "seed"]) };
        const from = preset ? await presetStart(preset, opts.preset, opts.checkpoint, opts.out, echo) : opts.checkpoint;
        const r = await runSft({ from, out: opts.out, name: opts.out.replace(/\/+$/, "").split("/").pop()!, where: "train sft", data, config, echo });
        io.out(`trained ${r.steps} SFT steps -> ${opts.out}; train loss ${r.trainLoss.toFixed(4)}` +
          (r.evalLoss === null ? "\n" : `, held-out loss ${r.firstEvalLoss!.toFixed(4)} -> ${r.evalLoss.toFixed(4)} on ${r.data.held_out_questions} questions held out by ${r.data.holdout}\n`));
      });
  },
};
