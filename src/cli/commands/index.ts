import type { Command } from "commander";
import type { CliIO } from "../io.js";
import { analyzeCommand } from "./analyze.js";
import { distillSetCommand } from "./distill-set.js";
import { exportCommand } from "./export.js";
import { importCommand } from "./import.js";
import { reportCommand } from "./report.js";
import { sampleCommand } from "./sample.js";

/** A CLI command: adds itself to the program. Each lives in its own file and only parses, calls the library, prints. */
export type CommandModule = { register: (program: Command, io: CliIO) => void };

/** Every command, in the order `rlvd --help` lists them. */
export async function allCommands(): Promise<CommandModule[]> {
  const { modelCommand } = await import("./model.js");
  const { benchCommand } = await import("./bench.js");
  const { serveCommand } = await import("./serve.js");
  const { trainCommand } = await import("./train.js");
  const { demoCommand } = await import("./demo.js");
  const { verifyCommand } = await import("./verify.js");
  const { gradeCommand } = await import("./grade.js");
  const { rewardServerCommand } = await import("./reward-server.js");
  const { planCommand } = await import("./plan.js");
  const { statusCommand } = await import("./status.js");
  const { compactCommand } = await import("./compact.js");
  return [demoCommand, sampleCommand, importCommand, analyzeCommand, statusCommand, compactCommand, planCommand, reportCommand, verifyCommand, gradeCommand, trainCommand, distillSetCommand, exportCommand, serveCommand, rewardServerCommand, modelCommand, benchCommand];
}
