// `rlvd export verl|trl` and `rlvd sample` on a verl Parquet (verl's own layout, as `rlvd export verl` writes it).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initCheckpoint } from "../../engine/index.js";
import { runCli } from "../../test-helpers/cli.js";
import { useTmpDirs, writeJsonl } from "../../test-helpers/tmp.js";

const tmp = useTmpDirs();

describe("rlvd export / sample with verl Parquet", () => {
  it("says what a text template becomes, and reads verl Parquet back as a dataset", async () => {
    const dir = tmp();
    const data = writeJsonl(dir, "q.jsonl", [{ problem: "1+1?", answer: "2", id: "a" }, { problem: "2+2?", answer: "4", id: "b" }]);
    const pq = join(dir, "train.parquet");
    const text = await runCli("export", "verl", "--dataset", data, "--out", pq, "--template", "question");
    expect(text.out).toMatch(/^wrote 2 questions to .*train\.parquet: template question is a text template: each prompt is one user message, and verl will wrap it/);
    const raw = await runCli("export", "verl", "--dataset", data, "--out", pq, "--template", "question", "--raw-prompts");
    expect(raw.out).toMatch(/raw prompts from text template question: run verl with \+actor_rollout_ref\.model\.custom_chat_template=/);
    expect((await runCli("export", "trl", "--dataset", data, "--out", join(dir, "x.jsonl"), "--raw-prompts")).err).toMatch(/--raw-prompts is for export verl/);
    const trl = join(dir, "grpo.jsonl");
    expect((await runCli("export", "trl", "--dataset", pq, "--out", trl, "--template", "chat")).code).toBe(0);
    expect(readFileSync(trl, "utf8").trim().split("\n").map((l) => JSON.parse(l))).toEqual([
      { prompt: [{ role: "user", content: "1+1?" }], ground_truth: "2", question_id: "a" },
      { prompt: [{ role: "user", content: "2+2?" }], ground_truth: "4", question_id: "b" },
    ]);
  });

  it("samples a verl Parquet", async () => {
    const dir = tmp();
    const checkpoint = join(dir, "tiny");
    await initCheckpoint({ out: checkpoint, dim: 32, layers: 1, heads: 2, vocab: 48, context: 64, seed: 3 });
    const data = writeJsonl(dir, "q.jsonl", [{ problem: "1+1?", answer: "2", id: "a" }]);
    const pq = join(dir, "test.parquet");
    expect((await runCli("export", "verl", "--dataset", data, "--out", pq, "--template", "chat")).code).toBe(0);
    const run = join(dir, "run");
    const r = await runCli("sample", "--model", `embedded:${checkpoint}`, "--dataset", pq, "-k", "2", "--run", run, "--template", "chat", "--max-tokens", "4");
    expect([r.code, r.out]).toEqual([0, expect.stringMatching(/^tiny: 2 new samples \(0 already stored\) for 1 questions/)]);
  }, 60_000);
});
