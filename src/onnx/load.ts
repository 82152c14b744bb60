import type { ByteSource } from '../io/byte-source';
import { FormatError } from '../io/errors';
import { ProtoReader, WireType } from './protobuf-reader';
import type { Attribute, OnnxFunction, OnnxGraph, OnnxModel, OnnxNode, TensorRef, ValueInfo } from './model';
import { MAX_RANK } from './model';
import { readTensor } from './tensor-data';

/** Nested subgraphs deeper than this are refused: no exporter nests so deep, a hostile file might. */
const MAX_GRAPH_DEPTH = 32;
/** An ints/floats attribute longer than this is refused before it fills memory (pads, axes and value_ints are short). */
const MAX_ATTRIBUTE_VALUES = 1 << 20;
/** A node naming more inputs or outputs than this is refused: Concat and Sum of real models take hundreds. */
const MAX_NODE_VALUES = 1 << 20;
/**
 * String attributes longer than this are kept as a placeholder, unread: no op reads a long one,
 * and some hold whole blobs (a compiled engine in an EPContext node).
 */
const MAX_ATTRIBUTE_STRING_BYTES = 1 << 16;
const UNREAD_STRING = '<long string, not read>';

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
        if (n.inputs.length >= MAX_NODE_VALUES) throw new FormatError(`a node has more than ${MAX_NODE_VALUES.toLocaleString('en-US')} inputs`);
        n.inputs.push(r.string());
        break;
      case 2:
        if (n.outputs.length >= MAX_NODE_VALUES) throw new FormatError(`a node has more than ${MAX_NODE_VALUES.toLocaleString('en-US')} outputs`);
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
        s = r.stringUpTo(MAX_ATTRIBUTE_STRING_BYTES) ?? UNREAD_STRING;
        break;
      case 5:
        t = readTensor(r.message());
        break;
      case 6:
        g = readGraph(r.message(), depth + 1);
        break;
      case 7:
        r.floats(wire, floats, MAX_ATTRIBUTE_VALUES, `attribute "${name}"`);
        break;
      case 8:
        r.int64s(wire, ints, MAX_ATTRIBUTE_VALUES, `attribute "${name}"`);
        break;
      case 9:
        if (strings.length >= MAX_ATTRIBUTE_VALUES) throw new FormatError(`attribute "${name}" has more than ${MAX_ATTRIBUTE_VALUES} values`);
        strings.push(r.stringUpTo(MAX_ATTRIBUTE_STRING_BYTES) ?? UNREAD_STRING);
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
        if (f !== 1 || w !== WireType.Bytes) s.skip(w);
        else if (v.shape.length === MAX_RANK) throw new FormatError(`value "${v.name}" has more than ${MAX_RANK} dims`);
        else v.shape.push(readDim(s.message(), v.name));
      }
    } else r.skip(wire);
  }
}

function readDim(r: ProtoReader, value: string): number | string | null {
  let d: number | string | null = null;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.Varint) {
      d = r.int64();
      // A JS number keeps dims exact only up to 2^53; printing a rounded one would be a wrong figure.
      if (d > Number.MAX_SAFE_INTEGER) throw new FormatError(`value "${value}" has a dim above 2^53`);
    }
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
