import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { findTrainLogs, loggedMetrics, parseTrainLog, readTrainLogs } from "./train-log.js";

const tmp = useTmpDirs();

describe("training logs", () => {
  it("reads the known fields, tolerates missing ones and skips lines that are not steps", () => {
    const text = [
      JSON.stringify({ step: 2, model: "rl", reward_mean: 0.5, accuracy: 0.6, extra: "ignored" }),
      JSON.stringify({ step: 1, model: "rl", loss: 1.5, entropy: "not a number", lr: null }),
      "{broken",
      JSON.stringify({ reward_mean: 1 }), // no step
      JSON.stringify([1, 2]),
      "",
    ].join("\n");
    const [log, ...rest] = parseTrainLog(text, "folder", "x/train-log.jsonl");
    expect(rest).toHaveLength(0);
    expect(log).toEqual({
      model: "rl",
      file: "x/train-log.jsonl",
      steps: [{ step: 1, loss: 1.5 }, { step: 2, reward_mean: 0.5, accuracy: 0.6 }],
      skipped_lines: 3,
    });
    expect(loggedMetrics([log!])).toEqual(["reward_mean", "accuracy", "loss"]);
  });

  it("splits one file by model and names model-less logs after their folder", async () => {
    const run = tmp();
    mkdirSync(join(run, "ckpt", "a", "deeper"), { recursive: true });
    writeFileSync(join(run, "train-log.jsonl"), `${JSON.stringify({ step: 1, model: "x", loss: 1 })}\n${JSON.stringify({ step: 1, model: "y", loss: 2 })}\n`);
    writeFileSync(join(run, "ckpt", "a", "deeper", "train-log.jsonl"), `${JSON.stringify({ step: 5, kl: 0.1 })}\n`);
    writeFileSync(join(run, "ckpt", "a", "train-log.json"), "not a log");
    expect((await findTrainLogs(run)).map((p) => p.slice(run.length + 1))).toEqual(["ckpt/a/deeper/train-log.jsonl", "train-log.jsonl"]);
    const logs = await readTrainLogs(run);
    expect(logs.map((l) => [l.model, l.file, l.steps.length])).toEqual([
      ["deeper", "ckpt/a/deeper/train-log.jsonl", 1],
      ["x", "train-log.jsonl", 1],
      ["y", "train-log.jsonl", 1],
    ]);
  });

  it("finds nothing in a folder without logs", async () => {
    expect(await readTrainLogs(tmp())).toEqual([]);
  });
});
