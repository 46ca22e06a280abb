// rlvd bench engine: training and sampling tokens/s of the embedded engine (torch_reference.py's protocol).
import type { Command } from "commander";
import { benchEngine } from "../../engine/index.js";
import type { CliIO } from "../io.js";
import type { CommandModule } from "./index.js";
import { parseIntArg } from "../options.js";

export const benchCommand: CommandModule = {
  register(program: Command, io: CliIO) {
    const bench = program.command("bench").description("benchmarks (figures only)");
    bench
      .command("engine")
      .description("training (forward+backward+AdamW on batch x context tokens) and sampling (256 x 64 new tokens) tokens/s")
      .option("--dim <n>", "hidden size", parseIntArg("dim", 2), 128)
      .option("--layers <n>", "layers", parseIntArg("layers", 1), 2)
      .option("--heads <n>", "heads", parseIntArg("heads", 1), 4)
      .option("--vocab <n>", "vocabulary size", parseIntArg("vocab", 2), 48)
      .option("--context <n>", "sequence length", parseIntArg("context", 17), 128)
      .option("--batch <n>", "training batch", parseIntArg("batch", 1), 32)
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
