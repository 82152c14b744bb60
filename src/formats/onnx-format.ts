import { resolveBindings, type ModelNames } from '../bindings';
import { loadOnnx } from '../onnx/load';
import { readTensorValues } from '../onnx/tensor-data';
import { inferModel, inputSymbol, type InferOptions } from '../profile/infer-graph';
import { buildReport } from '../profile/report';
import '../ops/index';
import type { ModelHost } from '../io/byte-source';
import type { OnnxGraph, OnnxModel } from '../onnx/model';
import type { ModelFormat, ProfileOptions } from './types';

export const onnxFormat: ModelFormat = {
  id: 'onnx',
  extensions: ['.onnx'],
  profile(file, src, host, options) {
    const model = loadOnnx(src);
    const warnings = checkExternalData(model, host);
    const infer = inferOptions(model, options);
    const run = inferModel(model, (t) => readTensorValues(t, src, host), infer);
    return buildReport(run, {
      file,
      format: 'onnx',
      producer: model.producer,
      opsets: Object.fromEntries([...model.opsets].map(([d, v]) => [d || 'ai.onnx', v])),
      bindings: Object.fromEntries(infer.dims),
    }, warnings);
  },
};

/** The options checked against the model's inputs and symbols (BindingsError), with the defaults it can use. */
export function inferOptions(model: OnnxModel, options: ProfileOptions): InferOptions {
  const { dims, inputShapes } = resolveBindings(options, modelNames(model), options.defaultDims);
  return { dims: new Map(Object.entries(dims)), inputShapes: new Map(Object.entries(inputShapes)) };
}

/** The graph's inputs (IR < 4 lists weights among them: not those) and the symbols of their shapes. */
function modelNames(model: OnnxModel): ModelNames {
  const g = model.graph;
  const inputs = g.inputs.filter((vi) => !g.initializers.has(vi.name));
  const symbols = new Set<string>();
  for (const vi of inputs) vi.shape?.forEach((d, axis) => typeof d !== 'number' && symbols.add(d ?? inputSymbol(vi.name, axis)));
  return { inputs: inputs.map((vi) => vi.name), symbols: [...symbols].sort() };
}

/**
 * Every external-data location must stay inside the model's folder. A missing data file is only
 * a warning: counting never needs the weights.
 */
function checkExternalData(model: OnnxModel, host: ModelHost | undefined): string[] {
  const missing = new Set<string>();
  const visit = (g: OnnxGraph): void => {
    for (const t of g.initializers.values()) {
      if (t.data.where !== 'external') continue;
      if (!host) missing.add(t.data.location);
      else if (!host.siblingExists(t.data.location)) missing.add(t.data.location);
    }
    for (const n of g.nodes) {
      for (const a of n.attributes.values()) {
        if (a.kind === 'graph') visit(a.value);
        if (a.kind === 'graphs') a.value.forEach(visit);
      }
    }
  };
  visit(model.graph);
  return [...missing].map((l) => `external data file "${l}" is not there: weights are not needed for counting, but the model cannot run as is`);
}
