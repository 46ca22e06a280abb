import type { KeywordAggregate, TextAggregate } from "../metrics/sample-stats.js";
import { StagingTable } from "./staging.js";
import type { SampleStore } from "./store.js";

/**
 * Length and keyword sums over one model's graded responses, per (correctness, coarse bin) cell, computed in
 * SQL: DuckDB scans the texts in parallel with RE2, so texts never cross into JavaScript. `pattern` comes
 * from `keywordPattern` (valid in RE2 and JS alike); `binOf` maps question ids to coarse bins.
 */
export async function textAggregates(
  store: SampleStore,
  model: string,
  binOf: ReadonlyMap<string, number>,
  pattern: string,
): Promise<{ cells: TextAggregate[]; keywords: KeywordAggregate[] }> {
  const bins = await StagingTable.create(store, "staged_bins", [["question_id", "VARCHAR"], ["bin", "INTEGER"]]);
  for (const [q, b] of binOf) bins.push([q, b]);
  await bins.finish();
  try {
    await store.run(
      `CREATE OR REPLACE TEMP TABLE text_matches AS
       SELECT s.correct, coalesce(b.bin, -1) AS bin, length(s.text) AS chars, s.n_tokens, regexp_extract_all(lower(s.text), ?) AS kws
         FROM samples s LEFT JOIN staged_bins b ON b.question_id = s.question_id
        WHERE s.model = ? AND s.correct IS NOT NULL AND s.text IS NOT NULL`,
      [pattern, model],
    );
    const cells = await store.all<TextAggregate>(
      `SELECT correct, bin, count(*)::INTEGER AS responses, coalesce(sum(chars), 0)::DOUBLE AS chars,
              coalesce(sum(n_tokens), 0)::DOUBLE AS tokens, count(n_tokens)::INTEGER AS token_responses,
              coalesce(sum(len(kws)), 0)::DOUBLE AS keyword_total, count_if(len(kws) > 0)::INTEGER AS with_keyword
         FROM text_matches GROUP BY correct, bin ORDER BY correct, bin`,
    );
    const keywords = await store.all<KeywordAggregate>(
      `SELECT correct, replace(kw, '’', '''') AS keyword, count(*)::INTEGER AS count
         FROM (SELECT correct, unnest(kws) AS kw FROM text_matches) GROUP BY ALL ORDER BY ALL`,
    );
    return { cells, keywords };
  } finally {
    await store.run("DROP TABLE IF EXISTS temp.main.text_matches");
    await bins.drop();
  }
}
