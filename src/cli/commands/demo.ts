import { Option } from "commander";
import { runDemo, runExperiment, PRESETS } from "../../experiment/demo.js";
import { loadSpec } from "../../experiment/spec.js";
import { STAGE_KINDS } from "../../experiment/stages/index.js";
import type { CliIO } from "../io.js";
import type { ExperimentResult } from "../../experiment/demo.js";
import type { CommandModule } from "./index.js";

function summary(io: CliIO, r: ExperimentResult): void {
  const ran = r.stages.filter((s) => !s.cached).length;
  io.out(`${r.spec.name}: ${r.stages.length} stages (${ran} ran, ${r.stages.length - ran} cached) in ${r.seconds.toFixed(1)} s\n`);
  if (r.report) io.out(`report: ${r.report}\n`);
}

export const demoCommand: CommandModule = {
  register(program, io) {
    const log = (m: string) => io.err(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);
    program
      .command("demo")
      .description("the embedded study end to end: pretrain base and teacher, RLVR, distillation, sample, analyze, report")
      .addOption(new Option("--preset <name>", "smoke (CI, about a minute) | quick (the study, under 10 minutes) | full (3 seeds at k = 1024 and a discoverability sweep, under an hour)").choices([...PRESETS]).default("quick"))
      .option("--out <dir>", "run folder (default: runs/demo-PRESET)")
      .action(async (opts: { preset: string; out?: string }) => {
        summary(io, await runDemo(opts.preset, opts.out ?? `runs/demo-${opts.preset}`, { log }));
      });
    program
      .command("run")
      .description("run an experiment spec (YAML or JSON): stages cached by their settings, resumable after a crash")
      .argument("<spec>", "experiment spec file (see presets/*.yaml)")
      .option("--out <dir>", "run folder (default: runs/NAME)")
      .option("--force <stages>", "rerun these stages (and what depends on them)", (v) => v.split(","))
      .action(async (file: string, opts: { out?: string; force?: string[] }) => {
        const spec = loadSpec(file, STAGE_KINDS);
        summary(io, await runExperiment(spec, opts.out ?? `runs/${spec.name}`, { log, force: opts.force }));
      });
  },
};
