import type { ByteSource } from '../io/byte-source';

import { FormatError } from '../io/errors';

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

const MIN_WINDOW = 1 << 10;
const MAX_WINDOW = 1 << 20;
/** No name or op type comes near this; a hostile file's 500 MB "name" is refused, not decoded. */
const MAX_STRING_BYTES = 1 << 20;
const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Reads protobuf fields from a ByteSource through a small window, so that skipping a
 * length-delimited field (a tensor's raw_data) moves a cursor instead of reading bytes.
 */
export class ProtoReader {
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;
  private window = MIN_WINDOW;

  constructor(
    readonly source: ByteSource,
    public pos: number,
    public readonly end: number,
  ) {
    if (end > source.size) throw new FormatError(`message ends at byte ${end}, past the end of the file (${source.size} bytes)`);
  }

  static whole(src: ByteSource): ProtoReader {
    return new ProtoReader(src, 0, src.size);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private byteAt(p: number): number {
    if (p >= this.end) throw new FormatError(`truncated: field runs past byte ${this.end}`);
    if (p < this.bufStart || p >= this.bufStart + this.buf.length) this.fill(p, 1);
    return this.buf[p - this.bufStart];
  }

  /**
   * Moves the window to cover [p, p + n). Windows grow while reading runs on and shrink after a
   * jump (a skipped tensor), so skipping many tensors reads only their small headers.
   */
  private fill(p: number, n: number): void {
    this.window = p === this.bufStart + this.buf.length ? Math.min(this.window * 4, MAX_WINDOW) : MIN_WINDOW;
    const size = Math.min(Math.max(this.window, n), this.end - p);
    this.bufStart = p;
    this.buf = this.source.read(p, size);
  }

  /** Reads a varint as a JS number; values beyond 2^53 lose precision, which no length or dim reaches honestly. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byteAt(this.pos++);
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new FormatError(`malformed varint at byte ${this.pos}`);
  }

  /** A varint read as a two's-complement int64 (negative dims and ints in attributes). */
  int64(): number {
    const start = this.pos;
    const v = this.varint();
    if (this.pos - start < 8) return v;
    // Beyond 49 bits the float sum above is inexact: redo it in BigInt and fold the sign back.
    let big = 0n;
    for (let p = this.pos - 1; p >= start; p--) big = (big << 7n) | BigInt(this.byteAt(p) & 0x7f);
    return Number(BigInt.asIntN(64, big));
  }

  tag(): [field: number, wire: WireType] {
    const t = this.varint();
    const field = Math.floor(t / 8);
    if (field === 0) throw new FormatError(`malformed field tag at byte ${this.pos}`);
    return [field, (t & 7) as WireType];
  }

  /** Length of a length-delimited field, checked against the enclosing message. */
  length(): number {
    const n = this.varint();
    if (this.pos + n > this.end) throw new FormatError(`truncated: a ${n}-byte field at byte ${this.pos} runs past byte ${this.end}`);
    return n;
  }

  private bytes(n: number): Uint8Array {
    const p = this.pos;
    this.pos += n;
    if (n > MAX_WINDOW) return this.source.read(p, n);
    if (p < this.bufStart || p + n > this.bufStart + this.buf.length) this.fill(p, n);
    return this.buf.subarray(p - this.bufStart, p - this.bufStart + n);
  }

  /** A string field: names, op types, keys. Longer than MAX_STRING_BYTES is refused unread. */
  string(): string {
    const at = this.pos;
    const s = this.stringUpTo(MAX_STRING_BYTES);
    if (s === undefined) throw new FormatError(`a string field at byte ${at} is longer than ${MAX_STRING_BYTES} bytes`);
    return s;
  }

  /** A string field, or undefined (skipped unread) when longer than `max` bytes: blobs some exporters keep in string attributes. */
  stringUpTo(max: number): string | undefined {
    const n = this.length();
    if (n > max) {
      this.pos += n;
      return undefined;
    }
    return decoder.decode(this.bytes(n));
  }

  /** A sub-reader over a nested message; the parent skips past it. */
  message(): ProtoReader {
    const n = this.length();
    const sub = new ProtoReader(this.source, this.pos, this.pos + n);
    sub.buf = this.buf;
    sub.bufStart = this.bufStart;
    sub.window = this.window;
    this.pos += n;
    return sub;
  }

  /** Position and length of a length-delimited field, skipped without reading it. */
  span(): { offset: number; length: number } {
    const length = this.length();
    const offset = this.pos;
    this.pos += length;
    return { offset, length };
  }

  float32(): number {
    const b = new Uint8Array(4);
    for (let i = 0; i < 4; i++) b[i] = this.byteAt(this.pos++);
    return new DataView(b.buffer).getFloat32(0, true);
  }

  float64(): number {
    const b = new Uint8Array(8);
    for (let i = 0; i < 8; i++) b[i] = this.byteAt(this.pos++);
    return new DataView(b.buffer).getFloat64(0, true);
  }

  /** Repeated int64 in either packed or unpacked encoding; more than `max` in all is refused before it is stored. */
  int64s(wire: WireType, into: number[], max: number, what: string): void {
    this.repeated(wire, into, max, what, (r) => r.int64());
  }

  floats(wire: WireType, into: number[], max: number, what: string): void {
    this.repeated(wire, into, max, what, (r) => r.float32());
  }

  private repeated(wire: WireType, into: number[], max: number, what: string, one: (r: ProtoReader) => number): void {
    const from = wire === WireType.Bytes ? this.message() : undefined;
    const next = (r: ProtoReader): void => {
      if (into.length >= max) throw new FormatError(`${what} has more than ${max} values`);
      into.push(one(r));
    };
    if (!from) return next(this);
    while (!from.done) next(from);
  }

  skip(wire: WireType): void {
    switch (wire) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.advance(8);
        return;
      case WireType.Bytes: {
        const n = this.length();
        this.pos += n;
        return;
      }
      case WireType.Fixed32:
        this.advance(4);
        return;
      default:
        throw new FormatError(`unsupported wire type ${wire} at byte ${this.pos}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new FormatError(`truncated: field runs past byte ${this.end}`);
    this.pos += n;
  }
}
