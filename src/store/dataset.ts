import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { InputError, RlvdError } from "../core/errors.js";
import { readJsonl } from "../core/jsonl.js";
import type { Question } from "../core/types.js";

export type DatasetOptions = {
  /** field with the question text (default: the first of problem, question, prompt) */
  questionField?: string;
  /** field with the gold answer (default: the first of answer, gt, ground_truth, final_answer) */
  answerField?: string;
  /** field with a stable id (default: the first of unique_id, id, idx; else the row number) */
  idField?: string;
  limit?: number;
};

const QUESTION_FIELDS = ["problem", "question", "prompt"];
const ANSWER_FIELDS = ["answer", "gt", "ground_truth", "final_answer"];
const ID_FIELDS = ["unique_id", "id", "idx"];

/**
 * Reads a question set from JSONL, JSON (an array, or {"data": [...]}) or Parquet, mapping columns to
 * `Question`s. GSM8K-style answers ("reasoning ... #### 72") keep only the part after "####".
 */
export async function loadDataset(file: string, options: DatasetOptions = {}): Promise<Question[]> {
  if (!existsSync(file)) throw new RlvdError("NOT_FOUND", `${file}: no such file`);
  const rows: Array<{ line: number | undefined; row: Record<string, unknown> }> = [];
  const limit = options.limit ?? Infinity;
  if (file.endsWith(".parquet")) {
    const db = await (await DuckDBInstance.create(":memory:")).connect();
    try {
      const reader = await db.runAndReadAll(`SELECT * FROM read_parquet(?)`, [file]);
      reader.getRowObjectsJson().forEach((row, i) => i < limit && rows.push({ line: undefined, row: row as Record<string, unknown> }));
    } catch (e) {
      throw new InputError(file, undefined, `cannot read as Parquet (${(e as Error).message.split("\n")[0]})`);
    } finally {
      db.closeSync();
    }
  } else if (file.endsWith(".json")) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, "utf8"));
    } catch (e) {
      throw new InputError(file, undefined, `malformed JSON (${(e as Error).message})`);
    }
    const list = Array.isArray(json) ? json : (json as { data?: unknown })?.data;
    if (!Array.isArray(list)) throw new InputError(file, undefined, 'expected an array of questions or {"data": [...]}');
    list.slice(0, Number.isFinite(limit) ? limit : undefined).forEach((row) => rows.push({ line: undefined, row: row as Record<string, unknown> }));
  } else {
    for await (const { line, value } of readJsonl(file)) {
      if (rows.length >= limit) break;
      rows.push({ line, row: value as Record<string, unknown> });
    }
  }
  if (rows.length === 0) throw new InputError(file, undefined, "no questions in file");
  const first = rows[0]!.row;
  if (!options.questionField && !options.answerField && isVerlRow(first)) return verlQuestions(file, rows);
  const pick = (given: string | undefined, candidates: string[], what: string, required: boolean): string | undefined => {
    if (given) return given;
    const found = candidates.find((f) => first !== null && typeof first === "object" && f in first);
    if (!found && required) throw new InputError(file, rows[0]!.line, `no ${what} field (looked for ${candidates.join(", ")}); name it with --${what}-field`);
    return found;
  };
  const qField = pick(options.questionField, QUESTION_FIELDS, "question", true)!;
  const aField = pick(options.answerField, ANSWER_FIELDS, "answer", true)!;
  const idField = pick(options.idField, ID_FIELDS, "id", false);
  const seen = new Map<string, number>();
  return rows.map(({ line, row }, i) => {
    const where = line ?? i + 1;
    if (row === null || typeof row !== "object") throw new InputError(file, where, "not a JSON object");
    const prompt = row[qField];
    if (typeof prompt !== "string" || prompt.length === 0) throw new InputError(file, where, `field "${qField}": missing or not a string`);
    const rawAnswer = row[aField];
    if (typeof rawAnswer !== "string" && typeof rawAnswer !== "number") throw new InputError(file, where, `field "${aField}": missing or not a string/number`);
    const rawId = idField ? row[idField] : i;
    if (typeof rawId !== "string" && typeof rawId !== "number") throw new InputError(file, where, `field "${idField}": missing or not a string/number`);
    const id = String(rawId);
    if (seen.has(id)) throw new InputError(file, where, `duplicate question id ${id} (first at row ${seen.get(id)})`);
    seen.set(id, where);
    const answer = String(rawAnswer);
    const gsm = answer.lastIndexOf("####");
    const meta: Record<string, unknown> = { source: basename(file) };
    for (const key of ["level", "subject", "type"]) if (row[key] !== undefined) meta[key] = row[key];
    return { id, prompt, answer: gsm >= 0 ? answer.slice(gsm + 4).trim() : answer, meta };
  });
}

/**
 * verl's RL Parquet layout (verl/utils/dataset/rl_dataset.py reads `prompt` as chat messages and
 * `reward_model.ground_truth`; examples/data_preprocess/gsm8k.py, math_dataset.py, verl 0.7, write
 * {data_source, prompt: [{role: "user", content}], ability, reward_model: {style, ground_truth},
 * extra_info: {split, index, ...}}), and `rlvd export verl` (which adds extra_info.question_id).
 */
function isVerlRow(row: unknown): boolean {
  const r = row as Record<string, unknown> | null;
  return r !== null && typeof r === "object" && Array.isArray(r.prompt) && typeof r.reward_model === "object" && r.reward_model !== null;
}

type Row = { line: number | undefined; row: Record<string, unknown> };

/**
 * Questions from verl rows: the prompt is the one user message's content as verl stores it (instruction
 * included: sample it with `--template chat`, which sends it as that same single turn), the answer is
 * reward_model.ground_truth, the id extra_info.question_id or extra_info.index. A prompt of several turns
 * is refused rather than cut to its last one.
 */
function verlQuestions(file: string, rows: readonly Row[]): Question[] {
  const seen = new Map<string, number>();
  return rows.map(({ line, row }, i) => {
    const where = line ?? i + 1;
    if (!isVerlRow(row)) throw new InputError(file, where, "not a verl row (expected a chat-list prompt and reward_model)");
    const messages = row.prompt as Array<{ role?: unknown; content?: unknown } | null>;
    if (messages.length !== 1 || messages[0]?.role !== "user" || typeof messages[0].content !== "string" || messages[0].content === "") {
      const roles = messages.map((m) => String(m?.role)).join(", ");
      throw new InputError(file, where, `prompt: expected one user message with text, got [${roles}] (rlvd samples one question per row; a system turn would be lost)`);
    }
    const truth = (row.reward_model as Record<string, unknown>).ground_truth;
    const answer = Array.isArray(truth) && truth.length === 1 ? truth[0] : truth;
    if ((typeof answer !== "string" || answer === "") && typeof answer !== "number") {
      throw new InputError(file, where, `reward_model.ground_truth: expected a non-empty string or number, got ${JSON.stringify(truth)}`);
    }
    const extra = (row.extra_info ?? {}) as Record<string, unknown>;
    const rawId = extra.question_id ?? extra.index ?? i;
    if (typeof rawId !== "string" && typeof rawId !== "number") throw new InputError(file, where, `extra_info.index: expected a string or number, got ${JSON.stringify(rawId)}`);
    const id = String(rawId);
    if (seen.has(id)) throw new InputError(file, where, `duplicate question id ${id} (first at row ${seen.get(id)})`);
    seen.set(id, where);
    const meta: Record<string, unknown> = { source: basename(file) };
    for (const key of ["data_source", "ability"]) if (row[key] !== undefined && row[key] !== null) meta[key] = row[key];
    if (extra.split !== undefined && extra.split !== null) meta.split = extra.split;
    return { id, prompt: messages[0].content, answer: String(answer), meta };
  });
}
