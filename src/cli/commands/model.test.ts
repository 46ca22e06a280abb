// rlvd model init | logits and rlvd bench engine through the CLI entry point.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCheckpoint } from "../../engine/index.js";
import { ensureWasm } from "../../engine/test-helpers/wasm.js";
import { main } from "../main.js";

const dir = mkdtempSync(join(tmpdir(), "rlvd-cli-"));
beforeAll(() => ensureWasm());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  let out = "", err = "";
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false });
  return { code, out, err };
}

describe("rlvd model", () => {
  it("init writes a checkpoint whose logits the logits command prints", async () => {
    const out = join(dir, "m");
    const init = await run(["model", "init", "--out", out, "--dim", "32", "--layers", "2", "--heads", "2", "--vocab", "30", "--context", "16", "--seed", "4"]);
    expect(init.code).toBe(0);
    expect(init.out).toMatch(/wrote .* \(\d+ parameters\)/);
    const r = await run(["model", "logits", "--checkpoint", out, "--tokens", "[1, 7, 9]"]);
    expect(r.code).toBe(0);
    const logits = JSON.parse(r.out) as number[];
    expect(logits).toHaveLength(30);
    const m = await loadCheckpoint(out);
    expect(logits).toEqual(Array.from(m.lastLogits([1, 7, 9])));
    // same seed, same weights
    const again = join(dir, "m2");
    await run(["model", "init", "--out", again, "--dim", "32", "--layers", "2", "--heads", "2", "--vocab", "30", "--context", "16", "--seed", "4"]);
    expect(Array.from((await loadCheckpoint(again)).params)).toEqual(Array.from(m.params));
  });

  it("reports bad arguments in one line with exit code 1", async () => {
    const bad = await run(["model", "init", "--out", join(dir, "x"), "--dim", "30", "--layers", "1", "--heads", "4", "--vocab", "30", "--context", "16"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^rlvd: invalid model shape: dim 30 is not a multiple of heads 4\n$/);
    const tokens = await run(["model", "logits", "--checkpoint", join(dir, "m"), "--tokens", "1,2"]);
    expect(tokens.code).toBe(1);
    expect(tokens.err).toMatch(/--tokens must be a JSON list/);
    const range = await run(["model", "logits", "--checkpoint", join(dir, "m"), "--tokens", "[99]"]);
    expect(range.err).toMatch(/outside the vocab/);
    const missing = await run(["model", "logits", "--checkpoint", join(dir, "nope"), "--tokens", "[1]"]);
    expect(missing.err).toMatch(/checkpoint directory not found/);
  });
});

describe("rlvd bench engine", () => {
  it("prints train and sample tokens/s as JSON", async () => {
    const r = await run(["bench", "engine", "--dim", "32", "--layers", "1", "--heads", "2", "--vocab", "20", "--context", "24", "--batch", "2", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.train_tokens_per_s).toBeGreaterThan(0);
    expect(j.sample_tokens_per_s).toBeGreaterThan(0);
    expect(j.sample_config).toEqual({ batch: 256, prompt: 16, new_tokens: 8 });
  }, 60_000);
});
