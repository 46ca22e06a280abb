import { describe, expect, it } from "vitest";
import { isRlvdError } from "../core/errors.js";
import type { StageJob } from "./runner.js";
import { stagePool } from "./stage-pool.js";

describe("stagePool", () => {
  it("after a signal, a stage made ready is refused with the running stages' resume line and no worker starts", async () => {
    const listeners = process.listeners("SIGTERM").length;
    const pool = stagePool({ size: 1, threads: 1 });
    try {
      // the pool's own listener only: emit calls the listeners and sends no signal to the process
      process.emit("SIGTERM", "SIGTERM");
      const job = { stage: { id: "base" } } as unknown as StageJob; // refused before anything else of it is read
      const error = await pool.run(job, () => {}).then(() => null, (e: unknown) => e);
      expect(isRlvdError(error)).toBe(true);
      expect((error as Error).message).toBe("stage base: interrupted by SIGTERM before it started (run the same command again to resume)");
    } finally {
      await pool.close();
    }
    expect(process.listeners("SIGTERM").length).toBe(listeners); // close let go of the signal
  });
});
