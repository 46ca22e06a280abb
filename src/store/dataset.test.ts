import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { loadDataset } from "./dataset.js";

const tmp = useTmpDirs();

describe("loadDataset", () => {
  it("maps MATH-style JSONL fields and keeps level/subject", async () => {
    const dir = tmp();
    const file = writeJsonl(dir, "math.jsonl", [
      { problem: "1+1?", answer: "2", unique_id: "test/a/1.json", level: 1, subject: "Algebra" },
      { problem: "2+2?", answer: 4, unique_id: "test/a/2.json", level: 2, subject: "Algebra" },
    ]);
    expect(await loadDataset(file)).toEqual([
      { id: "test/a/1.json", prompt: "1+1?", answer: "2", meta: { source: "math.jsonl", level: 1, subject: "Algebra" } },
      { id: "test/a/2.json", prompt: "2+2?", answer: "4", meta: { source: "math.jsonl", level: 2, subject: "Algebra" } },
    ]);
  });

  it("keeps GSM8K's final answer after ####, numbers rows without ids, honours --limit", async () => {
    const dir = tmp();
    const file = writeJsonl(dir, "gsm.jsonl", [{ question: "q1", answer: "a + b = 3\n#### 3" }, { question: "q2", answer: "#### 1,000" }, { question: "q3", answer: "#### 5" }]);
    const qs = await loadDataset(file, { limit: 2 });
    expect(qs.map((q) => [q.id, q.prompt, q.answer])).toEqual([["0", "q1", "3"], ["1", "q2", "1,000"]]);
  });

  it("reads JSON arrays and Parquet with custom field names", async () => {
    const dir = tmp();
    const json = join(dir, "d.json");
    writeFileSync(json, JSON.stringify({ data: [{ q: "x?", gold: "1", key: 9 }] }));
    expect(await loadDataset(json, { questionField: "q", answerField: "gold", idField: "key" })).toMatchObject([{ id: "9", prompt: "x?", answer: "1" }]);
    const pq = join(dir, "d.parquet");
    const db = await (await DuckDBInstance.create(":memory:")).connect();
    await db.run(`COPY (SELECT 'p' || i AS problem, (i * 2)::VARCHAR AS answer, i AS idx FROM range(3) t(i)) TO '${pq}' (FORMAT parquet)`);
    expect((await loadDataset(pq)).map((q) => [q.id, q.prompt, q.answer])).toEqual([["0", "p0", "0"], ["1", "p1", "2"], ["2", "p2", "4"]]);
  });

  it("names the file, line and field of bad rows", async () => {
    const dir = tmp();
    await expect(loadDataset(writeJsonl(dir, "a.jsonl", [{ text: "x", answer: "1" }]))).rejects.toThrow(/a\.jsonl:1: no question field \(looked for problem, question, prompt\); name it with --question-field/);
    await expect(loadDataset(writeJsonl(dir, "b.jsonl", [{ problem: "x", answer: "1" }, { problem: "y" }]))).rejects.toThrow(/b\.jsonl:2: field "answer": missing/);
    await expect(loadDataset(writeJsonl(dir, "c.jsonl", [{ problem: "x", answer: "1", id: 1 }, { problem: "y", answer: "2", id: 1 }]))).rejects.toThrow(/c\.jsonl:2: duplicate question id 1/);
    await expect(loadDataset(join(dir, "none.jsonl"))).rejects.toThrow(/none\.jsonl: no such file/);
  });
});

describe("loadDataset, verl Parquet", () => {
  // the row layout of verl's examples/data_preprocess/gsm8k.py (verl 0.7): data_source, a chat-list prompt,
  // ability, reward_model {style, ground_truth}, extra_info {split, index, answer, question}, written by pandas/pyarrow
  async function verlParquet(file: string, rows: string): Promise<void> {
    const db = await (await DuckDBInstance.create(":memory:")).connect();
    await db.run(`COPY (SELECT * FROM (VALUES ${rows}) t(data_source, prompt, ability, reward_model, extra_info)) TO '${file}' (FORMAT parquet)`);
    db.closeSync();
  }
  const row = (i: number, content: string, truth: string, roles = "[{'role': 'user', 'content': " + content + "}]") =>
    `('openai/gsm8k', ${roles}, 'math', {'style': 'rule', 'ground_truth': ${truth}}, {'split': 'test', 'index': ${i}::BIGINT, 'answer': 'x #### 1', 'question': 'q'})`;

  it("reads the chat-list prompt, reward_model.ground_truth and extra_info.index", async () => {
    const pq = join(tmp(), "test.parquet");
    const instruction = ` Let''s think step by step and output the final answer after "####".`;
    await verlParquet(pq, [row(0, `'Natalia sold 48 clips.${instruction}'`, "'72'"), row(1, `'Weng earns $12.${instruction}'`, "'10'")].join(", "));
    expect(await loadDataset(pq)).toEqual([
      { id: "0", prompt: `Natalia sold 48 clips. Let's think step by step and output the final answer after "####".`, answer: "72", meta: { source: "test.parquet", data_source: "openai/gsm8k", ability: "math", split: "test" } },
      { id: "1", prompt: `Weng earns $12. Let's think step by step and output the final answer after "####".`, answer: "10", meta: { source: "test.parquet", data_source: "openai/gsm8k", ability: "math", split: "test" } },
    ]);
  });

  it("names the row and field of what it cannot use", async () => {
    const dir = tmp();
    const multi = join(dir, "multi.parquet");
    await verlParquet(multi, row(0, "", "'1'", "[{'role': 'system', 'content': 'be brief'}, {'role': 'user', 'content': 'q'}]"));
    await expect(loadDataset(multi)).rejects.toThrow(/multi\.parquet:1: prompt: expected one user message with text, got \[system, user\]/);
    const empty = join(dir, "empty.parquet");
    await verlParquet(empty, row(0, "'q'", "''"));
    await expect(loadDataset(empty)).rejects.toThrow(/empty\.parquet:1: reward_model\.ground_truth: expected a non-empty string or number/);
    const dup = join(dir, "dup.parquet");
    await verlParquet(dup, [row(4, "'a'", "'1'"), row(4, "'b'", "'2'")].join(", "));
    await expect(loadDataset(dup)).rejects.toThrow(/dup\.parquet:2: duplicate question id 4/);
  });
});
