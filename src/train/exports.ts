import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { RlvdError } from "../core/errors.js";
import type { Question } from "../core/types.js";
import type { Template } from "../backends/templates.js";

export type TrainerExportOptions = {
  template: Template;
  /** verl's data_source field (reward functions may dispatch on it) */
  dataSource?: string;
  split?: string;
  ability?: string;
};

/**
 * A verl RL dataset: one Parquet row per question with verl's fields: `data_source`, `prompt` (chat messages),
 * `ability`, `reward_model` {style: "rule", ground_truth} and `extra_info` {split, index, question_id}.
 */
export async function exportVerl(questions: readonly Question[], out: string, options: TrainerExportOptions): Promise<number> {
  const rows = questions.map((q, index) => ({
    data_source: options.dataSource ?? "rlvd",
    prompt: asMessages(options.template, q.prompt),
    ability: options.ability ?? "math",
    reward_model: { style: "rule", ground_truth: q.answer },
    extra_info: { split: options.split ?? "train", index, question_id: q.id },
  }));
  const columns =
    "{data_source: 'VARCHAR', prompt: 'STRUCT(role VARCHAR, content VARCHAR)[]', ability: 'VARCHAR', " +
    "reward_model: 'STRUCT(style VARCHAR, ground_truth VARCHAR)', extra_info: 'STRUCT(split VARCHAR, index BIGINT, question_id VARCHAR)'}";
  await writeParquetFromRows(rows, columns, out);
  return rows.length;
}

/**
 * TRL datasets. `grpo`: `prompt` (chat messages) plus `ground_truth` and `question_id` columns, which
 * GRPOTrainer hands to reward functions as keyword arguments. `sft`: prompt/completion pairs (e.g. a
 * distillation set) in TRL's conversational prompt-completion form.
 */
export async function exportTrl(
  rows: ReadonlyArray<{ question_id: string; prompt: string; answer?: string; completion?: string }>,
  out: string,
  options: { template: Template; kind: "grpo" | "sft" },
): Promise<number> {
  const lines = rows.map((r) => {
    const prompt = asMessages(options.template, r.prompt);
    if (options.kind === "sft") {
      if (r.completion === undefined) throw new RlvdError("BAD_INPUT", `question ${r.question_id}: an SFT export needs completions`);
      return { prompt, completion: [{ role: "assistant", content: r.completion }], question_id: r.question_id };
    }
    if (r.answer === undefined) throw new RlvdError("BAD_INPUT", `question ${r.question_id}: a GRPO export needs the gold answer`);
    return { prompt, ground_truth: r.answer, question_id: r.question_id };
  });
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, lines.map((l) => JSON.stringify(l)).join("\n") + (lines.length ? "\n" : ""));
  await rename(tmp, out);
  return lines.length;
}

function asMessages(template: Template, question: string): Array<{ role: string; content: string }> {
  const p = template.render(question);
  return p.kind === "chat" ? p.messages : [{ role: "user", content: p.text }];
}

async function writeParquetFromRows(rows: unknown[], columns: string, out: string): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "rlvd-export-"));
  const ndjson = join(scratch, "rows.ndjson");
  writeFileSync(ndjson, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const tmp = `${out}.tmp-${process.pid}`;
  const db = await (await DuckDBInstance.create(":memory:")).connect();
  try {
    await db.run(`COPY (SELECT * FROM read_json(?, format = 'newline_delimited', columns = ${columns})) TO '${tmp.replace(/'/g, "''")}' (FORMAT parquet)`, [ndjson]);
    await rename(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new RlvdError("BAD_ARGUMENT", `${out}: cannot write Parquet (${(e as Error).message.split("\n")[0]})`);
  } finally {
    db.closeSync();
    rmSync(scratch, { recursive: true, force: true });
  }
}
