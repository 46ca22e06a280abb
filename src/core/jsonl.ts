import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { InputError, RlvdError } from "./errors.js";

export type JsonlLine = { line: number; value: unknown };

/**
 * Streams the non-blank lines of a JSONL file as parsed values; a malformed line throws an InputError naming it.
 * Splits 1 MB chunks itself (readline is several times slower on multi-million-line files).
 */
export async function* readJsonl(file: string): AsyncGenerator<JsonlLine> {
  try {
    await access(file);
  } catch {
    throw new RlvdError("NOT_FOUND", `${file}: no such file`);
  }
  let line = 0;
  let rest = "";
  const parse = (text: string): JsonlLine | null => {
    line++;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.length > 0 && text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    if (text.trim() === "") return null;
    try {
      return { line, value: JSON.parse(text) };
    } catch (e) {
      throw new InputError(file, line, `malformed JSON (${(e as Error).message})`);
    }
  };
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      const parsed = parse(text.slice(start, nl));
      start = nl + 1;
      if (parsed) yield parsed;
    }
    rest = text.slice(start);
  }
  if (rest.length > 0) {
    const parsed = parse(rest);
    if (parsed) yield parsed;
  }
}
