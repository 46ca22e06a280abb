import { Option } from "commander";
import { formatPlan, planRun } from "../../report/plan-run.js";
import { flag, MAX_K, OPTIONS, withHelp } from "../options.js";
import { integer, number, positiveInt } from "../parsers.js";
import type { CommandModule } from "./index.js";

export const planCommand: CommandModule = {
  register(program, io) {
    program
      .command("plan")
      .description("from a pilot run: samples per question needed for a chosen interval width on accuracy and pass@k")
      .argument("<dir>", "pilot run folder (graded samples or imported counts)")
      .addOption(flag("--width <w>", "target width of the 95% interval, e.g. 0.02", number({ min: 0, max: 1, open: true, what: "a width" })).makeOptionMandatory())
      .addOption(flag(withHelp(OPTIONS.ks, "k values to plan for (1 = accuracy), e.g. 1,64,256 (default: 1)")))
      .option("--model <name...>", "only these models")
      .addOption(flag("--questions <n>", "questions in the planned run (default: the pilot's)", positiveInt))
      .addOption(flag("--max-n <n>", `largest samples per question to consider (default 4096; at most ${MAX_K}, what rlvd sample -k takes)`, integer(1, MAX_K)))
      .addOption(new Option("--json", "print the plan as JSON"))
      .action(async (dir: string, opts: { width: number; k?: number[]; model?: string[]; questions?: number; maxN?: number; json?: boolean }) => {
        const ks = opts.k?.filter((k) => k >= 1);
        const plans = await planRun(dir, { width: opts.width, ks: ks && ks.length > 0 ? ks : undefined, models: opts.model, questions: opts.questions, maxN: opts.maxN });
        io.out(opts.json ? JSON.stringify(plans, null, 2) + "\n" : formatPlan(plans));
      });
  },
};
