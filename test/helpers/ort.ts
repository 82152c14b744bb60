/**
 * Runs test models in onnxruntime: every graph input gets a tensor of its element type filled with
 * one value (zeros unless told otherwise), and the session is always released. The answers are
 * output tensors or dims by name, or dims in graph-output order.
 */
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { MemorySource } from '../../src/io/byte-source';
import { profileModel } from '../../src/formats/registry';
import { DT, encodeModel, type ModelSpec, type ValueSpec } from './onnx-builder';
import { dims } from './profile';

/** ONNX element type → onnxruntime's tensor type and a typed array of `n` elements, each `v`. */
const ORT_TYPES: Record<number, [ort.Tensor.Type, (n: number, v: number) => ort.Tensor.DataType]> = {
  [DT.FLOAT]: ['float32', (n, v) => new Float32Array(n).fill(v)],
  [DT.UINT8]: ['uint8', (n, v) => new Uint8Array(n).fill(v)],
  [DT.INT8]: ['int8', (n, v) => new Int8Array(n).fill(v)],
  [DT.INT32]: ['int32', (n, v) => new Int32Array(n).fill(v)],
  [DT.INT64]: ['int64', (n, v) => new BigInt64Array(n).fill(BigInt(v))],
  [DT.BOOL]: ['bool', (n, v) => new Uint8Array(n).fill(v)],
};

/** A tensor of the given ONNX element type and dims, every element `value`. */
export function ortTensor(elemType: number, shape: readonly number[], value = 0): ort.Tensor {
  const entry = ORT_TYPES[elemType];
  if (!entry) throw new Error(`no onnxruntime tensor type for ONNX element type ${elemType}`);
  const [type, make] = entry;
  return new ort.Tensor(type, make(shape.reduce((a, b) => a * b, 1), value), [...shape]);
}

/** Per graph input: its dims (a tensor of `fill` of its element type is made) or the tensor itself. */
export type OrtInputs = Record<string, number[] | ort.Tensor>;

export interface OrtOptions {
  /** What every made input holds: 0 by default (1 keeps integer Div/Mod off zero). */
  fill?: number;
  /** Rewrites the encoded model before onnxruntime loads it. */
  patch?: (bytes: Uint8Array) => Uint8Array;
}

function declaredDims(input: ValueSpec): number[] {
  const shape = input.shape ?? [];
  if (shape.some((d) => typeof d !== 'number')) throw new Error(`input ${input.name} has shape [${shape.join(', ')}]: give its dims`);
  return shape as number[];
}

/**
 * Runs the model in onnxruntime. Inputs named in `inputs` get those dims or that tensor; every other
 * graph input is made at its declared shape. Output tensors by name.
 */
export async function ortRun(spec: ModelSpec, inputs: OrtInputs = {}, opts: OrtOptions = {}): Promise<Record<string, ort.Tensor>> {
  const names = new Set(spec.graph.inputs.map((i) => i.name));
  for (const name of Object.keys(inputs)) if (!names.has(name)) throw new Error(`${name} is not a graph input`);
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of spec.graph.inputs) {
    const given = inputs[input.name];
    feeds[input.name] = given && !Array.isArray(given) ? given : ortTensor(input.elemType ?? DT.FLOAT, given ?? declaredDims(input), opts.fill ?? 0);
  }
  const bytes = encodeModel(spec);
  const session = await ort.InferenceSession.create(opts.patch ? opts.patch(bytes) : bytes, { logSeverityLevel: 3 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** Output dims onnxruntime computes, by output name (see `ortRun` for the inputs). */
export async function ortDims(spec: ModelSpec, inputs: OrtInputs = {}, opts: OrtOptions = {}): Promise<Record<string, number[]>> {
  const out = await ortRun(spec, inputs, opts);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v.dims]]));
}

/** Output dims onnxruntime computes for each graph output, in the graph's order. */
export async function ortShapes(spec: ModelSpec, inputs: OrtInputs = {}, opts: OrtOptions = {}): Promise<number[][]> {
  const out = await ortDims(spec, inputs, opts);
  return spec.graph.outputs.map((o) => {
    const d = out[o.name];
    if (!d) throw new Error(`onnxruntime has no output ${o.name}`);
    return d;
  });
}

/**
 * Profiles the (patched) model, declares its graph outputs with the element types we inferred
 * (onnxruntime checks those too), runs it and asserts every output's dims equal ours; with
 * `types`, also onnxruntime's tensor type against ours.
 */
export async function crossCheckOutputs(spec: ModelSpec, opts: OrtOptions & { types?: boolean } = {}): Promise<void> {
  const bytes = encodeModel(spec);
  const ours = profileModel('test.onnx', new MemorySource(opts.patch ? opts.patch(bytes) : bytes), undefined, {}).outputs;
  const typed: ModelSpec = { ...spec, graph: { ...spec.graph, outputs: ours.map((o) => ({ name: o.name, elemType: o.dtype })) } };
  const theirs = await ortRun(typed, {}, opts);
  for (const o of ours) {
    const t = theirs[o.name];
    assert.ok(t, `onnxruntime has no output ${o.name}`);
    assert.deepEqual(dims(o.shape), [...t.dims], `dims of ${o.name}`);
    if (opts.types) assert.equal(t.type, ORT_TYPES[o.dtype]?.[0], `type of ${o.name}`);
  }
}
