import type { KeywordAggregate, TextAggregate } from "../metrics/sample-stats.js";
import { keywordPattern } from "../metrics/text-stats.js";
import { addTextCell } from "../metrics/text-cells.js";
import type { SampleStore } from "./store.js";

/**
 * Whether RE2's case-insensitive match of `keywordPattern(keywords)` on an ASCII text finds exactly what the
 * pattern finds in that text lowered by DuckDB's lower(), at the same offsets. It does when the pattern is
 * ASCII apart from the right single quote keywordPattern adds (U+2019, which has no case forms and cannot
 * occur in an ASCII text):
 * - on ASCII, lower() changes A-Z to a-z and nothing else, byte for byte, so offsets are kept;
 * - the pattern's letters are lowercase (keywordPattern lowers the keywords), and under (?i) an ASCII letter
 *   matches its case-fold orbit, which in ASCII text is itself and its capital (the orbits' other members,
 *   K U+212A and ſ U+017F, are not ASCII);
 * - `\b` is RE2's ASCII word boundary, which case does not move.
 * Texts that are not ASCII (strlen(text) <> length(text)) keep the lower() path: there lower() and (?i) part
 * ways (ſ, K, İ, final sigma and others), and the counts must stay those of lower().
 */
export function caseInsensitiveIsExact(keywords: readonly string[]): boolean {
  return /^[\x00-\x7f’]*$/.test(keywordPattern(keywords));
}

/**
 * Length and keyword sums over one model's graded responses, per (correctness, bin) cell, computed in SQL:
 * DuckDB scans the texts in parallel with RE2, so texts never cross into JavaScript. `keywords` are matched
 * as `keywordPattern(keywords)` (valid in RE2 and JS alike) in the lowered text; `binOf` maps question ids to
 * bins (a question it lacks: bin -1).
 *
 * One pass over the texts: each response's matches are unnested with a leading NULL that stands for the
 * response itself, and one aggregation by (correctness, question, match) gives both the per-question sums (the
 * NULL rows; summed into bins here: integer sums, exact in doubles) and, folded once more, the per-keyword
 * counts; no table of match lists is kept. An ASCII text is matched case-insensitively instead of lowered
 * first (caseInsensitiveIsExact: the same matches, without lower()'s copy of every text), and its matches are
 * lowered after the aggregation, once per distinct spelling rather than once per match (lower() of a text
 * lowered already changes nothing).
 */
export async function textAggregates(
  store: SampleStore,
  model: string,
  binOf: ReadonlyMap<string, number>,
  keywords: readonly string[],
): Promise<TextAggregates> {
  return (await startTextAggregates(store, model, binOf, keywords)).done;
}

export type TextAggregates = { cells: TextAggregate[]; keywords: KeywordAggregate[] };

/**
 * textAggregates, started on a side connection of the store (SampleStore.startBeside): resolves once the scan
 * is executing, with `done`, its sums. The caller can compute meanwhile; the scan needs no JavaScript turn.
 */
export async function startTextAggregates(
  store: SampleStore,
  model: string,
  binOf: ReadonlyMap<string, number>,
  keywords: readonly string[],
): Promise<{ done: Promise<TextAggregates> }> {
  const pattern = keywordPattern(keywords);
  const fast = caseInsensitiveIsExact(keywords);
  const matches = fast
    ? "CASE WHEN strlen(s.text) = length(s.text) THEN regexp_extract_all(s.text, $3) ELSE regexp_extract_all(lower(s.text), $2) END"
    : "regexp_extract_all(lower(s.text), $2)";
  const keyword = "replace(lower(kw), '’', '''')";
  const started = await store.startBeside<ScanRow>(
    `WITH m AS (
       SELECT s.correct, s.question_id, length(s.text) AS chars, s.n_tokens, ${matches} AS kws
         FROM samples s WHERE s.model = $1 AND s.correct IS NOT NULL AND s.text IS NOT NULL),
     u AS (SELECT correct, question_id, chars, n_tokens, len(kws) AS nk, unnest(list_prepend(NULL::VARCHAR, kws)) AS kw FROM m),
     g AS MATERIALIZED (
       SELECT correct, question_id, kw, count(*) AS n, sum(chars) AS chars, coalesce(sum(n_tokens), 0) AS tokens,
              count(n_tokens) AS token_responses, sum(nk) AS keyword_total, count_if(nk > 0) AS with_keyword
         FROM u GROUP BY correct, question_id, kw)
     SELECT false AS per_keyword, correct, question_id, NULL::VARCHAR AS keyword, n::INTEGER AS responses, chars::DOUBLE AS chars,
            tokens::DOUBLE AS tokens, token_responses::INTEGER AS token_responses, keyword_total::DOUBLE AS keyword_total,
            with_keyword::INTEGER AS with_keyword
       FROM g WHERE kw IS NULL
     UNION ALL
     SELECT true, correct, NULL, ${keyword}, 0, 0, 0, 0, sum(n)::DOUBLE, 0 FROM g WHERE kw IS NOT NULL GROUP BY correct, ${keyword}
     ORDER BY per_keyword, correct, keyword`,
    fast ? [model, pattern, `(?i)${pattern}`] : [model, pattern],
  );
  return { done: started.rows.then((rows) => foldRows(rows, binOf)) };
}

type ScanRow = { per_keyword: boolean; correct: boolean; question_id: string | null; keyword: string | null } & Omit<TextAggregate, "correct" | "bin">;

/** The scan's rows folded: per-question sums into their bins' cells, and the per-keyword counts. */
function foldRows(rows: readonly ScanRow[], binOf: ReadonlyMap<string, number>): TextAggregates {
  const cells = new Map<string, TextAggregate>();
  const counts: KeywordAggregate[] = [];
  for (const r of rows) {
    if (r.per_keyword) {
      // a keyword's count (the responses' own rows, kw NULL, are folded into the per-question rows above it)
      if (r.keyword !== null) counts.push({ correct: r.correct, keyword: r.keyword, count: r.keyword_total });
      continue;
    }
    const bin = binOf.get(r.question_id!) ?? -1;
    const key = `${r.correct}|${bin}`;
    const cell = cells.get(key);
    if (!cell) {
      cells.set(key, { correct: r.correct, bin, responses: r.responses, chars: r.chars, tokens: r.tokens, token_responses: r.token_responses, keyword_total: r.keyword_total, with_keyword: r.with_keyword });
      continue;
    }
    addTextCell(cell, r);
  }
  const ordered = [...cells.values()].sort((a, b) => Number(a.correct) - Number(b.correct) || a.bin - b.bin);
  return { cells: ordered, keywords: counts };
}
