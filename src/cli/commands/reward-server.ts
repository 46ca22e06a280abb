import type { AddressInfo } from "node:net";
import { createRewardServer } from "../../train/reward-server.js";
import { VerifierPool } from "../../verify/pool.js";
import { addGradingOptions, finiteNumber, gradingFrom, nonNegativeInt, positiveInt } from "../options.js";
import { gradingLabel, type ExtractConvention } from "../../verify/conventions.js";
import type { CommandModule } from "./index.js";

export const rewardServerCommand: CommandModule = {
  register(program, io) {
    const cmd = program
      .command("reward-server")
      .description("the verifier over HTTP for verl/TRL/OpenRLHF: POST /get_reward (OpenRLHF protocol) and POST /verify")
      .option("--port <n>", "port (0: any free port)", nonNegativeInt, 5000)
      .option("--host <host>", "interface to listen on", "127.0.0.1")
      .option("--workers <n>", "verifier threads (default: all cores)", positiveInt)
      .option("--timeout <ms>", "time limit per verification", positiveInt, 2000)
      .option("--reward-correct <x>", "reward of a verified answer", finiteNumber, 1)
      .option("--reward-wrong <x>", "reward of anything else (the study: -1)", finiteNumber, -1);
    addGradingOptions(cmd)
      .action(async (opts: { port: number; host: string; workers?: number; timeout: number; rewardCorrect: number; rewardWrong: number; extract: ExtractConvention; strict: boolean }) => {
        const grading = gradingFrom(opts);
        const pool = new VerifierPool({ workers: opts.workers, timeoutMs: opts.timeout, ...grading });
        const server = createRewardServer(pool, { rewardCorrect: opts.rewardCorrect, rewardWrong: opts.rewardWrong });
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(opts.port, opts.host, resolve);
        });
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
