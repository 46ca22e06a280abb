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
  /** a text template's prompt as-is, for a verl run told to pass it through (see `PromptFormat`) */
  rawPrompts?: boolean;
};

/**
 * How the prompts reach the model. `chat`: the template's chat messages, which the trainer renders with the
 * model's chat template. `text-as-user-turn`: a text template's prompt stored as one user message, so the
 * trainer wraps it in the model's chat template (verl always does: verl/utils/dataset/rl_dataset.py applies
 * apply_chat_template to `prompt`). `raw`: the text reaches the model as it is (TRL's standard, non-chat
 * format; for verl, with a pass-through chat template, `VERL_RAW_OVERRIDE`).
 */
export type PromptFormat = "chat" | "text-as-user-turn" | "raw";

/** The verl override (verl >= 0.5: actor_rollout_ref.model.custom_chat_template) that sends the one message's text as it is. */
export const VERL_RAW_OVERRIDE = `+actor_rollout_ref.model.custom_chat_template="{{ messages[0]['content'] }}"`;

export type ExportResult = { rows: number; format: PromptFormat; note: string };

/**
 * A verl RL dataset: one Parquet row per question with verl's fields: `data_source`, `prompt` (chat messages),
 * `ability`, `reward_model` {style: "rule", ground_truth} and `extra_info` {split, index, question_id,
 * prompt_format}. verl has no text-prompt column, so a text template's prompt is one user message either way;
 * the result says which format it is and what verl must be told.
 */
export async function exportVerl(questions: readonly Question[], out: string, options: TrainerExportOptions): Promise<ExportResult> {
  const chat = isChat(options.template);
  if (options.rawPrompts && chat) throw new RlvdError("BAD_ARGUMENT", `--raw-prompts needs a text template; ${options.template.name} is a chat template`);
  const format: PromptFormat = chat ? "chat" : options.rawPrompts ? "raw" : "text-as-user-turn";
  const rows = questions.map((q, index) => ({
    data_source: options.dataSource ?? "rlvd",
    prompt: asMessages(options.template, q.prompt),
    ability: options.ability ?? "math",
    reward_model: { style: "rule", ground_truth: q.answer },
    extra_info: { split: options.split ?? "train", index, question_id: q.id, prompt_format: format },
  }));
  const columns =
    "{data_source: 'VARCHAR', prompt: 'STRUCT(role VARCHAR, content VARCHAR)[]', ability: 'VARCHAR', " +
    "reward_model: 'STRUCT(style VARCHAR, ground_truth VARCHAR)', extra_info: 'STRUCT(split VARCHAR, index BIGINT, question_id VARCHAR, prompt_format VARCHAR)'}";
  await writeParquetFromRows(rows, columns, out);
  const name = options.template.name;
  const note = {
    chat: `prompts are chat messages from template ${name}; verl applies the model's chat template to them`,
    "text-as-user-turn":
      `template ${name} is a text template: each prompt is one user message, and verl will wrap it in the model's chat template ` +
      `(to send the text as it is, export with --raw-prompts and run verl with ${VERL_RAW_OVERRIDE})`,
    raw: `raw prompts from text template ${name}: run verl with ${VERL_RAW_OVERRIDE} so the text reaches the model as it is`,
  }[format];
  return { rows: rows.length, format, note };
}

/**
 * TRL datasets. `grpo`: `prompt` plus `ground_truth` and `question_id` columns, which GRPOTrainer hands to
 * reward functions as keyword arguments. `sft`: prompt/completion pairs (e.g. a distillation set). A chat
 * template gives TRL's conversational form (TRL applies the chat template); a text template gives its
 * standard form, plain strings that TRL passes to the model as they are.
 */
export async function exportTrl(
  rows: ReadonlyArray<{ question_id: string; prompt: string; answer?: string; completion?: string }>,
  out: string,
  options: { template: Template; kind: "grpo" | "sft" },
): Promise<ExportResult> {
  const chat = isChat(options.template);
  const lines = exportLines(rows, options.template, options.kind === "sft"
    ? { kind: "sft", prompt: "prompt", completion: "completion" }
    : { kind: "GRPO", prompt: "prompt", answer: "ground_truth" });
  await writeJsonlAtomic(lines, out);
  const name = options.template.name;
  return chat
    ? { rows: lines.length, format: "chat", note: `conversational prompts from template ${name}; TRL applies the model's chat template to them` }
    : { rows: lines.length, format: "raw", note: `plain-text prompts from text template ${name}; TRL sends them to the model as they are` };
}

/**
 * One JSONL row per question for a trainer that takes prompt/completion (SFT) or prompt/answer (RL) records
 * under its own field names: the prompt rendered by the template (chat messages or plain text), an SFT
 * completion as an assistant message when the prompt is chat.
 */
function exportLines(
  rows: ReadonlyArray<{ question_id: string; prompt: string; answer?: string; completion?: string }>,
  template: Template,
  fields: { kind: "sft"; prompt: string; completion: string } | { kind: "GRPO" | "RL"; prompt: string; answer: string },
): Array<Record<string, unknown>> {
  const chat = isChat(template);
  return rows.map((r) => {
    const rendered = template.render(r.prompt);
    const prompt = rendered.kind === "chat" ? rendered.messages : rendered.text;
    if (fields.kind === "sft") {
      if (r.completion === undefined) throw new RlvdError("BAD_INPUT", `question ${r.question_id}: an SFT export needs completions`);
      return { [fields.prompt]: prompt, [fields.completion]: chat ? [{ role: "assistant", content: r.completion }] : r.completion, question_id: r.question_id };
    }
    if (r.answer === undefined) throw new RlvdError("BAD_INPUT", `question ${r.question_id}: a${fields.kind === "RL" ? "n" : ""} ${fields.kind} export needs the gold answer`);
    return { [fields.prompt]: prompt, [fields.answer]: r.answer, question_id: r.question_id };
  });
}

/** Writes JSONL rows under a temporary name, then renames: a reader never sees half a file. */
async function writeJsonlAtomic(lines: readonly unknown[], out: string): Promise<void> {
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, lines.map((l) => JSON.stringify(l)).join("\n") + (lines.length ? "\n" : ""));
  await rename(tmp, out);
}

/** Whether a template renders chat messages (probed on a placeholder question). */
function isChat(template: Template): boolean {
  return template.render("?").kind === "chat";
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

/**
 * OpenRLHF datasets (JSONL), read the way OpenRLHF 0.8 reads them (openrlhf/datasets/sft_dataset.py and
 * prompts_dataset.py, `preprocess_data`): `sft` rows are {input, output} for `--input_key input --output_key
 * output`; `rl` rows are {input, label} for `--input_key input --label_key label` (the label reaches a reward
 * function or server). A chat template gives message lists, which need `--apply_chat_template`; a text template
 * gives the prompt text as it is (OpenRLHF then uses it unchanged unless told --input_template).
 */
export async function exportOpenRlhf(
  rows: ReadonlyArray<{ question_id: string; prompt: string; answer?: string; completion?: string }>,
  out: string,
  options: { template: Template; kind: "rl" | "sft" },
): Promise<ExportResult> {
  const chat = isChat(options.template);
  const lines = exportLines(rows, options.template, options.kind === "sft"
    ? { kind: "sft", prompt: "input", completion: "output" }
    : { kind: "RL", prompt: "input", answer: "label" });
  await writeJsonlAtomic(lines, out);
  // OpenRLHF 0.10.2+ spells the flags --data.input_key etc. (README, "Training real models")
  const keys = options.kind === "sft" ? "--input_key input --output_key output" : "--input_key input --label_key label";
  return chat
    ? { rows: lines.length, format: "chat", note: `chat messages from template ${options.template.name}: train with ${keys} --apply_chat_template` }
    : { rows: lines.length, format: "raw", note: `plain-text prompts from template ${options.template.name}: train with ${keys} (no --apply_chat_template, so the text reaches the model as it is)` };
}
