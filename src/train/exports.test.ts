import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { TEMPLATES } from "../backends/templates.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { exportTrl, exportVerl } from "./exports.js";

const tmp = useTmpDirs();
const questions = [
  { id: "test/a/1.json", prompt: "What is $1+1$?", answer: "2" },
  { id: "test/b/2.json", prompt: "Simplify $\\frac{2}{4}$.", answer: "\\frac{1}{2}" },
];

describe("trainer exports", () => {
  it("write verl parquet that DuckDB reads back with every field", async () => {
    const out = join(tmp(), "train.parquet");
    expect(await exportVerl(questions, out, { template: TEMPLATES.boxed!, dataSource: "math500" })).toBe(2);
    const db = await (await DuckDBInstance.create(":memory:")).connect();
    const rows = (await db.runAndReadAll(`SELECT * FROM '${out}' ORDER BY extra_info.index`)).getRowObjectsJson();
    expect(rows[1]).toEqual({
      data_source: "math500",
      prompt: [{ role: "user", content: "Simplify $\\frac{2}{4}$.\nPlease reason step by step, and put your final answer within \\boxed{}." }],
      ability: "math",
      reward_model: { style: "rule", ground_truth: "\\frac{1}{2}" },
      extra_info: { split: "train", index: "1", question_id: "test/b/2.json" },
    });
  });

  it("write TRL GRPO and SFT JSONL", async () => {
    const dir = tmp();
    await exportTrl(questions.map((q) => ({ question_id: q.id, prompt: q.prompt, answer: q.answer })), join(dir, "grpo.jsonl"), { template: TEMPLATES.question!, kind: "grpo" });
    const grpo = readFileSync(join(dir, "grpo.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(grpo[0]).toEqual({ prompt: [{ role: "user", content: "What is $1+1$?" }], ground_truth: "2", question_id: "test/a/1.json" });
    await exportTrl([{ question_id: "q", prompt: "p", completion: "c" }], join(dir, "sft.jsonl"), { template: TEMPLATES.question!, kind: "sft" });
    expect(JSON.parse(readFileSync(join(dir, "sft.jsonl"), "utf8"))).toEqual({ prompt: [{ role: "user", content: "p" }], completion: [{ role: "assistant", content: "c" }], question_id: "q" });
    await expect(exportTrl([{ question_id: "q", prompt: "p" }], join(dir, "x.jsonl"), { template: TEMPLATES.question!, kind: "sft" })).rejects.toThrow(/needs completions/);
  });
});
