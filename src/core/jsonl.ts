import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { InputError, RlvdError } from "./errors.js";

export type JsonlLine = { line: number; value: unknown };

/**
 * Streams the non-blank lines of a JSONL file as parsed values; a malformed line throws an InputError naming it.
 * Splits 1 MB chunks itself (readline is several times slower on multi-million-line files).
 */
export async function* readJsonl(file: string, options: { lossy?: boolean } = {}): AsyncGenerator<JsonlLine> {
  for await (const batch of readJsonlBatches(file, options)) {
    for (let i = 0; i < batch.values.length; i++) yield { line: batch.lines[i]!, value: batch.values[i] };
  }
}

/** The parsed non-blank lines of one read chunk: `values[i]` is line `lines[i]` (1-based) of the file. */
export type JsonlBatch = { values: unknown[]; lines: number[] };

/**
 * readJsonl a chunk (~1 MB) at a time: one await per chunk instead of one per line, and no object per line
 * (a multi-million-line import spent ~2 us a line in the per-line generator's promise and its `{line, value}`).
 * A malformed line or invalid UTF-8 ends the stream with its InputError after the lines before it have been
 * handed out, so a consumer checks and reports the lines in the same order as line by line.
 */
export async function* readJsonlBatches(file: string, options: { lossy?: boolean } = {}): AsyncGenerator<JsonlBatch> {
  try {
    await access(file);
  } catch {
    throw new RlvdError("NOT_FOUND", `${file}: no such file`);
  }
  let line = 0;
  let rest = "";
  let batch: JsonlBatch = { values: [], lines: [] };
  /** parses one line into `batch`; a malformed one is returned as its error (thrown once the batch before it is out) */
  const parse = (text: string): InputError | null => {
    line++;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.length > 0 && text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    if (isBlank(text)) return null;
    try {
      batch.values.push(JSON.parse(text));
      batch.lines.push(line);
      return null;
    } catch (e) {
      return new InputError(file, line, `malformed JSON (${(e as Error).message})`);
    }
  };
  const take = (): JsonlBatch => {
    const b = batch;
    batch = { values: [], lines: [] };
    return b;
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
      // the lines before the bad one are in this chunk's bytes, not yet decoded: the consumer has had every
      // line before this chunk, and the error names a line after those
      throw new InputError(file, line + badLine(Buffer.concat([tail, buf])), "invalid UTF-8 (pass --lossy to read it with U+FFFD in place of the bad bytes)");
    }
    const nl = buf.lastIndexOf(10);
    tail = nl >= 0 ? buf.subarray(nl + 1) : Buffer.concat([tail, buf]);
    const text = rest + decoded;
    let start = 0;
    let error: InputError | null = null;
    for (let nl = text.indexOf("\n"); nl >= 0 && error === null; nl = text.indexOf("\n", start)) {
      error = parse(text.slice(start, nl));
      start = nl + 1;
    }
    if (batch.values.length > 0) yield take();
    if (error !== null) throw error;
    rest = text.slice(start);
  }
  try {
    rest += decoder.decode();
  } catch {
    throw new InputError(file, line + 1, "invalid UTF-8 (a truncated character at the end; pass --lossy to read it anyway)");
  }
  if (rest.length > 0) {
    const error = parse(rest);
    if (batch.values.length > 0) yield take();
    if (error !== null) throw error;
  }
}

/** `text.trim() === ""` without making the trimmed copy of every line (the usual line starts with `{`). */
function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const c = text.charCodeAt(0);
  if (c === 0x7b || c === 0x5b || c === 0x22) return false; // { [ "
  return text.trim() === "";
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
