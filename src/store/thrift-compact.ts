/**
 * A minimal encoder for Thrift's compact protocol, the encoding of Parquet's page headers and file footer
 * (parquet-writer.ts). Only what those structures use: structs, i16/i32/i64 fields, binary/string fields and
 * lists of i32, strings or structs. Written from the protocol's specification (Apache Thrift,
 * doc/specs/thrift-compact-protocol.md): a field header is one byte `(delta << 4) | type` when the field id
 * grows by 1..15 over the previous one in its struct, integers are zigzag varints, a list header is
 * `(size << 4) | element type` below 15 elements, else `0xF0 | type` and a varint size.
 */
const TYPE = { i16: 4, i32: 5, i64: 6, binary: 8, list: 9, struct: 12 } as const;
type ElementType = "i32" | "binary" | "struct";

export class ThriftWriter {
  private buf = Buffer.allocUnsafe(1024);
  private pos = 0;
  /** the last field id of each open struct (the innermost last) */
  private readonly lastField: number[] = [0];

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** An unsigned varint of a non-negative safe integer (numbers, not bigint: Parquet's sizes stay below 2^53). */
  private varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  private zigzag(n: number): void {
    if (!Number.isSafeInteger(n)) throw new RangeError(`thrift integer ${n} is not a safe integer`);
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  private fieldHeader(id: number, type: number): void {
    const last = this.lastField[this.lastField.length - 1]!;
    const delta = id - last;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.zigzag(id);
    }
    this.lastField[this.lastField.length - 1] = id;
  }

  i16(id: number, v: number): this {
    this.fieldHeader(id, TYPE.i16);
    this.zigzag(v);
    return this;
  }

  i32(id: number, v: number): this {
    this.fieldHeader(id, TYPE.i32);
    this.zigzag(v);
    return this;
  }

  i64(id: number, v: number): this {
    this.fieldHeader(id, TYPE.i64);
    this.zigzag(v);
    return this;
  }

  binary(id: number, v: Uint8Array | string): this {
    this.fieldHeader(id, TYPE.binary);
    this.rawBinary(v);
    return this;
  }

  private rawBinary(v: Uint8Array | string): void {
    const bytes = typeof v === "string" ? Buffer.from(v, "utf8") : v;
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A struct field; `body` writes its fields. */
  struct(id: number, body: (w: this) => void): this {
    this.fieldHeader(id, TYPE.struct);
    this.structBody(body);
    return this;
  }

  private structBody(body: (w: this) => void): void {
    this.lastField.push(0);
    body(this);
    this.byte(0); // stop
    this.lastField.pop();
  }

  /** A list field of i32s, strings/binaries, or structs (each written by `item`). */
  list<T>(id: number, type: ElementType, items: readonly T[], item?: (w: this, v: T) => void): this {
    this.fieldHeader(id, TYPE.list);
    const t = TYPE[type];
    if (items.length < 15) this.byte((items.length << 4) | t);
    else {
      this.byte(0xf0 | t);
      this.varint(items.length);
    }
    for (const v of items) {
      if (type === "i32") this.zigzag(v as number);
      else if (type === "binary") this.rawBinary(v as Uint8Array | string);
      else this.structBody((w) => item!(w, v));
    }
    return this;
  }

  /** The bytes of a top-level struct: its fields, then the stop byte. */
  end(): Buffer {
    this.byte(0);
    return this.buf.subarray(0, this.pos);
  }
}
