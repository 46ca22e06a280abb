import type { DuckDBDataChunk, DuckDBListVector, DuckDBStructVector } from "@duckdb/node-api";
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
 * One aggregation, by (question, extracted string): each distinct string's first sample index, count, right
 * votes and the sample indices that gave it (NULL: the samples without an answer). JavaScript then writes each
 * sample's code at its place in sample order (codedAnswers), so SQL neither sorts any question's samples nor
 * joins them with their distinct strings, which cost it three times as much on the study's scale. The distinct
 * strings are put in order of first appearance by sorting one list of structs ('first' leads, and is unique
 * within a question).
 */
const ANSWER_CODES_SQL = `
  WITH d AS (SELECT question_id, extracted, min(sample_index) AS first, count(*)::INTEGER AS size, count_if(correct)::INTEGER AS right_votes,
                    list(sample_index) AS positions
               FROM samples WHERE model = $1 AND correct IS NOT NULL GROUP BY question_id, extracted)
  SELECT question_id,
         coalesce(list_sort(list({'first': first, 'answer': extracted, 'size': size, 'right_votes': right_votes, 'positions': positions})
                  FILTER (WHERE extracted IS NOT NULL)), []) AS answers,
         coalesce(flatten(list(positions) FILTER (WHERE extracted IS NULL)), []) AS unanswered
    FROM d GROUP BY question_id ORDER BY question_id`;

/**
 * The questions of one chunk of ANSWER_CODES_SQL as CodedAnswers, read from the vectors (a row object per
 * question, with its structs and lists, costs more than the query). A sample's place is its rank in sample
 * order: its sample index itself where a question's indices are 0..n-1, as they are unless samples were
 * dropped or sharded unevenly.
 */
function codedAnswers(chunk: DuckDBDataChunk): CodedAnswers[] {
  const qid = chunk.getColumnVector(0);
  const answers = chunk.getColumnVector(1) as DuckDBListVector;
  const unanswered = chunk.getColumnVector(2) as DuckDBListVector;
  const entry = answers.childVector as DuckDBStructVector;
  const [strings, sizes, rights] = [1, 2, 3].map((i) => entry.entryVectorAt(i));
  const positions = entry.entryVectorAt(4) as DuckDBListVector;
  const indices = positions.childVector;
  const blanks = unanswered.childVector;
  const out: CodedAnswers[] = [];
  for (let i = 0; i < chunk.rowCount; i++) {
    const from = answers.getEntryOffset(i);
    const count = answers.getEntryLength(i);
    const distinct: string[] = [];
    const size = new Int32Array(count);
    const rightVotes = new Int32Array(count);
    const b0 = unanswered.getEntryOffset(i);
    const nb = unanswered.getEntryLength(i);
    let n = nb;
    for (let j = 0; j < count; j++) {
      distinct.push(strings!.getItem(from + j) as string);
      size[j] = sizes!.getItem(from + j) as number;
      rightVotes[j] = rights!.getItem(from + j) as number;
      n += size[j]!;
    }
    // every sample's index and code, in the order the lists give them
    const index = new Int32Array(n);
    const code = new Int32Array(n);
    let at = 0;
    let max = -1;
    let min = 0;
    const take = (v: number, c: number) => {
      index[at] = v;
      code[at++] = c;
      if (v > max) max = v;
      if (v < min) min = v;
    };
    for (let j = 0; j < count; j++) {
      const p0 = positions.getEntryOffset(from + j);
      for (let k = 0; k < positions.getEntryLength(from + j); k++) take(indices.getItem(p0 + k) as number, j);
    }
    for (let k = 0; k < nb; k++) take(blanks.getItem(b0 + k) as number, -1);
    const codes = new Int32Array(n);
    if (min === 0 && max === n - 1) for (let k = 0; k < n; k++) codes[index[k]!] = code[k]!; // keys are unique: 0..n-1, each once
    else {
      const order = Int32Array.from({ length: n }, (_, k) => k).sort((x, y) => index[x]! - index[y]!);
      for (let k = 0; k < n; k++) codes[k] = code[order[k]!]!;
    }
    out.push({ question_id: qid.getItem(i) as string, answers: distinct, sizes: size, rightVotes, codes });
  }
  return out;
}

/**
 * Streams one model's graded answers one question at a time as answer codes (metrics/answers.ts: CodedAnswers):
 * SQL finds each question's distinct extracted strings, numbered by first appearance in sample order, with how
 * many samples gave each and how many of those were right, and the samples that gave each; JavaScript reads a
 * question's few distinct strings and a list of integers instead of one string per sample, which is most of
 * what reading the answers cost. Grouped in SQL, in parallel, without sorting the whole table.
 */
export async function* answerCodesByQuestion(store: SampleStore, model: string): AsyncGenerator<CodedAnswers> {
  const result = await store.db.stream(ANSWER_CODES_SQL, [model]);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    yield* codedAnswers(chunk);
  }
}

/**
 * answerCodesByQuestion on a side connection of the store (SampleStore.startBesideReading): resolves once the
 * query is executing, with `done`, every question's codes, for a caller that computes meanwhile (analyze). They
 * take a few bytes a sample: the distinct strings, and one integer per sample.
 */
export async function startAnswerCodes(store: SampleStore, model: string): Promise<{ done: Promise<CodedAnswers[]> }> {
  return store.startBesideReading(ANSWER_CODES_SQL, [model], async (result) => (await result.fetchAllChunks()).flatMap(codedAnswers));
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
