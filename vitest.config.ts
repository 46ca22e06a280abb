import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    // The summary reporter prints one plain "N passed, N failed" line that any CI log reader understands.
    reporters: ["default", "./test/summary-reporter.ts"],
    testTimeout: 60_000,
    pool: "forks",
  },
});
