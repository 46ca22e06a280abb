import { join } from "node:path";
import { buildDistillSet, writeDistillSet } from "../../train/distill-set.js";
import { nonNegativeInt, positiveInt } from "../options.js";
import type { CommandModule } from "./index.js";

const fraction = (v: string) => {
  const x = Number(v);
  if (!(x >= 0 && x <= 1)) throw new Error(`expected a number in [0, 1], got "${v}"`);
  return x;
};

export const distillSetCommand: CommandModule = {
  register(program, io) {
    program
      .command("distill-set")
      .description("rejection-sampled SFT data: up to m correct responses per question of one model")
      .argument("<dir>", "run folder")
      .requiredOption("--from <model>", "model whose correct responses are taken")
      .option("--per-question <m>", "responses per question at most", positiveInt, 8)
      .option("--base <model>", 'model the filters read (default: "base")')
      .option("--min-base-accuracy <x>", "keep questions the base solves at least this often (0..1)", fraction)
      .option("--max-base-accuracy <x>", "keep questions the base solves at most this often (0..1)", fraction)
      .option("--bins <labels>", "keep questions in these base bins, e.g. 129-192,193-256", (v) => v.split(",").map((s) => s.trim()))
      .option("--seed <n>", "seed of the choice among correct responses", nonNegativeInt, 0)
      .option("--out <file>", "output JSONL (default: DIR/distill-FROM.jsonl)")
      .action(async (dir: string, opts) => {
        const options = {
          from: opts.from, perQuestion: opts.perQuestion, base: opts.base, minBaseAccuracy: opts.minBaseAccuracy,
          maxBaseAccuracy: opts.maxBaseAccuracy, bins: opts.bins, seed: opts.seed,
        };
        const examples = await buildDistillSet(dir, options);
        const out = opts.out ?? join(dir, `distill-${opts.from.replace(/[^A-Za-z0-9._-]/g, "_")}.jsonl`);
        await writeDistillSet(dir, out, examples, options);
        io.out(`wrote ${examples.length} examples for ${new Set(examples.map((e) => e.question_id)).size} questions to ${out}\n`);
      });
  },
};
