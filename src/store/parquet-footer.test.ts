import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { RlvdError } from "../core/errors.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { hasUncompressedChunks, parquetColumnChunks } from "./parquet-footer.js";
import { writeParquet } from "./parquet-writer.js";
import { ThriftReader, ThriftWriter, type ThriftStruct } from "./thrift-compact.js";
import { sqlString } from "./views.js";

const tmp = useTmpDirs();

/** DuckDB's own reading of the same footers (parquet_metadata), the reference for ours. */
async function duckdbChunks(path: string) {
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  try {
    const r = await db.runAndReadAll(`SELECT row_group_id::INTEGER AS row_group, path_in_schema AS column, compression AS codec, total_compressed_size::DOUBLE AS bytes
      FROM parquet_metadata(${sqlString(path)}) ORDER BY row_group_id, column_id`);
    return r.getRowObjectsJS();
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

async function duckdbCopy(path: string, codec: string): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  try {
    await db.run(`COPY (SELECT i, 'text ' || (i % 13) AS t, CASE WHEN i % 5 = 0 THEN NULL ELSE i * 0.5 END AS d FROM range(40000) r(i))
      TO ${sqlString(path)} (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 16384)`);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

describe("parquetColumnChunks", () => {
  it("reads the codec and size of every column chunk as DuckDB does, for our writer's files and DuckDB's own", async () => {
    const dir = tmp();
    const ours = join(dir, "ours.parquet");
    const n = 5000;
    writeParquet(ours, [
      { name: "model", type: "VARCHAR", values: Array.from({ length: n }, (_, i) => (i % 3 ? "base" : "rl<-base")) },
      { name: "sample_index", type: "INTEGER", values: Array.from({ length: n }, (_, i) => (i % 7 ? i : null)) },
      { name: "text", type: "VARCHAR", values: Array.from({ length: n }, (_, i) => "x".repeat(i % 50)) },
      { name: "correct", type: "BOOLEAN", values: Array.from({ length: n }, (_, i) => i % 2 === 0) },
    ], n, { rowGroupRows: 1024 });
    const zstd = join(dir, "zstd.parquet");
    const snappy = join(dir, "snappy.parquet");
    const plain = join(dir, "plain.parquet");
    await duckdbCopy(zstd, "zstd");
    await duckdbCopy(snappy, "snappy");
    await duckdbCopy(plain, "uncompressed");
    for (const [file, codec, chunks] of [[ours, "UNCOMPRESSED", 5 * 4], [zstd, "ZSTD", 3 * 3], [snappy, "SNAPPY", 3 * 3], [plain, "UNCOMPRESSED", 3 * 3]] as const) {
      const got = parquetColumnChunks(file);
      expect(got.length).toBe(chunks);
      expect(got.every((c) => c.codec === codec)).toBe(true);
      expect(got).toEqual(await duckdbChunks(file));
      expect(hasUncompressedChunks(file)).toBe(codec === "UNCOMPRESSED");
    }
  });

  it("names the file when it is not whole Parquet", () => {
    const dir = tmp();
    const cases: Array<[string, Buffer]> = [
      ["short.parquet", Buffer.from("PAR1")],
      ["text.parquet", Buffer.from("not parquet at all, just text")],
      // a footer length beyond the file
      ["length.parquet", Buffer.concat([Buffer.from("PAR1"), Buffer.alloc(8), Buffer.from([0xff, 0xff, 0, 0]), Buffer.from("PAR1")])],
      // a footer cut short inside a struct
      ["cut.parquet", Buffer.concat([Buffer.from("PAR1"), Buffer.from([0x15, 0x02, 0x49]), Buffer.from([3, 0, 0, 0]), Buffer.from("PAR1")])],
    ];
    for (const [name, bytes] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      let error: unknown;
      try {
        parquetColumnChunks(path);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RlvdError);
      expect((error as Error).message).toContain(path);
    }
  });
});

describe("ThriftReader", () => {
  it("decodes what ThriftWriter encodes: field deltas past 15, negative and large integers, binaries, long lists, nested structs", () => {
    const bytes = new ThriftWriter()
      .i32(1, -7)
      .i64(2, 2 ** 52 + 3)
      .i16(40, 300) // a delta over 15: the id is written out
      .binary(41, "naïve")
      .list(42, "i32", Array.from({ length: 20 }, (_, i) => i - 10))
      .list(43, "struct", [1, 2], (w, v) => w.i32(1, v).struct(2, (s) => s.binary(1, `in ${v}`)))
      .list(44, "binary", ["a", "bc"])
      .end();
    const s = new ThriftReader(bytes).struct();
    const text = (v: unknown) => Buffer.from(v as Uint8Array).toString("utf8");
    expect([...s.fields.keys()]).toEqual([1, 2, 40, 41, 42, 43, 44]);
    expect(s.fields.get(1)).toBe(-7);
    expect(s.fields.get(2)).toBe(2 ** 52 + 3);
    expect(s.fields.get(40)).toBe(300);
    expect(text(s.fields.get(41))).toBe("naïve");
    expect(s.fields.get(42)).toEqual(Array.from({ length: 20 }, (_, i) => i - 10));
    const items = s.fields.get(43) as ThriftStruct[];
    expect(items.map((i) => [i.fields.get(1), text((i.fields.get(2) as ThriftStruct).fields.get(1))])).toEqual([[1, "in 1"], [2, "in 2"]]);
    expect((s.fields.get(44) as Uint8Array[]).map(text)).toEqual(["a", "bc"]);
  });

  it("decodes the types our writer never writes (booleans, bytes, doubles, maps), encoded by hand from the protocol's specification", () => {
    const bytes = Buffer.concat([
      Buffer.from([0x11]), // field 1: BOOLEAN_TRUE, the value in the type nibble
      Buffer.from([0x12]), // field 2: BOOLEAN_FALSE
      Buffer.from([0x13, 0xfe]), // field 3: i8 -2
      Buffer.from([0x17]), Buffer.from(new Float64Array([1.5]).buffer), // field 4: double 1.5, little-endian
      // field 5: map of 2, key type binary (8) and value type i32 (5): "a" -> 2 (zigzag 4), "b" -> -2 (zigzag 3)
      Buffer.from([0x1b, 0x02, 0x85, 0x01, 0x61, 0x04, 0x01, 0x62, 0x03]),
      // field 6: list of 2 booleans (element type 1), one byte each: 1 true, 2 false (as Apache Thrift's C++ writes them)
      Buffer.from([0x19, 0x21, 0x01, 0x02]),
      Buffer.from([0x00]), // stop
    ]);
    const s = new ThriftReader(bytes).struct();
    expect(s.fields.get(1)).toBe(true);
    expect(s.fields.get(2)).toBe(false);
    expect(s.fields.get(3)).toBe(-2);
    expect(s.fields.get(4)).toBe(1.5);
    const m = s.fields.get(5) as Map<Uint8Array, number>;
    expect([...m].map(([k, v]) => [Buffer.from(k).toString(), v])).toEqual([["a", 2], ["b", -2]]);
    expect(s.fields.get(6)).toEqual([true, false]);
  });

  it("throws on bytes cut short", () => {
    const bytes = new ThriftWriter().binary(1, "hello").end();
    expect(() => new ThriftReader(bytes.subarray(0, 4)).struct()).toThrow(RangeError);
  });
});

