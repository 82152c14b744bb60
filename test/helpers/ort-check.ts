import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { FileSource } from '../../src/io/file-source';
import { loadOnnx } from '../../src/onnx/load';
import { readTensorValues } from '../../src/onnx/tensor-data';
import { inferModel } from '../../src/profile/infer-graph';
import { appendGraphOutputs, DT } from './onnx-builder';
import { ortTensor } from './ort';
import '../../src/ops/index';

export interface ShapeMismatch {
  value: string;
  ours: (number | string)[] | undefined;
  ort: readonly number[];
}

/**
 * Runs the model in onnxruntime with every intermediate value exposed as a graph output, and
 * compares each value's dims with what our inference says for the same input shapes.
 */
export async function crossCheckShapes(file: string, inputs: Record<string, number[]>): Promise<{ compared: number; mismatches: ShapeMismatch[] }> {
  const src = FileSource.open(file);
  const model = loadOnnx(src);
  const run = inferModel(model, (t) => readTensorValues(t, src, undefined), {
    dims: new Map(),
    inputShapes: new Map(Object.entries(inputs)),
  });
  src.close();
  const graphOutputs = new Set(model.graph.outputs.map((o) => o.name));
  const ours = new Map<string, (number | string)[] | undefined>();
  const extra: { name: string; elemType: number }[] = [];
  for (const n of run.nodes) {
    for (const o of n.outputs) {
      ours.set(o.name, o.shape?.map((d) => d.constant ?? d.toString()));
      if (!graphOutputs.has(o.name) && o.dtype !== DT.UNDEFINED) extra.push({ name: o.name, elemType: o.dtype });
    }
  }
  const patched = path.join(path.dirname(file), `checked-${path.basename(file)}`);
  fs.writeFileSync(patched, appendGraphOutputs(fs.readFileSync(file), extra));
  const session = await ort.InferenceSession.create(patched);
  const feeds: Record<string, ort.Tensor> = {};
  for (const vi of model.graph.inputs) {
    if (model.graph.initializers.has(vi.name)) continue;
    feeds[vi.name] = ortTensor(vi.elemType ?? DT.FLOAT, inputs[vi.name] ?? (vi.shape as number[]));
  }
  const results = await session.run(feeds);
  const mismatches: ShapeMismatch[] = [];
  let compared = 0;
  for (const [name, tensor] of Object.entries(results)) {
    if (!ours.has(name)) continue;
    compared++;
    const mine = ours.get(name);
    if (!mine || mine.length !== tensor.dims.length || mine.some((d, i) => d !== tensor.dims[i])) {
      mismatches.push({ value: name, ours: mine, ort: tensor.dims });
    }
  }
  await session.release();
  return { compared, mismatches };
}
