/**
 * A minimal encoder for Thrift's compact protocol, the encoding of Parquet's page headers and file footer
 * (parquet-writer.ts), and a generic decoder (ThriftReader, for parquet-footer.ts). The encoder writes only what
 * those structures use: structs, i16/i32/i64 fields, binary/string fields and lists of i32, strings or structs. Written from the protocol's specification (Apache Thrift,
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

/** A decoded value: integers as numbers (exact below 2^53, which Parquet's sizes and enums are), binaries as bytes. */
export type ThriftValue = boolean | number | Uint8Array | ThriftValue[] | ThriftStruct | Map<ThriftValue, ThriftValue>;
/** A decoded struct: its fields by id. */
export type ThriftStruct = { fields: Map<number, ThriftValue> };

/**
 * Decodes a compact-protocol struct of any shape into ThriftStruct values: every type of the specification
 * (booleans carried in the field header, i8, i16/i32/i64 zigzag varints, doubles, binaries, lists, sets, maps,
 * nested structs), so a footer written by any Parquet writer parses whatever optional fields it holds. Reading
 * past the end, or an unknown type, throws a RangeError (a truncated or foreign file).
 */
export class ThriftReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  /** The struct at the current position (a top-level struct: the whole of a Parquet footer). */
  struct(): ThriftStruct {
    const fields = new Map<number, ThriftValue>();
    let last = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return { fields };
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta !== 0 ? last + delta : this.zigzag();
      last = id;
      // booleans in a field live in its type nibble: 1 true, 2 false
      fields.set(id, type === 1 ? true : type === 2 ? false : this.value(type));
    }
  }

  private value(type: number): ThriftValue {
    switch (type) {
      case 1:
      case 2:
        return this.byte() === 1; // a boolean inside a list, set or map: one byte
      case 3: {
        const b = this.byte();
        return b >= 0x80 ? b - 0x100 : b;
      }
      case 4:
      case 5:
      case 6:
        return this.zigzag();
      case 7: {
        this.need(8);
        const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case 8: {
        const n = this.varint();
        this.need(n);
        const v = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return v;
      }
      case 9:
      case 10: {
        const header = this.byte();
        const size = header >> 4 === 15 ? this.varint() : header >> 4;
        const items: ThriftValue[] = [];
        for (let i = 0; i < size; i++) items.push(this.value(header & 0x0f));
        return items;
      }
      case 11: {
        const size = this.varint();
        const map = new Map<ThriftValue, ThriftValue>();
        if (size === 0) return map;
        const kinds = this.byte();
        for (let i = 0; i < size; i++) map.set(this.value(kinds >> 4), this.value(kinds & 0x0f));
        return map;
      }
      case 12:
        return this.struct();
      default:
        throw new RangeError(`thrift: unknown type ${type} at byte ${this.pos}`);
    }
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RangeError(`thrift: ${n} bytes wanted at byte ${this.pos} of ${this.buf.length}`);
  }

  private byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  private varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
    throw new RangeError(`thrift: varint longer than 10 bytes at byte ${this.pos}`);
  }

  private zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }
}
