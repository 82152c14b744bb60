/**
 * Runs one ONNX op definition from the engine's registry on tensor values the PyTorch analysis
 * made: the shape comes from `def.infer`, MACs and FLOPs from `def.cost`, so a Conv2d in source
 * code costs exactly what the Conv node of its ONNX export costs.
 */
import '../ops/index';
import { lookupOp } from '../ops/registry';
import type { Attribute, OnnxNode } from '../onnx/model';
import { ContextBase } from '../ops/context-base';
import type { Cost, SubgraphRun, TensorValue } from '../ops/types';
import type { Expr } from '../symbolic/expr';

/** The opset the ops are run at: LayerNormalization (17) and GroupNormalization (18) exist, axes are inputs. */
export const OPSET = 18;

/** The op could not be shaped or costed: the reason is shown to the user. */
export class OpFailure extends Error {}

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] } | { strings: string[] };

export interface OpResult {
  outputs: TensorValue[];
  cost: Cost;
}

function toAttribute(v: AttrValue): Attribute {
  if (typeof v === 'number') return { kind: 'int', value: v };
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (Array.isArray(v)) return { kind: 'ints', value: v };
  if ('float' in v) return { kind: 'float', value: v.float };
  if ('strings' in v) return { kind: 'strings', value: v.strings };
  return { kind: 'floats', value: v.floats };
}

class TensorContext extends ContextBase {
  readonly opset = OPSET;
  readonly notes: string[] = [];

  shapeOf(i: number): Expr[] {
    const v = this.inputs[i];
    if (v?.shape) return v.shape;
    return this.fail(v ? `the shape of input ${i} is unknown` : `input ${i} is missing`);
  }

  attrTensor(): TensorValue | undefined {
    return undefined;
  }

  runSubgraph(): SubgraphRun {
    return this.fail('subgraphs are not run from source analysis');
  }

  note(text: string): void {
    this.notes.push(text);
  }

  fail(reason: string): never {
    throw new OpFailure(reason);
  }
}

/**
 * Shapes and costs `opType` on `inputs` (undefined = omitted optional input). Throws OpFailure
 * when the registry's rules reject the inputs (a channel mismatch, a window that does not fit).
 */
export function runOp(opType: string, inputs: (TensorValue | undefined)[], attrs: Record<string, AttrValue> = {}, outputCount = 1): OpResult {
  const def = lookupOp('', opType);
  if (!def) throw new OpFailure(`no shape or cost rule for ${opType}`);
  let last = inputs.length;
  while (last > 0 && inputs[last - 1] === undefined) last--;
  const node: OnnxNode = {
    name: opType,
    opType,
    domain: '',
    inputs: inputs.slice(0, last).map((v, i) => (v ? `in${i}` : '')),
    outputs: Array.from({ length: outputCount }, (_, i) => `out${i}`),
    attributes: new Map(Object.entries(attrs).map(([k, v]) => [k, toAttribute(v)])),
  };
  const ctx = new TensorContext(node, inputs);
  const outputs = def.infer(ctx);
  const cost = def.cost(ctx, outputs);
  if (cost.unknown !== undefined) throw new OpFailure(cost.unknown);
  return { outputs, cost };
}
