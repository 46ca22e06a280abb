import { describe, expect, it } from "vitest";
import { runCli } from "../test-helpers/cli.js";

describe("rlvd main", () => {
  it("prints help and exits 0 with no arguments", async () => {
    const r = await runCli();
    expect(r.code).toBe(0);
    expect(r.out).toContain("Usage: rlvd");
    expect(r.out).toContain("analyze");
  });
  it("exits 2 with a message on an unknown command", async () => {
    const r = await runCli("frobnicate");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command/);
  });
});
