/**
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
  harness_correct BOOLEAN          -- the verdict of the harness a sample was imported from (NULL: none)
);
-- stores written before harness imports lack the column; adding it keeps them readable and writable
ALTER TABLE samples ADD COLUMN IF NOT EXISTS harness_correct BOOLEAN;
CREATE TABLE IF NOT EXISTS counts (model VARCHAR NOT NULL, question_id VARCHAR NOT NULL, n INTEGER NOT NULL, correct INTEGER NOT NULL);
`;

/** Sample columns in table order, with the staging types used by bulk writes. */
export const SAMPLE_COLUMNS = [
  "model", "question_id", "sample_index", "text", "finish_reason", "n_tokens", "extracted", "correct", "verify_status", "seed", "latency_ms", "harness_correct",
] as const;
