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
  return store.all<ModelContents>(
    `WITH s AS (SELECT model, count(*)::INTEGER AS samples, (count(*) - count(correct))::INTEGER AS ungraded,
                       count(extracted)::INTEGER AS answers, count(text)::INTEGER AS texts FROM samples GROUP BY model),
          c AS (SELECT model, count(*)::INTEGER AS counted_questions FROM counts GROUP BY model)
     SELECT m.name AS model, coalesce(s.samples, 0) AS samples, coalesce(s.ungraded, 0) AS ungraded,
            coalesce(s.answers, 0) AS answers, coalesce(s.texts, 0) AS texts, coalesce(c.counted_questions, 0) AS counted_questions
       FROM models m LEFT JOIN s ON s.model = m.name LEFT JOIN c ON c.model = m.name ORDER BY m.name`,
  );
}

/** One question's samples of one model, as parallel columns in sample order. */
export type QuestionSampleColumns = {
  question_id: string;
  extracted: (string | null)[];
  correct: (boolean | null)[];
  /** empty strings when texts were not requested */
  text: (string | null)[];
  n_tokens: (number | null)[];
};

/**
 * Streams one model's samples one question at a time, in question order, so analyses of millions of samples
 * never hold them all in memory. `withText` leaves texts out when they are not needed.
 */
export async function* samplesByQuestion(
  store: SampleStore,
  model: string,
  options: { withText?: boolean } = {},
): AsyncGenerator<QuestionSampleColumns> {
  const textCol = options.withText ? "text" : "NULL::VARCHAR AS text";
  const result = await store.db.stream(
    `SELECT question_id, extracted, correct, ${textCol}, n_tokens FROM samples WHERE model = ? ORDER BY question_id, sample_index`,
    [model],
  );
  let current: QuestionSampleColumns | null = null;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const [qid, extracted, correct, text, tokens] = chunk.getColumns() as [string[], (string | null)[], (boolean | null)[], (string | null)[], (number | null)[]];
    for (let i = 0; i < chunk.rowCount; i++) {
      if (current === null || qid[i] !== current.question_id) {
        if (current !== null) yield current;
        current = { question_id: qid[i]!, extracted: [], correct: [], text: [], n_tokens: [] };
      }
      current.extracted.push(extracted[i]!);
      current.correct.push(correct[i]!);
      current.text.push(text[i]!);
      current.n_tokens.push(tokens[i]!);
    }
  }
  if (current !== null) yield current;
}
