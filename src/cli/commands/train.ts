import { join } from "node:path";
import { Option } from "commander";
import { RlvdError, InputError } from "../../core/errors.js";
import { readJsonl } from "../../core/jsonl.js";
import { saveCheckpoint } from "../../engine/index.js";
import { loadDataset } from "../../store/dataset.js";
import { runGrpo, runSft } from "../../train/run.js";
import { SMOKE_WORLD, smokeBase, smokeQuestions, smokeVerifier } from "../../train/smoke.js";
import type { SftExample } from "../../train/sft.js";
import { buildCorpus, checkWorldAnswer } from "../../world/index.js";
import { addGradingOptions, definedOptions, finiteNumber, gradingFrom, nonNegativeInt, positiveInt } from "../options.js";
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

/** Where --preset smoke starts: the given checkpoint, or a smoke base pretrained now and saved in OUT/base. */
async function smokeStart(checkpoint: string | undefined, out: string, echo: (l: string) => void): Promise<string> {
  if (checkpoint) return checkpoint;
  echo("pretraining the smoke base model");
  const base = join(out, "base");
  await saveCheckpoint(await smokeBase(), base);
  return base;
}

export const trainCommand: CommandModule = {
  register(program, io) {
    const train = program.command("train").description("train embedded models: GRPO (RLVR) or SFT (distillation)");
    const echo = (l: string) => io.err(l + "\n");

    const grpo = train
      .command("grpo")
      .description("RLVR with GRPO: sample G completions per question, reward verified answers, group-normalised policy gradient")
      .option("--checkpoint <dir>", "starting checkpoint (with --preset smoke: optional)")
      .option("--data <file>", "questions with gold answers (JSONL, JSON or Parquet)")
      .requiredOption("--out <dir>", "output checkpoint folder (train-log.jsonl goes here too)")
      .addOption(new Option("--reward <kind>", "verifier: the synthetic world's answer checker, or the math verifier (with --extract, --no-strict)").choices(["world", "math"]).default("world"))
      .addOption(new Option("--preset <name>", "smoke: a tiny built-in task that trains in under a minute").choices(["smoke"]))
      .option("--steps <n>", "optimizer steps", positiveInt)
      .option("--questions <n>", "questions per step", positiveInt)
      .option("--group <n>", "completions per question (G)", positiveInt)
      .option("--lr <x>", "learning rate", finiteNumber)
      .option("--warmup <n>", "warmup steps", nonNegativeInt)
      .option("--max-tokens <n>", "max completion tokens", positiveInt)
      .option("--temperature <t>", "rollout temperature", finiteNumber)
      .option("--beta <x>", "KL coefficient to the starting model (0: none)", finiteNumber)
      .option("--updates <n>", "policy updates per rollout batch", positiveInt)
      .addOption(new Option("--aggregation <kind>", "loss aggregation").choices(["grpo", "dr_grpo", "dapo"]))
      .option("--checkpoint-every <n>", "keep a snapshot OUT/step-N every n steps", positiveInt)
      .option("--seed <n>", "seed", nonNegativeInt);
    addGradingOptions(grpo)
      .action(async (opts) => {
        const smoke = opts.preset === "smoke";
        if (!smoke && !opts.checkpoint) throw new RlvdError("BAD_ARGUMENT", "train grpo needs --checkpoint DIR (or --preset smoke)");
        if (!smoke && !opts.data) throw new RlvdError("BAD_ARGUMENT", "train grpo needs --data FILE (or --preset smoke)");
        const questions = opts.data ? await loadDataset(opts.data) : smokeQuestions(200, 3);
        const grading = gradingFrom(opts);
        // the math verifier in-process (its cooperative time limit): rollouts are short and graded between steps
        const verify = smoke && !opts.data ? smokeVerifier
          : opts.reward === "math" ? (q: { answer: string }, text: string) => verifyAnswer(q.answer, text, { ...grading, timeoutMs: 500 }).correct
          : (q: { answer: string }, text: string) => checkWorldAnswer(q.answer, text).correct;
        const defaults = smoke ? { steps: 80, questions: 32, group: 8, maxTokens: 24, lr: 3e-4, warmup: 5 } : {};
        const config = { ...defaults, ...definedOptions(opts, ["steps", "questions", "group", "lr", "warmup", "maxTokens", "temperature", "beta", "updates", "aggregation", "seed"]) };
        const from = smoke ? await smokeStart(opts.checkpoint, opts.out, echo) : opts.checkpoint;
        const { history } = await runGrpo({ from, out: opts.out, name: opts.out.replace(/\/+$/, "").split("/").pop()!, questions, verify, config, snapshotEvery: opts.checkpointEvery, echo });
        const q = Math.max(1, Math.floor(history.length / 4));
        const mean = (xs: typeof history) => xs.reduce((s, h) => s + h.reward_mean, 0) / xs.length;
        io.out(`trained ${history.length} GRPO steps -> ${opts.out}; mean reward first quarter ${mean(history.slice(0, q)).toFixed(3)}, last quarter ${mean(history.slice(-q)).toFixed(3)}\n`);
      });

    train
      .command("sft")
      .description("supervised fine-tuning on (prompt, completion) pairs, loss on the completion only")
      .option("--checkpoint <dir>", "starting checkpoint (with --preset smoke: optional)")
      .option("--data <file>", 'JSONL of {"prompt", "completion"} (e.g. from rlvd distill-set)')
      .requiredOption("--out <dir>", "output checkpoint folder (train-log.jsonl goes here too)")
      .addOption(new Option("--preset <name>", "smoke: teacher solutions of a tiny built-in task").choices(["smoke"]))
      .option("--steps <n>", "optimizer steps", positiveInt)
      .option("--batch <n>", "sequences per step", positiveInt)
      .option("--lr <x>", "learning rate (constant after warmup)", finiteNumber)
      .option("--warmup <n>", "warmup steps", nonNegativeInt)
      .option("--eval-fraction <x>", "share of the data held out", finiteNumber)
      .option("--seed <n>", "seed", nonNegativeInt)
      .action(async (opts) => {
        const smoke = opts.preset === "smoke";
        if (!smoke && (!opts.checkpoint || !opts.data)) throw new RlvdError("BAD_ARGUMENT", "train sft needs --checkpoint DIR and --data FILE (or --preset smoke)");
        const data = opts.data ? await readSftData(opts.data) : buildCorpus(SMOKE_WORLD, { author: "teacher", documents: 600, seed: 5 });
        const defaults = smoke ? { steps: 60, batch: 32, lr: 1e-3, warmup: 5, evalFraction: 0.1, evalEvery: 20 } : {};
        const config = { ...defaults, ...definedOptions(opts, ["steps", "batch", "lr", "warmup", "evalFraction", "seed"]) };
        const from = smoke ? await smokeStart(opts.checkpoint, opts.out, echo) : opts.checkpoint;
        const r = await runSft({ from, out: opts.out, name: opts.out.replace(/\/+$/, "").split("/").pop()!, data, config, echo });
        io.out(`trained ${r.steps} SFT steps -> ${opts.out}; train loss ${r.trainLoss.toFixed(4)}` +
          (r.evalLoss === null ? "\n" : `, held-out loss ${r.firstEvalLoss!.toFixed(4)} -> ${r.evalLoss.toFixed(4)}\n`));
      });
  },
};
