import type { AddressInfo } from "node:net";
import { API_KEY_ENV, exposureWarning, resolveApiKey } from "../../core/auth.js";
import { createRewardServer, type RewardValues } from "../../train/reward-server.js";
import { VerifierPool } from "../../verify/pool.js";
import { addGradingOptions, flag, gradingFrom, OPTIONS } from "../options.js";
import { listenOn } from "../listen.js";
import { finiteNumber, type Parse } from "../parsers.js";
import { UsageError } from "../../core/errors.js";
import { gradingLabel, type ExtractConvention } from "../../verify/conventions.js";
import type { CommandModule } from "./index.js";

/** "CORRECT,WRONG", e.g. "1,-1" (the study) or "1,0". */
const rewardValues: Parse<RewardValues> = (value, option) => {
  // the wording the trainer integrations' test pins (train/integrations.test.ts)
  const refuse = () => new UsageError(`${option}: expected CORRECT,WRONG (two numbers, e.g. 1,-1), got ${JSON.stringify(value)}`, option);
  const parts = value.split(",");
  if (parts.length !== 2) throw refuse();
  try {
    return { correct: finiteNumber(parts[0]!, option), wrong: finiteNumber(parts[1]!, option) };
  } catch {
    throw refuse();
  }
};

export const rewardServerCommand: CommandModule = {
  register(program, io) {
    const cmd = program
      .command("reward-server")
      .description("the verifier over HTTP for verl/TRL/OpenRLHF: POST /get_reward (OpenRLHF protocol) and POST /verify")
      .addOption(flag({ ...OPTIONS.port, default: 5000 }))
      .option("--host <host>", "interface to listen on", "127.0.0.1")
      .addOption(flag(OPTIONS.workers))
      .addOption(flag(OPTIONS.timeoutMs))
      .addOption(flag({ flags: "--reward-values <correct,wrong>", description: "`rewards` of a verified answer and of anything else (`scores` are always 1/0)", parse: rewardValues, default: { correct: 1, wrong: -1 }, defaultText: "1,-1" }))
      .option("--api-key <key>", `require Authorization: Bearer KEY (default: $${API_KEY_ENV})`)
      .addHelpText("after", `
Examples:
  rlvd reward-server --port 5000
  rlvd reward-server --extract boxed          # the study: only the last \\boxed{} counts
  RLVD_API_KEY=secret rlvd reward-server --host 0.0.0.0 --reward-values 1,0`);
    addGradingOptions(cmd)
      .action(async (opts: { port: number; host: string; workers?: number; timeout: number; rewardValues: RewardValues; apiKey?: string; extract: ExtractConvention; strict: boolean }) => {
        const apiKey = resolveApiKey(opts.apiKey);
        const grading = gradingFrom(opts);
        const pool = new VerifierPool({ workers: opts.workers, timeoutMs: opts.timeout, ...grading });
        const server = createRewardServer(pool, { rewards: opts.rewardValues, apiKey });
        try {
          await listenOn(server, opts.port, opts.host);
        } catch (e) {
          await pool.close();
          throw e;
        }
        const warning = exposureWarning(opts.host, apiKey, "reward-server");
        if (warning) io.err(warning);
        io.out(`reward server at http://${opts.host}:${(server.address() as AddressInfo).port} (POST /get_reward, POST /verify; grading: ${gradingLabel(grading)}; Ctrl-C to stop)\n`);
        await new Promise<void>((resolve) => {
          const stop = () => server.close(() => resolve());
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
        await pool.close();
      });
  },
};
