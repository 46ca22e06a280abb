import type { SampleStore } from "./store.js";

/** One stored sample as the report's question explorer shows it: text cut to a length, verdict, extracted answer. */
export type SampleExcerpt = {
  model: string;
  question_id: string;
  sample_index: number;
  /** the response text, cut to `maxChars` (null when the store has no text) */
  text: string | null;
  /** the full text's length in characters */
  text_chars: number;
  extracted: string | null;
  correct: boolean | null;
};

export type ExcerptOptions = {
  /** samples per (model, question), at most (default 4) */
  perQuestion?: number;
  /** characters of text kept per sample (default 4000) */
  maxChars?: number;
  /** only these models (default: all) */
  models?: readonly string[];
};

/**
 * A few samples of every (model, question), balanced between right and wrong ones: the first correct, the first
 * incorrect, the second correct, ... (by sample index), so both kinds show whenever both exist.
 */
export async function sampleExcerpts(store: SampleStore, options: ExcerptOptions = {}): Promise<SampleExcerpt[]> {
  const { perQuestion = 4, maxChars = 4000, models } = options;
  const only = models ? `WHERE model IN (${models.map(() => "?").join(", ") || "NULL"})` : "";
  return store.all<SampleExcerpt>(
    // rank on the key columns only, then fetch the texts of the picked rows: windows over the text column would
    // materialise every response (gigabytes at MATH-500 x 256 x 4)
    `WITH ranked AS (
       SELECT model, question_id, sample_index, correct,
              row_number() OVER (PARTITION BY model, question_id, correct ORDER BY sample_index) AS r FROM samples ${only}
     ), picked AS (
       SELECT model, question_id, sample_index,
              row_number() OVER (PARTITION BY model, question_id ORDER BY r, correct DESC NULLS LAST, sample_index) AS pick FROM ranked
       QUALIFY pick <= ?::INTEGER
     )
     SELECT s.model, s.question_id, s.sample_index, left(s.text, ?::INTEGER) AS text, coalesce(length(s.text), 0)::INTEGER AS text_chars,
            s.extracted, s.correct
       FROM picked p JOIN samples s USING (model, question_id, sample_index) ORDER BY s.model, s.question_id, p.pick`,
    [...(models ?? []), perQuestion, maxChars],
  );
}

/** How often one final answer was given by one model to one question. */
export type AnswerTally = { model: string; question_id: string; extracted: string; samples: number; correct: number };

/** The `top` most frequent extracted answers per (model, question) among graded samples, most frequent first. */
export async function topAnswers(store: SampleStore, top = 5): Promise<AnswerTally[]> {
  return store.all<AnswerTally>(
    `WITH t AS (
       SELECT model, question_id, extracted, count(*)::INTEGER AS samples, count_if(correct)::INTEGER AS correct
         FROM samples WHERE extracted IS NOT NULL AND correct IS NOT NULL GROUP BY model, question_id, extracted
     )
     SELECT model, question_id, extracted, samples, correct FROM t
       QUALIFY row_number() OVER (PARTITION BY model, question_id ORDER BY samples DESC, extracted) <= ?::INTEGER
       ORDER BY model, question_id, samples DESC, extracted`,
    [top],
  );
}

/** Per model: questions that have sample texts, and the mean text length once cut to `maxChars`. */
export type TextVolume = { model: string; questions: number; mean_chars: number };

export async function textVolume(store: SampleStore, maxChars = 4000): Promise<TextVolume[]> {
  return store.all<TextVolume>(
    `SELECT model, count(DISTINCT question_id)::INTEGER AS questions, coalesce(avg(least(length(text), ?::INTEGER)), 0)::DOUBLE AS mean_chars
       FROM samples WHERE text IS NOT NULL GROUP BY model ORDER BY model`,
    [maxChars],
  );
}
