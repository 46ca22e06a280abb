import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test-helpers/cli.js";
import { useTmpDirs, writeJsonl } from "../../test-helpers/tmp.js";

const tmp = useTmpDirs();

describe("rlvd train", () => {
  it("sft --preset smoke pretrains a base, fine-tunes it and lowers held-out loss", async () => {
    const out = join(tmp(), "sft");
    const r = await runCli("train", "sft", "--preset", "smoke", "--out", out);
    expect(r.code).toBe(0);
    const m = /held-out loss ([\d.]+) -> ([\d.]+)/.exec(r.out);
    expect(Number(m![2])).toBeLessThan(Number(m![1]));
    expect(existsSync(join(out, "train-log.jsonl"))).toBe(true);
    expect(existsSync(join(out, "base", "model.safetensors"))).toBe(true);
  }, 120_000);

  it("explains what is missing", async () => {
    expect((await runCli("train", "grpo", "--out", tmp())).err).toMatch(/needs --checkpoint DIR \(or --preset smoke\)/);
    const dir = tmp();
    const bad = writeJsonl(dir, "bad.jsonl", [{ prompt: "x" }]);
    const r = await runCli("train", "sft", "--checkpoint", dir, "--data", bad, "--out", join(dir, "o"));
    expect(r.err).toMatch(/bad\.jsonl:1: expected \{"prompt": string, "completion": string\}/);
    expect((await runCli("train", "grpo", "--preset", "smoke", "--out", dir, "--aggregation", "ppo")).code).toBe(2);
  });
});
