import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { TEMPLATES } from "../backends/templates.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { loadDataset } from "../store/dataset.js";
import { exportOpenRlhf, exportTrl, exportVerl, VERL_RAW_OVERRIDE } from "./exports.js";

const tmp = useTmpDirs();
const questions = [
  { id: "test/a/1.json", prompt: "What is $1+1$?", answer: "2" },
  { id: "test/b/2.json", prompt: "Simplify $\\frac{2}{4}$.", answer: "\\frac{1}{2}" },
];

describe("trainer exports", () => {
  it("write verl parquet that DuckDB reads back with every field", async () => {
    const out = join(tmp(), "train.parquet");
    expect(await exportVerl(questions, out, { template: TEMPLATES.boxed!, dataSource: "math500" })).toMatchObject({ rows: 2, format: "chat" });
    const db = await (await DuckDBInstance.create(":memory:")).connect();
    const rows = (await db.runAndReadAll(`SELECT * FROM '${out}' ORDER BY extra_info.index`)).getRowObjectsJson();
    expect(rows[1]).toEqual({
      data_source: "math500",
      prompt: [{ role: "user", content: "Simplify $\\frac{2}{4}$.\nPlease reason step by step, and put your final answer within \\boxed{}." }],
      ability: "math",
      reward_model: { style: "rule", ground_truth: "\\frac{1}{2}" },
      extra_info: { split: "train", index: "1", question_id: "test/b/2.json", prompt_format: "chat" },
    });
  });

  it("say when a text template's prompt becomes a user turn that verl templates again, and offer raw prompts", async () => {
    const dir = tmp();
    const wrapped = await exportVerl(questions, join(dir, "w.parquet"), { template: TEMPLATES.r1! });
    expect(wrapped.format).toBe("text-as-user-turn");
    expect(wrapped.note).toMatch(/template r1 is a text template: each prompt is one user message, and verl will wrap it in the model's chat template .*--raw-prompts/);
    const raw = await exportVerl(questions, join(dir, "r.parquet"), { template: TEMPLATES.r1!, rawPrompts: true });
    expect(raw).toMatchObject({ format: "raw", note: expect.stringContaining(VERL_RAW_OVERRIDE) });
    const db = await (await DuckDBInstance.create(":memory:")).connect();
    const [row] = (await db.runAndReadAll(`SELECT prompt, extra_info.prompt_format AS f FROM '${join(dir, "r.parquet")}' LIMIT 1`)).getRowObjectsJson();
    const r1Text = (TEMPLATES.r1!.render("What is $1+1$?") as { text: string }).text;
    expect(row).toEqual({ prompt: [{ role: "user", content: r1Text }], f: "raw" });
    // the pass-through template verl is told to use renders the one message's content unchanged
    expect(VERL_RAW_OVERRIDE).toBe(`+actor_rollout_ref.model.custom_chat_template="{{ messages[0]['content'] }}"`);
    await expect(exportVerl(questions, join(dir, "x.parquet"), { template: TEMPLATES.boxed!, rawPrompts: true })).rejects.toThrow(/--raw-prompts needs a text template; boxed is a chat template/);
  });

  it("round-trip: rlvd reads its own verl export back as the same questions", async () => {
    const out = join(tmp(), "rt.parquet");
    await exportVerl(questions, out, { template: TEMPLATES.chat! });
    const back = await loadDataset(out);
    expect(back.map((q) => [q.id, q.prompt, q.answer])).toEqual(questions.map((q) => [q.id, q.prompt, q.answer]));
  });

  it("write TRL GRPO and SFT JSONL", async () => {
    const dir = tmp();
    const items = questions.map((q) => ({ question_id: q.id, prompt: q.prompt, answer: q.answer }));
    const read = (f: string) => readFileSync(join(dir, f), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    // TRL's conversational form for a chat template, its standard (plain string, untemplated) form for a text one
    expect(await exportTrl(items, join(dir, "grpo.jsonl"), { template: TEMPLATES.chat!, kind: "grpo" })).toMatchObject({ rows: 2, format: "chat" });
    expect(read("grpo.jsonl")[0]).toEqual({ prompt: [{ role: "user", content: "What is $1+1$?" }], ground_truth: "2", question_id: "test/a/1.json" });
    expect(await exportTrl(items, join(dir, "grpo-text.jsonl"), { template: TEMPLATES.question!, kind: "grpo" })).toMatchObject({ format: "raw", note: expect.stringMatching(/as they are/) });
    expect(read("grpo-text.jsonl")[0]).toEqual({ prompt: "What is $1+1$?", ground_truth: "2", question_id: "test/a/1.json" });
    await exportTrl([{ question_id: "q", prompt: "p", completion: "c" }], join(dir, "sft.jsonl"), { template: TEMPLATES.chat!, kind: "sft" });
    expect(read("sft.jsonl")[0]).toEqual({ prompt: [{ role: "user", content: "p" }], completion: [{ role: "assistant", content: "c" }], question_id: "q" });
    await exportTrl([{ question_id: "q", prompt: "p", completion: "c" }], join(dir, "sft-text.jsonl"), { template: TEMPLATES.question!, kind: "sft" });
    expect(read("sft-text.jsonl")[0]).toEqual({ prompt: "p", completion: "c", question_id: "q" });
    await expect(exportTrl([{ question_id: "q", prompt: "p" }], join(dir, "x.jsonl"), { template: TEMPLATES.question!, kind: "sft" })).rejects.toThrow(/needs completions/);
  });

  it("write OpenRLHF rows as its preprocess_data reads them (input + label or output keys)", async () => {
    const dir = tmp();
    const rows = questions.map((q) => ({ question_id: q.id, prompt: q.prompt, answer: q.answer, completion: `so \\boxed{${q.answer}}` }));
    const read = (f: string) => readFileSync(f, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    // chat template: message lists, which OpenRLHF renders with --apply_chat_template
    const rl = await exportOpenRlhf(rows, join(dir, "rl.jsonl"), { template: TEMPLATES.boxed!, kind: "rl" });
    expect(rl).toMatchObject({ rows: 2, format: "chat" });
    expect(rl.note).toMatch(/--input_key input --label_key label --apply_chat_template/);
    expect(read(join(dir, "rl.jsonl"))[0]).toEqual({
      input: [{ role: "user", content: "What is $1+1$?\nPlease reason step by step, and put your final answer within \\boxed{}." }],
      label: "2", question_id: "test/a/1.json",
    });
    // text template: the prompt string as it is (preprocess_data's non-chat branch takes data[input_key] unchanged)
    const sft = await exportOpenRlhf(rows, join(dir, "sft.jsonl"), { template: TEMPLATES.question!, kind: "sft" });
    expect(sft.note).not.toMatch(/--apply_chat_template /);
    expect(read(join(dir, "sft.jsonl"))[1]).toEqual({ input: TEMPLATES.question!.render(questions[1]!.prompt).kind === "text" ? (TEMPLATES.question!.render(questions[1]!.prompt) as { text: string }).text : null, output: "so \\boxed{\\frac{1}{2}}", question_id: "test/b/2.json" });
    await expect(exportOpenRlhf([{ question_id: "q", prompt: "p" }], join(dir, "x.jsonl"), { template: TEMPLATES.question!, kind: "rl" })).rejects.toThrow(/question q: an RL export needs the gold answer/);
  });
});
