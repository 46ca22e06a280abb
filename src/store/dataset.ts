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
