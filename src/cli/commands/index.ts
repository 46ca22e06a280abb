import type { Command } from "commander";
import type { CliIO } from "../io.js";
import { analyzeCommand } from "./analyze.js";
import { exportCommand } from "./export.js";
import { importCommand } from "./import.js";
import { reportCommand } from "./report.js";

/** A CLI command: adds itself to the program. Each lives in its own file and only parses, calls the library, prints. */
export type CommandModule = { register: (program: Command, io: CliIO) => void };

/** Every command, in the order `rlvd --help` lists them. */
export async function allCommands(): Promise<CommandModule[]> {
  return [importCommand, analyzeCommand, reportCommand, exportCommand];
}
