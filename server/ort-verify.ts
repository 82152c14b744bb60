/**
 * Verify Shapes: runs the model in onnxruntime-node with every intermediate value exposed as a
 * graph output and compares each value's dims with our inference. onnxruntime is loaded on first
 * use only (it is native and large; counting never needs it), inside a profile worker because a
 * session runs synchronously.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { inferOptions, type ProfileOptions } from '../src/formats';
import { FileSource, FolderHost, modelFolder } from '../src/io';
import { appendGraphOutputs, DataType, type ExtraOutput, loadOnnx, type OnnxGraph, readTensorValues } from '../src/onnx';
import { inferModel } from '../src/profile';
import { visible } from '../src/report';
import '../src/ops/index';
import type { VerifyShapesResult } from '../common/protocol';

/** Inputs larger than this (elements, all inputs together) are not made up for a check. */
const MAX_FEED_ELEMENTS = 1 << 27;

/** ONNX element type → onnxruntime tensor type and a zero-filled array of n elements. */
const FEEDS: Record<number, [Ort.Tensor.Type, (n: number) => Ort.Tensor.DataType]> = {
  [DataType.FLOAT]: ['float32', (n) => new Float32Array(n)],
  [DataType.UINT8]: ['uint8', (n) => new Uint8Array(n)],
  [DataType.INT8]: ['int8', (n) => new Int8Array(n)],
  [DataType.UINT16]: ['uint16', (n) => new Uint16Array(n)],
  [DataType.INT16]: ['int16', (n) => new Int16Array(n)],
  [DataType.INT32]: ['int32', (n) => new Int32Array(n)],
  [DataType.INT64]: ['int64', (n) => new BigInt64Array(n)],
  [DataType.BOOL]: ['bool', (n) => new Uint8Array(n)],
  [DataType.FLOAT16]: ['float16', (n) => new Uint16Array(n)],
  [DataType.DOUBLE]: ['float64', (n) => new Float64Array(n)],
  [DataType.UINT32]: ['uint32', (n) => new Uint32Array(n)],
  [DataType.UINT64]: ['uint64', (n) => new BigUint64Array(n)],
};

interface Plan {
  feeds: { name: string; elemType: number; dims: number[] }[];
  extra: ExtraOutput[];
  ours: Map<string, (number | string)[] | null>;
}

let ortModule: Promise<typeof Ort> | undefined;

export async function verifyShapes(file: string, bindings: ProfileOptions): Promise<VerifyShapesResult> {
  const name = path.basename(file);
  const fail = (reason: string): VerifyShapesResult => ({ compared: 0, mismatches: [], error: visible(`${name}: ${reason}`) });
  let plan: Plan;
  try {
    plan = planRun(file, bindings);
  } catch (e) {
    return fail((e as Error).message);
  }
  let ort: typeof Ort;
  try {
    ortModule ??= import('onnxruntime-node');
    ort = await ortModule;
  } catch (e) {
    ortModule = undefined;
    return fail(`onnxruntime-node could not be loaded: ${(e as Error).message}`);
  }
  let session: Ort.InferenceSession;
  try {
    const bytes = appendGraphOutputs(await fs.readFile(file), plan.extra);
    session = await ort.InferenceSession.create(bytes, {
      logSeverityLevel: 3,
      // Loaded from memory, the model's external data is looked for in its own folder.
      extra: { session: { model_external_initializers_file_folder_path: modelFolder(file) } },
    });
  } catch (e) {
    return fail(`onnxruntime could not load the model: ${oneLine(e)}`);
  }
  try {
    const feeds: Record<string, Ort.Tensor> = {};
    for (const f of plan.feeds) {
      const [type, make] = FEEDS[f.elemType];
      feeds[f.name] = new ort.Tensor(type, make(f.dims.reduce((a, b) => a * b, 1)), f.dims);
    }
    const results = await session.run(feeds);
    const mismatches: VerifyShapesResult['mismatches'] = [];
    let compared = 0;
    for (const [value, tensor] of Object.entries(results)) {
      if (!plan.ours.has(value)) continue;
      compared++;
      const ours = plan.ours.get(value) ?? null;
      const runtime = [...tensor.dims];
      if (!ours || ours.length !== runtime.length || ours.some((d, i) => d !== runtime[i])) mismatches.push({ value, ours, runtime });
    }
    return { compared, mismatches };
  } catch (e) {
    return fail(`onnxruntime could not run the model: ${oneLine(e)}`);
  } finally {
    await session.release();
  }
}

/** Our shapes for every node output, and zero-filled feeds at the bound input shapes. */
function planRun(file: string, bindings: ProfileOptions): Plan {
  const src = FileSource.open(file);
  try {
    const model = loadOnnx(src);
    const host = new FolderHost(file);
    for (const location of externalLocations(model.graph)) {
      if (!host.siblingExists(location)) throw new Error(`external data file "${location}" is missing: onnxruntime needs the weights to run the model (counting does not)`);
    }
    const run = inferModel(model, (t) => readTensorValues(t, src, host), inferOptions(model, bindings));
    const feeds: Plan['feeds'] = [];
    let elements = 0;
    for (const input of run.inputs) {
      if (!FEEDS[input.dtype]) throw new Error(`input "${input.name}" has an element type onnxruntime inputs cannot be made of here (${input.dtype})`);
      if (!input.shape) throw new Error(`input "${input.name}" has no shape: give it one with Set Input Shape…`);
      const unbound = [...new Set(input.shape.flatMap((d) => (d.constant === undefined ? d.symbols() : [])))];
      if (unbound.length) throw new Error(`input "${input.name}" depends on ${unbound.join(', ')}: bind ${unbound.length > 1 ? 'them' : 'it'} (floplens.dims or Set Input Shape…) to run the model`);
      const dims = input.shape.map((d) => d.constant as number);
      elements += dims.reduce((a, b) => a * b, 1);
      feeds.push({ name: input.name, elemType: input.dtype, dims });
    }
    if (elements > MAX_FEED_ELEMENTS) throw new Error(`the inputs have ${elements} elements: too large to run for a check`);
    const graphOutputs = new Set(model.graph.outputs.map((o) => o.name));
    const ours: Plan['ours'] = new Map();
    const extra: ExtraOutput[] = [];
    for (const n of run.nodes) {
      for (const o of n.outputs) {
        if (!o.name) continue;
        ours.set(o.name, o.shape ? o.shape.map((d) => d.constant ?? d.toString()) : null);
        if (!graphOutputs.has(o.name) && o.dtype !== DataType.UNDEFINED) extra.push({ name: o.name, elemType: o.dtype });
      }
    }
    return { feeds, extra, ours };
  } finally {
    src.close();
  }
}

/** Every external-data file the model's tensors (subgraphs included) live in. */
function externalLocations(g: OnnxGraph, into = new Set<string>()): Set<string> {
  for (const t of g.initializers.values()) if (t.data.where === 'external') into.add(t.data.location);
  for (const n of g.nodes) {
    for (const a of n.attributes.values()) {
      if (a.kind === 'graph') externalLocations(a.value, into);
      if (a.kind === 'graphs') a.value.forEach((s) => externalLocations(s, into));
      if (a.kind === 'tensor' && a.value.data.where === 'external') into.add(a.value.data.location);
    }
  }
  return into;
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
}
