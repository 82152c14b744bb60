import type { ByteSource, ModelHost } from '../io/byte-source';
import { FormatError } from '../io/errors';
import { ProtoReader, WireType } from './protobuf-reader';
import type { TensorData, TensorRef } from './model';
import { DataType, dataTypeBits, dataTypeName, MAX_RANK } from './model';

/** Typed-field tensor data up to this many bytes is decoded while parsing; larger is read again when needed. */
const EAGER_TYPED_BYTES = 4096;

/**
 * TensorProto field numbers (onnx.proto). Wire-format ids, not DataType codes, though they
 * overlap: int64_data is field 7 and INT64 is type 7; double_data is field 10 and FLOAT16 is type 10.
 */
const TensorField = {
  DIMS: 1,
  DATA_TYPE: 2,
  FLOAT_DATA: 4,
  INT32_DATA: 5,
  INT64_DATA: 7,
  NAME: 8,
  RAW_DATA: 9,
  DOUBLE_DATA: 10,
  UINT64_DATA: 11,
  EXTERNAL_DATA: 13,
  DATA_LOCATION: 14,
} as const;

/** The `*_data` fields that hold elements as numbers (raw_data holds bytes), by name for messages. */
const TYPED_FIELDS = new Map<number, string>([
  [TensorField.FLOAT_DATA, 'float_data'],
  [TensorField.INT32_DATA, 'int32_data'],
  [TensorField.INT64_DATA, 'int64_data'],
  [TensorField.DOUBLE_DATA, 'double_data'],
  [TensorField.UINT64_DATA, 'uint64_data'],
]);

/** Bytes per value of the fixed-width typed fields; the others hold varints of 1 to 10 bytes. */
const FIXED_WIDTH = new Map<number, number>([
  [TensorField.FLOAT_DATA, 4],
  [TensorField.DOUBLE_DATA, 8],
]);

/** A tensor whose data holds more or fewer elements than its dims declare. */
export class TensorDataMismatch extends FormatError {}

/**
 * Reads a TensorProto's header: name, type, dims and where its elements are. Elements are not
 * read, only sized (raw_data and large typed fields stay spans), so a tensor whose dims say 2
 * elements and whose data holds 150 MB costs a cursor move, and the two are compared before
 * anything is decoded (tensorDataProblem).
 */
export function readTensor(r: ProtoReader): TensorRef {
  const t: TensorRef = { name: '', dataType: DataType.UNDEFINED, dims: [], data: { where: 'none' } };
  const start = r.pos;
  const external = new Map<string, string>();
  let isExternal = false;
  let typedField: number | undefined;
  let mixedFields = false;
  let packedBytes = 0;
  let unpacked = 0;
  // Small typed data is decoded on the way; dropped (and read again on demand) once it grows.
  let eager: number[] | undefined = [];
  let eagerBytes = 0;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === TensorField.DIMS) r.int64s(wire, t.dims, MAX_RANK, 'a tensor shape');
    else if (field === TensorField.DATA_TYPE && wire === WireType.Varint) t.dataType = r.varint();
    else if (field === TensorField.NAME && wire === WireType.Bytes) t.name = r.string();
    else if (field === TensorField.RAW_DATA && wire === WireType.Bytes) t.data = { where: 'raw', ...r.span() };
    else if (field === TensorField.EXTERNAL_DATA && wire === WireType.Bytes) readEntry(r.message(), external);
    else if (field === TensorField.DATA_LOCATION && wire === WireType.Varint) isExternal = r.varint() === 1; // DataLocation.EXTERNAL
    else if (TYPED_FIELDS.has(field)) {
      if (typedField !== undefined && field !== typedField) mixedFields = true;
      typedField = field;
      const before = r.pos;
      if (wire === WireType.Bytes) {
        const sub = r.message();
        packedBytes += sub.end - sub.pos;
        if (eager && eagerBytes + (sub.end - sub.pos) <= EAGER_TYPED_BYTES) while (!sub.done) eager.push(readTypedElement(sub, field));
        else eager = undefined;
      } else {
        unpacked++;
        const v = readUnpackedElement(r, field, wire);
        if (eager && eagerBytes + (r.pos - before) <= EAGER_TYPED_BYTES) eager.push(v);
        else eager = undefined;
      }
      eagerBytes += r.pos - before;
    } else r.skip(wire);
  }
  if (t.dims.some((d) => d < 0)) throw new FormatError(`tensor "${t.name}" has invalid dims [${t.dims}]`);
  if (t.dims.some((d) => d > Number.MAX_SAFE_INTEGER)) throw new FormatError(`tensor "${t.name}" has a dim above 2^53`);
  if (!Number.isSafeInteger(tensorElements(t))) throw new FormatError(`tensor "${t.name}" has dims [${t.dims}]: more than 2^53 elements`);
  if (mixedFields) throw new FormatError(`tensor "${t.name}" holds its elements in two different *_data fields`);
  if (isExternal) {
    const location = external.get('location');
    if (location === undefined) throw new FormatError(`tensor "${t.name}" is external but names no location`);
    const offset = externalNumber(t, external, 'offset') ?? 0;
    const length = externalNumber(t, external, 'length');
    t.data = { where: 'external', location, offset, ...(length !== undefined ? { length } : {}) };
  } else if (typedField !== undefined) {
    t.data = eager ? { where: 'values', values: eager } : { where: 'typed', field: typedField, offset: start, length: r.end - start, packedBytes, unpacked };
  }
  return t;
}

/** An external-data `offset` or `length`: a decimal byte count, exact as a JS number. */
function externalNumber(t: TensorRef, entries: Map<string, string>, key: string): number | undefined {
  const text = entries.get(key);
  if (text === undefined) return undefined;
  const n = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new FormatError(`tensor "${t.name}" has an invalid external data ${key} "${text.slice(0, 40)}"`);
  return n;
}

function readEntry(r: ProtoReader, into: Map<string, string>): void {
  let key = '';
  let value = '';
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.Bytes) key = r.string();
    else if (field === 2 && wire === WireType.Bytes) value = r.string();
    else r.skip(wire);
  }
  into.set(key, value);
}

/** One element of a typed `*_data` field: float_data holds fixed32 floats, double_data fixed64 doubles, the rest varints. */
function readTypedElement(r: ProtoReader, field: number): number {
  return field === TensorField.FLOAT_DATA ? r.float32() : field === TensorField.DOUBLE_DATA ? r.float64() : r.int64();
}

function readUnpackedElement(r: ProtoReader, field: number, wire: WireType): number {
  const expected = field === TensorField.FLOAT_DATA ? WireType.Fixed32 : field === TensorField.DOUBLE_DATA ? WireType.Fixed64 : WireType.Varint;
  if (wire !== expected) throw new FormatError(`tensor field ${TYPED_FIELDS.get(field)} has the wrong wire type ${wire}`);
  return readTypedElement(r, field);
}

/** Elements the dims declare (checked at load to be an exact JS number). */
export function tensorElements(t: TensorRef): number {
  let n = 1;
  for (const d of t.dims) n *= d;
  return n;
}

/** Entries of a typed field that hold `elements` elements: complex numbers take two, 4-bit integers half. */
function entriesFor(dataType: number, elements: number): number {
  if (dataType === DataType.COMPLEX64 || dataType === DataType.COMPLEX128) return elements * 2;
  if (dataType === DataType.INT4 || dataType === DataType.UINT4) return Math.ceil(elements / 2);
  return elements;
}

/** Bytes `elements` elements take in raw_data or external data; undefined for strings. */
function bytesFor(dataType: number, elements: number): number | undefined {
  const bits = dataTypeBits(dataType);
  return bits === undefined ? undefined : Math.ceil((elements * bits) / 8);
}

/**
 * How the tensor's data disagrees with its dims, as far as is known without reading it, or
 * undefined. A varint field's exact count is known only once read (readTensorValues checks it).
 */
export function tensorDataProblem(t: TensorRef): string | undefined {
  const d: TensorData = t.data;
  if (d.where === 'none') return undefined;
  const elements = tensorElements(t);
  const declared = (): string => `has dims [${t.dims.join(', ')}]`;
  switch (d.where) {
    case 'raw':
    case 'external': {
      const need = bytesFor(t.dataType, elements);
      if (d.length === undefined || need === undefined || d.length === need) return undefined;
      return `${declared()} (${need} bytes of ${dataTypeName(t.dataType)}) but its ${d.where === 'raw' ? 'raw_data' : 'external data'} holds ${d.length} bytes`;
    }
    case 'values': {
      const need = entriesFor(t.dataType, elements);
      return d.values.length === need ? undefined : `${declared()} (${need} values) but its data holds ${d.values.length}`;
    }
    case 'typed': {
      const need = entriesFor(t.dataType, elements);
      const name = TYPED_FIELDS.get(d.field);
      const width = FIXED_WIDTH.get(d.field);
      if (width !== undefined) {
        if (d.packedBytes % width !== 0) return `${declared()} but its packed ${name} of ${d.packedBytes} bytes is not a whole number of values`;
        const have = d.packedBytes / width + d.unpacked;
        return have === need ? undefined : `${declared()} (${need} values) but its ${name} holds ${have}`;
      }
      const least = d.unpacked + Math.ceil(d.packedBytes / 10);
      const most = d.unpacked + d.packedBytes;
      if (need < least) return `${declared()} (${need} values) but its ${name} holds at least ${least}`;
      if (need > most) return `${declared()} (${need} values) but its ${name} holds at most ${most}`;
      return undefined;
    }
  }
}

/**
 * Reads a tensor's elements as numbers, never more than its dims declare. Only shape computations
 * call this, on small integer and scale tensors; weights are never read.
 */
export function readTensorValues(t: TensorRef, src: ByteSource, host: ModelHost | undefined): number[] {
  const problem = tensorDataProblem(t);
  if (problem !== undefined) throw new TensorDataMismatch(`tensor "${t.name}" ${problem}`);
  const d = t.data;
  switch (d.where) {
    case 'values':
      return d.values;
    case 'none':
      return [];
    case 'typed':
      return decodeTyped(t, d, src);
    case 'raw':
      return decodeRaw(t.dataType, () => src.read(d.offset, d.length));
    case 'external': {
      if (!host) throw new FormatError(`tensor "${t.name}" is stored in external file "${d.location}", which cannot be opened here`);
      // Without a `length`, only the bytes the dims need are read, wherever the file ends.
      const need = bytesFor(t.dataType, tensorElements(t)) ?? 0;
      return decodeRaw(t.dataType, () => host.readSibling(d.location, d.offset, need));
    }
  }
}

/** Scans the tensor's message again for its typed field, stopping as soon as it holds more than the dims need. */
function decodeTyped(t: TensorRef, d: Extract<TensorData, { where: 'typed' }>, src: ByteSource): number[] {
  const need = entriesFor(t.dataType, tensorElements(t));
  const out: number[] = [];
  const take = (r: ProtoReader, wire: WireType): void => {
    if (out.length === need) throw new TensorDataMismatch(`tensor "${t.name}" has dims [${t.dims.join(', ')}] (${need} values) but its ${TYPED_FIELDS.get(d.field)} holds more`);
    out.push(readUnpackedElement(r, d.field, wire));
  };
  const wireOfElement = d.field === TensorField.FLOAT_DATA ? WireType.Fixed32 : d.field === TensorField.DOUBLE_DATA ? WireType.Fixed64 : WireType.Varint;
  const r = new ProtoReader(src, d.offset, d.offset + d.length);
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field !== d.field) r.skip(wire);
    else if (wire !== WireType.Bytes) take(r, wire);
    else {
      const sub = r.message();
      while (!sub.done) take(sub, wireOfElement);
    }
  }
  if (out.length !== need) throw new TensorDataMismatch(`tensor "${t.name}" has dims [${t.dims.join(', ')}] (${need} values) but its ${TYPED_FIELDS.get(d.field)} holds ${out.length}`);
  return out;
}

type RawGet = (v: DataView, offset: number) => number;

/** Little-endian element readers by data type: [bytes per element, read one]. */
const RAW_READERS = new Map<number, [number, RawGet]>([
  [DataType.INT64, [8, (v, o) => Number(v.getBigInt64(o, true))]],
  [DataType.UINT64, [8, (v, o) => Number(v.getBigUint64(o, true))]],
  [DataType.INT32, [4, (v, o) => v.getInt32(o, true)]],
  [DataType.UINT32, [4, (v, o) => v.getUint32(o, true)]],
  [DataType.INT16, [2, (v, o) => v.getInt16(o, true)]],
  [DataType.UINT16, [2, (v, o) => v.getUint16(o, true)]],
  [DataType.INT8, [1, (v, o) => v.getInt8(o)]],
  [DataType.UINT8, [1, (v, o) => v.getUint8(o)]],
  [DataType.BOOL, [1, (v, o) => v.getUint8(o)]],
  [DataType.FLOAT, [4, (v, o) => v.getFloat32(o, true)]],
  [DataType.DOUBLE, [8, (v, o) => v.getFloat64(o, true)]],
  [DataType.FLOAT16, [2, (v, o) => halfToFloat(v.getUint16(o, true))]],
]);

/** Decodes raw little-endian elements; the type is checked before the bytes are read. */
function decodeRaw(dt: number, readBytes: () => Uint8Array): number[] {
  const reader = RAW_READERS.get(dt);
  if (!reader) throw new FormatError(`cannot read values of a tensor of type ${dataTypeName(dt)}`);
  const [size, get] = reader;
  const b = readBytes();
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let o = 0; o + size <= b.byteLength; o += size) out.push(get(v, o));
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
