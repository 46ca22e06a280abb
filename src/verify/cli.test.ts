// The `rlvd verify` command, driven through the CLI entry with captured output.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../cli/main.js";

function capture() {
  let out = "";
  let err = "";
  return { io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t), isTTY: false }, get: () => ({ out, err }) };
}

describe("rlvd verify", () => {
  it("prints a readable line for --gold/--pred", async () => {
    const c = capture();
    expect(await main(["verify", "--gold", "\\frac12", "--pred", "so $\\boxed{0.5}$"], c.io)).toBe(0);
    expect(c.get().out).toMatch(/^correct \(ok\) extracted="0.5"/);
  });
  it("prints the JSON result with --json, a negative gold included", async () => {
    const c = capture();
    expect(await main(["verify", "--gold", "-5", "--pred", "The answer is $-5$.", "--json"], c.io)).toBe(0);
    expect(JSON.parse(c.get().out)).toMatchObject({ correct: true, status: "ok", extracted: "-5" });
  });
  it("verifies a JSONL file in order, to --out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rlvd-verify-"));
    const cases = join(dir, "cases.jsonl");
    const out = join(dir, "out.jsonl");
    writeFileSync(cases, ['{"gold":"5","pred":"\\\\boxed{5}"}', '{"gold":"x^2","pred":"$x \\\\cdot x$"}', "", '{"gold":"1","pred":"3"}'].join("\n"));
    const c = capture();
    expect(await main(["verify", "--file", cases, "--out", out, "--workers", "1"], c.io)).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { correct: boolean });
    expect(lines.map((l) => l.correct)).toEqual([true, true, false]);
    expect(c.get().err).toContain("3 lines, 2 correct");
  });
  it("names file:line for a malformed line and exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rlvd-verify-"));
    const cases = join(dir, "bad.jsonl");
    writeFileSync(cases, '{"gold":"5","pred":"5"}\n{"gold": "5"}\n');
    const c = capture();
    expect(await main(["verify", "--file", cases], c.io)).toBe(1);
    expect(c.get().err).toBe(`rlvd: ${cases}:2: missing string field "pred"\n`);
  });
  it("rejects missing or conflicting arguments", async () => {
    const c = capture();
    expect(await main(["verify", "--gold", "1"], c.io)).toBe(1);
    expect(c.get().err).toContain("give --gold and --pred");
  });
});
