import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { InputError, RlvdError } from "../../core/errors.js";
import { readJsonl } from "../../core/jsonl.js";

/** One record of a results file: a JSONL line, a Parquet row or an element of a JSON document. */
export type FileRecord = { line: number; value: unknown; key?: string };

/**
 * Streams the records of a results file, by extension: `.parquet` (rows, numbered from 1), `.json` (a document:
 * an array of records, {"examples": [...]}, or an object from id to record, numbered in order) and anything else
 * as JSONL (numbered by line).
 *
 * Parquet goes through DuckDB, which writes the rows as NDJSON to a scratch file that is then streamed like any
 * JSONL file: nested columns (structs, lists) arrive as the JSON a harness would have written, and memory stays
 * bounded whatever the file's size. A JSON document is parsed whole (SkyThought and evalchemy write documents
 * of a few thousand questions).
 */
export async function* readRecords(file: string, options: { first?: boolean } = {}): AsyncGenerator<FileRecord> {
  if (!existsSync(file)) throw new RlvdError("NOT_FOUND", `${file}: no such file`);
  if (file.endsWith(".parquet")) yield* readParquet(file, options.first ? " LIMIT 1" : "");
  else if (file.endsWith(".json")) yield* documentRecords(file, await readDocument(file));
  else yield* readJsonl(file);
}

async function* readParquet(file: string, limit: string): AsyncGenerator<FileRecord> {
  const dir = mkdtempSync(join(tmpdir(), "rlvd-parquet-"));
  try {
    const ndjson = join(dir, "rows.ndjson");
    const instance = await DuckDBInstance.create(":memory:");
    const db = await instance.connect();
    try {
      await db.run(`COPY (SELECT * FROM read_parquet(?)${limit}) TO '${ndjson.replace(/'/g, "''")}' (FORMAT json)`, [file]);
    } catch (e) {
      throw new InputError(file, undefined, `cannot read as Parquet (${(e as Error).message.split("\n")[0]})`);
    } finally {
      db.closeSync();
      instance.closeSync();
    }
    if (existsSync(ndjson)) yield* readJsonl(ndjson);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function readDocument(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new InputError(file, undefined, `malformed JSON (${(e as Error).message})`);
  }
}

function* documentRecords(file: string, doc: unknown): Generator<FileRecord> {
  if (Array.isArray(doc)) {
    for (let i = 0; i < doc.length; i++) yield { line: i + 1, value: doc[i] };
    return;
  }
  if (doc === null || typeof doc !== "object") throw new InputError(file, undefined, "expected a JSON array or object of records");
  const examples = (doc as { examples?: unknown }).examples;
  if (Array.isArray(examples)) {
    yield* documentRecords(file, examples);
    return;
  }
  let i = 0;
  for (const [key, value] of Object.entries(doc)) yield { line: ++i, value, key };
}
