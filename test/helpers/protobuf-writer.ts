import { open } from 'node:fs/promises';

export const enum Wire {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  Fixed32 = 5,
}

/** Bytes, or a run of that many zero bytes kept as a count so 500 MB weights cost nothing until written. */
type Part = Uint8Array | number;

/** Chunks at least this long are referenced rather than copied when embedded. */
const REFERENCE_AT = 4096;
const MAX_U64 = (1n << 64n) - 1n;
const MIN_I64 = -(1n << 63n);
const utf8 = new TextEncoder();

/**
 * Appends protobuf fields to a growable buffer. A nested message is built in its own writer and
 * then embedded with `message()`, which needs no second pass because every writer knows its length.
 * An embedded writer must not be written to again: its large chunks are shared, not copied.
 */
export class ProtoWriter {
  private parts: Part[] = [];
  private partsLength = 0;
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  get length(): number {
    return this.partsLength + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.parts.push(this.buf.subarray(0, this.pos));
    this.partsLength += this.pos;
    this.buf = new Uint8Array(256);
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
  }

  private push(part: Part): void {
    this.flush();
    this.parts.push(part);
    this.partsLength += typeof part === 'number' ? part : part.length;
  }

  /** Unsigned, or negative int32/int64 as 10-byte two's complement, as protobuf encodes int64. */
  varint(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v <= 0xffffffff) {
      if (!Number.isInteger(v)) throw new RangeError(`varint of non-integer ${v}`);
      this.ensure(5);
      while (v > 0x7f) {
        this.buf[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.pos++] = v;
      return;
    }
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`varint of ${v} is not a safe integer`);
    let x = BigInt(v);
    if (x < MIN_I64 || x > MAX_U64) throw new RangeError(`varint ${x} does not fit in 64 bits`);
    x = BigInt.asUintN(64, x);
    this.ensure(10);
    while (x > 0x7fn) {
      this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.pos++] = Number(x);
  }

  tag(field: number, wire: Wire): void {
    this.varint(field * 8 + wire);
  }

  /** Appends bytes verbatim (no tag): for splicing pieces of an existing message. */
  raw(bytes: Uint8Array): void {
    if (bytes.length >= REFERENCE_AT) return this.push(bytes);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  int(field: number, v: number | bigint): void {
    this.tag(field, Wire.Varint);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, Wire.Fixed32);
    this.ensure(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, Wire.Bytes);
    this.varint(data.length);
    this.raw(data);
  }

  string(field: number, s: string): void {
    this.bytes(field, utf8.encode(s));
  }

  /** A bytes field of n zero bytes, stored as a count until the message is materialized. */
  zeros(field: number, n: number): void {
    this.tag(field, Wire.Bytes);
    this.varint(n);
    if (n > 0) this.push(n);
  }

  message(field: number, sub: ProtoWriter): void {
    this.tag(field, Wire.Bytes);
    this.varint(sub.length);
    for (const part of sub.parts) {
      if (typeof part === 'number') this.push(part);
      else this.raw(part);
    }
    this.raw(sub.buf.subarray(0, sub.pos));
  }

  packedVarints(field: number, values: readonly (number | bigint)[]): void {
    const body = new ProtoWriter();
    for (const v of values) body.varint(v);
    this.message(field, body);
  }

  packedFloats(field: number, values: readonly number[]): void {
    this.packedFixed(field, values, 4, (o, v) => this.view.setFloat32(o, v, true));
  }

  packedDoubles(field: number, values: readonly number[]): void {
    this.packedFixed(field, values, 8, (o, v) => this.view.setFloat64(o, v, true));
  }

  private packedFixed(field: number, values: readonly number[], size: number, put: (offset: number, v: number) => void): void {
    this.tag(field, Wire.Bytes);
    this.varint(values.length * size);
    this.ensure(values.length * size);
    for (const v of values) {
      put(this.pos, v);
      this.pos += size;
    }
  }

  /** The whole message in one buffer (zero runs materialized). */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      if (typeof part === 'number') at += part;
      else {
        out.set(part, at);
        at += part.length;
      }
    }
    out.set(this.buf.subarray(0, this.pos), at);
    return out;
  }

  /** Streams the message to a file, writing zero runs from one reused chunk; returns bytes written. */
  /**
   * Writes the message to disk. Zero runs (rawBytes weights) become holes in a sparse file, so a
   * 2 GB+ test model costs neither time nor disk; they still read back as zeros.
   */
  async writeFile(path: string): Promise<number> {
    const file = await open(path, 'w');
    let position = 0;
    try {
      for (const part of [...this.parts, this.buf.subarray(0, this.pos)]) {
        if (typeof part === 'number') {
          position += part;
          continue;
        }
        for (let at = 0; at < part.length; ) at += (await file.write(part, at, part.length - at, position + at)).bytesWritten;
        position += part.length;
      }
      await file.truncate(position);
    } finally {
      await file.close();
    }
    return this.length;
  }
}
