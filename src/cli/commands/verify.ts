import type { Command } from "commander";
import { createWriteStream } from "node:fs";
import type { CommandModule } from "./index.js";
import type { CliIO } from "../io.js";
import { InputError, RlvdError } from "../../core/errors.js";
import { readJsonl } from "../../core/jsonl.js";
import { verify, type VerifyResult } from "../../verify/verify.js";
import { verifyBatch, type VerifyItem } from "../../verify/pool.js";
import type { ExtractConvention } from "../../verify/conventions.js";
import { addGradingOptions, flag, gradingFrom, OPTIONS, withHelp } from "../options.js";
import { existingFile } from "../parsers.js";

type VerifyFlags = { gold?: string; pred?: string; file?: string; out?: string; json?: boolean; timeout: number; workers?: number; extract: ExtractConvention; strict: boolean };

function line(r: VerifyResult): string {
  const verdict = r.correct ? "correct" : "incorrect";
  return `${verdict} (${r.status}) extracted=${JSON.stringify(r.extracted)} gold=${JSON.stringify(r.gold.normalized)}${r.error ? ` error=${JSON.stringify(r.error)}` : ""}\n`;
}

/** Reads {gold, pred} lines; a malformed line is an InputError naming file:line. */
async function readCases(file: string): Promise<VerifyItem[]> {
  const items: VerifyItem[] = [];
  for await (const { line: n, value } of readJsonl(file)) {
    const v = value as { gold?: unknown; pred?: unknown } | null;
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new InputError(file, n, "expected an object with string fields gold and pred");
    if (typeof v.gold !== "string" && typeof v.gold !== "number") throw new InputError(file, n, 'missing string field "gold"');
    if (typeof v.pred !== "string" && typeof v.pred !== "number") throw new InputError(file, n, 'missing string field "pred"');
    items.push({ gold: String(v.gold), pred: String(v.pred) });
  }
  return items;
}

async function run(flags: VerifyFlags, io: CliIO): Promise<void> {
  const timeoutMs = flags.timeout;
  const workers = flags.workers;
  const grading = gradingFrom(flags);
  if (flags.file !== undefined) {
    if (flags.gold !== undefined || flags.pred !== undefined) throw new RlvdError("BAD_ARGUMENT", "use either --file or --gold/--pred, not both");
    const items = await readCases(flags.file);
    const results = await verifyBatch(items, { timeoutMs, ...grading, ...(workers ? { workers } : {}) });
    const text = results.map((r) => JSON.stringify(r) + "\n").join("");
    if (flags.out !== undefined) {
      const out = createWriteStream(flags.out);
      await new Promise<void>((resolve, reject) => {
        out.on("error", (e) => reject(new RlvdError("NOT_FOUND", `${flags.out}: cannot write (${e.message})`)));
        out.end(text, () => resolve());
      });
    } else io.out(text);
    const correct = results.filter((r) => r.correct).length;
    const timeouts = results.filter((r) => r.status === "timeout").length;
    io.err(`rlvd verify: ${results.length} lines, ${correct} correct, ${timeouts} timed out\n`);
    return;
  }
  if (flags.gold === undefined || flags.pred === undefined) throw new RlvdError("BAD_ARGUMENT", "give --gold and --pred, or --file CASES.jsonl");
  const r = verify(flags.gold, flags.pred, { timeoutMs, ...grading });
  io.out(flags.json ? JSON.stringify(r, null, 2) + "\n" : line(r));
}

export const verifyCommand: CommandModule = {
  register(program: Command, io: CliIO) {
    const cmd = program
      .command("verify")
      .description("is a response's final answer equal to the gold answer? (one pair, or a JSONL file of {gold, pred})")
      .option("--gold <answer>", "the ground-truth answer (LaTeX, with or without $)")
      .option("--pred <response>", "the response or predicted answer (free text)")
      .addOption(flag("--file <cases.jsonl>", "verify every {gold, pred} line; writes one JSON result per line, in order", existingFile))
      .addOption(flag(withHelp(OPTIONS.outFile, "with --file: write the results here instead of stdout (its folder is created if missing)")))
      .option("--json", "with --gold/--pred: print the full JSON result instead of one readable line")
      .addOption(flag(OPTIONS.timeoutMs))
      .addOption(flag(withHelp(OPTIONS.workers, "with --file: worker threads (default: all cores)")));
    addGradingOptions(cmd).action(async (flags: VerifyFlags) => run(flags, io));
  },
};
