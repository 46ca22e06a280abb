import { readJsonl } from "../../core/jsonl.js";
import type { SampleStore } from "../store.js";
import {
  answerText, binaryVerdict, firstString, goldAnswer, identifier, literal, plainAnswer, plainText, questionMeta, readJsonFields, startsWith,
  textIsString, textPlainText, textQuestionMeta, textValue, textVerdict,
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
 * Two readings of the same meaning. The typed one declares the shape evaluation_tracker.py writes (`doc` an
 * object, `arguments` {"gen_args_0": {"arg_0": prompt}}, `resps` a list of lists, `filtered_resps` a list), so
 * DuckDB's reader parses each value once into typed columns and the checks read the values' JSON text (a
 * third of the CPU of the general reading, measured on the bench's file). A file of another shape (old-style
 * `arguments` lists, one response not in a list, ...) makes the reader fail and is read the general way,
 * every value as JSON and each field found by json_extract.
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
  const spec: Query = { names, known, kept: literal(filter), metric, input: true };
  // the request's full prompt (arguments) stands for the question only where the document has none of the
  // prompt fields: unless the matcher wants it, it is left unread when the first document has one (parsing
  // it and writing it back as JSON text is about a sixth of the typed reading), and read after all when a
  // kept document turns out to have none
  const doc = first.doc;
  const docPrompt = typeof doc === "object" && doc !== null && PROMPT_FIELDS.some((f) => typeof (doc as Record<string, unknown>)[f] === "string");
  if (ctx.needsInput !== true && docPrompt) {
    try {
      await store.run(`CREATE OR REPLACE TEMP TABLE ${TABLE} AS ${typedQuery({ ...spec, input: false })}`, [file]);
      const [lacking] = await store.all<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${TABLE} WHERE kept AND plain AND prompt IS NULL`);
      if (lacking!.n === 0) {
        ctx.reading = "typed";
        ctx.filter = filter;
        return TABLE;
      }
    } catch {
      // the full reading below meets the same line
    }
  }
  try {
    await store.run(`CREATE OR REPLACE TEMP TABLE ${TABLE} AS ${typedQuery(spec)}`, [file]);
    ctx.reading = "typed";
  } catch {
    // another shape than the typed reading declares (or a malformed line, which the general reading meets too)
    await store.run(`CREATE OR REPLACE TEMP TABLE ${TABLE} AS ${generalQuery(spec)}`, [file]);
    ctx.reading = "general";
  }
  ctx.filter = filter;
  return TABLE;
}

const TABLE = "lm_eval_records";

/** the document fields a prompt is read from, in order (lm-eval.ts convert) */
const PROMPT_FIELDS = ["problem", "question", "prompt", "query"] as const;

/** `input`: read the request's prompt (arguments; else input is NULL); the general reading always does */
type Query = { names: string[]; known: string | undefined; kept: string; metric: (n: string) => string; input: boolean };

/** The harness verdict of a record with one response, and the condition under which it reads as `convert` reads it. */
function verdictOf(q: Query, read: (x: string) => string): { verdict: string; plain: string } {
  const { names, known, metric } = q;
  // a known metric must be on every line with one response (see above); otherwise the first 0/1 metric
  const verdict = known !== undefined ? read(metric(known)) : names.length > 0 ? `coalesce(${names.map((n) => read(metric(n))).join(", ")})` : "NULL";
  return { verdict, plain: known !== undefined ? `${metric(known)} IS NOT NULL` : "true" };
}

/**
 * The typed reading (see lmEvalInDuckDb). What the types take care of: `doc` and `filtered_resps` are of the
 * right kind where present (a missing or null one is NULL, not plain); `resps[0]` is a list. What is left to
 * check per record, on the JSON texts: each response a string, doc_id and target strings or safe integers,
 * the metadata plain, the metric list the first line's, the verdict there.
 */
function typedQuery(q: Query): string {
  const { names, kept } = q;
  const v = verdictOf(q, textVerdict);
  const meta = textQuestionMeta({ level: "doc.level", subject: "doc.subject", type: "doc.type" });
  const fields: Array<readonly [string, string]> = [
    ["doc_id", "JSON"], ["doc", "STRUCT(problem JSON, question JSON, prompt JSON, query JSON, level JSON, subject JSON, type JSON)"],
    ["target", "JSON"], ...(q.input ? [["arguments", "STRUCT(gen_args_0 STRUCT(arg_0 JSON))"] as const] : []), ["resps", "JSON[][]"], ["filtered_resps", "JSON[]"],
    ["filter", "JSON"], ["metrics", "JSON"], ...names.map((n) => [n, "JSON"] as const),
  ];
  const prompt = firstString(PROMPT_FIELDS.map((f) => `doc.${f}`));
  return `WITH raw AS (${readJsonFields(fields)}),
     k AS (SELECT *, coalesce(filter->>'$', 'none') AS filter_name, resps[1] AS texts_json, len(resps[1])::INTEGER AS k, filtered_resps[1] AS f0 FROM raw),
     f AS (SELECT *, CASE WHEN filter_name <> 'none' AND ${startsWith("f0", "[")} THEN json_extract(f0, '$[*]') END AS f_list FROM k)
     SELECT line, filter_name = ${kept} AS kept,
            coalesce((filter IS NULL OR ${textIsString("filter")}) AND (filter_name <> ${kept} OR (
              ${textPlainText("doc_id")} AND doc IS NOT NULL AND k > 0
              AND CASE WHEN k = 1 THEN ${textIsString("texts_json[1]")} ELSE list_bool_and(list_transform(texts_json, x -> ${textIsString("x")})) END
              AND filtered_resps IS NOT NULL AND ${textPlainText("target")} AND ${meta.plain}
              AND metrics::VARCHAR = ${literal(JSON.stringify(names))} AND (k > 1 OR ${v.plain})
              AND (filter_name = 'none' OR CASE WHEN f_list IS NOT NULL THEN len(f_list) <> k OR list_bool_and(list_transform(f_list, x -> ${plainAnswer("x")}))
                                                ELSE k > 1 OR ${plainAnswer("f0")} END)
            )), false) AS plain,
            ${textValue("doc_id")} AS id,
            ${prompt} AS prompt,
            ${q.input ? firstString(["arguments.gen_args_0.arg_0"]) : "NULL::VARCHAR"} AS input,
            ${goldAnswer(textValue("target"))} AS gold,
            ${meta.meta} AS meta,
            CASE WHEN k = 1 THEN [json_extract_string(texts_json[1], '$')] ELSE list_transform(texts_json, x -> json_extract_string(x, '$')) END AS texts,
            ${extractedList()} AS extracted,
            CASE WHEN k = 1 THEN [${v.verdict}] END AS harness,
            NULL::VARCHAR[] AS finish_reason
       FROM f`;
}

/** The extracted answers: none for filter "none" (the raw text again), else one per response where the filter gave them. */
function extractedList(): string {
  return `CASE WHEN filter_name = 'none' THEN NULL
                 WHEN f_list IS NOT NULL THEN CASE WHEN len(f_list) = k THEN list_transform(f_list, x -> ${answerText("x")}) END
                 WHEN k = 1 THEN [${answerText("f0")}] END`;
}

/** The general reading: every field as JSON, found by json_extract; kinds read from first characters. */
function generalQuery(q: Query): string {
  const { names, kept, metric } = q;
  const { verdict, plain: verdictPlain } = verdictOf(q, binaryVerdict);
  const meta = questionMeta({ level: "d[5]", subject: "d[6]", type: "d[7]" });
  // each large value (doc, resps, arguments) is parsed once, by one extract; kinds are read from first characters
  return `WITH raw AS (${readJsonFields([...BASE_FIELDS, ...names])}),
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
            ${extractedList()} AS extracted,
            CASE WHEN k = 1 THEN [${verdict}] END AS harness,
            NULL::VARCHAR[] AS finish_reason
       FROM k`;
}
