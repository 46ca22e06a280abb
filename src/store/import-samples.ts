import { z } from "zod";
import { readJsonl } from "../core/jsonl.js";
import { recordInManifest } from "../core/run-folder.js";
import { parseLine } from "../core/validate.js";
import { InputError, RlvdError } from "../core/errors.js";
import type { Question, Sample } from "../core/types.js";
import { commitSamples, SampleBatch } from "./samples.js";
import { upsertQuestions } from "./questions.js";
import { withStore } from "./store.js";
import type { ImportResult } from "./import-counts.js";

export type SampleFileFormat = "generic" | "qwen";
export type ImportSamplesOptions = {
  format?: SampleFileFormat | "auto";
  /** model name: required for the Qwen schema (it has none), a fallback for generic lines without `model` */
  model?: string;
  /** the field that identifies a question (generic: `question`; Qwen schema: `idx`) */
  idField?: string;
};

const id = z.union([z.string().min(1), z.number()], { error: "must be a question id (string or number)" }).transform(String);
const verdict = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.null()], { error: "must be true, false, 0, 1 or null" })
  .transform((v) => (v === null ? null : Boolean(v)));
const answerText = z.union([z.string(), z.number()], { error: "must be a string or number" }).transform(String);

/** A generic sample line: `{model, question, sample_index?, response, correct?, answer?, extracted?}`. */
const GenericLineSchema = z.object({
  model: z.string().min(1).optional(),
  question: id,
  sample_index: z.number().int().nonnegative({ error: "must be a non-negative integer" }).optional(),
  response: z.string({ error: "must be the response text (string)" }).nullable(),
  correct: verdict.optional(),
  /** the gold answer of the question */
  answer: answerText.nullable().optional(),
  /** the final answer extracted from the response */
  extracted: answerText.nullable().optional(),
  prompt: z.string().optional(),
  n_tokens: z.number().int().nonnegative().nullable().optional(),
  finish_reason: z.string().nullable().optional(),
});

/** One question per line with all its responses: the Qwen2.5-Math evaluation / limit-of-RLVR output schema. */
const QwenLineSchema = z.object({
  question: z.string().optional(),
  problem: z.string().optional(),
  gt: answerText,
  code: z.array(z.string({ error: "must be a list of response strings" }), { error: "must be a list of responses" }),
  pred: z.array(z.union([z.string(), z.number(), z.null()]).transform((v) => (v === null ? null : String(v)))).optional(),
  score: z.array(z.boolean({ error: "must be a list of booleans" }), { error: "must be a list of booleans" }).optional(),
  level: z.union([z.string(), z.number()]).optional(),
  type: z.string().optional(),
  subject: z.string().optional(),
});

/**
 * Imports samples from JSONL into run folder `runDir`: the generic sample schema, or the Qwen evaluation schema
 * (auto-detected from the first line). All or nothing: a bad line aborts the import with `file:line: problem`.
 */
export async function importSamplesFile(runDir: string, file: string, options: ImportSamplesOptions = {}): Promise<ImportResult> {
  const format = options.format === undefined || options.format === "auto" ? await detectFormat(file) : options.format;
  if (format === "qwen" && !options.model) {
    throw new RlvdError("BAD_ARGUMENT", `${file}: the Qwen evaluation schema has no model name; pass --model NAME`);
  }
  const result = await withStore(runDir, { create: true }, async (store) => {
    const batch = await SampleBatch.begin(store);
    const questions = new Map<string, { question: Partial<Question> & { id: string }; line: number }>();
    const models = new Set<string>();
    const questionIds = new Set<string>();
    const nextIndex = new Map<string, number>();
    let lines = 0;
    const add = (s: Sample, line: number) => {
      batch.add(s, line);
      models.add(s.model);
      questionIds.add(s.question_id);
      lines++;
    };
    for await (const { line, value } of readJsonl(file)) {
      if (format === "qwen") {
        const row = parseLine(QwenLineSchema, value, file, line);
        const qid = questionId(value, options.idField ?? "idx", file, line);
        if (row.score && row.score.length !== row.code.length) throw new InputError(file, line, `score has ${row.score.length} entries but code has ${row.code.length}`);
        if (row.pred && row.pred.length !== row.code.length) throw new InputError(file, line, `pred has ${row.pred.length} entries but code has ${row.code.length}`);
        const meta: Record<string, unknown> = {};
        if (row.level !== undefined) meta.level = row.level;
        if (row.type ?? row.subject) meta.subject = row.type ?? row.subject;
        rememberQuestion(questions, { id: qid, prompt: row.question ?? row.problem, answer: row.gt, meta }, line, file);
        row.code.forEach((text, i) => {
          const correct = row.score ? row.score[i]! : null;
          add({ model: options.model!, question_id: qid, sample_index: i, text, extracted: row.pred?.[i] ?? null, correct, verify_status: correct === null ? "unverified" : "imported" }, line);
        });
      } else {
        const row = parseLine(GenericLineSchema, value, file, line);
        const model = row.model ?? options.model;
        if (!model) throw new InputError(file, line, `field "model": is missing (or pass --model NAME)`);
        const qid = options.idField ? questionId(value, options.idField, file, line) : row.question;
        const key = `${model}\u0000${qid}`;
        const index = row.sample_index ?? nextIndex.get(key) ?? 0;
        nextIndex.set(key, index + 1);
        if (row.answer !== undefined || row.prompt !== undefined) {
          rememberQuestion(questions, { id: qid, prompt: row.prompt, answer: row.answer ?? undefined }, line, file);
        }
        const correct = row.correct ?? null;
        add({
          model, question_id: qid, sample_index: index, text: row.response, extracted: row.extracted ?? null, correct,
          verify_status: correct === null ? "unverified" : "imported", n_tokens: row.n_tokens ?? null, finish_reason: row.finish_reason ?? null,
        }, line);
      }
    }
    if (lines === 0) throw new InputError(file, undefined, "no samples in file");
    await upsertQuestions(store, questions.values(), file);
    const { inserted, unchanged } = await commitSamples(store, batch, { onConflict: "error", source: file });
    return { file, format, lines, models: [...models].sort(), questions: questionIds.size, inserted, unchanged };
  });
  await recordInManifest(runDir, { command: "import samples", file, format, inserted: result.inserted, unchanged: result.unchanged });
  return result;
}

function rememberQuestion(
  questions: Map<string, { question: Partial<Question> & { id: string }; line: number }>,
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

async function detectFormat(file: string): Promise<SampleFileFormat> {
  for await (const { value } of readJsonl(file)) {
    const v = value as Record<string, unknown>;
    return v !== null && typeof v === "object" && Array.isArray(v.code) ? "qwen" : "generic";
  }
  throw new InputError(file, undefined, "no samples in file");
}
