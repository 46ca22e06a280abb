// rlvd model init | logits: make a random checkpoint; print the last position's logits of a checkpoint.
import type { Command } from "commander";
import { RlvdError } from "../../core/errors.js";
import { initCheckpoint, loadCheckpoint, ModelConfigSchema } from "../../engine/index.js";
import type { CliIO } from "../io.js";
import type { CommandModule } from "./index.js";
import { flag, OPTIONS, withHelp } from "../options.js";
import { integer, outputDir } from "../parsers.js";

/** A shape flag's bounds, read from the engine's config schema (the one place they are declared). */
function shape(field: "dim" | "layers" | "heads" | "vocabSize" | "context", min?: number) {
  const z = ModelConfigSchema.shape[field];
  return integer(min ?? z.minValue ?? 1, z.maxValue ?? undefined);
}

/** The shape flags of model init and bench engine (vocab: at least the 4 special tokens and one character). */
export const SHAPE = {
  dim: shape("dim"), layers: shape("layers"), heads: shape("heads"), vocab: shape("vocabSize", 5), context: shape("context"),
  intermediate: integer(1, 1 << 18),
} as const;

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
      .addOption(flag("--out <dir>", "checkpoint directory to write", outputDir).makeOptionMandatory())
      .addOption(flag("--dim <n>", "hidden size C", SHAPE.dim).makeOptionMandatory())
      .addOption(flag("--layers <n>", "transformer blocks L", SHAPE.layers).makeOptionMandatory())
      .addOption(flag("--heads <n>", "attention heads H (dim/heads must be even)", SHAPE.heads).makeOptionMandatory())
      .addOption(flag("--vocab <n>", "vocabulary size V (4 special tokens + characters)", SHAPE.vocab).makeOptionMandatory())
      .addOption(flag("--context <n>", "longest sequence T", SHAPE.context).makeOptionMandatory())
      .addOption(flag(withHelp(OPTIONS.seed, "random seed")))
      .addOption(flag("--intermediate <n>", "MLP hidden size (default int(8*dim/3 // 8 * 8))", SHAPE.intermediate))
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
