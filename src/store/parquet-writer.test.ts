import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { seededRng } from "../metrics/rng.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { utf8Less, writeParquet, type ParquetColumn } from "./parquet-writer.js";
import { SEGMENT_FORMAT } from "./segments.js";
import { SEGMENT_COLUMNS, sqlString } from "./views.js";

const tmp = useTmpDirs();

/**
 * The writer is checked against DuckDB itself: the same rows written by DuckDB's own COPY (the store's segment
 * format, rows put in through DuckDB's appender) and by writeParquet must read back as the same rows and the
 * same column types, in order, every column, NULLs, unicode and empty strings included; and DuckDB's filters,
 * which skip row groups by the statistics we write, must count the same.
 */
type Row = Record<string, string | number | boolean | null>;

const STRINGS = [
  "", "a", "plain ascii", "é", "naïve café", "日本語のテキスト", "emoji 😀 and 🧮", "\u{10FFFF}", "\uE000 private use", "\uFFFD",
  "line\nbreak\ttab", "quote ' and \" and \\ backslash", "x".repeat(64), "y".repeat(65), "zero\u0000byte", "combining e\u0301",
];

function rows(n: number, seed: number): Row[] {
  const rng = seededRng(seed);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
  const maybe = <T,>(v: T, pNull = 0.2) => (rng() < pNull ? null : v);
  return Array.from({ length: n }, (_, i) => ({
    model: pick(["base", "rl<-base", "modèle"]),
    question_id: maybe(pick(STRINGS) + i, 0.05),
    sample_index: maybe(pick([0, 1, -1, 2 ** 31 - 1, -(2 ** 31), i]), 0.1),
    text: maybe(rng() < 0.05 ? "long ".repeat(Math.floor(rng() * 3000)) : pick(STRINGS)),
    finish_reason: maybe(pick(["stop", "length", ""]), 0.5),
    n_tokens: maybe(Math.floor(rng() * 4000) - 100),
    extracted: maybe(pick(STRINGS)),
    correct: maybe(rng() < 0.5),
    verify_status: i % 17 === 0 ? null : "ok", // long runs of one level, then a change: both level encodings
    seed: maybe(pick([0, 1, -1, 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 32, -(2 ** 32) - 7, Math.floor(rng() * 1e12)])),
    latency_ms: maybe(pick([0, 1.5, -2.25, 1e300, 5e-324, rng() * 1000])),
    grading: null, // a column of NULLs only
    harness_correct: true, // a column with no NULL
  }));
}

const COLUMNS = SEGMENT_COLUMNS.samples;

function columnsOf(data: readonly Row[]): ParquetColumn[] {
  return COLUMNS.map(([name, type]) => ({ name, type: type as ParquetColumn["type"], values: data.map((r) => r[name]!) }));
}

/** The same rows through DuckDB's appender and COPY, as the store wrote segments before. */
async function duckdbSegment(db: DuckDBConnection, data: readonly Row[], path: string): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE t (${COLUMNS.map(([c, t]) => `${c} ${t}`).join(", ")})`);
  const a = await db.createAppender("t");
  for (const r of data) {
    for (const [c, t] of COLUMNS) {
      const v = r[c];
      if (v === null || v === undefined) a.appendNull();
      else if (t === "VARCHAR") a.appendVarchar(v as string);
      else if (t === "INTEGER") a.appendInteger(v as number);
      else if (t === "BIGINT") a.appendBigInt(BigInt(v as number));
      else if (t === "BOOLEAN") a.appendBoolean(v as boolean);
      else a.appendDouble(v as number);
    }
    a.endRow();
  }
  a.closeSync();
  await db.run(`COPY t TO ${sqlString(path)} (${SEGMENT_FORMAT})`);
}

async function read(db: DuckDBConnection, sql: string): Promise<unknown[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJS();
}

describe("writeParquet", () => {
  it("writes files DuckDB reads as the same rows and types as its own COPY (NULLs, unicode, empty strings, extremes)", async () => {
    const dir = tmp();
    const db = await (await DuckDBInstance.create(":memory:")).connect();
    const data = rows(3000, 1);
    const ours = join(dir, "ours.parquet");
    const small = join(dir, "small-pages.parquet");
    const theirs = join(dir, "duckdb.parquet");
    writeParquet(ours, columnsOf(data), data.length);
    // many row groups and pages (a page closes after 100 bytes of values, a row group after 257 rows)
    writeParquet(small, columnsOf(data), data.length, { rowGroupRows: 257, pageBytes: 100 });
    await duckdbSegment(db, data, theirs);

    const expected = await read(db, `SELECT * FROM read_parquet(${sqlString(theirs)}) ORDER BY file_row_number`);
    expect(expected).toHaveLength(3000);
    for (const f of [ours, small]) {
      expect(await read(db, `SELECT * FROM read_parquet(${sqlString(f)}) ORDER BY file_row_number`)).toEqual(expected);
      expect(await read(db, `DESCRIBE SELECT * FROM read_parquet(${sqlString(f)})`)).toEqual(await read(db, `DESCRIBE SELECT * FROM read_parquet(${sqlString(theirs)})`));
    }
    // against the JS values themselves too (DuckDB's copy could hide a shared misreading)
    const back = (await read(db, `SELECT * FROM read_parquet(${sqlString(small)}) ORDER BY file_row_number`)) as Array<Record<string, unknown>>;
    back.forEach((r, i) => {
      for (const [c, t] of COLUMNS) expect(t === "BIGINT" && r[c] !== null ? Number(r[c]) : r[c]).toEqual(data[i]![c]);
    });
    expect(Number((await read(db, `SELECT count(*) AS n FROM parquet_metadata(${sqlString(small)}) WHERE path_in_schema = 'text'`) as Array<{ n: bigint }>)[0]!.n)).toBe(Math.ceil(3000 / 257));
  });

  it("writes statistics that filters may skip row groups by without changing any count", async () => {
    const dir = tmp();
    const db = await (await DuckDBInstance.create(":memory:")).connect();
    const data = rows(2000, 2);
    const ours = join(dir, "ours.parquet");
    const theirs = join(dir, "duckdb.parquet");
    writeParquet(ours, columnsOf(data), data.length, { rowGroupRows: 100 });
    await duckdbSegment(db, data, theirs);
    const filters = [
      "model = 'base'", "model = 'modèle'", "model > 'm'", "question_id < 'é'", "question_id >= '日'", "question_id > '\uE000'", "question_id IS NULL",
      "sample_index = 2147483647", "sample_index < 0", "sample_index IS NULL", "seed > 4294967296", "seed < -1", "seed = 9007199254740991",
      "correct", "NOT correct", "correct IS NULL", "grading IS NULL", "grading IS NOT NULL", "harness_correct", "verify_status IS NULL",
      "finish_reason = ''", "text = ''", "n_tokens BETWEEN 0 AND 100", "latency_ms > 1",
    ];
    for (const f of filters) {
      const count = async (file: string) => Number(((await read(db, `SELECT count(*) AS n FROM read_parquet(${sqlString(file)}) WHERE ${f}`)) as Array<{ n: bigint }>)[0]!.n);
      expect(await count(ours), f).toBe(await count(theirs));
    }
    // the statistics are there to be used: DuckDB reads min and max of the key columns back
    const stats = (await read(db, `SELECT stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata(${sqlString(ours)}) WHERE path_in_schema = 'sample_index' AND row_group_id = 0`)) as Array<{ lo: string; hi: string }>;
    const first = data.slice(0, 100).map((r) => r.sample_index).filter((v): v is number => v !== null);
    expect([Number(stats[0]!.lo), Number(stats[0]!.hi)]).toEqual([Math.min(...first), Math.max(...first)]);
  });

  it("writes an empty column set of rows, and refuses a column of the wrong length", async () => {
    const dir = tmp();
    const db = await (await DuckDBInstance.create(":memory:")).connect();
    const f = join(dir, "empty.parquet");
    writeParquet(f, columnsOf([]), 0);
    expect(readFileSync(f).subarray(0, 4).toString()).toBe("PAR1");
    expect(await read(db, `SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(f)})`)).toEqual([{ n: 0 }]);
    expect(() => writeParquet(join(dir, "bad.parquet"), [{ name: "a", type: "INTEGER", values: [1] }], 2)).toThrow(/1 values for 2 rows/);
    // never over an existing file (a segment is written once, under a fresh name)
    expect(() => writeParquet(f, columnsOf([]), 0)).toThrow(/EEXIST/);
  });
});

describe("utf8Less", () => {
  it("orders strings as the unsigned bytes of their UTF-8, surrogate pairs against U+E000-FFFF included", () => {
    const rng = seededRng(3);
    const units = [0x41, 0x7a, 0xe9, 0x65e5, 0xd7ff, 0xe000, 0xfffd, 0xffff];
    const gen = () => {
      let s = "";
      const n = Math.floor(rng() * 4);
      for (let i = 0; i < n; i++) s += rng() < 0.3 ? String.fromCodePoint(0x10000 + Math.floor(rng() * 0xfffff)) : String.fromCharCode(units[Math.floor(rng() * units.length)]!);
      return s;
    };
    for (let i = 0; i < 5000; i++) {
      const a = gen();
      const b = gen();
      expect(utf8Less(a, b), `${JSON.stringify(a)} < ${JSON.stringify(b)}`).toBe(Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0);
    }
    expect(utf8Less("\uFFFF", "\u{10000}")).toBe(true); // UTF-16 units alone would say otherwise
  });
});
