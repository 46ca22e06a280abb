import { join } from "node:path";
import { buildDistillSet, distillSetStats, writeDistillSet } from "../../train/distill-set.js";
import { flag, OPTIONS, withHelp } from "../options.js";
import { positiveInt, probability, words } from "../parsers.js";
import type { CommandModule } from "./index.js";

export const distillSetCommand: CommandModule = {
  register(program, io) {
    program
      .command("distill-set")
      .description("rejection-sampled SFT data: up to m correct responses per question of one model")
      .argument("<dir>", "run folder")
      .requiredOption("--from <model>", "model whose correct responses are taken")
      .addOption(flag("--per-question <m>", "responses per question at most", positiveInt, 8))
      .option("--base <model>", 'model the filters read (default: "base")')
      .addOption(flag("--min-base-accuracy <x>", "keep questions the base solves at least this often (0..1)", probability))
      .addOption(flag("--max-base-accuracy <x>", "keep questions the base solves at most this often (0..1)", probability))
      .addOption(flag("--bins <labels>", "keep questions in these base bins, e.g. 129-192,193-256", words))
      .option("--distinct", "each response text at most once per question (default: copies kept, as the study samples)")
      .addOption(flag(withHelp(OPTIONS.seed, "seed of the choice among correct responses")))
      .addOption(flag(withHelp(OPTIONS.outFile, "output JSONL (default: DIR/distill-FROM.jsonl; its folder is created if missing)")))
      .action(async (dir: string, opts) => {
        const options = {
          from: opts.from, perQuestion: opts.perQuestion, base: opts.base, minBaseAccuracy: opts.minBaseAccuracy,
          maxBaseAccuracy: opts.maxBaseAccuracy, bins: opts.bins, distinct: opts.distinct === true ? true : undefined, seed: opts.seed,
        };
        const examples = await buildDistillSet(dir, options);
        const out = opts.out ?? join(dir, `distill-${opts.from.replace(/[^A-Za-z0-9._-]/g, "_")}.jsonl`);
        await writeDistillSet(dir, out, examples, options);
        const stats = distillSetStats(examples);
        io.out(`wrote ${stats.examples} examples (${stats.distinct} distinct) for ${stats.questions} questions to ${out}\n`);
      });
  },
};
