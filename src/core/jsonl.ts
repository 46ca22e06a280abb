import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { InputError, RlvdError } from "./errors.js";

export type JsonlLine = { line: number; value: unknown };

/**
 * Streams the non-blank lines of a JSONL file as parsed values; a malformed line throws an InputError naming it.
 * Splits 1 MB chunks itself (readline is several times slower on multi-million-line files).
 */
export async function* readJsonl(file: string, options: { lossy?: boolean } = {}): AsyncGenerator<JsonlLine> {
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
  // invalid UTF-8 is an error naming its line (or, lossy, U+FFFD as Node decodes it): silently replaced bytes
  // would become answers and texts no one wrote
  const decoder = new TextDecoder("utf-8", { fatal: !options.lossy, ignoreBOM: true });
  let tail: Buffer = Buffer.alloc(0);
  for await (const bytes of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = bytes as Buffer;
    let decoded: string;
    try {
      decoded = decoder.decode(buf, { stream: true });
    } catch {
      throw new InputError(file, line + badLine(Buffer.concat([tail, buf])), "invalid UTF-8 (pass --lossy to read it with U+FFFD in place of the bad bytes)");
    }
    const nl = buf.lastIndexOf(10);
    tail = nl >= 0 ? buf.subarray(nl + 1) : Buffer.concat([tail, buf]);
    const text = rest + decoded;
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      const parsed = parse(text.slice(start, nl));
      start = nl + 1;
      if (parsed) yield parsed;
    }
    rest = text.slice(start);
  }
  try {
    rest += decoder.decode();
  } catch {
    throw new InputError(file, line + 1, "invalid UTF-8 (a truncated character at the end; pass --lossy to read it anyway)");
  }
  if (rest.length > 0) {
    const parsed = parse(rest);
    if (parsed) yield parsed;
  }
}

/** 1-based index of the first line of `buf` (whole lines, the first one from its start) that is not valid UTF-8. */
function badLine(buf: Buffer): number {
  const strict = new TextDecoder("utf-8", { fatal: true });
  let start = 0;
  for (let i = 1; ; i++) {
    const nl = buf.indexOf(10, start);
    const end = nl < 0 ? buf.length : nl;
    try {
      // the last piece may end inside a character that the next chunk completes
      strict.decode(buf.subarray(start, end), { stream: nl < 0 });
    } catch {
      return i;
    }
    if (nl < 0) return i;
    start = nl + 1;
  }
}
