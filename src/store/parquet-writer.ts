import { closeSync, openSync, writeSync } from "node:fs";
import { ThriftWriter } from "./thrift-compact.js";

/**
 * A small Parquet writer for the store's segments (issue 15's ingest bar): rows go from JS values straight into
 * a file, with no DuckDB appender and no COPY. DuckDB's Parquet+zstd COPY was most of a writer's CPU (14 us a
 * sample of ~2 KB at zstd level 1, against ~1 us here to encode the same text), so segments written here are
 * uncompressed and compression is left to compaction (compact.ts, which rewrites through DuckDB with zstd).
 *
 * What it writes, and why each choice (Apache Parquet's format specification, parquet.thrift, format 2.x):
 * - every column OPTIONAL (definition level 0 = NULL, 1 = a value), as DuckDB's own COPY writes them, with the
 *   same physical and converted types (VARCHAR: BYTE_ARRAY + UTF8, INTEGER: INT32 + INT_32, BIGINT: INT64 +
 *   INT_64, BOOLEAN, DOUBLE), so DuckDB reads the same column types from either writer (parquet-writer.test.ts);
 * - data pages v1, PLAIN values, definition levels in the RLE/bit-packing hybrid (a 4-byte length first), no
 *   dictionary, codec UNCOMPRESSED; pages close at ~1 MiB of values so no reader has to hold a 33 MB page;
 * - row groups of `rowGroupRows` rows (16,384 by default, the size DuckDB's COPY used for the store);
 * - statistics per column chunk: null count; min and max (byte order, with TypeDefinedOrder column orders) for
 *   integers, booleans and strings of at most 64 characters, which lets DuckDB skip row groups on filters
 *   (e.g. `model = ?`); none for doubles (their -0/+0 and NaN rules buy nothing here) or long texts.
 */
export type ParquetType = "VARCHAR" | "INTEGER" | "BIGINT" | "BOOLEAN" | "DOUBLE";

/**
 * A column: its values one per row, already of the column's JS type (VARCHAR: string, INTEGER: an int32, BIGINT:
 * a safe integer, BOOLEAN: boolean, DOUBLE: a finite number) or null.
 */
export type ParquetColumn = { name: string; type: ParquetType; values: ReadonlyArray<unknown> };

export type ParquetWriteOptions = { rowGroupRows?: number; pageBytes?: number };
const DEFAULTS = { rowGroupRows: 16_384, pageBytes: 1 << 20 } satisfies Required<ParquetWriteOptions>;

/** parquet.thrift enums */
const PHYSICAL: Record<ParquetType, number> = { BOOLEAN: 0, INTEGER: 1, BIGINT: 2, DOUBLE: 5, VARCHAR: 6 };
const CONVERTED: Partial<Record<ParquetType, number>> = { VARCHAR: 0 /* UTF8 */, INTEGER: 17 /* INT_32 */, BIGINT: 18 /* INT_64 */ };
const OPTIONAL = 1;
const REQUIRED = 0;
const PLAIN = 0;
const RLE = 3;
const UNCOMPRESSED = 0;
const DATA_PAGE = 0;
/** strings longer than this get no min/max statistics (texts: nobody filters on them) */
const STAT_MAX_CHARS = 64;

/** Writes `rows` rows of `columns` to a new file at `path` (which must not exist). Returns the file's size. */
export function writeParquet(path: string, columns: readonly ParquetColumn[], rows: number, options: ParquetWriteOptions = {}): number {
  const o = { ...DEFAULTS, ...options };
  for (const c of columns) if (c.values.length !== rows) throw new RangeError(`column ${c.name}: ${c.values.length} values for ${rows} rows`);
  const file = new ParquetFileWriter(path, columns, o);
  try {
    for (let start = 0; start < rows; start += o.rowGroupRows) file.writeRowGroup(columns, start, Math.min(rows, start + o.rowGroupRows));
    return file.finish();
  } finally {
    file.close();
  }
}

/**
 * A Parquet file written one row group at a time (an import streams millions of rows into one segment without
 * holding them): open, `writeRowGroup` as rows arrive, `finish` (the footer), and always `close`. Each row
 * group's pages go to the file as it is written; only the groups' metadata stays in memory.
 */
export class ParquetFileWriter {
  private readonly out: FileOutput;
  private readonly groups: RowGroupMeta[] = [];
  private rows = 0;
  private readonly pageBytes: number;

  /** `schema`: the columns' names and types, in order (every row group passes columns of this schema). */
  constructor(path: string, private readonly schema: ReadonlyArray<Pick<ParquetColumn, "name" | "type">>, options: ParquetWriteOptions & { bufferBytes?: number } = {}) {
    this.pageBytes = options.pageBytes ?? DEFAULTS.pageBytes;
    this.out = new FileOutput(path, options.bufferBytes);
    this.out.write(MAGIC);
  }

  /** Writes rows [start, end) of `columns` (this file's schema, in order; values may run past `end`) as one row group. */
  writeRowGroup(columns: readonly ParquetColumn[], start: number, end: number): void {
    if (columns.length !== this.schema.length) throw new RangeError(`${columns.length} columns for a schema of ${this.schema.length}`);
    for (const c of columns) if (c.values.length < end) throw new RangeError(`column ${c.name}: ${c.values.length} values for rows up to ${end}`);
    if (end <= start) return;
    this.groups.push({ rows: end - start, chunks: columns.map((c) => writeColumnChunk(this.out, c, start, end, this.pageBytes)) });
    this.rows += end - start;
  }

  /** Writes the footer and flushes; returns the file's size. */
  finish(): number {
    const footer = fileMetaData(this.schema, this.rows, this.groups);
    this.out.write(footer);
    const tail = Buffer.allocUnsafe(8);
    tail.writeUInt32LE(footer.length, 0);
    MAGIC.copy(tail, 4);
    this.out.write(tail);
    this.out.flush();
    return this.out.offset;
  }

  close(): void {
    this.out.close();
  }
}

const MAGIC = Buffer.from("PAR1", "ascii");

type ChunkMeta = {
  type: ParquetType;
  name: string;
  offset: number;
  bytes: number;
  values: number;
  nulls: number;
  min: Buffer | null;
  max: Buffer | null;
};
type RowGroupMeta = { rows: number; chunks: ChunkMeta[] };

/** Buffered writes to a file descriptor; every write is checked (a short write is continued, an error thrown). */
class FileOutput {
  private readonly fd: number;
  private buf: Buffer;
  private pos = 0;
  /** bytes written so far (flushed or buffered): the file offset of the next byte */
  offset = 0;
  private closed = false;

  constructor(path: string, bufferBytes = 4 << 20) {
    this.buf = Buffer.allocUnsafe(bufferBytes);
    this.fd = openSync(path, "wx");
  }

  write(bytes: Uint8Array): void {
    if (this.pos + bytes.length > this.buf.length) this.flush();
    if (bytes.length > this.buf.length) writeAll(this.fd, bytes);
    else {
      this.buf.set(bytes, this.pos);
      this.pos += bytes.length;
    }
    this.offset += bytes.length;
  }

  flush(): void {
    if (this.pos > 0) writeAll(this.fd, this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    const n = writeSync(fd, bytes, done, bytes.length - done);
    if (n <= 0) throw Object.assign(new Error(`short write (${done} of ${bytes.length} bytes)`), { code: "EIO" });
    done += n;
  }
}

/**
 * UTF-8 of `s` into `buf` at `offset` (room for it ensured); returns its length. Node's Buffer#utf8Write is what
 * Buffer#write(s, offset, "utf8") calls after checking its arguments, which cost ~1 us of ~2 per 2 KB text.
 */
const utf8Write: (buf: Buffer, s: string, offset: number) => number =
  typeof (Buffer.prototype as { utf8Write?: unknown }).utf8Write === "function"
    ? (buf, s, offset) => (buf as unknown as { utf8Write(s: string, o: number, n: number): number }).utf8Write(s, offset, buf.length - offset)
    : (buf, s, offset) => buf.write(s, offset, "utf8");

/** A growable byte buffer for one page's values. */
class Bytes {
  buf = Buffer.allocUnsafe(1 << 16);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

/** the page buffer writeColumnChunk fills (and empties before it returns) */
const PAGE_VALUES = new Bytes();
/** strings up to this many code units are tried as ASCII by hand before Buffer#utf8Write */
const ASCII_COPY_MAX = 32;

/** Writes rows [start, end) of one column as data pages; returns the chunk's metadata. */
function writeColumnChunk(out: FileOutput, column: ParquetColumn, start: number, end: number, pageBytes: number): ChunkMeta {
  const meta: ChunkMeta = { type: column.type, name: column.name, offset: out.offset, bytes: 0, values: end - start, nulls: 0, min: null, max: null };
  const stats = new MinMax(column.type);
  // one page's values at a time, in a buffer kept across chunks (writes are synchronous): a fresh one per chunk
  // grew by copying to the ~1 MiB of a text page in every row group
  const values = PAGE_VALUES;
  values.pos = 0;
  const levels = new Uint8Array(Math.min(end - start, 1 << 16));
  const all = column.values;
  let pageStart = start;
  let row = start;
  let defined = 0;
  let boolBits = 0;
  /** the last string given to the statistics (a key column repeats its value row after row) */
  let last: string | null = null;
  const flushPage = () => {
    if (column.type === "BOOLEAN" && defined % 8 !== 0) {
      values.ensure(1);
      values.buf[values.pos++] = boolBits;
    }
    const n = row - pageStart;
    const def = definitionLevels(levels, n);
    const size = def.length + values.pos;
    const header = new ThriftWriter()
      .i32(1, DATA_PAGE).i32(2, size).i32(3, size)
      .struct(5, (w) => w.i32(1, n).i32(2, PLAIN).i32(3, RLE).i32(4, RLE))
      .end();
    out.write(header);
    out.write(def);
    out.write(values.buf.subarray(0, values.pos));
    meta.bytes += header.length + size;
    pageStart = row;
    values.pos = 0;
    defined = 0;
    boolBits = 0;
  };
  for (; row < end; ) {
    const v = all[row];
    if (v === null || v === undefined) {
      levels[row - pageStart] = 0;
      meta.nulls++;
    } else {
      levels[row - pageStart] = 1;
      switch (column.type) {
        case "VARCHAR": {
          const s = v as string;
          const len = s.length;
          values.ensure(4 + 3 * len); // UTF-16 to UTF-8: at most 3 bytes a code unit
          const buf = values.buf;
          const at = values.pos;
          // short ASCII (ids, answers, statuses) copied by hand: cheaper than the native call for a few bytes
          let n = 0;
          if (len <= ASCII_COPY_MAX) {
            for (; n < len; n++) {
              const c = s.charCodeAt(n);
              if (c >= 0x80) break;
              buf[at + 4 + n] = c;
            }
          }
          if (n < len) n = utf8Write(buf, s, at + 4);
          buf[at] = n & 0xff;
          buf[at + 1] = (n >>> 8) & 0xff;
          buf[at + 2] = (n >>> 16) & 0xff;
          buf[at + 3] = n >>> 24;
          if (len > STAT_MAX_CHARS) stats.drop();
          else if (s !== last) stats.string((last = s));
          values.pos = at + 4 + n;
          break;
        }
        case "INTEGER":
          values.ensure(4);
          values.buf.writeInt32LE(v as number, values.pos);
          values.pos += 4;
          stats.number(v as number);
          break;
        case "BIGINT": {
          values.ensure(8);
          const x = v as number;
          const hi = Math.floor(x / 0x1_0000_0000);
          values.buf.writeUInt32LE(x - hi * 0x1_0000_0000, values.pos);
          values.buf.writeInt32LE(hi, values.pos + 4);
          values.pos += 8;
          stats.number(x);
          break;
        }
        case "DOUBLE":
          values.ensure(8);
          values.buf.writeDoubleLE(v as number, values.pos);
          values.pos += 8;
          break;
        case "BOOLEAN":
          if (v) boolBits |= 1 << defined % 8;
          if (defined % 8 === 7) {
            values.ensure(1);
            values.buf[values.pos++] = boolBits;
            boolBits = 0;
          }
          stats.number(v ? 1 : 0);
          break;
      }
      defined++;
    }
    row++;
    if (values.pos >= pageBytes || row - pageStart === levels.length) flushPage();
  }
  if (row > pageStart || meta.bytes === 0) flushPage();
  // a page that held one huge text: not kept for the rest of the process
  if (values.buf.length > 8 << 20) values.buf = Buffer.allocUnsafe(1 << 16);
  [meta.min, meta.max] = stats.encode();
  return meta;
}

/**
 * Definition levels of `n` rows (0 or 1, bit width 1) in the RLE/bit-packing hybrid, with its 4-byte length:
 * one RLE run when all are equal (the usual column: all set or all NULL), else one bit-packed run (8 levels a
 * byte, first level in the lowest bit; the last group's padding is never read, the page header gives `n`).
 */
function definitionLevels(levels: Uint8Array, n: number): Buffer {
  let same = true;
  for (let i = 1; i < n && same; i++) same = levels[i] === levels[0];
  const body: number[] = [];
  const varint = (x: number) => {
    while (x >= 0x80) {
      body.push((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    body.push(x);
  };
  let packed: Uint8Array | null = null;
  if (same) {
    varint(n * 2);
    body.push(n === 0 ? 0 : levels[0]!);
  } else {
    const groups = Math.ceil(n / 8);
    varint(groups * 2 + 1);
    packed = new Uint8Array(groups);
    for (let i = 0; i < n; i++) if (levels[i]) packed[i >> 3]! |= 1 << (i & 7);
  }
  const len = body.length + (packed?.length ?? 0);
  const b = Buffer.allocUnsafe(4 + len);
  b.writeUInt32LE(len, 0);
  b.set(body, 4);
  if (packed) b.set(packed, 4 + body.length);
  return b;
}

/** Min and max of a column chunk, in Parquet's type-defined order (strings: unsigned bytes of UTF-8). */
class MinMax {
  private lo: number | string | null = null;
  private hi: number | string | null = null;
  private dropped = false;

  constructor(private readonly type: ParquetType) {}

  number(x: number): void {
    if (this.lo === null || x < (this.lo as number)) this.lo = x;
    if (this.hi === null || x > (this.hi as number)) this.hi = x;
  }

  string(s: string): void {
    if (this.dropped) return;
    if (this.lo === null || utf8Less(s, this.lo as string)) this.lo = s;
    if (this.hi === null || utf8Less(this.hi as string, s)) this.hi = s;
  }

  drop(): void {
    this.dropped = true;
  }

  encode(): [Buffer | null, Buffer | null] {
    if (this.dropped || this.lo === null || this.type === "DOUBLE") return [null, null];
    const enc = (v: number | string): Buffer => {
      switch (this.type) {
        case "VARCHAR":
          return Buffer.from(v as string, "utf8");
        case "INTEGER": {
          const b = Buffer.allocUnsafe(4);
          b.writeInt32LE(v as number);
          return b;
        }
        case "BIGINT": {
          const b = Buffer.allocUnsafe(8);
          b.writeBigInt64LE(BigInt(v as number));
          return b;
        }
        default:
          return Buffer.from([v as number]);
      }
    };
    return [enc(this.lo), enc(this.hi!)];
  }
}

/**
 * Whether `a` sorts before `b` by the unsigned bytes of their UTF-8 (Parquet's order for strings). UTF-16 code
 * units order the same way except that surrogates (U+D800-DFFF, the halves of code points above U+FFFF) sort
 * below U+E000-FFFF in UTF-16 and above them in UTF-8; the first differing unit is remapped for that.
 */
export function utf8Less(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y;
  }
  return a.length < b.length;
}

function fileMetaData(columns: ReadonlyArray<Pick<ParquetColumn, "name" | "type">>, rows: number, groups: readonly RowGroupMeta[]): Buffer {
  return new ThriftWriter()
    .i32(1, 1)
    .list(2, "struct", [null, ...columns], (w, c) => {
      if (c === null) w.i32(3, REQUIRED).binary(4, "duckdb_schema").i32(5, columns.length);
      else {
        w.i32(1, PHYSICAL[c.type]).i32(3, OPTIONAL).binary(4, c.name);
        const converted = CONVERTED[c.type];
        if (converted !== undefined) w.i32(6, converted);
      }
    })
    .i64(3, rows)
    .list(4, "struct", groups as RowGroupMeta[], (w, g) => {
      const bytes = g.chunks.reduce((s, c) => s + c.bytes, 0);
      w.list(1, "struct", g.chunks, (cw, c) => {
        cw.i64(2, c.offset).struct(3, (m) => {
          m.i32(1, PHYSICAL[c.type]).list(2, "i32", [PLAIN, RLE]).list(3, "binary", [c.name]).i32(4, UNCOMPRESSED)
            .i64(5, c.values).i64(6, c.bytes).i64(7, c.bytes).i64(9, c.offset)
            .struct(12, (s) => {
              s.i64(3, c.nulls);
              if (c.max !== null && c.min !== null) s.binary(5, c.max).binary(6, c.min);
            });
        });
      });
      w.i64(2, bytes).i64(3, g.rows).i64(5, g.chunks[0]?.offset ?? 4).i64(6, bytes);
    })
    // "<application> version <v> (build <b>)", the form parquet-mr parses before it trusts string statistics
    .binary(6, "rlvd version 0.1.0 (build parquet-writer)")
    // column orders: TypeDefinedOrder for every column, so readers trust min_value/max_value
    .list(7, "struct", [...columns], (w) => w.struct(1, () => undefined))
    .end();
}
