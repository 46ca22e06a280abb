import { Option } from "commander";
import { bindSpec } from "../../experiment/bindings.js";
import { checkExperiment, runDemo, runExperiment, PRESETS } from "../../experiment/demo.js";
import { loadSpec } from "../../experiment/spec.js";
import { STAGE_KINDS } from "../../experiment/stages/index.js";
import type { CliIO } from "../io.js";
import type { ExperimentResult } from "../../experiment/demo.js";
import type { CommandModule } from "./index.js";
import { flag } from "../options.js";
import { positiveInt, outputDir, words } from "../parsers.js";
import { defaultJobs } from "../../experiment/stage-pool.js";

/** Repeatable options: --set a.k=1 --set b.k=2 */
const collect = (v: string, all: string[]) => [...all, v];

/** --jobs, on run and demo alike */
const jobsFlag = () => flag("--jobs <n>", `stages run at once, each in its own process, sharing the engine's threads (default: one per core, at most 4; here ${defaultJobs()}); 1: one after another, in the spec's order`, positiveInt);

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
      .addOption(new Option("--preset <name>", "smoke (CI, about a minute) | quick (the study, about 9-10 minutes: chains of 3-5 facts with a reflect format) | quick-classic (the study on the first quick world: 1-4 facts, short answers; about 4 minutes) | full (3 seeds of quick-classic at k = 1024 and a discoverability sweep, under an hour) | survey (43 small worlds from a prior over the knobs: where the findings hold)").choices([...PRESETS]).default("quick"))
      .addOption(flag("--out <dir>", "run folder (default: runs/demo-PRESET)", outputDir))
      .addOption(jobsFlag())
      .action(async (opts: { preset: string; out?: string; jobs?: number }) => {
        summary(io, await runDemo(opts.preset, opts.out ?? `runs/demo-${opts.preset}`, { log, jobs: opts.jobs ?? defaultJobs() }));
      });
    program
      .command("run")
      .description("run an experiment spec (YAML or JSON): stages cached by their settings, resumable after a crash")
      .argument("<spec>", "experiment spec file (see presets/*.yaml)")
      .addOption(flag("--out <dir>", "run folder (default: runs/NAME)", outputDir))
      .addOption(flag("--force <stages>", "rerun these stages (and what depends on them), e.g. rl,sample-rl", words))
      .option("--set <stage.field=value>", "replace a setting without editing the file (STUDY/STAGE.field reaches a nested study)", collect, [])
      .option("--endpoint <name=urls>", "servers of the sample stages of model NAME (or stage NAME): URL[,URL...]; not part of any cache key", collect, [])
      .addOption(jobsFlag())
      .option("--check", "check the spec and list what it still needs (endpoints, datasets); runs nothing")
      .action(async (file: string, opts: { out?: string; force?: string[]; set: string[]; endpoint: string[]; check?: boolean; jobs?: number }) => {
        const spec = bindSpec(loadSpec(file, STAGE_KINDS), { set: opts.set, endpoints: opts.endpoint }, file);
        if (opts.check) {
          const { stages, gaps } = checkExperiment(spec);
          io.out(`${spec.name}: ${stages} stages check${gaps.length > 0 ? `; to bind before running:\n${gaps.map((g) => `  ${g}\n`).join("")}` : "; ready to run\n"}`);
          return;
        }
        summary(io, await runExperiment(spec, opts.out ?? `runs/${spec.name}`, { log, force: opts.force, jobs: opts.jobs ?? defaultJobs() }));
      });
  },
};
