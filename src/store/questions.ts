import { InputError } from "../core/errors.js";
import type { Question } from "../core/types.js";
import { StagingTable, type StagingColumn } from "./staging.js";
import type { SampleStore } from "./store.js";

/**
 * Adds questions, or fills in the prompt/answer/meta of ones known only by id. A question whose stored gold
 * answer differs from the incoming one is an error: grading against two different answers would be silent
 * corruption.
 */
export async function upsertQuestions(
  store: SampleStore,
  questions: Iterable<{ question: Partial<Question> & { id: string }; line: number | null }>,
  source = "questions",
): Promise<void> {
  const staged = await stageQuestions(store);
  for (const { question: q, line } of questions) pushQuestion(staged, q, line);
  await commitStagedQuestions(store, staged, source);
}

const QUESTION_STAGING: StagingColumn[] = [["id", "VARCHAR"], ["prompt", "VARCHAR"], ["answer", "VARCHAR"], ["meta", "VARCHAR"], ["line", "INTEGER"]];

/** A staging table for questions, filled with pushQuestion and landed with commitStagedQuestions. */
export function stageQuestions(store: SampleStore): Promise<StagingTable> {
  return StagingTable.create(store, "staged_questions", QUESTION_STAGING);
}

/** The same staging table filled by a query yielding (id, prompt, answer, meta, line). */
export function stageQuestionsFrom(store: SampleStore, select: string, params: string[] = []): Promise<StagingTable> {
  return StagingTable.fromSelect(store, "staged_questions", QUESTION_STAGING, select, params);
}

export function pushQuestion(staged: StagingTable, q: Partial<Question> & { id: string }, line: number | null): void {
  staged.push([q.id, q.prompt ?? null, q.answer ?? null, q.meta ? JSON.stringify(q.meta) : null, line]);
}

/**
 * Lands staged questions (the first row of an id wins). Two rows of one id with different gold answers, or a
 * gold answer that differs from the stored one, are an error naming the line.
 *
 * `distinct`: the caller knows that no id is staged twice (an import of a million documents counts its
 * distinct ids anyway). Then every staged row is already its id's first row, and the grouping into one row per
 * id and the in-file gold-clash join (a hash aggregate and a join over every staged row) are skipped: with no
 * repeated id there is nothing to fold and no clash within the file. The rows written are the same.
 */
export async function commitStagedQuestions(
  store: SampleStore, staged: StagingTable, source = "questions", options: { distinct?: boolean } = {},
): Promise<void> {
  await staged.finish();
  let firsts = "staged_questions";
  if (!options.distinct) {
    firsts = "staged_questions_first";
    // one row per id: the first line's fields, later lines filling what it lacks; a hash aggregate, several
    // times cheaper than a window over millions of staged rows. Rows without a line (API writes) come last.
    const first = (c: string) => `arg_min(${c}, coalesce(line, 2147483647)) FILTER (WHERE ${c} IS NOT NULL)`;
    await store.run(
      `CREATE OR REPLACE TEMP TABLE staged_questions_first AS
       SELECT id, ${first("prompt")} AS prompt, ${first("answer")} AS answer, ${first("meta")} AS meta,
              min(line) FILTER (WHERE answer IS NOT NULL) AS answer_line
         FROM staged_questions GROUP BY id`,
    );
    const inFile = await store.all<{ id: string; line: number; answer: string; first: string; first_line: number }>(
      `SELECT s.id, s.line, s.answer, f.answer AS first, f.answer_line AS first_line FROM staged_questions s JOIN staged_questions_first f USING (id)
        WHERE s.answer IS NOT NULL AND s.answer <> f.answer ORDER BY s.line LIMIT 1`,
    );
    if (inFile.length > 0) {
      const c = inFile[0]!;
      await store.run("DROP TABLE IF EXISTS temp.main.staged_questions_first");
      throw new InputError(source, c.line ?? undefined, `question ${c.id} has answer ${JSON.stringify(c.answer)} but line ${c.first_line} gave ${JSON.stringify(c.first)}`);
    }
  }
  const clash = await store.all<{ id: string; line: number; answer: string; stored: string }>(
    `SELECT a.id, a.line, a.answer, b.answer AS stored FROM staged_questions a JOIN questions b ON a.id = b.id
     WHERE a.answer IS NOT NULL AND b.answer IS NOT NULL AND a.answer <> b.answer ORDER BY a.line LIMIT 1`,
  );
  if (clash.length > 0) {
    const c = clash[0]!;
    await store.run("DROP TABLE IF EXISTS temp.main.staged_questions_first");
    throw new InputError(source, c.line ?? undefined, `question ${c.id} has answer ${JSON.stringify(c.answer)} but the store has ${JSON.stringify(c.stored)}`);
  }
  // only what adds to the store: new ids, or fields the stored question lacks (the first value written wins)
  await store.writeSegment(
    "questions",
    `SELECT s.id, s.prompt, s.answer, s.meta FROM ${firsts} s LEFT JOIN questions q ON q.id = s.id
      WHERE q.id IS NULL OR (q.prompt IS NULL AND s.prompt IS NOT NULL) OR (q.answer IS NULL AND s.answer IS NOT NULL) OR (q.meta IS NULL AND s.meta IS NOT NULL)`,
  );
  await store.run("DROP TABLE IF EXISTS temp.main.staged_questions_first");
  await staged.drop();
}

export async function getQuestions(store: SampleStore, ids?: string[]): Promise<Question[]> {
  const rows = await store.all<{ id: string; prompt: string | null; answer: string | null; meta: string | null }>(
    "SELECT id, prompt, answer, meta FROM questions ORDER BY id",
  );
  const wanted = ids ? new Set(ids) : null;
  return rows
    .filter((r) => !wanted || wanted.has(r.id))
    .map((r) => ({ id: r.id, prompt: r.prompt ?? "", answer: r.answer ?? "", ...(r.meta ? { meta: JSON.parse(r.meta) as Record<string, unknown> } : {}) }));
}
