/** The parts of an ONNX model the profiler needs, with tensor bytes left where they are. */

export interface OnnxModel {
  irVersion: number;
  producer: string;
  /** Opset version per domain ('' is the default ai.onnx domain). */
  opsets: Map<string, number>;
  graph: OnnxGraph;
  /** Model-local functions keyed by `domain:name`. */
  functions: Map<string, OnnxFunction>;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, TensorRef>;
  valueInfo: Map<string, ValueInfo>;
}

export interface OnnxFunction {
  name: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: string[];
  nodes: OnnxNode[];
  opsets: Map<string, number>;
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, Attribute>;
}

export type Attribute =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: TensorRef }
  | { kind: 'graph'; value: OnnxGraph }
  | { kind: 'graphs'; value: OnnxGraph[] }
  /** Inside a function body: the value comes from the calling node's attribute of that name. */
  | { kind: 'ref'; value: string };

export interface ValueInfo {
  name: string;
  elemType?: number;
  /** undefined when the rank is unknown; a dim is a value, a symbol name, or null when unknown. */
  shape?: (number | string | null)[];
}

/** Where a tensor's elements are, without having read them. */
export type TensorData =
  | { where: 'raw'; offset: number; length: number }
  /**
   * Elements in a typed `*_data` field (packed, unpacked or both), read by scanning the tensor's
   * message again. `packedBytes` and `unpacked` size the data without reading it.
   */
  | { where: 'typed'; field: number; offset: number; length: number; packedBytes: number; unpacked: number }
  | { where: 'values'; values: number[] }
  | { where: 'external'; location: string; offset: number; length?: number }
  | { where: 'none' };

export interface TensorRef {
  name: string;
  dataType: number;
  dims: number[];
  data: TensorData;
}

/** Ranks above this are refused: real tensors have a handful of dims, a hostile file millions. */
export const MAX_RANK = 1024;

/** ONNX TensorProto.DataType codes; UNDEFINED is an element type nobody declared or inferred. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
} as const;

/** Element sizes in bits (strings have none). */
const BITS: Record<number, number> = {
  [DataType.FLOAT]: 32,
  [DataType.UINT8]: 8,
  [DataType.INT8]: 8,
  [DataType.UINT16]: 16,
  [DataType.INT16]: 16,
  [DataType.INT32]: 32,
  [DataType.INT64]: 64,
  [DataType.BOOL]: 8,
  [DataType.FLOAT16]: 16,
  [DataType.DOUBLE]: 64,
  [DataType.UINT32]: 32,
  [DataType.UINT64]: 64,
  [DataType.COMPLEX64]: 64,
  [DataType.COMPLEX128]: 128,
  [DataType.BFLOAT16]: 16,
  [DataType.FLOAT8E4M3FN]: 8,
  [DataType.FLOAT8E4M3FNUZ]: 8,
  [DataType.FLOAT8E5M2]: 8,
  [DataType.FLOAT8E5M2FNUZ]: 8,
  [DataType.UINT4]: 4,
  [DataType.INT4]: 4,
};

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(DataType).map(([k, v]) => [v, k.toLowerCase()]));

export function dataTypeBits(dt: number): number | undefined {
  return BITS[dt];
}

export function dataTypeName(dt: number): string {
  return NAMES[dt] ?? `type${dt}`;
}

/** Floating point and low-bit integer tensors are weights; int32/int64/bool tensors are indices and shape data. */
export function isWeightType(dt: number): boolean {
  return dt === DataType.FLOAT || dt === DataType.FLOAT16 || dt === DataType.BFLOAT16 || dt === DataType.DOUBLE ||
    dt === DataType.INT8 || dt === DataType.UINT8 || dt === DataType.INT4 || dt === DataType.UINT4 ||
    dt === DataType.FLOAT8E4M3FN || dt === DataType.FLOAT8E4M3FNUZ || dt === DataType.FLOAT8E5M2 || dt === DataType.FLOAT8E5M2FNUZ;
}

export function isIntegerType(dt: number): boolean {
  return dt === DataType.INT64 || dt === DataType.INT32 || dt === DataType.INT16 || dt === DataType.INT8 ||
    dt === DataType.UINT8 || dt === DataType.UINT16 || dt === DataType.UINT32 || dt === DataType.UINT64 || dt === DataType.BOOL;
}
