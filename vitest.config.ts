import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    // The summary reporter prints one plain "N passed, N failed" line that any CI log reader understands.
    reporters: ["default", "./test/summary-reporter.ts"],
    testTimeout: 60_000,
    pool: "forks",
    // vitest's default is cores - 1 files at once: one at a time on a 2-core machine, where many files spend
    // their time waiting on child processes, servers, DuckDB or the disk. Two at once took the suite from 295 s
    // to 201 s on 2 cores (session 12, one run each); on more cores this is vitest's default.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
