// rlvd model init | logits: make a random checkpoint; print the last position's logits of a checkpoint.
import type { Command } from "commander";
import { RlvdError } from "../../core/errors.js";
import { initCheckpoint, loadCheckpoint } from "../../engine/index.js";
import type { CliIO } from "../io.js";
import type { CommandModule } from "./index.js";
import { parseIntArg } from "../options.js";

export function parseTokenList(text: string): number[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new RlvdError("BAD_ARGUMENT", `--tokens must be a JSON list of token ids, like "[1, 5, 9]" (got ${JSON.stringify(text)})`);
  }
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new RlvdError("BAD_ARGUMENT", `--tokens must be a non-empty JSON list of token ids >= 0 (got ${JSON.stringify(text)})`);
  }
  return v as number[];
}

export const modelCommand: CommandModule = {
  register(program: Command, io: CliIO) {
    const model = program.command("model").description("embedded model checkpoints (Hugging Face Llama layout)");
    model
      .command("init")
      .description("write a randomly initialised checkpoint")
      .requiredOption("--out <dir>", "checkpoint directory to write")
      .requiredOption("--dim <n>", "hidden size C", parseIntArg("dim", 2))
      .requiredOption("--layers <n>", "transformer blocks L", parseIntArg("layers", 1))
      .requiredOption("--heads <n>", "attention heads H (dim/heads must be even)", parseIntArg("heads", 1))
      .requiredOption("--vocab <n>", "vocabulary size V (4 special tokens + characters)", parseIntArg("vocab", 5))
      .requiredOption("--context <n>", "longest sequence T", parseIntArg("context", 1))
      .option("--seed <n>", "random seed", parseIntArg("seed", 0), 0)
      .option("--intermediate <n>", "MLP hidden size (default int(8*dim/3 // 8 * 8))", parseIntArg("intermediate", 1))
      .option("--chars <string>", "the tokenizer's characters (default: newline and printable ASCII)")
      .action(async (o: { out: string; dim: number; layers: number; heads: number; vocab: number; context: number; seed: number; intermediate?: number; chars?: string }) => {
        const { params } = await initCheckpoint(o);
        io.out(`wrote ${o.out} (${params} parameters)\n`);
      });
    model
      .command("logits")
      .description("print the logits of the last position as a JSON list")
      .requiredOption("--checkpoint <dir>", "checkpoint directory")
      .requiredOption("--tokens <json>", "token ids as a JSON list, e.g. \"[1, 5, 9]\"")
      .action(async (o: { checkpoint: string; tokens: string }) => {
        const ids = parseTokenList(o.tokens);
        const m = await loadCheckpoint(o.checkpoint);
        try {
          io.out(JSON.stringify(Array.from(m.lastLogits(ids))) + "\n");
        } finally {
          m.dispose();
        }
      });
  },
};
