import { gradeRun } from "../../experiment/grade-run.js";
import { mathGrader } from "../../experiment/graders.js";
import { addGradingOptions, flag, gradingFrom, OPTIONS } from "../options.js";
import type { ExtractConvention } from "../../verify/conventions.js";
import type { CommandModule } from "./index.js";

export const gradeCommand: CommandModule = {
  register(program, io) {
    const cmd = program
      .command("grade")
      .description("verify every stored sample that has no verdict yet against its question's gold answer")
      .argument("<dir>", "run folder")
      .option("--model <name>", "only this model's samples")
      .addOption(flag(OPTIONS.workers))
      .addOption(flag(OPTIONS.timeoutMs));
    addGradingOptions(cmd)
      .action(async (dir: string, opts: { model?: string; workers?: number; timeout: number; extract: ExtractConvention; strict: boolean }) => {
        const grader = mathGrader({ workers: opts.workers, timeoutMs: opts.timeout, ...gradingFrom(opts) });
        try {
          const r = await gradeRun(dir, grader.grade, { model: opts.model, progress: { write: io.err, isTTY: io.isTTY } });
          io.out(`graded ${r.graded} samples: ${r.correct} correct (grading: ${grader.grading})\n`);
        } finally {
          await grader.close();
        }
      });
  },
};
