/**
 * SQL expressions that give JSON values the meaning the JavaScript converters (types.ts) give them, for the
 * formats DuckDB reads itself (lm-eval-duckdb.ts, qwen-duckdb.ts). Each `plain*` expression is true where the
 * SQL meaning provably equals the JavaScript one; a record where one is false goes the exact JavaScript way.
 * Arguments are SQL expressions of DuckDB's JSON type (SQL NULL where a field is absent or JSON null).
 */

/** The largest integer JavaScript holds exactly: beyond it `String(n)` and DuckDB's text of n differ. */
const SAFE = "9007199254740991";

export const isType = (x: string, ...types: string[]) => `coalesce(json_type(${x}) IN (${types.map((t) => `'${t}'`).join(", ")}), false)`;

/** absent or JSON null */
export const isNull = (x: string) => `coalesce(json_type(${x}) = 'NULL', true)`;

const isInteger = (x: string) => isType(x, "UBIGINT", "BIGINT");

/** an integer JavaScript reads exactly */
const safeInteger = (x: string) => `(${isInteger(x)} AND coalesce(abs(TRY_CAST(${x} AS HUGEINT)) <= ${SAFE}, false))`;

/** answerText(): a string, or a finite number as text; NULL for anything else */
export const answerText = (x: string) =>
  `CASE json_type(${x}) WHEN 'VARCHAR' THEN json_extract_string(${x}, '$') WHEN 'UBIGINT' THEN CAST(${x} AS VARCHAR) WHEN 'BIGINT' THEN CAST(${x} AS VARCHAR) END`;

/** answerText() means the same here: not a fraction (JavaScript's and DuckDB's number texts differ), not an unsafe integer */
export const plainAnswer = (x: string) => `(NOT ${isType(x, "DOUBLE", "UBIGINT", "BIGINT")} OR ${safeInteger(x)})`;

/** Fields.text(): a string or a number (as text); plainText: it is one, and reads the same */
export const plainText = (x: string) => `(${isType(x, "VARCHAR")} OR ${safeInteger(x)})`;

/** binaryVerdict(): a boolean, or 0/1 */
export const binaryVerdict = (x: string) =>
  `CASE WHEN json_type(${x}) = 'BOOLEAN' THEN TRY_CAST(${x} AS BOOLEAN) WHEN ${isType(x, "UBIGINT", "BIGINT", "DOUBLE")} AND TRY_CAST(${x} AS DOUBLE) IN (0, 1) THEN TRY_CAST(${x} AS DOUBLE) = 1 END`;

/** the characters String.prototype.trim() removes (ECMAScript WhiteSpace and LineTerminator), as an RE2 class */
const JS_SPACE = "[\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]";

/** goldAnswer() of a VARCHAR: the part after the last "####", trimmed as JavaScript trims */
export const goldAnswer = (s: string) =>
  `CASE WHEN strpos(${s}, '####') > 0 THEN regexp_replace(regexp_extract(${s}, '(?s)^.*####(.*)$', 1), '^${JS_SPACE}+|${JS_SPACE}+$', '', 'g') ELSE ${s} END`;

/** the first of these JSON values that is a string, as text (converters' `[a, b].find(string)`) */
export const firstString = (values: readonly string[]) => `CASE ${values.map((v) => `WHEN ${startsWith(v, '"')} THEN json_extract_string(${v}, '$')`).join(" ")} END`;

/**
 * The kind of a JSON value as its first character tells it: DuckDB's reader stores JSON minified, so this
 * reads a whole document (a long prompt, a list of responses) without parsing it again as json_type would.
 */
export const startsWith = (x: string, c: "{" | "[" | '"') => `coalesce(starts_with(${x}::VARCHAR, '${c}'), false)`;

/** a metadata value JSON.stringify writes as DuckDB does: a string, a boolean or a safe integer (or absent) */
const plainMetaValue = (x: string) => `(${isNull(x)} OR ${isType(x, "VARCHAR", "BOOLEAN")} OR ${safeInteger(x)})`;

/**
 * questionMeta() as JSON text ({level, subject}: subject from `subject`, else `type`), from those fields' JSON
 * values, and whether it is plain. JSON null counts as absent, as questionMeta's `!== null` checks do.
 */
export function questionMeta(fields: { level: string; subject: string; type: string }): { meta: string; plain: string } {
  const level = `nullif(${fields.level}, 'null'::JSON)`;
  const subject = `coalesce(nullif(${fields.subject}, 'null'::JSON), nullif(${fields.type}, 'null'::JSON))`;
  return {
    meta: `CASE WHEN ${level} IS NULL AND ${subject} IS NULL THEN NULL WHEN ${subject} IS NULL THEN json_object('level', ${level})
      WHEN ${level} IS NULL THEN json_object('subject', ${subject}) ELSE json_object('level', ${level}, 'subject', ${subject}) END::VARCHAR`,
    plain: `(${plainMetaValue(level)} AND ${plainMetaValue(subject)})`,
  };
}

/** A string as a SQL literal. */
export const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A name as a quoted SQL identifier. */
export const identifier = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * Checks on the JSON text of a value as DuckDB's reader stores it in a column typed JSON (typed reads:
 * lm-eval-duckdb.ts): minified, JSON null as SQL NULL, integers as plain digits (-0 as 0), every other number
 * with a "." or an exponent. Reading the first characters costs a fraction of json_type's parse per value.
 */
export const textIsString = (x: string) => startsWith(x, '"');

/** an integer JavaScript reads exactly (the text is the integer's digits) */
export const textIsSafeInteger = (x: string) =>
  `coalesce(regexp_full_match(${x}::VARCHAR, '-?[0-9]{1,16}') AND abs(TRY_CAST(${x}::VARCHAR AS BIGINT)) <= ${SAFE}, false)`;

/** plainText of such a value: a string, or a safe integer (whose text is then what String(n) gives) */
export const textPlainText = (x: string) => `(${textIsString(x)} OR ${textIsSafeInteger(x)})`;

/** a string's value, else the number's text (for values textPlainText accepts) */
export const textValue = (x: string) => `CASE WHEN ${textIsString(x)} THEN json_extract_string(${x}, '$') ELSE ${x}::VARCHAR END`;

/** binaryVerdict of such a value: the common spellings by text, the rest as binaryVerdict reads them */
export const textVerdict = (x: string) =>
  `CASE ${x}::VARCHAR WHEN '1' THEN true WHEN '0' THEN false WHEN 'true' THEN true WHEN 'false' THEN false ELSE ${binaryVerdict(x)} END`;

/**
 * questionMeta() as JSON text from such values, and whether it is plain (values that JSON.stringify writes as
 * the reader does: strings, booleans, safe integers). The reader's text of a value is what json_object would
 * write, so the object is written by concatenation.
 */
export function textQuestionMeta(fields: { level: string; subject: string; type: string }): { meta: string; plain: string } {
  const level = fields.level;
  const subject = `coalesce(${fields.subject}, ${fields.type})`;
  const plainValue = (x: string) => `(${x} IS NULL OR ${textIsString(x)} OR ${x}::VARCHAR IN ('true', 'false') OR ${textIsSafeInteger(x)})`;
  return {
    meta: `CASE WHEN ${level} IS NULL AND ${subject} IS NULL THEN NULL WHEN ${subject} IS NULL THEN '{"level":' || ${level} || '}'
      WHEN ${level} IS NULL THEN '{"subject":' || ${subject} || '}' ELSE '{"level":' || ${level} || ',"subject":' || ${subject} || '}' END`,
    plain: `(${plainValue(level)} AND ${plainValue(subject)})`,
  };
}

/** read_json over a JSONL file with the given top-level fields (as DuckDB's JSON type, or the type given), numbered by record. */
export function readJsonFields(fields: readonly string[] | ReadonlyArray<readonly [name: string, type: string]>): string {
  const columns = fields.map((f) => (typeof f === "string" ? `${literal(f)}: 'JSON'` : `${literal(f[0])}: ${literal(f[1])}`)).join(", ");
  // records: every line must be an object (otherwise DuckDB would read non-objects as one column);
  // maximum_object_size: lines up to 64 MB (a longer one fails here and goes the JavaScript way)
  return `SELECT ordinality::INTEGER AS line, * FROM read_json(?, format = 'newline_delimited', records = true,
    maximum_object_size = 67108864, columns = {${columns}}) WITH ORDINALITY`;
}
