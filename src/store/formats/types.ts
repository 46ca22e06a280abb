import { createHash } from "node:crypto";
import { InputError } from "../../core/errors.js";
import type { SampleStore } from "../store.js";

/** One response as a harness file records it. */
export type HarnessSample = {
  text: string | null;
  /** the harness's own verdict on this response (null: it gives none per response) */
  harness: boolean | null;
  extracted?: string | null;
  n_tokens?: number | null;
  finish_reason?: string | null;
};

/**
 * What a format makes of one record of its file: one question and some of its responses. `grouped`: the record
 * holds the question's responses of this file in order (indices are their positions); otherwise each record is
 * one more response and indices continue per (model, question) in file order.
 */
export type HarnessRecord = {
  /** the harness's own question id; absent: derived from the prompt (see promptId) */
  id?: string;
  /** the question text, for matching against a dataset and for derived ids */
  prompt?: string;
  /** the full text the model was given, when it wraps the question in a template (matched by containment) */
  input?: string;
  gold?: string;
  meta?: Record<string, unknown>;
  /** a model name the record carries itself (else --model) */
  model?: string;
  /** a training step (verl dumps): the model becomes `NAME@step-N` */
  step?: number;
  samples: HarnessSample[];
  grouped: boolean;
};

/** What converters may read besides the record. */
export type FormatContext = {
  file: string;
  /** the field holding the question id, where a format lets the user choose (Qwen schema: default idx) */
  idField?: string;
  /** lm-eval: the filter whose lines are kept (others are skipped); null until the first line picks one */
  filter: string | null;
  /** records skipped on purpose (another lm-eval filter), for the import summary */
  skipped: number;
  /** readInDuckDb: which of a format's SQL readings took the file (lm-eval: "typed", else "general"), for tests */
  reading?: "typed" | "general";
  /**
   * readInDuckDb: the records' `input` is needed even where they have a prompt (--dataset matches by it too);
   * otherwise a reading may leave the input NULL on records whose prompt stands for the question
   */
  needsInput?: boolean;
};

/** A harness's output format: how to recognise its first record and turn each record into rlvd samples. */
export type HarnessFormat = {
  name: string;
  /** one line for --help and the README: whose writer, which file */
  summary: string;
  /** top-level fields of a record that identify the format; any one list being complete is a match */
  signatures: readonly (readonly string[])[];
  /** the file names no model: --model is required */
  needsModel: boolean;
  /**
   * Converts one record (a JSONL line, a Parquet row, an element of a JSON document); `key` is the record's key
   * when the document is an object of records. Returns null for a record skipped on purpose.
   */
  convert(value: Record<string, unknown>, line: number, ctx: FormatContext, key?: string): HarnessRecord | null;
  /**
   * The same conversion done by DuckDB over the whole file, for formats whose records carry their question id
   * (the rest derive ids from prompts by a hash DuckDB cannot compute): fills a TEMP table of
   * DUCKDB_RECORD_COLUMNS and returns its name, or null where the file is not one it reads (the records then go
   * through `convert`). It sets ctx.filter as `convert` would. Where a row is not plain, the whole file goes
   * through `convert`, which also words the errors.
   */
  readInDuckDb?(store: SampleStore, file: string, ctx: FormatContext): Promise<string | null>;
};

/**
 * The table readInDuckDb fills, one row per record. `kept`: not skipped on purpose (another lm-eval filter);
 * `plain`: the SQL conversion means what `convert` would make of the record. The lists hold one entry per
 * response (`extracted`, `harness`, `finish_reason` may be NULL: none for any response).
 */
export const DUCKDB_RECORD_COLUMNS = [
  "line", "kept", "plain", "id", "prompt", "input", "gold", "meta", "texts", "extracted", "harness", "finish_reason",
] as const;

/**
 * Field readers that word their errors as `file:line: field "x": problem`. Converters check fields by hand, not
 * with zod: these run once per record of multi-gigabyte files, and a hand check is several times cheaper.
 */
export class Fields {
  constructor(
    readonly v: Record<string, unknown>,
    readonly file: string,
    readonly line: number,
  ) {}

  fail(field: string, problem: string): never {
    throw new InputError(this.file, this.line, `field "${field}": ${problem}`);
  }

  has(field: string): boolean {
    return this.v[field] !== undefined && this.v[field] !== null;
  }

  string(field: string): string {
    const x = this.v[field];
    if (typeof x !== "string") this.fail(field, x === undefined ? "is missing" : "must be a string");
    return x;
  }

  optString(field: string): string | undefined {
    const x = this.v[field];
    if (x === undefined || x === null) return undefined;
    if (typeof x !== "string") this.fail(field, "must be a string");
    return x;
  }

  /** an id or answer: a string, or a number written as text */
  text(field: string): string {
    const x = this.v[field];
    if (typeof x === "string") return x;
    if (typeof x === "number" && Number.isFinite(x)) return String(x);
    return this.fail(field, x === undefined ? "is missing" : "must be a string or number");
  }

  optText(field: string): string | undefined {
    return this.v[field] === undefined || this.v[field] === null ? undefined : this.text(field);
  }

  array(field: string): unknown[] {
    const x = this.v[field];
    if (!Array.isArray(x)) this.fail(field, x === undefined ? "is missing" : "must be a list");
    return x;
  }

  optArray(field: string): unknown[] | undefined {
    return this.v[field] === undefined || this.v[field] === null ? undefined : this.array(field);
  }

  object(field: string): Fields {
    const x = this.v[field];
    if (x === null || typeof x !== "object" || Array.isArray(x)) this.fail(field, x === undefined ? "is missing" : "must be an object");
    return new Fields(x as Record<string, unknown>, this.file, this.line);
  }

  optObject(field: string): Fields | undefined {
    return this.v[field] === undefined || this.v[field] === null ? undefined : this.object(field);
  }

  /** a list of strings (responses), checked element by element */
  strings(field: string): string[] {
    const list = this.array(field);
    for (let i = 0; i < list.length; i++) if (typeof list[i] !== "string") this.fail(`${field}[${i}]`, "must be a string");
    return list as string[];
  }

  /** a list whose length must match the responses' */
  sameLength(field: string, n: number): unknown[] | undefined {
    const list = this.optArray(field);
    if (list && list.length !== n) throw new InputError(this.file, this.line, `field "${field}" has ${list.length} entries but there are ${n} responses`);
    return list;
  }
}

/** A value as answer text (gold or extracted): strings and finite numbers; anything else is absent. */
export function answerText(x: unknown): string | null {
  if (typeof x === "string") return x;
  if (typeof x === "number" && Number.isFinite(x)) return String(x);
  return null;
}

/** A 0/1 or boolean verdict; anything else (a fraction, a score) is no per-response verdict. */
export function binaryVerdict(x: unknown): boolean | null {
  if (typeof x === "boolean") return x;
  if (x === 0 || x === 1) return x === 1;
  return null;
}

/** Metric names harnesses use for a per-response right/wrong, most specific first. */
export const VERDICT_METRICS = ["exact_match", "extractive_match", "math_pass@1:1_samples", "qem", "em", "acc", "correct", "pass@1"];

/** The harness verdict among a record's metric values: the first known metric that is 0/1, else the first 0/1 one. */
export function metricVerdict(metrics: Record<string, unknown>, names?: readonly string[]): boolean | null {
  for (const name of VERDICT_METRICS) if (name in metrics && (!names || names.includes(name))) return binaryVerdict(metrics[name]);
  for (const name of names ?? Object.keys(metrics)) {
    const v = binaryVerdict(metrics[name]);
    if (v !== null) return v;
  }
  return null;
}

/** GSM8K-style gold ("reasoning ... #### 72") keeps the part after "####", as datasets are read. */
export function goldAnswer(text: string): string {
  const at = text.lastIndexOf("####");
  return at >= 0 ? text.slice(at + 4).trim() : text;
}

/** Prompt text as compared across files: Unicode-normalised, whitespace collapsed, trimmed. */
export function normalisePrompt(text: string): string {
  return text.normalize("NFKC").replace(/\s+/g, " ").trim();
}

/** A stable question id for harnesses that record none (verl dumps, OpenRLHF, lighteval): a hash of the prompt. */
export function promptId(prompt: string): string {
  return "p-" + createHash("sha1").update(normalisePrompt(prompt)).digest("hex").slice(0, 16);
}

/** The text of the last user turn of a chat prompt (a list of {role, content}), or the prompt itself. */
export function userText(prompt: unknown): string | undefined {
  if (typeof prompt === "string") return prompt;
  if (!Array.isArray(prompt)) return undefined;
  for (let i = prompt.length - 1; i >= 0; i--) {
    const m = prompt[i] as { role?: unknown; content?: unknown } | null;
    if (m && m.role === "user" && typeof m.content === "string") return m.content;
  }
  return undefined;
}

/** level/subject metadata found under the names datasets use. */
export function questionMeta(v: Record<string, unknown>): Record<string, unknown> | undefined {
  const meta: Record<string, unknown> = {};
  if (v.level !== undefined && v.level !== null) meta.level = v.level;
  const subject = v.subject ?? v.type;
  if (subject !== undefined && subject !== null) meta.subject = subject;
  return Object.keys(meta).length > 0 ? meta : undefined;
}
