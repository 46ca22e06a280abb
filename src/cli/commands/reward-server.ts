import type { AddressInfo } from "node:net";
import { InvalidArgumentError } from "commander";
import { API_KEY_ENV, exposureWarning, resolveApiKey } from "../../core/auth.js";
import { createRewardServer, type RewardValues } from "../../train/reward-server.js";
import { VerifierPool } from "../../verify/pool.js";
import { addGradingOptions, gradingFrom, nonNegativeInt, positiveInt } from "../options.js";
import { gradingLabel, type ExtractConvention } from "../../verify/conventions.js";
import type { CommandModule } from "./index.js";

/** "CORRECT,WRONG", e.g. "1,-1" (the study) or "1,0". */
function rewardValues(value: string): RewardValues {
  const parts = value.split(",").map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === "") || !nums.every(Number.isFinite)) {
    throw new InvalidArgumentError(`expected CORRECT,WRONG (two numbers, e.g. 1,-1), got "${value}"`);
  }
  return { correct: nums[0]!, wrong: nums[1]! };
}

export const rewardServerCommand: CommandModule = {
  register(program, io) {
    const cmd = program
      .command("reward-server")
      .description("the verifier over HTTP for verl/TRL/OpenRLHF: POST /get_reward (OpenRLHF protocol) and POST /verify")
      .option("--port <n>", "port (0: any free port)", nonNegativeInt, 5000)
      .option("--host <host>", "interface to listen on", "127.0.0.1")
      .option("--workers <n>", "verifier threads (default: all cores)", positiveInt)
      .option("--timeout <ms>", "time limit per verification", positiveInt, 2000)
      .option("--reward-values <correct,wrong>", "`rewards` of a verified answer and of anything else (`scores` are always 1/0)", rewardValues, { correct: 1, wrong: -1 })
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
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(opts.port, opts.host, resolve);
        });
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
