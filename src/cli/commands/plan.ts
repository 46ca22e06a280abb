import { InvalidArgumentError, Option } from "commander";
import { formatPlan, planRun } from "../../report/plan-run.js";
import { finiteNumber, intList, positiveInt } from "../options.js";
import type { CommandModule } from "./index.js";

export const planCommand: CommandModule = {
  register(program, io) {
    program
      .command("plan")
      .description("from a pilot run: samples per question needed for a chosen interval width on accuracy and pass@k")
      .argument("<dir>", "pilot run folder (graded samples or imported counts)")
      .requiredOption("--width <w>", "target width of the 95% interval, e.g. 0.02", width)
      .option("--k <list>", "k values to plan for (1 = accuracy), e.g. 1,64,256 (default: 1)", intList)
      .option("--model <name...>", "only these models")
      .option("--questions <n>", "questions in the planned run (default: the pilot's)", positiveInt)
      .option("--max-n <n>", "largest samples per question to consider (default 4096)", positiveInt)
      .addOption(new Option("--json", "print the plan as JSON"))
      .action(async (dir: string, opts: { width: number; k?: number[]; model?: string[]; questions?: number; maxN?: number; json?: boolean }) => {
        const ks = opts.k?.filter((k) => k >= 1);
        const plans = await planRun(dir, { width: opts.width, ks: ks && ks.length > 0 ? ks : undefined, models: opts.model, questions: opts.questions, maxN: opts.maxN });
        io.out(opts.json ? JSON.stringify(plans, null, 2) + "\n" : formatPlan(plans));
      });
  },
};

function width(value: string): number {
  const w = finiteNumber(value);
  if (!(w > 0 && w < 1)) throw new InvalidArgumentError(`expected a width between 0 and 1, got "${value}"`);
  return w;
}
