import type { ByteSource, ModelHost } from '../io/byte-source';
import { FormatError } from '../io/errors';
import { ProtoReader, WireType } from './protobuf-reader';
import type { Attribute, OnnxFunction, OnnxGraph, OnnxModel, OnnxNode, TensorData, TensorRef, ValueInfo } from './model';
import { DataType } from './model';

/** Nested subgraphs deeper than this are refused: no exporter nests so deep, a hostile file might. */
const MAX_GRAPH_DEPTH = 32;
/** Typed-field tensor data up to this size is read while parsing; larger stays a span. */
const EAGER_TYPED_BYTES = 4096;

/**
 * Parses an ONNX ModelProto. Tensor bytes are never read here: raw_data and large typed fields
 * are recorded as spans, so the cost of loading grows with the graph, not with the weights.
 */
export function loadOnnx(src: ByteSource): OnnxModel {
  if (src.size === 0) throw new FormatError('empty file');
  sniffForeignFormat(src);
  const r = ProtoReader.whole(src);
  let irVersion: number | undefined;
  let producer = '';
  let graph: OnnxGraph | undefined;
  const opsets = new Map<string, number>();
  const functions = new Map<string, OnnxFunction>();
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.Varint) irVersion = r.varint();
    else if (field === 2 && wire === WireType.Bytes) producer = r.string();
    else if (field === 7 && wire === WireType.Bytes) graph = readGraph(r.message(), 0);
    else if (field === 8 && wire === WireType.Bytes) readOpset(r.message(), opsets);
    else if (field === 25 && wire === WireType.Bytes) {
      const f = readFunction(r.message());
      functions.set(`${f.domain}:${f.name}`, f);
    } else if (isKnownField(field, [1, 2, 7, 8, 25])) throw new FormatError(`ModelProto field ${field} has the wrong wire type ${wire}`);
    else r.skip(wire);
  }
  if (irVersion === undefined || graph === undefined) {
    throw new FormatError(`not an ONNX model: no ${irVersion === undefined ? 'ir_version' : 'graph'} field`);
  }
  if (opsets.size === 0) opsets.set('', 1); // IR < 3 had no opset imports; ai.onnx v1 is implied
  return { irVersion, producer, opsets, graph, functions };
}

function isKnownField(field: number, known: number[]): boolean {
  return known.includes(field);
}

/** Turns "that's a zip / pickle / GGUF file" into a clear message instead of a protobuf error. */
function sniffForeignFormat(src: ByteSource): void {
  const head = src.read(0, Math.min(8, src.size));
  const ascii = String.fromCharCode(...head.subarray(0, 4));
  if (ascii === 'PK\x03\x04') throw new FormatError('not an ONNX model: a zip archive (a PyTorch checkpoint?)');
  if (ascii === 'GGUF') throw new FormatError('not an ONNX model: a GGUF file');
  if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) throw new FormatError('not an ONNX model: a Python pickle (never executed)');
  if (head.length === 8 && src.size > 9) {
    const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
    if (n > 1n && n < BigInt(src.size) && src.read(8, 1)[0] === 0x7b) throw new FormatError('not an ONNX model: a safetensors file');
  }
}

function readOpset(r: ProtoReader, into: Map<string, number>): void {
  let domain = '';
  let version = 0;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.Bytes) domain = r.string();
    else if (field === 2 && wire === WireType.Varint) version = r.int64();
    else r.skip(wire);
  }
  into.set(domain === 'ai.onnx' ? '' : domain, version);
}

function readGraph(r: ProtoReader, depth: number): OnnxGraph {
  if (depth > MAX_GRAPH_DEPTH) throw new FormatError(`subgraphs nested more than ${MAX_GRAPH_DEPTH} deep`);
  const g: OnnxGraph = { name: '', nodes: [], inputs: [], outputs: [], initializers: new Map(), valueInfo: new Map() };
  while (!r.done) {
    const [field, wire] = r.tag();
    if (wire !== WireType.Bytes) {
      r.skip(wire);
      continue;
    }
    switch (field) {
      case 1:
        g.nodes.push(readNode(r.message(), depth));
        break;
      case 2:
        g.name = r.string();
        break;
      case 5: {
        const t = readTensor(r.message());
        g.initializers.set(t.name, t);
        break;
      }
      case 11:
        g.inputs.push(readValueInfo(r.message()));
        break;
      case 12:
        g.outputs.push(readValueInfo(r.message()));
        break;
      case 13: {
        const v = readValueInfo(r.message());
        g.valueInfo.set(v.name, v);
        break;
      }
      default:
        r.skip(wire);
    }
  }
  return g;
}

/** Shared by the nodes that have no attributes (most of them). */
const NO_ATTRIBUTES: ReadonlyMap<string, Attribute> = new Map();

function readNode(r: ProtoReader, depth: number): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: NO_ATTRIBUTES };
  let attributes: Map<string, Attribute> | undefined;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (wire !== WireType.Bytes) {
      r.skip(wire);
      continue;
    }
    switch (field) {
      case 1:
        n.inputs.push(r.string());
        break;
      case 2:
        n.outputs.push(r.string());
        break;
      case 3:
        n.name = r.string();
        break;
      case 4:
        n.opType = r.string();
        break;
      case 5: {
        const [name, attr] = readAttribute(r.message(), depth);
        (attributes ??= new Map()).set(name, attr);
        break;
      }
      case 7:
        n.domain = r.string();
        break;
      default:
        r.skip(wire);
    }
  }
  if (n.opType === '') throw new FormatError(`node "${n.name}" has no op_type`);
  if (n.domain === 'ai.onnx') n.domain = '';
  if (attributes) n.attributes = attributes;
  // Nodes are kept for the whole profile: arrays grown by push keep room for 16 more names.
  n.inputs = n.inputs.slice();
  n.outputs = n.outputs.slice();
  return n;
}

const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, GRAPHS: 10 } as const;

function readAttribute(r: ProtoReader, depth: number): [string, Attribute] {
  let name = '';
  let type = 0;
  let ref: string | undefined;
  let f = 0;
  let i = 0;
  let s = '';
  let t: TensorRef | undefined;
  let g: OnnxGraph | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  const graphs: OnnxGraph[] = [];
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1:
        name = r.string();
        break;
      case 20:
        type = r.varint();
        break;
      case 21:
        ref = r.string();
        break;
      case 2:
        f = r.float32();
        break;
      case 3:
        i = r.int64();
        break;
      case 4:
        s = r.string();
        break;
      case 5:
        t = readTensor(r.message());
        break;
      case 6:
        g = readGraph(r.message(), depth + 1);
        break;
      case 7:
        r.floats(wire, floats);
        break;
      case 8:
        r.int64s(wire, ints);
        break;
      case 9:
        strings.push(r.string());
        break;
      case 11:
        graphs.push(readGraph(r.message(), depth + 1));
        break;
      default:
        r.skip(wire);
    }
  }
  if (ref !== undefined) return [name, { kind: 'ref', value: ref }];
  // Old exporters leave `type` unset: infer it from which field was present.
  if (type === 0) type = t ? ATTR_TYPE.TENSOR : g ? ATTR_TYPE.GRAPH : ints.length ? ATTR_TYPE.INTS : floats.length ? ATTR_TYPE.FLOATS : strings.length ? ATTR_TYPE.STRINGS : s ? ATTR_TYPE.STRING : f ? ATTR_TYPE.FLOAT : ATTR_TYPE.INT;
  switch (type) {
    case ATTR_TYPE.FLOAT:
      return [name, { kind: 'float', value: f }];
    case ATTR_TYPE.INT:
      return [name, { kind: 'int', value: i }];
    case ATTR_TYPE.STRING:
      return [name, { kind: 'string', value: s }];
    case ATTR_TYPE.TENSOR:
      if (!t) throw new FormatError(`attribute "${name}" says tensor but has none`);
      return [name, { kind: 'tensor', value: t }];
    case ATTR_TYPE.GRAPH:
      if (!g) throw new FormatError(`attribute "${name}" says graph but has none`);
      return [name, { kind: 'graph', value: g }];
    case ATTR_TYPE.FLOATS:
      return [name, { kind: 'floats', value: floats }];
    case ATTR_TYPE.INTS:
      return [name, { kind: 'ints', value: ints }];
    case ATTR_TYPE.STRINGS:
      return [name, { kind: 'strings', value: strings }];
    case ATTR_TYPE.GRAPHS:
      return [name, { kind: 'graphs', value: graphs }];
    default:
      // Sparse tensors and type protos: kept as an opaque string so the node still profiles.
      return [name, { kind: 'string', value: `<attribute type ${type}>` }];
  }
}

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

/** The `*_data` fields that hold elements as numbers (raw_data holds bytes). */
const TYPED_FIELDS = new Set<number>([TensorField.FLOAT_DATA, TensorField.INT32_DATA, TensorField.INT64_DATA, TensorField.DOUBLE_DATA, TensorField.UINT64_DATA]);

function readTensor(r: ProtoReader): TensorRef {
  const t: TensorRef = { name: '', dataType: DataType.UNDEFINED, dims: [], data: { where: 'none' } };
  const spans: { field: number; offset: number; length: number }[] = [];
  const values: number[] = [];
  const external = new Map<string, string>();
  let isExternal = false;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === TensorField.DIMS) r.int64s(wire, t.dims);
    else if (field === TensorField.DATA_TYPE && wire === WireType.Varint) t.dataType = r.varint();
    else if (field === TensorField.NAME && wire === WireType.Bytes) t.name = r.string();
    else if (field === TensorField.RAW_DATA && wire === WireType.Bytes) t.data = { where: 'raw', ...r.span() };
    else if (field === TensorField.EXTERNAL_DATA && wire === WireType.Bytes) readEntry(r.message(), external);
    else if (field === TensorField.DATA_LOCATION && wire === WireType.Varint) isExternal = r.varint() === 1; // DataLocation.EXTERNAL
    else if (TYPED_FIELDS.has(field)) {
      if (wire === WireType.Bytes) spans.push({ field, ...r.span() });
      else values.push(readTypedElement(r, field));
    } else r.skip(wire);
  }
  if (t.dims.some((d) => d < 0 || !Number.isSafeInteger(d))) throw new FormatError(`tensor "${t.name}" has invalid dims [${t.dims}]`);
  if (isExternal) {
    const location = external.get('location');
    if (location === undefined) throw new FormatError(`tensor "${t.name}" is external but names no location`);
    const length = external.get('length');
    t.data = { where: 'external', location, offset: Number(external.get('offset') ?? 0), ...(length !== undefined ? { length: Number(length) } : {}) };
  } else if (spans.length === 1 && values.length === 0 && spans[0].length > EAGER_TYPED_BYTES) {
    t.data = { where: 'typed', ...spans[0], packed: true };
  } else if (spans.length > 0 || values.length > 0) {
    for (const s of spans) values.push(...decodePacked(r, s));
    t.data = { where: 'values', values };
  }
  return t;
}

function decodePacked(r: ProtoReader, s: { field: number; offset: number; length: number }): number[] {
  const sub = new ProtoReader(r.source, s.offset, s.offset + s.length);
  const out: number[] = [];
  while (!sub.done) out.push(readTypedElement(sub, s.field));
  return out;
}

/** One element of a typed `*_data` field: float_data holds fixed32 floats, double_data fixed64 doubles, the rest varints. */
function readTypedElement(r: ProtoReader, field: number): number {
  return field === TensorField.FLOAT_DATA ? r.float32() : field === TensorField.DOUBLE_DATA ? r.float64() : r.int64();
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

function readValueInfo(r: ProtoReader): ValueInfo {
  const v: ValueInfo = { name: '' };
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.Bytes) v.name = r.string();
    else if (field === 2 && wire === WireType.Bytes) readType(r.message(), v);
    else r.skip(wire);
  }
  return v;
}

function readType(r: ProtoReader, v: ValueInfo): void {
  while (!r.done) {
    const [field, wire] = r.tag();
    // tensor_type = 1; sparse_tensor_type = 8 carries the same Tensor message.
    if ((field === 1 || field === 8) && wire === WireType.Bytes) readTensorType(r.message(), v);
    else r.skip(wire);
  }
}

function readTensorType(r: ProtoReader, v: ValueInfo): void {
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.Varint) v.elemType = r.varint();
    else if (field === 2 && wire === WireType.Bytes) {
      v.shape = [];
      const s = r.message();
      while (!s.done) {
        const [f, w] = s.tag();
        if (f === 1 && w === WireType.Bytes) v.shape.push(readDim(s.message()));
        else s.skip(w);
      }
    } else r.skip(wire);
  }
}

function readDim(r: ProtoReader): number | string | null {
  let d: number | string | null = null;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.Varint) d = r.int64();
    else if (field === 2 && wire === WireType.Bytes) d = r.string() || null;
    else r.skip(wire);
  }
  // Negative dim_values appear in some exports to mean "unknown".
  return typeof d === 'number' && d < 0 ? null : d;
}

function readFunction(r: ProtoReader): OnnxFunction {
  const f: OnnxFunction = { name: '', domain: '', inputs: [], outputs: [], attributes: [], nodes: [], opsets: new Map() };
  while (!r.done) {
    const [field, wire] = r.tag();
    if (wire !== WireType.Bytes) {
      r.skip(wire);
      continue;
    }
    if (field === 1) f.name = r.string();
    else if (field === 4) f.inputs.push(r.string());
    else if (field === 5) f.outputs.push(r.string());
    else if (field === 6) f.attributes.push(r.string());
    else if (field === 7) f.nodes.push(readNode(r.message(), 1));
    else if (field === 9) readOpset(r.message(), f.opsets);
    else if (field === 10) f.domain = r.string();
    else r.skip(wire);
  }
  return f;
}

/**
 * Reads a tensor's elements as numbers. Only shape computations call this, on small integer
 * and scale tensors; weights are never read.
 */
export function readTensorValues(t: TensorRef, src: ByteSource, host: ModelHost | undefined): number[] {
  const d: TensorData = t.data;
  switch (d.where) {
    case 'values':
      return d.values;
    case 'none':
      return [];
    case 'typed':
      return decodePacked(new ProtoReader(src, 0, src.size), d);
    case 'raw':
      return decodeRaw(t.dataType, src.read(d.offset, d.length));
    case 'external': {
      if (!host) throw new FormatError(`tensor "${t.name}" is stored in external file "${d.location}", which cannot be opened here`);
      const file = host.openSibling(d.location);
      const length = d.length ?? file.size - d.offset;
      return decodeRaw(t.dataType, file.read(d.offset, length));
    }
  }
}

function decodeRaw(dt: number, b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  const each = (size: number, get: (o: number) => number): number[] => {
    for (let o = 0; o + size <= b.byteLength; o += size) out.push(get(o));
    return out;
  };
  switch (dt) {
    case DataType.INT64:
      return each(8, (o) => Number(v.getBigInt64(o, true)));
    case DataType.UINT64:
      return each(8, (o) => Number(v.getBigUint64(o, true)));
    case DataType.INT32:
      return each(4, (o) => v.getInt32(o, true));
    case DataType.UINT32:
      return each(4, (o) => v.getUint32(o, true));
    case DataType.INT16:
      return each(2, (o) => v.getInt16(o, true));
    case DataType.UINT16:
      return each(2, (o) => v.getUint16(o, true));
    case DataType.INT8:
      return each(1, (o) => v.getInt8(o));
    case DataType.UINT8:
    case DataType.BOOL:
      return each(1, (o) => v.getUint8(o));
    case DataType.FLOAT:
      return each(4, (o) => v.getFloat32(o, true));
    case DataType.DOUBLE:
      return each(8, (o) => v.getFloat64(o, true));
    case DataType.FLOAT16:
      return each(2, (o) => halfToFloat(v.getUint16(o, true)));
    default:
      throw new FormatError(`cannot read values of a tensor of type ${dt}`);
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
