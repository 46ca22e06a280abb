import { Command, CommanderError } from "commander";
import { EXIT_CODES, isRlvdError } from "../core/errors.js";
import { allCommands } from "./commands/index.js";
import { processIO, type CliIO } from "./io.js";
import { VERSION } from "../core/version.js";
import { prepareOptions } from "./options.js";

/** Runs the CLI with `argv` (without node and script) and returns the exit code. Never calls process.exit. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const program = new Command("rlvd")
    .description("Accuracy (pass@1) vs capability (pass@k): did RL or distillation make the model better, or only more confident?")
    .version(VERSION)
    .exitOverride()
    // commander's own usage errors (unknown option, bad choice, missing argument) in one line, as ours: "rlvd: ..."
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (text, write) => write(`rlvd: ${text.replace(/^error: /, "")}`) });
  for (const command of await allCommands()) command.register(program, io);
  // path checks and output folders, once every flag has parsed (cli/parsers.ts)
  program.hook("preAction", (_program, action) => prepareOptions(action));
  if (argv.length === 0) {
    io.out(program.helpInformation());
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_CODES.USAGE;
    if (isRlvdError(e)) {
      io.err(`rlvd: ${e.message}\n`);
      return EXIT_CODES[e.code];
    }
    const system = systemError(e);
    if (system) {
      io.err(`rlvd: ${system}\n`);
      return EXIT_CODES.NOT_FOUND;
    }
    io.err(`rlvd: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_CODES.INTERNAL;
  }
}

/**
 * A file-system failure on a path the user named (no such file, a folder where a file should be, no
 * permission, a full disk) in one line, for the places no check caught first: the path and the reason, no stack.
 */
function systemError(e: unknown): string | null {
  const err = e as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof err.code !== "string" || typeof err.path !== "string") return null;
  const reasons: Record<string, string> = {
    ENOENT: "no such file or folder", EISDIR: "is a folder, not a file", ENOTDIR: "a part of the path is not a folder",
    EACCES: "permission denied", EPERM: "not permitted", ENOSPC: "no space left on the device", EROFS: "read-only file system",
    EEXIST: "already exists", ENAMETOOLONG: "name too long",
  };
  const reason = reasons[err.code];
  return reason ? `${err.path}: ${reason} (${err.code})` : null;
}
