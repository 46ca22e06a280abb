import { readJsonl } from "../../core/jsonl.js";
import type { SampleStore } from "../store.js";
import {
  answerText, binaryVerdict, firstString, goldAnswer, identifier, literal, plainAnswer, plainText, questionMeta, readJsonFields, startsWith,
} from "./duckdb-sql.js";
import { VERDICT_METRICS, type FormatContext } from "./types.js";

const BASE_FIELDS = ["doc_id", "doc", "target", "arguments", "resps", "filtered_resps", "filter", "metrics"] as const;

/**
 * lm-eval's conversion (lm-eval.ts) as one DuckDB query over the whole file: DuckDB's JSON reader parses the
 * lines on its own threads, several times faster than JSON.parse line by line, and the rows never cross into
 * JavaScript. Same meaning record for record: each expression is the SQL reading of a line of `convert`, and
 * `plain` is false wherever the two could differ (a fraction where text is wanted, a metric list unlike the
 * first line's, a field of the wrong type, ...), so those records — and every error — go through `convert`.
 *
 * The harness verdict: `convert` takes the first known verdict metric that the line's `metrics` names and
 * carries. The metric names are read once from the first line; a line whose `metrics` differ, or that lacks
 * the chosen metric (DuckDB reads absent and null alike), is not plain.
 */
export async function lmEvalInDuckDb(store: SampleStore, file: string, ctx: FormatContext): Promise<string | null> {
  let first: Record<string, unknown> | undefined;
  for await (const { value } of readJsonl(file)) {
    first = value as Record<string, unknown>;
    break;
  }
  if (first === undefined || first === null || typeof first !== "object") return null;
  const names = first.metrics;
  if (!Array.isArray(names) || !names.every((n): n is string => typeof n === "string")) return null;
  if (names.some((n) => (BASE_FIELDS as readonly string[]).includes(n))) return null;
  const firstFilter = first.filter === undefined || first.filter === null ? "none" : first.filter;
  if (typeof firstFilter !== "string") return null;
  const filter = ctx.filter ?? firstFilter;

  const metric = (n: string) => identifier(n);
  const known = VERDICT_METRICS.find((m) => names.includes(m));
  // a known metric must be on every line with one response (see above); otherwise the first 0/1 metric
  const verdict = known !== undefined ? binaryVerdict(metric(known)) : names.length > 0 ? `coalesce(${names.map((n) => binaryVerdict(metric(n))).join(", ")})` : "NULL";
  const verdictPlain = known !== undefined ? `${metric(known)} IS NOT NULL` : "true";
  const meta = questionMeta({ level: "d[5]", subject: "d[6]", type: "d[7]" });
  const table = "lm_eval_records";
  const kept = literal(filter);
  // each large value (doc, resps, arguments) is parsed once, by one extract; kinds are read from first characters
  await store.run(
    `CREATE OR REPLACE TEMP TABLE ${table} AS
     WITH raw AS (${readJsonFields([...BASE_FIELDS, ...names])}),
     r AS (
       SELECT line, doc_id, target, filter, metrics, ${names.map(metric).join(", ")}${names.length > 0 ? "," : ""}
              coalesce(filter->>'$', 'none') AS filter_name, ${startsWith("doc", "{")} AS doc_object,
              json_extract(doc, ['$.problem', '$.question', '$.prompt', '$.query', '$.level', '$.subject', '$.type']) AS d,
              -- resps[0]: the request's list of k responses ([[...]]), or one response
              starts_with(resps::VARCHAR, '[[') AS nested, ${startsWith("resps", "[")} AND resps::VARCHAR <> '[]' AS resps_listed,
              CASE WHEN starts_with(resps::VARCHAR, '[[') THEN json_extract_string(resps, '$[0][*]') ELSE [json_extract_string(resps, '$[0]')] END AS texts,
              CASE WHEN starts_with(resps::VARCHAR, '[[') THEN json_type(resps, '$[0][*]') ELSE [json_type(resps, '$[0]')] END AS types,
              ${startsWith("filtered_resps", "[")} AS filtered_listed, json_extract(filtered_resps, '$[0]') AS f0,
              CASE WHEN ${startsWith("arguments", "[")} THEN json_extract(arguments, '$[0][0]')
                   WHEN ${startsWith("arguments", "{")} THEN json_extract(arguments, '$.gen_args_0.arg_0') END AS arg
         FROM raw
     ),
     k AS (SELECT *, len(texts)::INTEGER AS k, CASE WHEN filter_name <> 'none' AND ${startsWith("f0", "[")} THEN json_extract(f0, '$[*]') END AS f_list FROM r)
     SELECT line, filter_name = ${kept} AS kept,
            -- what convert checks, field by field (a line of another filter: only its filter)
            (json_type(filter) IS NULL OR json_type(filter) = 'VARCHAR') AND (filter_name <> ${kept} OR (
              ${plainText("doc_id")} AND doc_object AND resps_listed AND k > 0 AND list_unique(types) = 1 AND types[1] = 'VARCHAR'
              AND filtered_listed AND ${plainText("target")} AND ${meta.plain}
              AND metrics::VARCHAR = ${literal(JSON.stringify(names))} AND (k > 1 OR ${verdictPlain})
              AND (filter_name = 'none' OR CASE WHEN f_list IS NOT NULL THEN len(f_list) <> k OR list_bool_and(list_transform(f_list, x -> ${plainAnswer("x")}))
                                                ELSE k > 1 OR ${plainAnswer("f0")} END)
            )) AS plain,
            CASE WHEN json_type(doc_id) = 'VARCHAR' THEN doc_id->>'$' ELSE doc_id::VARCHAR END AS id,
            ${firstString(["d[1]", "d[2]", "d[3]", "d[4]"])} AS prompt,
            ${firstString(["arg"])} AS input,
            ${goldAnswer(answerText("target"))} AS gold,
            ${meta.meta} AS meta,
            texts,
            CASE WHEN filter_name = 'none' THEN NULL
                 WHEN f_list IS NOT NULL THEN CASE WHEN len(f_list) = k THEN list_transform(f_list, x -> ${answerText("x")}) END
                 WHEN k = 1 THEN [${answerText("f0")}] END AS extracted,
            CASE WHEN k = 1 THEN [${verdict}] END AS harness,
            NULL::VARCHAR[] AS finish_reason
       FROM k`,
    [file],
  );
  ctx.filter = filter;
  return table;
}
