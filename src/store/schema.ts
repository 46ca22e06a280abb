/**
 * The tables of the single-file store rlvd wrote before segments (one `rlvd.duckdb` per run folder): what
 * legacy.ts reads and migrates, and test-helpers/legacy-store.ts writes to test that. The segment store's
 * columns are views.ts SEGMENT_COLUMNS.
 *
 * The store's tables. Keys are enforced by rlvd's write path (staged, anti-joined inserts inside a
 * transaction) rather than by DuckDB PRIMARY KEY indexes: the index costs ~3 s per 2M rows on bulk import and
 * buys nothing the write path does not already guarantee. `SCHEMA_VERSION` guards against old files.
 */
export const SCHEMA_VERSION = "1";

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS rlvd_meta (key VARCHAR, value VARCHAR);
CREATE TABLE IF NOT EXISTS questions (id VARCHAR NOT NULL, prompt VARCHAR, answer VARCHAR, meta VARCHAR);
CREATE TABLE IF NOT EXISTS models (name VARCHAR NOT NULL, spec VARCHAR, meta VARCHAR);
CREATE TABLE IF NOT EXISTS samples (
  model VARCHAR NOT NULL,          -- key part 1
  question_id VARCHAR NOT NULL,    -- key part 2
  sample_index INTEGER NOT NULL,   -- key part 3
  text VARCHAR,
  finish_reason VARCHAR,
  n_tokens INTEGER,
  extracted VARCHAR,
  correct BOOLEAN,                 -- NULL until graded
  verify_status VARCHAR,
  seed BIGINT,
  latency_ms DOUBLE,
  grading VARCHAR,                 -- the convention the verdict was made under (verify/conventions.ts); NULL: "any"
  harness_correct BOOLEAN          -- the verdict of the harness a sample was imported from (NULL: none)
);
CREATE TABLE IF NOT EXISTS counts (model VARCHAR NOT NULL, question_id VARCHAR NOT NULL, n INTEGER NOT NULL, correct INTEGER NOT NULL);
-- questions a sampling run could not sample (the server rejected the request, e.g. prompt over the context);
-- one row per (model, question), the latest error; created on open, so older stores gain it unchanged
CREATE TABLE IF NOT EXISTS sample_failures (model VARCHAR NOT NULL, question_id VARCHAR NOT NULL, missing INTEGER, status INTEGER, error VARCHAR, recorded_at VARCHAR);
`;

/** Sample columns in table order, with the staging types used by bulk writes. */
export const SAMPLE_COLUMNS = [
  "model", "question_id", "sample_index", "text", "finish_reason", "n_tokens", "extracted", "correct", "verify_status", "seed", "latency_ms",
  "grading", "harness_correct",
] as const;

/**
 * Columns added after a store's first release, added to older stores when they are opened (the schema version
 * stays: an old store reads the same, the new column NULL, which each column's reader gives a meaning).
 */
export const ADDED_COLUMNS_SQL = `
ALTER TABLE samples ADD COLUMN IF NOT EXISTS grading VARCHAR;
ALTER TABLE samples ADD COLUMN IF NOT EXISTS harness_correct BOOLEAN;
`;
