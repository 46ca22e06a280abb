import { Command, CommanderError } from "commander";
import { isRlvdError } from "../core/errors.js";
import { allCommands } from "./commands/index.js";
import { processIO, type CliIO } from "./io.js";
import { VERSION } from "../core/version.js";

/** Runs the CLI with `argv` (without node and script) and returns the exit code. Never calls process.exit. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const program = new Command("rlvd")
    .description("Accuracy (pass@1) vs capability (pass@k): did RL or distillation make the model better, or only more confident?")
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run with --help for usage)");
  for (const command of await allCommands()) command.register(program, io);
  if (argv.length === 0) {
    io.out(program.helpInformation());
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isRlvdError(e)) {
      io.err(`rlvd: ${e.message}\n`);
      return e.code === "USAGE" ? 2 : 1;
    }
    io.err(`rlvd: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
