import type { Command } from "commander";
import type { CliIO } from "../io.js";

/** A CLI command: adds itself to the program. Each lives in its own file and only parses, calls the library, prints. */
export type CommandModule = { register: (program: Command, io: CliIO) => void };

/** Every command, in the order `rlvd --help` lists them. */
export async function allCommands(): Promise<CommandModule[]> {
  return [(await import("./verify.js")).verifyCommand];
}
