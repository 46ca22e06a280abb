import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { trainingSetsTable } from "./tables.js";
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

  it("read SFT's data line (no step) as what the run trained on, and table it", () => {
    const data = { examples: 16000, distinct: 2105, questions: 2000, holdout: "example", held_out_examples: 800, held_out_questions: 770, held_out_seen: 760 };
    const text = [JSON.stringify({ model: "base<-rlvr", data: { ...data, note: null } }), JSON.stringify({ model: "base<-rlvr", step: 1, loss: 0.2 })].join("\n");
    const [log] = parseTrainLog(text, "folder", "m/train-log.jsonl");
    expect(log).toEqual({ model: "base<-rlvr", file: "m/train-log.jsonl", steps: [{ step: 1, loss: 0.2 }], data, skipped_lines: 0 });
    const table = trainingSetsTable([log!, { model: "rlvr", file: "r/train-log.jsonl", steps: [{ step: 1 }], skipped_lines: 0 }])!;
    // 2105 / 16000 = 13%, 2105 / 2000 = 1.05 per question, 760 / 800 = 95% of the held-out examples seen in training
    expect(table.rows).toEqual([["base<-rlvr", "16000", "2105 (13%)", "2000", "1.05", "example", "800", "770", "760 (95%)"]]);
    expect(trainingSetsTable([{ model: "rlvr", file: "r", steps: [{ step: 1 }], skipped_lines: 0 }])).toBeNull();
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
