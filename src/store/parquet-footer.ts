import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { RlvdError } from "../core/errors.js";
import { ThriftReader, type ThriftStruct, type ThriftValue } from "./thrift-compact.js";

/**
 * What a Parquet file's footer says about its column chunks, read with our own Thrift decoder: a file ends in
 * its FileMetaData (Thrift compact protocol), its 4-byte little-endian length and the magic `PAR1`. Field ids
 * from Apache Parquet's parquet.thrift: FileMetaData 4 row_groups; RowGroup 1 columns; ColumnChunk 3 meta_data;
 * ColumnMetaData 3 path_in_schema, 4 codec, 7 total_compressed_size. Compaction (compact.ts) uses it to find the
 * segments written uncompressed (parquet-writer.ts), by what the file says rather than by its size.
 */
export const PARQUET_CODECS = ["UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"] as const;
export type ParquetCodec = (typeof PARQUET_CODECS)[number];

/** One column chunk: its column's dotted path, its codec, and its bytes in the file (as stored). */
export type ColumnChunkInfo = { row_group: number; column: string; codec: ParquetCodec | `codec ${number}`; bytes: number };

const MAGIC = "PAR1";

/** The column chunks of the Parquet file at `path`, in footer order; a file that is not whole Parquet is an error naming it. */
export function parquetColumnChunks(path: string): ColumnChunkInfo[] {
  const footer = readFooter(path);
  let meta: ThriftStruct;
  try {
    meta = new ThriftReader(footer).struct();
  } catch (e) {
    throw new RlvdError("BAD_INPUT", `${path}: unreadable Parquet footer (${e instanceof Error ? e.message : String(e)})`);
  }
  const out: ColumnChunkInfo[] = [];
  for (const [g, group] of structs(meta.fields.get(4)).entries()) {
    for (const chunk of structs(group.fields.get(1))) {
      const m = chunk.fields.get(3);
      if (!isStruct(m)) continue; // a chunk kept in another file (file_path) carries no metadata here
      const codec = num(m.fields.get(4));
      const names = m.fields.get(3);
      out.push({
        row_group: g,
        column: Array.isArray(names) ? names.map((n) => (n instanceof Uint8Array ? Buffer.from(n).toString("utf8") : String(n))).join(".") : "",
        codec: PARQUET_CODECS[codec] ?? `codec ${codec}`,
        bytes: num(m.fields.get(7)),
      });
    }
  }
  return out;
}

/** Whether a Parquet file stores any column data uncompressed (what rlvd's own writer and direct imports write). */
export function hasUncompressedChunks(path: string): boolean {
  return parquetColumnChunks(path).some((c) => c.codec === "UNCOMPRESSED" && c.bytes > 0);
}

function readFooter(path: string): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const bad = (why: string) => new RlvdError("BAD_INPUT", `${path}: not a whole Parquet file (${why})`);
    if (size < 12) throw bad(`${size} bytes`);
    const tail = readAt(fd, size - 8, 8);
    if (tail.subarray(4).toString("latin1") !== MAGIC) throw bad("no PAR1 at its end");
    const length = tail.readUInt32LE(0);
    if (length > size - 12) throw bad(`footer of ${length} bytes in a file of ${size}`);
    return readAt(fd, size - 8 - length, length);
  } finally {
    closeSync(fd);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  for (let off = 0; off < length; ) {
    const n = readSync(fd, buf, off, length - off, position + off);
    if (n === 0) throw new RlvdError("BAD_INPUT", `unexpected end of file at byte ${position + off}`);
    off += n;
  }
  return buf;
}

function isStruct(v: ThriftValue | undefined): v is ThriftStruct {
  return typeof v === "object" && v !== null && "fields" in v;
}

function structs(v: ThriftValue | undefined): ThriftStruct[] {
  return Array.isArray(v) ? v.filter(isStruct) : [];
}

function num(v: ThriftValue | undefined): number {
  return typeof v === "number" ? v : -1;
}
