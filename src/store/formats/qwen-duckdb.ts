import type { SampleStore } from "../store.js";
import { answerText, identifier, isNull, isType, plainAnswer, questionMeta, readJsonFields, startsWith } from "./duckdb-sql.js";
import type { FormatContext } from "./types.js";

/**
 * The Qwen eval schema's conversion (qwen.ts) as one DuckDB query, as lm-eval-duckdb.ts does for lm-eval: the
 * same meaning line for line, `plain` false wherever the two could differ (then `convert` takes the file).
 */
export async function qwenInDuckDb(store: SampleStore, file: string, ctx: FormatContext): Promise<string> {
  const idField = ctx.idField ?? "idx";
  const fields = [...new Set(["question", "problem", "gt", "code", "pred", "score", "finish_reason", "level", "subject", "type", idField])];
  const id = identifier(idField);
  const meta = questionMeta({ level: "level", subject: "subject", type: "type" });
  /** an optional list of one entry per response (sameLength): absent, or a list of k entries */
  const sameLength = (x: string) => `(${isNull(x)} OR (${startsWith(x, "[")} AND json_array_length(${x}) = k))`;
  const optString = (x: string) => `(${isNull(x)} OR ${isType(x, "VARCHAR")})`;
  const table = "qwen_records";
  await store.run(
    `CREATE OR REPLACE TEMP TABLE ${table} AS
     WITH raw AS (${readJsonFields(fields)}),
     k AS (SELECT *, json_extract_string(code, '$[*]') AS texts, json_type(code, '$[*]') AS types, len(texts)::INTEGER AS k,
                  CASE WHEN ${startsWith("pred", "[")} THEN json_extract(pred, '$[*]') END AS preds,
                  CASE WHEN ${startsWith("score", "[")} THEN json_type(score, '$[*]') END AS score_types,
                  CASE WHEN ${startsWith("finish_reason", "[")} THEN json_type(finish_reason, '$[*]') END AS finish_types,
                  CASE WHEN ${startsWith("finish_reason", "[")} THEN json_extract_string(finish_reason, '$[*]') END AS finish_text
             FROM raw)
     SELECT line, true AS kept,
            ${startsWith("code", "[")} AND (k = 0 OR (list_unique(types) = 1 AND types[1] = 'VARCHAR'))
            AND ${sameLength("pred")} AND ${sameLength("score")} AND ${sameLength("finish_reason")}
            AND (preds IS NULL OR list_bool_and(list_transform(preds, x -> ${plainAnswer("x")})) OR k = 0)
            AND (score_types IS NULL OR k = 0 OR (list_unique(score_types) = 1 AND score_types[1] = 'BOOLEAN'))
            AND ${plainAnswer(id)} AND NOT ${isNull(id)} AND ${optString("question")} AND ${optString("problem")}
            AND (${isType("gt", "VARCHAR")} OR (${isType("gt", "UBIGINT", "BIGINT")} AND ${plainAnswer("gt")})) AND ${meta.plain} AS plain,
            ${answerText(id)} AS id,
            CASE WHEN json_type(question) = 'VARCHAR' THEN question->>'$' WHEN json_type(problem) = 'VARCHAR' THEN problem->>'$' END AS prompt,
            NULL::VARCHAR AS input,
            ${answerText("gt")} AS gold,
            ${meta.meta} AS meta,
            texts,
            CASE WHEN preds IS NOT NULL THEN list_transform(preds, x -> ${answerText("x")}) END AS extracted,
            CASE WHEN score_types IS NOT NULL THEN json_extract_string(score, '$[*]')::BOOLEAN[] END AS harness,
            CASE WHEN ${startsWith("finish_reason", "[")} THEN list_transform(range(1, k + 1), i -> CASE WHEN finish_types[i] = 'VARCHAR' THEN finish_text[i] END) END AS finish_reason
       FROM k`,
    [file],
  );
  return table;
}
