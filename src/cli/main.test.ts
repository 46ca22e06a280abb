import { describe, expect, it } from "vitest";
import { main } from "./main.js";

function capture() {
  let out = "";
  let err = "";
  return { io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t), isTTY: false }, get: () => ({ out, err }) };
}

describe("rlvd main", () => {
  it("prints help and exits 0 with no arguments", async () => {
    const c = capture();
    expect(await main([], c.io)).toBe(0);
    expect(c.get().out).toContain("Usage: rlvd");
  });
  it("exits 2 with a message on an unknown command", async () => {
    const c = capture();
    expect(await main(["frobnicate"], c.io)).toBe(2);
    expect(c.get().err).toMatch(/unknown command/);
  });
});
