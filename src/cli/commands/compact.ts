import { compactRun } from "../../store/compact-run.js";
import { COMPACT_DEFAULTS } from "../../store/compact.js";
import { flag } from "../options.js";
import { nonNegativeNumber } from "../parsers.js";
import type { CommandModule } from "./index.js";

export const compactCommand: CommandModule = {
  register(program, io) {
    program
      .command("compact")
      .description("merge a run's small store segments into larger ones and rewrite uncompressed ones with zstd (safe while writers write and readers read)")
      .argument("<dir>", "run folder")
      .addOption(flag("--grace <seconds>", "keep replaced segments this long after their replacement appears, for readers that listed them (0: only when no reader runs)", nonNegativeNumber, COMPACT_DEFAULTS.graceMs / 1000))
      .option("--model <name>", "only this model's samples and verdicts (the small tables too)")
      .option("--json", "print what was done as JSON")
      .action(async (dir: string, opts: { grace: number; model?: string; json?: boolean }) => {
        const r = await compactRun(dir, { graceMs: opts.grace * 1000, model: opts.model, progress: opts.json ? null : { write: io.err, isTTY: io.isTTY } });
        if (opts.json) {
          io.out(JSON.stringify(r) + "\n");
          return;
        }
        const sum = (k: "before" | "after" | "merged" | "compressed" | "written" | "removed") => r.folders.reduce((s, f) => s + f[k], 0);
        for (const f of r.folders.filter((x) => x.written > 0 || x.removed > 0)) {
          io.out(`  ${f.folder}: ${f.before} -> ${f.after} segments (${f.merged} merged into ${f.written - f.compressed}, ${f.compressed} compressed alone, ${(f.bytes_written / 2 ** 20).toFixed(1)} MB; ${f.removed} replaced removed)\n`);
        }
        io.out(`${dir}: ${sum("before")} -> ${sum("after")} segments read; ${sum("merged")} merged into ${sum("written") - sum("compressed")}, ${sum("compressed")} uncompressed ones rewritten with zstd, ${sum("removed")} replaced segments removed (grace ${opts.grace} s) in ${r.seconds.toFixed(1)} s\n`);
      });
  },
};
