import { z } from "zod";
import { readJsonlBatches } from "../core/jsonl.js";
import { recordInManifest } from "../core/run-folder.js";
import { parseLine } from "../core/validate.js";
import { InputError, RlvdError } from "../core/errors.js";
import type { Question } from "../core/types.js";
import { commitSamples, SampleBatch } from "./samples.js";
import { upsertQuestions } from "./questions.js";
import { withStore, type SampleStore } from "./store.js";
import type { ImportResult } from "./import-counts.js";
import { readRecords } from "./formats/read-records.js";
import { detectFormat, formatByName, type FORMAT_NAMES } from "./formats/registry.js";
import { importHarnessRecords, type HarnessImportOptions, type HarnessImportResult } from "./import-harness.js";
import { DirectImport, NeedsSqlPath, newKeyState, type KeyState } from "./import-direct.js";

/** DuckDB's memory limit while a harness file is imported (the store is open for the import alone). */
const IMPORT_MEMORY_LIMIT = "512MB";

/** "generic" (rlvd's own sample lines) or the name of a harness format (formats/registry.ts). */
export type SampleFileFormat = (typeof FORMAT_NAMES)[number];
export type ImportSamplesOptions = Omit<HarnessImportOptions, "model" | "staging"> & {
  format?: SampleFileFormat | "auto";
  /** model name: required for harness formats (they have none), a fallback for generic lines without `model` */
  model?: string;
  /** the field that identifies a question (generic: `question`; Qwen schema: `idx`) */
  idField?: string;
  /** generic JSONL: invalid UTF-8 read with U+FFFD (default: an error naming the line) */
  lossy?: boolean;
  /**
   * how rows are staged: "auto" writes generic files straight to segments where no key needs the store's checks
   * (import-direct.ts), else lets DuckDB read plain ones itself; "duckdb" skips the direct write; "js" always
   * stages line by line through DuckDB's appender (the reference the others are tested against)
   */
  staging?: "auto" | "duckdb" | "js";
};

/** What an import did; `detected` says the format was recognised rather than named. */
export type SampleImportResult = ImportResult & Partial<Omit<HarnessImportResult, keyof ImportResult>> & { detected: boolean };

const id = z.union([z.string().min(1), z.number()], { error: "must be a question id (string or number)" }).transform(String);
const verdict = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.null()], { error: "must be true, false, 0, 1 or null" })
  .transform((v) => (v === null ? null : Boolean(v)));
const answerText = z.union([z.string(), z.number()], { error: "must be a string or number" }).transform(String);

/** The largest sample index (and token count) the store holds: its columns are 32-bit signed INTEGERs (schema.ts). */
export const MAX_SAMPLE_INDEX = 2 ** 31 - 1;

/** A generic sample line: `{model, question, sample_index?, response, correct?, answer?, extracted?}`. */
const GenericLineSchema = z.object({
  model: z.string().min(1).optional(),
  question: id,
  sample_index: z.number().int().nonnegative({ error: "must be a non-negative integer" })
    .max(MAX_SAMPLE_INDEX, { error: `must be at most ${MAX_SAMPLE_INDEX} (the store's 32-bit index)` }).optional(),
  response: z.string({ error: "must be the response text (string)" }).nullable(),
  correct: verdict.optional(),
  /** the gold answer of the question */
  answer: answerText.nullable().optional(),
  /** the final answer extracted from the response */
  extracted: answerText.nullable().optional(),
  prompt: z.string().optional(),
  n_tokens: z.number().int().nonnegative().max(MAX_SAMPLE_INDEX, { error: `must be at most ${MAX_SAMPLE_INDEX}` }).nullable().optional(),
  finish_reason: z.string().nullable().optional(),
});

type QuestionEntry = { question: Partial<Question> & { id: string }; line: number };
type Scan = {
  questions: Map<string, QuestionEntry>;
  models: Set<string>;
  questionIds: Set<string>;
  lines: number;
  /** DuckDB can read the file itself with the same meaning (see importSamplesFile) */
  plain: boolean;
};

/**
 * Imports samples into run folder `runDir`: the generic sample schema, or any harness format of
 * formats/registry.ts (detected from the first record unless named). All or nothing: a bad line aborts the
 * import with `file:line: problem`. Harness files go through import-harness.ts; the rest of this file is the
 * generic schema.
 *
 * Three paths, one meaning. Every file is validated line by line in JavaScript. Where no key of the file is
 * repeated in it or may be stored already (a model the store has no samples of), the validated lines go straight
 * into Parquet segments (import-direct.ts), with no DuckDB staging, key SQL or COPY. Otherwise the file is
 * imported again through DuckDB, whose checks report clashes and count identical repeats: a "plain" generic file
 * (every line has sample_index; ids and extracted answers are strings or safe integers) is read by DuckDB's
 * parallel JSON reader while JavaScript validates it; any other file, and any import whose checks fail on that
 * path (to report exact line numbers), is staged line by line.
 */
export async function importSamplesFile(runDir: string, file: string, options: ImportSamplesOptions = {}): Promise<SampleImportResult> {
  const detected = options.format === undefined || options.format === "auto";
  const format = detected ? await detectFileFormat(file) : options.format!;
  const harness = formatByName(format);
  if (harness) {
    if (harness.needsModel && !options.model) throw new RlvdError("BAD_ARGUMENT", `${file}: the ${format} format has no model name; pass --model NAME`);
    const result = await withStore(runDir, { create: true }, async (store) => {
      // bounded memory for multi-gigabyte files: DuckDB spills its staging and checks to disk past this
      await store.run(`SET memory_limit = '${IMPORT_MEMORY_LIMIT}'`);
      return importHarnessRecords(store, file, harness, { ...options, staging: options.staging === "js" ? "js" : "auto" });
    });
    await recordInManifest(runDir, { command: "import samples", file, format, inserted: result.inserted, unchanged: result.unchanged });
    return { ...result, detected };
  }
  if (format !== "generic") throw new RlvdError("BAD_ARGUMENT", `unknown format ${format}`);
  const result = await withStore(runDir, { create: true }, async (store) => {
    if (options.staging === undefined || options.staging === "auto") {
      const direct = new DirectImport(store);
      try {
        const scan = await scanSamples(file, format, options, (model, qid, index, row, key) => direct.add(
          model, qid, index, row.response, row.extracted ?? null, row.correct ?? null, row.n_tokens ?? null, row.finish_reason ?? null, key));
        const inserted = await direct.land(file, scan.questions.values(), scan.questionIds);
        return { file, format, lines: scan.lines, models: [...scan.models].sort(), questions: scan.questionIds.size, inserted, unchanged: 0 };
      } catch (e) {
        if (!(e instanceof NeedsSqlPath)) throw e;
      } finally {
        direct.discard();
      }
    }
    if (format === "generic" && !options.idField && options.staging !== "js" && !options.lossy) {
      // DuckDB reads the file on its own threads while this thread validates it
      const read = SampleBatch.fromSelect(
        store,
        `SELECT coalesce(model, ?) AS model, question AS question_id, sample_index, response AS text, finish_reason, n_tokens, extracted,
                CAST(correct AS BOOLEAN) AS correct, CASE WHEN correct IS NULL THEN 'unverified' ELSE 'imported' END AS verify_status,
                NULL::BIGINT AS seed, NULL::DOUBLE AS latency_ms, NULL::VARCHAR AS grading, NULL::BOOLEAN AS harness_correct, ordinality::INTEGER AS line
           FROM read_json(?, format = 'newline_delimited', columns = {model: 'VARCHAR', question: 'VARCHAR', sample_index: 'INTEGER',
                response: 'VARCHAR', correct: 'VARCHAR', extracted: 'VARCHAR', n_tokens: 'INTEGER', finish_reason: 'VARCHAR'}) WITH ORDINALITY`,
        [options.model ?? "", file],
      ).catch(() => null);
      const scan = await scanSamples(file, format, options, null);
      const batch = await read;
      if (scan.plain && batch !== null) {
        try {
          return await land(store, file, format, scan, batch);
        } catch (e) {
          if (!(e instanceof InputError)) throw e; // a clash: the exact path below reports its true line numbers
        }
      }
    }
    const batch = await SampleBatch.begin(store);
    const scan = await scanSamples(file, format, options, (model, qid, index, row, _key, line) => {
      const correct = row.correct ?? null;
      batch.add({
        model, question_id: qid, sample_index: index, text: row.response, extracted: row.extracted ?? null, correct,
        verify_status: correct === null ? "unverified" : "imported", n_tokens: row.n_tokens ?? null, finish_reason: row.finish_reason ?? null,
      }, line);
    });
    return land(store, file, format, scan, batch);
  });
  await recordInManifest(runDir, { command: "import samples", file, format, inserted: result.inserted, unchanged: result.unchanged });
  return { ...result, detected };
}

async function land(store: SampleStore, file: string, format: SampleFileFormat, scan: Scan, batch: SampleBatch): Promise<ImportResult> {
  if (scan.lines === 0) throw new InputError(file, undefined, "no samples in file");
  const { inserted, unchanged } = await store.transaction(async () => {
    await upsertQuestions(store, scan.questions.values(), file);
    return commitSamples(store, batch, { onConflict: "error", source: file });
  });
  return { file, format, lines: scan.lines, models: [...scan.models].sort(), questions: scan.questionIds.size, inserted, unchanged };
}

/** A validated line: its model, question id and sample index (numbered per question where the line has none). */
type SampleSink = (model: string, qid: string, index: number, row: GenericLine, key: KeyState, line: number) => void;

/** Validates every line; hands each sample to `sink` (null: validation only). */
async function scanSamples(file: string, format: SampleFileFormat, options: ImportSamplesOptions, sink: SampleSink | null): Promise<Scan> {
  const scan: Scan = { questions: new Map(), models: new Set(), questionIds: new Set(), lines: 0, plain: format === "generic" && !options.idField };
  // per model, per question id: the next index and the taken ones (one map lookup a line; the model rarely changes)
  const keys = new Map<string, Map<string, KeyState>>();
  let lastModel: string | null = null;
  let modelKeys = new Map<string, KeyState>();
  for await (const { values, lines } of readJsonlBatches(file, { lossy: options.lossy })) {
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      const line = lines[i]!;
      const row = commonGenericLine(value) ?? parseLine(GenericLineSchema, value, file, line);
      const model = row.model ?? options.model;
      if (!model) throw new InputError(file, line, `field "model": is missing (or pass --model NAME)`);
      const qid = options.idField ? questionId(value, options.idField, file, line) : row.question;
      if (scan.plain) {
        const raw = value as Record<string, unknown>;
        if (row.sample_index === undefined || !plainValue(raw.question) || !plainValue(raw.extracted)) scan.plain = false;
      }
      if (model !== lastModel) {
        let m = keys.get(model);
        if (m === undefined) {
          keys.set(model, (m = new Map()));
          scan.models.add(model);
        }
        modelKeys = m;
        lastModel = model;
      }
      let key = modelKeys.get(qid);
      if (key === undefined) {
        modelKeys.set(qid, (key = newKeyState()));
        scan.questionIds.add(qid);
      }
      const index = row.sample_index ?? key.next;
      key.next = index + 1;
      if (row.answer !== undefined || row.prompt !== undefined) {
        rememberQuestion(scan.questions, { id: qid, prompt: row.prompt, answer: row.answer ?? undefined }, line, file);
      }
      sink?.(model, qid, index, row, key, line);
      scan.lines++;
    }
  }
  return scan;
}

/** A value DuckDB's JSON reader turns into the same VARCHAR as String() does (see importSamplesFile). */
function plainValue(v: unknown): boolean {
  return v === undefined || v === null || typeof v === "string" || (typeof v === "number" && Number.isSafeInteger(v));
}

type GenericLine = z.infer<typeof GenericLineSchema>;

/**
 * The generic schema's most common shape, checked by hand: such a line means exactly what the zod schema would
 * make of it (no transforms apply), and checking it costs a fraction of a schema parse. Anything else — other
 * types, and every error — goes through the schema, which also words the error message.
 */
function commonGenericLine(value: unknown): GenericLine | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.question !== "string" || v.question.length === 0) return null;
  if (v.model !== undefined && (typeof v.model !== "string" || v.model.length === 0)) return null;
  if (v.sample_index !== undefined && !int32(v.sample_index)) return null;
  if (v.response !== null && typeof v.response !== "string") return null;
  if (v.correct !== undefined && v.correct !== null && typeof v.correct !== "boolean") return null;
  if (!optionalString(v.answer) || !optionalString(v.extracted) || !optionalString(v.finish_reason)) return null;
  if (v.prompt !== undefined && typeof v.prompt !== "string") return null;
  if (v.n_tokens !== undefined && v.n_tokens !== null && !int32(v.n_tokens)) return null;
  return v as GenericLine;
}

// commonGenericLine's checks, at module level: closures made per line cost more than the checks (and under tsx,
// whose esbuild names every function, a defineProperty each)
function optionalString(x: unknown): boolean {
  return x === undefined || x === null || typeof x === "string";
}

function int32(x: unknown): boolean {
  return Number.isSafeInteger(x) && (x as number) >= 0 && (x as number) <= MAX_SAMPLE_INDEX;
}

function rememberQuestion(
  questions: Map<string, QuestionEntry>,
  q: Partial<Question> & { id: string },
  line: number,
  file: string,
): void {
  const known = questions.get(q.id);
  if (!known) {
    questions.set(q.id, { question: q, line });
    return;
  }
  if (q.answer !== undefined && known.question.answer !== undefined && q.answer !== known.question.answer) {
    throw new InputError(file, line, `question ${q.id} has answer ${JSON.stringify(q.answer)} but line ${known.line} gave ${JSON.stringify(known.question.answer)}`);
  }
  known.question.answer ??= q.answer;
  known.question.prompt ??= q.prompt;
}

function questionId(value: unknown, field: string, file: string, line: number): string {
  const v = (value as Record<string, unknown>)[field];
  if (typeof v === "string" && v.length > 0) return v;
  if (typeof v === "number") return String(v);
  throw new InputError(file, line, `field "${field}": is missing (the question id; choose another with --id-field)`);
}

/** The format of a file, judged from its first record; a file that matches none is an error naming the closest. */
export async function detectFileFormat(file: string): Promise<SampleFileFormat> {
  for await (const { line, value } of readRecords(file, { first: true })) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new InputError(file, line, "not a JSON object");
    const d = detectFormat(value as Record<string, unknown>);
    if (d.format !== null) return d.format as SampleFileFormat;
    throw new InputError(file, line, `matches no known format; closest is ${d.closest} (missing field "${d.missing}"); name one with --format`);
  }
  throw new InputError(file, undefined, "no samples in file");
}
