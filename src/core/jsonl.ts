import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { createInterface } from "node:readline";
import { InputError, RlvdError } from "./errors.js";

export type JsonlLine = { line: number; value: unknown };

/** Streams the non-blank lines of a JSONL file as parsed values; a malformed line throws an InputError naming it. */
export async function* readJsonl(file: string): AsyncGenerator<JsonlLine> {
  try {
    await access(file);
  } catch {
    throw new RlvdError("NOT_FOUND", `${file}: no such file`);
  }
  const rl = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of rl) {
    line++;
    const text = line === 1 ? raw.replace(/^\uFEFF/, "") : raw;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new InputError(file, line, `malformed JSON (${(e as Error).message})`);
    }
    yield { line, value };
  }
}
