import { dirname } from "node:path";
import type { SegmentTable } from "./segments.js";
import type { LiveFile } from "./live-set.js";

/**
 * What each segment table holds, column by column with its type, and how the views the store's queries read
 * (`samples`, `questions`, `models`, `counts`, `sample_failures`) fold the segments of a snapshot into one
 * table each. Every rule is "first write wins" or "last write wins" in segment-name order (write order).
 */
export const SEGMENT_COLUMNS: Record<SegmentTable, ReadonlyArray<readonly [string, string]>> = {
  samples: [
    ["model", "VARCHAR"], ["question_id", "VARCHAR"], ["sample_index", "INTEGER"], ["text", "VARCHAR"], ["finish_reason", "VARCHAR"],
    ["n_tokens", "INTEGER"], ["extracted", "VARCHAR"], ["correct", "BOOLEAN"], ["verify_status", "VARCHAR"], ["seed", "BIGINT"],
    ["latency_ms", "DOUBLE"], ["grading", "VARCHAR"], ["harness_correct", "BOOLEAN"],
  ],
  grades: [
    ["model", "VARCHAR"], ["question_id", "VARCHAR"], ["sample_index", "INTEGER"], ["correct", "BOOLEAN"], ["extracted", "VARCHAR"],
    ["verify_status", "VARCHAR"], ["grading", "VARCHAR"],
  ],
  questions: [["id", "VARCHAR"], ["prompt", "VARCHAR"], ["answer", "VARCHAR"], ["meta", "VARCHAR"]],
  models: [["name", "VARCHAR"], ["spec", "VARCHAR"], ["meta", "VARCHAR"]],
  counts: [["model", "VARCHAR"], ["question_id", "VARCHAR"], ["n", "INTEGER"], ["correct", "INTEGER"]],
  failures: [
    ["model", "VARCHAR"], ["question_id", "VARCHAR"], ["missing", "INTEGER"], ["status", "INTEGER"], ["error", "VARCHAR"],
    ["recorded_at", "VARCHAR"], ["cleared", "BOOLEAN"],
  ],
};

/** `col::TYPE AS col, ...` of a table, from relation alias `a` (pins the types a segment is written with). */
export function castColumns(table: SegmentTable, alias = ""): string {
  const p = alias ? `${alias}.` : "";
  return SEGMENT_COLUMNS[table].map(([c, t]) => `${p}${c}::${t} AS ${c}`).join(", ");
}

export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * The rows of `files` (a live set, live-set.ts) with `seg` (the origin segment's name) and `rn` (the row's number
 * there) for ordering: a plain segment is its own origin; a compacted one carries both per row, so a row keeps its
 * place in every "first/last write wins" rule whether or not it has been compacted.
 */
export function rawSelect(table: SegmentTable, files: readonly LiveFile[]): string {
  const cols = castColumns(table);
  if (files.length === 0) {
    return `SELECT ${cols}, NULL::VARCHAR AS seg, NULL::BIGINT AS rn FROM (SELECT ${SEGMENT_COLUMNS[table].map(([c]) => `NULL AS ${c}`).join(", ")}) WHERE false`;
  }
  const parts: string[] = [];
  const whole = files.filter((f) => f.only === null);
  if (whole.length > 0) {
    const origin = whole.some((f) => f.compacted);
    const seg = origin ? "coalesce(origin_segment, parse_filename(filename))" : "parse_filename(filename)";
    const rn = origin ? "coalesce(origin_row, file_row_number)" : "file_row_number";
    parts.push(`SELECT ${cols}, ${seg} AS seg, ${rn}::BIGINT AS rn
      FROM read_parquet([${whole.map((f) => sqlString(f.path)).join(", ")}], filename = true, file_row_number = true, union_by_name = true)`);
  }
  // compacted files chosen for only some of their origins (two compactions that overlap): those origins' rows
  for (const f of files.filter((x) => x.only !== null)) {
    parts.push(`SELECT ${cols}, origin_segment AS seg, origin_row::BIGINT AS rn FROM read_parquet([${sqlString(f.path)}], union_by_name = true)
      WHERE origin_segment IN (${f.only!.map(sqlString).join(", ")})`);
  }
  return parts.join("\n UNION ALL ");
}

/** `raw_<table>`: every row of the snapshot's live segments, with `seg` and `rn` (rawSelect). */
export function rawView(table: SegmentTable, files: readonly LiveFile[]): string {
  return `CREATE OR REPLACE TEMP VIEW raw_${table} AS ${rawSelect(table, files)}`;
}

const SAMPLE_KEY = "model, question_id, sample_index";

/**
 * The logical tables over the raw views. `dropped`: a table of (seg, rn) rows that repeat a key written
 * earlier (a race between two writers of one key: the first write wins); `grades`: whether verdicts were
 * written apart from their samples (then the newest verdict of a key overrides the sample's own).
 */
export function logicalViews(options: { dropped: boolean; grades: boolean }): string[] {
  const s = SEGMENT_COLUMNS.samples.map(([c]) => c);
  const kept = options.dropped ? "SELECT r.* FROM raw_samples r ANTI JOIN sample_dropped d ON d.seg = r.seg AND d.rn = r.rn" : "SELECT * FROM raw_samples";
  const graded = ["correct", "extracted", "verify_status", "grading"];
  const samples = options.grades
    ? `WITH g AS (SELECT * FROM raw_grades QUALIFY row_number() OVER (PARTITION BY ${SAMPLE_KEY} ORDER BY seg DESC, rn DESC) = 1)
       SELECT ${s.map((c) => (graded.includes(c) ? `CASE WHEN g.model IS NULL THEN b.${c} ELSE g.${c} END AS ${c}` : `b.${c}`)).join(", ")}
         FROM (${kept}) b LEFT JOIN g USING (${SAMPLE_KEY})`
    : `SELECT ${s.join(", ")} FROM (${kept})`;
  const first = (c: string) => `first(${c} ORDER BY seg, rn) FILTER (WHERE ${c} IS NOT NULL) AS ${c}`;
  const last = (c: string) => `last(${c} ORDER BY seg, rn) FILTER (WHERE ${c} IS NOT NULL) AS ${c}`;
  return [
    `CREATE OR REPLACE TEMP VIEW samples AS ${samples}`,
    // the keys alone, for existence checks that need not read texts or verdicts
    `CREATE OR REPLACE TEMP VIEW sample_keys AS SELECT ${SAMPLE_KEY} FROM raw_samples`,
    `CREATE OR REPLACE TEMP VIEW questions AS SELECT id, ${first("prompt")}, ${first("answer")}, ${first("meta")} FROM raw_questions GROUP BY id`,
    `CREATE OR REPLACE TEMP VIEW models AS SELECT name, ${last("spec")}, ${last("meta")} FROM raw_models GROUP BY name`,
    `CREATE OR REPLACE TEMP VIEW counts AS SELECT model, question_id, n, correct FROM raw_counts
       QUALIFY row_number() OVER (PARTITION BY model, question_id ORDER BY seg, rn) = 1`,
    `CREATE OR REPLACE TEMP VIEW sample_failures AS SELECT model, question_id, missing, status, error, recorded_at FROM (
       SELECT * FROM raw_failures QUALIFY row_number() OVER (PARTITION BY model, question_id ORDER BY seg DESC, rn DESC) = 1) WHERE NOT coalesce(cleared, false)`,
  ];
}

/**
 * Whether the samples of `files` can hold a key twice. Every write path lands a key at most once per segment
 * (sample-writes.ts, commit.ts and import-direct.ts drop or refuse a key repeated in a batch), and a folder
 * holds one model, so a repeat needs two files of one folder, or a compacted file (its origins are several
 * segments). A snapshot of one plain file per model folder (an import, one sampler's short run) then skips
 * DROPPED_SQL, a scan of every key.
 */
export function mayRepeatKeys(files: readonly LiveFile[]): boolean {
  const folders = new Set<string>();
  for (const f of files) {
    if (f.compacted || f.only !== null) return true;
    const folder = dirname(f.path);
    if (folders.has(folder)) return true;
    folders.add(folder);
  }
  return false;
}

/**
 * Rows that repeat a key already written by an earlier segment (and whether their content differs). A table
 * of the reader's in-memory database, not a TEMP one, so the store's side connections (startBeside) read it
 * without scanning every key again.
 */
export const DROPPED_SQL = `CREATE OR REPLACE TABLE sample_dropped AS
  WITH dup AS (SELECT ${SAMPLE_KEY} FROM raw_samples GROUP BY ALL HAVING count(*) > 1),
       r AS (SELECT r.*, row_number() OVER (PARTITION BY ${SAMPLE_KEY} ORDER BY seg, rn) AS k FROM raw_samples r SEMI JOIN dup USING (${SAMPLE_KEY})),
       w AS (SELECT * FROM r WHERE k = 1)
  SELECT r.seg, r.rn, r.model, (r.text IS DISTINCT FROM w.text OR r.correct IS DISTINCT FROM w.correct) AS differs
    FROM r JOIN w USING (${SAMPLE_KEY}) WHERE r.k > 1`;

/** A legacy (single-file DuckDB) store read in place: its tables as the logical views, no segments. */
export function legacyViews(hasColumn: (table: string, column: string) => boolean): string[] {
  const pick = (table: string, seg: SegmentTable) =>
    SEGMENT_COLUMNS[seg].filter(([c]) => c !== "cleared").map(([c, t]) => (hasColumn(table, c) ? `${c}::${t} AS ${c}` : `NULL::${t} AS ${c}`)).join(", ");
  return [
    `CREATE OR REPLACE TEMP VIEW samples AS SELECT ${pick("samples", "samples")} FROM legacy.samples`,
    `CREATE OR REPLACE TEMP VIEW sample_keys AS SELECT ${SAMPLE_KEY} FROM legacy.samples`,
    `CREATE OR REPLACE TEMP VIEW questions AS SELECT ${pick("questions", "questions")} FROM legacy.questions`,
    `CREATE OR REPLACE TEMP VIEW models AS SELECT ${pick("models", "models")} FROM legacy.models`,
    `CREATE OR REPLACE TEMP VIEW counts AS SELECT ${pick("counts", "counts")} FROM legacy.counts`,
    hasColumn("sample_failures", "model")
      ? `CREATE OR REPLACE TEMP VIEW sample_failures AS SELECT ${pick("sample_failures", "failures")} FROM legacy.sample_failures`
      : `CREATE OR REPLACE TEMP VIEW sample_failures AS SELECT NULL::VARCHAR AS model, NULL::VARCHAR AS question_id, NULL::INTEGER AS missing,
           NULL::INTEGER AS status, NULL::VARCHAR AS error, NULL::VARCHAR AS recorded_at WHERE false`,
  ];
}
