/**
 * Builds ONNX models in memory for tests and benches. Field numbers follow onnx.proto; repeated
 * fields are packed exactly where onnx.proto says [packed = true] (tensor data), so the bytes look
 * like what protobuf-C++ (PyTorch, onnx.save) writes.
 */
import { DataType } from '../../src/onnx/model';
import { ProtoWriter } from './protobuf-writer';

/** ONNX element types, by a short name for specs. */
export const DT = DataType;

export interface TensorSpec {
  name: string;
  /** Default FLOAT. */
  dataType?: number;
  dims: number[];
  /** Small tensors: written to float_data / double_data / int64_data / int32_data per dtype, unless rawValues. */
  values?: number[];
  /** Write `values` little-endian into raw_data instead. */
  rawValues?: boolean;
  /** raw_data of this many zero bytes (weights nobody reads); streamed, never allocated whole. */
  rawBytes?: number;
  external?: { location: string; offset?: number; length?: number };
  /**
   * Hostile files: typed data whatever the dims say — `packedBytes` zero bytes in one packed
   * field (each a varint 0, or floats 0 in float_data), then `unpacked` zeros one field each.
   */
  lyingData?: { field: 'int64_data' | 'int32_data' | 'float_data'; packedBytes?: number; unpacked?: number };
}

export interface ValueSpec {
  name: string;
  /** Default FLOAT. */
  elemType?: number;
  /** number = dim_value (bigint for hostile ones past 2^53), string = dim_param, null = unknown dim; omitted = no shape at all. */
  shape?: (number | bigint | string | null)[];
}

export type AttrValue =
  | number
  | { f: number }
  | string
  | (number | bigint)[]
  | { floats: number[] }
  | { strings: string[] }
  | { tensor: TensorSpec }
  /** An ints attribute of this many zero bytes, packed (hostile files: that many values). */
  | { packedZeros: number }
  | { graph: GraphSpec }
  /** Inside a function body: take the calling node's attribute of that name (of type `type`). */
  | { ref: string; type: 'float' | 'int' | 'string' | 'ints' | 'floats' };

export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, AttrValue>;
}

export interface GraphSpec {
  name?: string;
  nodes: NodeSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers?: TensorSpec[];
  valueInfo?: ValueSpec[];
}

export interface FunctionSpec {
  name: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes?: string[];
  nodes: NodeSpec[];
  /** Version of the default domain inside the function; defaults to the model's. */
  opset?: number;
}

export interface ModelSpec {
  graph: GraphSpec;
  /** Default 17 for domain "". A model-local function's domain must be listed here too. */
  opset?: number | { domain: string; version: number }[];
  /** Default 8. */
  irVersion?: number;
  functions?: FunctionSpec[];
  producerName?: string;
}

const DEFAULT_OPSET = 17;

const enum AttrType {
  FLOAT = 1,
  INT = 2,
  STRING = 3,
  TENSOR = 4,
  GRAPH = 5,
  FLOATS = 6,
  INTS = 7,
  STRINGS = 8,
}

type RawPut = (view: DataView, offset: number, v: number) => void;

const RAW_LAYOUT: Record<number, [size: number, put: RawPut]> = {
  [DT.FLOAT]: [4, (d, o, v) => d.setFloat32(o, v, true)],
  [DT.DOUBLE]: [8, (d, o, v) => d.setFloat64(o, v, true)],
  [DT.INT64]: [8, (d, o, v) => d.setBigInt64(o, BigInt(v), true)],
  [DT.INT32]: [4, (d, o, v) => d.setInt32(o, v, true)],
  [DT.INT8]: [1, (d, o, v) => d.setInt8(o, v)],
  [DT.UINT8]: [1, (d, o, v) => d.setUint8(o, v)],
  [DT.BOOL]: [1, (d, o, v) => d.setUint8(o, v)],
};

/** TensorProto field numbers (onnx.proto): wire-format ids, not element types (int64_data is 7, and so is INT64). */
const TensorField = { DIMS: 1, DATA_TYPE: 2, FLOAT_DATA: 4, INT32_DATA: 5, INT64_DATA: 7, NAME: 8, RAW_DATA: 9, DOUBLE_DATA: 10, EXTERNAL_DATA: 13, DATA_LOCATION: 14 } as const;

function tensorProto(spec: TensorSpec): ProtoWriter {
  const w = new ProtoWriter();
  const dataType = spec.dataType ?? DT.FLOAT;
  for (const d of spec.dims) w.int(TensorField.DIMS, d);
  w.int(TensorField.DATA_TYPE, dataType);
  if (spec.values) checkCount(spec, spec.values);
  if (spec.values && !spec.rawValues) typedValues(w, spec.name, dataType, spec.values);
  w.string(TensorField.NAME, spec.name);
  if (spec.values && spec.rawValues) w.bytes(TensorField.RAW_DATA, rawValues(spec.name, dataType, spec.values));
  if (spec.rawBytes !== undefined) w.zeros(TensorField.RAW_DATA, spec.rawBytes);
  if (spec.lyingData) {
    const { field, packedBytes = 0, unpacked = 0 } = spec.lyingData;
    const number = { int64_data: TensorField.INT64_DATA, int32_data: TensorField.INT32_DATA, float_data: TensorField.FLOAT_DATA }[field];
    if (packedBytes > 0) w.zeros(number, packedBytes);
    for (let i = 0; i < unpacked; i++) {
      if (field === 'float_data') w.float(number, 0);
      else w.int(number, 0);
    }
  }
  if (spec.external) {
    const { location, offset, length } = spec.external;
    const entries: [string, string | number | undefined][] = [['location', location], ['offset', offset], ['length', length]];
    for (const [key, value] of entries) {
      if (value === undefined) continue;
      const entry = new ProtoWriter();
      entry.string(1, key);
      entry.string(2, String(value));
      w.message(TensorField.EXTERNAL_DATA, entry);
    }
    w.int(TensorField.DATA_LOCATION, 1); // DataLocation.EXTERNAL
  }
  return w;
}

function checkCount(spec: TensorSpec, values: number[]): void {
  const count = spec.dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new Error(`tensor ${spec.name}: ${values.length} values for dims [${spec.dims}]`);
}

function typedValues(w: ProtoWriter, name: string, dataType: number, values: number[]): void {
  switch (dataType) {
    case DT.FLOAT:
      return w.packedFloats(TensorField.FLOAT_DATA, values);
    case DT.DOUBLE:
      return w.packedDoubles(TensorField.DOUBLE_DATA, values);
    case DT.INT64:
      return w.packedVarints(TensorField.INT64_DATA, values);
    case DT.INT32:
    case DT.INT8:
    case DT.UINT8:
    case DT.BOOL:
      return w.packedVarints(TensorField.INT32_DATA, values);
    default:
      throw new Error(`tensor ${name}: values of data type ${dataType} are not supported; use rawBytes`);
  }
}

function rawValues(name: string, dataType: number, values: number[]): Uint8Array {
  const layout = RAW_LAYOUT[dataType];
  if (!layout) throw new Error(`tensor ${name}: raw values of data type ${dataType} are not supported; use rawBytes`);
  const [size, put] = layout;
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => put(view, i * size, v));
  return out;
}

function valueInfoProto(spec: ValueSpec): ProtoWriter {
  const tensorType = new ProtoWriter();
  tensorType.int(1, spec.elemType ?? DT.FLOAT);
  if (spec.shape) {
    const shape = new ProtoWriter();
    for (const d of spec.shape) {
      const dim = new ProtoWriter();
      if (typeof d === 'number' || typeof d === 'bigint') dim.int(1, d);
      else if (typeof d === 'string') dim.string(2, d);
      shape.message(1, dim);
    }
    tensorType.message(2, shape);
  }
  const type = new ProtoWriter();
  type.message(1, tensorType);
  const w = new ProtoWriter();
  w.string(1, spec.name);
  w.message(2, type);
  return w;
}

function attributeProto(name: string, value: AttrValue): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, name);
  let type: AttrType;
  if (typeof value === 'number') {
    w.int(3, value);
    type = AttrType.INT;
  } else if (typeof value === 'string') {
    w.string(4, value);
    type = AttrType.STRING;
  } else if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    type = AttrType.INTS;
  } else if ('f' in value) {
    w.float(2, value.f);
    type = AttrType.FLOAT;
  } else if ('floats' in value) {
    for (const v of value.floats) w.float(7, v);
    type = AttrType.FLOATS;
  } else if ('strings' in value) {
    for (const s of value.strings) w.string(9, s);
    type = AttrType.STRINGS;
  } else if ('packedZeros' in value) {
    w.zeros(8, value.packedZeros);
    type = AttrType.INTS;
  } else if ('tensor' in value) {
    w.message(5, tensorProto(value.tensor));
    type = AttrType.TENSOR;
  } else if ('ref' in value) {
    w.string(21, value.ref);
    type = { float: AttrType.FLOAT, int: AttrType.INT, string: AttrType.STRING, ints: AttrType.INTS, floats: AttrType.FLOATS }[value.type];
  } else {
    w.message(6, graphProto(value.graph));
    type = AttrType.GRAPH;
  }
  w.int(20, type);
  return w;
}

function nodeProto(spec: NodeSpec): ProtoWriter {
  const w = new ProtoWriter();
  for (const s of spec.inputs) w.string(1, s);
  for (const s of spec.outputs) w.string(2, s);
  if (spec.name !== undefined) w.string(3, spec.name);
  w.string(4, spec.opType);
  for (const [name, value] of Object.entries(spec.attrs ?? {})) w.message(5, attributeProto(name, value));
  if (spec.domain !== undefined) w.string(7, spec.domain);
  return w;
}

function graphProto(spec: GraphSpec): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of spec.nodes) w.message(1, nodeProto(n));
  w.string(2, spec.name ?? 'main');
  for (const t of spec.initializers ?? []) w.message(5, tensorProto(t));
  for (const v of spec.inputs) w.message(11, valueInfoProto(v));
  for (const v of spec.outputs) w.message(12, valueInfoProto(v));
  for (const v of spec.valueInfo ?? []) w.message(13, valueInfoProto(v));
  return w;
}

function opsetProto(domain: string, version: number): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, domain);
  w.int(2, version);
  return w;
}

function functionProto(spec: FunctionSpec, defaultOpset: number): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, spec.name);
  for (const s of spec.inputs) w.string(4, s);
  for (const s of spec.outputs) w.string(5, s);
  for (const s of spec.attributes ?? []) w.string(6, s);
  for (const n of spec.nodes) w.message(7, nodeProto(n));
  w.message(9, opsetProto('', spec.opset ?? defaultOpset));
  w.string(10, spec.domain);
  return w;
}

function modelProto(spec: ModelSpec): ProtoWriter {
  const opsets = typeof spec.opset === 'object' ? spec.opset : [{ domain: '', version: spec.opset ?? DEFAULT_OPSET }];
  const defaultOpset = opsets.find((o) => o.domain === '')?.version ?? DEFAULT_OPSET;
  const w = new ProtoWriter();
  w.int(1, spec.irVersion ?? 8);
  if (spec.producerName !== undefined) w.string(2, spec.producerName);
  w.message(7, graphProto(spec.graph));
  for (const o of opsets) w.message(8, opsetProto(o.domain, o.version));
  for (const f of spec.functions ?? []) w.message(25, functionProto(f, defaultOpset));
  return w;
}

export function encodeModel(spec: ModelSpec): Uint8Array {
  return modelProto(spec).finish();
}

/** Streams the model to disk so rawBytes weights never exist in memory; returns bytes written. */
export async function writeModelFile(path: string, spec: ModelSpec): Promise<number> {
  return modelProto(spec).writeFile(path);
}

/** One implementation, shared with the language server's shape verification. */
export { appendGraphOutputs } from '../../src/onnx/append-outputs';
