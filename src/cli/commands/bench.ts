// rlvd bench engine: training and sampling tokens/s of the embedded engine (torch_reference.py's protocol).
import type { Command } from "commander";
import { benchEngine, ModelConfigSchema } from "../../engine/index.js";
import type { CliIO } from "../io.js";
import type { CommandModule } from "./index.js";
import { flag } from "../options.js";
import { integer } from "../parsers.js";
import { SHAPE } from "./model.js";

export const benchCommand: CommandModule = {
  register(program: Command, io: CliIO) {
    const bench = program.command("bench").description("benchmarks (figures only)");
    bench
      .command("engine")
      .description("training (forward+backward+AdamW on batch x context tokens) and sampling (256 x 64 new tokens) tokens/s")
      .addOption(flag("--dim <n>", "hidden size", SHAPE.dim, 128))
      .addOption(flag("--layers <n>", "layers", SHAPE.layers, 2))
      .addOption(flag("--heads <n>", "heads", SHAPE.heads, 4))
      .addOption(flag("--vocab <n>", "vocabulary size", integer(2, ModelConfigSchema.shape.vocabSize.maxValue ?? undefined), 48))
      .addOption(flag("--context <n>", "sequence length (at least 17: the sampling benchmark's prompt is 16)", integer(17, ModelConfigSchema.shape.context.maxValue ?? undefined), 128))
      .addOption(flag("--batch <n>", "training batch", integer(1, 1 << 16), 32))
      .option("--json", "print one JSON object")
      .action(async (o: { dim: number; layers: number; heads: number; vocab: number; context: number; batch: number; json?: boolean }) => {
        const r = await benchEngine(o);
        if (o.json) {
          io.out(JSON.stringify(r) + "\n");
          return;
        }
        io.out(`engine ${r.engine}, ${r.threads} threads, ${r.params} parameters, ${JSON.stringify(r.config)}\n`);
        io.out(`train_tokens_per_s ${r.train_tokens_per_s} (${r.train_ms_per_step} ms/step, ${r.train_gflops} GFLOP/s)\n`);
        io.out(`sample_tokens_per_s ${r.sample_tokens_per_s} (${r.sample_gflops} GFLOP/s; batch 256, prompt 16, 64 new tokens)\n`);
      });
  },
};
