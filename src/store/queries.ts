import type { DuckDBListVector } from "@duckdb/node-api";
import type { CodedAnswers } from "../metrics/answers.js";
import type { SampleStore } from "./store.js";

export type StoredResult = { model: string; question_id: string; n: number; correct: number };

/**
 * Every model's per-question result: graded samples aggregated (n = graded samples, correct = right ones),
 * plus imported counts for (model, question) pairs that have no samples. Samples not yet graded are not counted.
 */
export async function questionResults(store: SampleStore): Promise<StoredResult[]> {
  return store.all<StoredResult>(
    `SELECT model, question_id, count(correct)::INTEGER AS n, count_if(correct)::INTEGER AS correct
       FROM samples GROUP BY model, question_id HAVING count(correct) > 0
     UNION ALL
     SELECT model, question_id, n, correct FROM counts c
       WHERE NOT EXISTS (SELECT 1 FROM samples s WHERE s.model = c.model AND s.question_id = c.question_id)
     ORDER BY model, question_id`,
  );
}

export type ModelContents = { model: string; samples: number; ungraded: number; answers: number; texts: number; counted_questions: number };

/** What the store holds per model: sample totals, ungraded samples, extracted answers, texts and count rows. */
export async function modelContents(store: SampleStore): Promise<ModelContents[]> {
  return contentsQuery<ModelContents>(store, ", count(text)::INTEGER AS texts", ", coalesce(s.texts, 0) AS texts");
}

export type ModelCounts = Omit<ModelContents, "texts">;

/**
 * modelContents without the texts count, which is most of its cost: counting non-null texts decompresses every
 * response (gigabytes at the study's scale), while the other counts read small columns. For callers that scan
 * the texts anyway (analyze).
 */
export async function modelCounts(store: SampleStore): Promise<ModelCounts[]> {
  return contentsQuery<ModelCounts>(store, "", "");
}

async function contentsQuery<T>(store: SampleStore, textCount: string, textColumn: string): Promise<T[]> {
  return store.all<T>(
    `WITH s AS (SELECT model, count(*)::INTEGER AS samples, (count(*) - count(correct))::INTEGER AS ungraded,
                       count(extracted)::INTEGER AS answers${textCount} FROM samples GROUP BY model),
          c AS (SELECT model, count(*)::INTEGER AS counted_questions FROM counts GROUP BY model)
     SELECT m.name AS model, coalesce(s.samples, 0) AS samples, coalesce(s.ungraded, 0) AS ungraded,
            coalesce(s.answers, 0) AS answers${textColumn}, coalesce(c.counted_questions, 0) AS counted_questions
       FROM models m LEFT JOIN s ON s.model = m.name LEFT JOIN c ON c.model = m.name ORDER BY m.name`,
  );
}

/**
 * The gradings each model's verdicts were made under, with how many verdicts each: an rlvd convention label
 * (a store from before conventions has none: "any"), "world" for the synthetic world's own checker (embedded
 * study stages), or "imported" for verdicts that came with an import
 * (samples graded elsewhere, and per-question counts). Models without verdicts are absent.
 */
export async function modelGradings(store: SampleStore): Promise<{ model: string; grading: string; n: number }[]> {
  return store.all(
    `SELECT model, grading, sum(n)::INTEGER AS n FROM (
       SELECT model, CASE WHEN verify_status = 'imported' THEN 'imported' ELSE coalesce(grading, 'any') END AS grading, count(*) AS n
         FROM samples WHERE correct IS NOT NULL GROUP BY ALL
       UNION ALL SELECT model, 'imported' AS grading, sum(n) AS n FROM counts GROUP BY model)
     GROUP BY ALL ORDER BY model, grading`,
  );
}

/** One question's graded samples of one model: extracted answers and verdicts, in sample order. */
export type QuestionAnswers = { question_id: string; extracted: (string | null)[]; correct: boolean[] };

/**
 * Streams one model's graded answers one question at a time (grouped in SQL, in parallel, without sorting
 * the whole table), so analyses of millions of samples never hold them all in memory.
 */
export async function* answersByQuestion(store: SampleStore, model: string): AsyncGenerator<QuestionAnswers> {
  const result = await store.db.stream(
    `SELECT question_id, list(extracted ORDER BY sample_index) AS extracted, list(correct ORDER BY sample_index) AS correct
       FROM samples WHERE model = ? AND correct IS NOT NULL GROUP BY question_id ORDER BY question_id`,
    [model],
  );
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const [qid, extracted, correct] = chunk.getColumns() as [string[], Array<{ items: (string | null)[] }>, Array<{ items: boolean[] }>];
    for (let i = 0; i < chunk.rowCount; i++) yield { question_id: qid[i]!, extracted: extracted[i]!.items, correct: correct[i]!.items };
  }
}

/**
 * Two choices made for DuckDB's time, a third less than the plain query on the study's scale: each sample's code is
 * its string's position among the question's distinct strings (list_position over a few strings per sample; every
 * non-null string is among them), not a hash join of every sample with the distinct strings on two string keys;
 * and the distinct strings are put in order of first appearance by sorting one list of structs ('first' leads,
 * and is unique within a question), not by three ORDER BY aggregates, each of which sorts every question apart.
 */
const ANSWER_CODES_SQL = `
  WITH s AS (SELECT question_id, sample_index, extracted, correct FROM samples WHERE model = $1 AND correct IS NOT NULL),
       d AS (SELECT question_id, extracted, min(sample_index) AS first, count(*)::INTEGER AS size, count_if(correct)::INTEGER AS right_votes
               FROM s WHERE extracted IS NOT NULL GROUP BY question_id, extracted),
       a AS (SELECT question_id, list_sort(list({'first': first, 'answer': extracted, 'size': size, 'right_votes': right_votes})) AS distinct_answers
               FROM d GROUP BY question_id),
       k AS (SELECT question_id, list(extracted ORDER BY sample_index) AS extracted FROM s GROUP BY question_id)
  SELECT k.question_id, coalesce(answers, []) AS answers, coalesce(list_transform(distinct_answers, x -> x.size), []) AS sizes,
         coalesce(list_transform(distinct_answers, x -> x.right_votes), []) AS right_votes,
         list_transform(k.extracted, x -> CASE WHEN x IS NULL THEN -1 ELSE list_position(answers, x)::INTEGER - 1 END) AS codes
    FROM k LEFT JOIN (SELECT question_id, distinct_answers, list_transform(distinct_answers, x -> x.answer) AS answers FROM a) USING (question_id)
   ORDER BY k.question_id`;

/**
 * Streams one model's graded answers one question at a time as answer codes (metrics/answers.ts: CodedAnswers):
 * SQL finds each question's distinct extracted strings, numbered by first appearance in sample order, with how
 * many samples gave each and how many of those were right, and the code of every sample; JavaScript reads a
 * question's few distinct strings and a list of integers instead of one string per sample, which is most of
 * what reading the answers cost. Grouped in SQL, in parallel, without sorting the whole table.
 */
export async function* answerCodesByQuestion(store: SampleStore, model: string): AsyncGenerator<CodedAnswers> {
  const result = await store.db.stream(ANSWER_CODES_SQL, [model]);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const qid = chunk.getColumnVector(0);
    const answers = chunk.getColumnVector(1) as DuckDBListVector;
    const lists = [2, 3, 4].map((c) => chunk.getColumnVector(c) as DuckDBListVector);
    const strings = answers.childVector;
    for (let i = 0; i < chunk.rowCount; i++) {
      const a0 = answers.getEntryOffset(i);
      const distinct: string[] = [];
      for (let j = 0; j < answers.getEntryLength(i); j++) distinct.push(strings.getItem(a0 + j) as string);
      const [sizes, rights, codes] = lists.map((v) => {
        const from = v.getEntryOffset(i);
        const out = new Int32Array(v.getEntryLength(i));
        const items = v.childVector;
        for (let j = 0; j < out.length; j++) out[j] = items.getItem(from + j) as number;
        return out;
      }) as [Int32Array, Int32Array, Int32Array];
      yield { question_id: qid.getItem(i) as string, answers: distinct, sizes, rightVotes: rights, codes };
    }
  }
}

/**
 * answerCodesByQuestion on a side connection of the store (SampleStore.startBeside): resolves once the query
 * is executing, with `done`, every question's codes, for a caller that computes meanwhile (analyze). They take
 * a few bytes a sample: the distinct strings, and one integer per sample.
 */
export async function startAnswerCodes(store: SampleStore, model: string): Promise<{ done: Promise<CodedAnswers[]> }> {
  type Row = { question_id: string; answers: string[]; sizes: number[]; right_votes: number[]; codes: number[] };
  const started = await store.startBeside<Row>(ANSWER_CODES_SQL, [model]);
  return {
    done: started.rows.then((rows) =>
      rows.map((r) => ({ question_id: r.question_id, answers: r.answers, sizes: Int32Array.from(r.sizes), rightVotes: Int32Array.from(r.right_votes), codes: Int32Array.from(r.codes) })),
    ),
  };
}

/** One model's correct responses with their question's prompt (null: the store has none), in key order. */
export type CorrectResponse = { question_id: string; sample_index: number; text: string; prompt: string | null };

export async function correctResponses(store: SampleStore, model: string): Promise<CorrectResponse[]> {
  return store.all<CorrectResponse>(
    `SELECT s.question_id, s.sample_index, s.text, q.prompt FROM samples s JOIN questions q ON q.id = s.question_id
      WHERE s.model = ? AND s.correct AND s.text IS NOT NULL ORDER BY s.question_id, s.sample_index`,
    [model],
  );
}

/** Identical response texts of one model grouped: how many samples gave the text, how many of them were right. */
export type TextTally = { model: string; text: string; n: number; correct: number };

export async function textTallies(store: SampleStore): Promise<TextTally[]> {
  return store.all<TextTally>(
    "SELECT model, text, count(*)::INT AS n, sum(coalesce(correct, false)::INT)::INT AS correct FROM samples WHERE text IS NOT NULL GROUP BY 1, 2",
  );
}
