import { FormatError } from '../io/errors';
import { Expr, product, sum } from '../symbolic/expr';
import type { Attribute, OnnxFunction, OnnxGraph, OnnxModel, OnnxNode, TensorRef, ValueInfo } from '../onnx/model';
import { DataType, dataTypeBits, isIntegerType, isWeightType } from '../onnx/model';
import { lookupOp } from '../ops/registry';
import type { NodeResult, SubgraphRun, TensorValue, ValueShape, WeightUse } from '../ops/types';
import { InferenceFailure, MAX_CALL_DEPTH, NodeContext, type EngineServices } from './node-context';

/** Integer tensors up to this many elements are read for shape computations. */
const MAX_STATIC_INTS = 4096;
/** Float tensors this small (scales, scalars) are read; anything larger is a weight and never read. */
const MAX_STATIC_FLOATS = 16;

export interface InferOptions {
  /** Values for symbolic dims, by name. */
  dims: ReadonlyMap<string, number>;
  /** Replacement shapes for graph inputs ('' for the only one): numbers or symbol names; names checked before (src/bindings). */
  inputShapes: ReadonlyMap<string, readonly (number | string)[]>;
}

/** The symbol standing for an unnamed dim of an input: `input.0`. */
export function inputSymbol(input: string, axis: number): string {
  return `${input}.${axis}`;
}

export interface GraphRun {
  nodes: NodeResult[];
  inputs: ValueShape[];
  outputs: ValueShape[];
  /** Every weight-typed initializer or constant tensor in the file, read by a node or not. */
  storedWeights: Map<string, WeightUse>;
  warnings: string[];
}

export type ValueReader = (t: TensorRef) => number[];

export interface Scope {
  values: Map<string, TensorValue>;
  parent?: Scope;
}

export function lookup(scope: Scope | undefined, name: string): TensorValue | undefined {
  for (let s = scope; s; s = s.parent) {
    const v = s.values.get(name);
    if (v) return v;
  }
  return undefined;
}

/**
 * Runs shape inference and costing over a model's main graph, in topological order, carrying
 * statically known shape-tensor contents so Reshape/Slice targets resolve.
 */
export function inferModel(model: OnnxModel, readValues: ValueReader, options: InferOptions): GraphRun {
  const engine = new Engine(model, readValues, options);
  return engine.run();
}

class Engine implements EngineServices {
  private readonly storedWeights = new Map<string, WeightUse>();
  private readonly warnings: string[] = [];
  readonly failedProducers = new Map<string, string>();

  constructor(
    private readonly model: OnnxModel,
    private readonly readValues: ValueReader,
    private readonly options: InferOptions,
  ) {}

  private constantsAreWeights = true;

  run(): GraphRun {
    const g = this.model.graph;
    this.constantsAreWeights = ![...g.initializers.values()].some((t) => isWeightType(t.dataType) && t.dims.length > 0);
    const scope: Scope = { values: new Map() };
    const inputs: ValueShape[] = [];
    for (const [name, t] of g.initializers) scope.values.set(name, this.tensorValue(t, true));
    for (const vi of g.inputs) {
      // IR < 4 lists initializers among the inputs; those are weights, not model inputs.
      if (g.initializers.has(vi.name)) continue;
      const value = this.inputValue(vi);
      scope.values.set(vi.name, value);
      inputs.push({ name: vi.name, dtype: value.dtype, shape: value.shape });
    }
    const nodes = this.runNodes(g, scope, 0);
    const outputs = g.outputs.map((o) => this.describe(o.name, scope, g));
    return { nodes, inputs, outputs, storedWeights: this.storedWeights, warnings: this.warnings };
  }

  opsetOf(domain: string): number {
    return this.model.opsets.get(domain) ?? this.model.opsets.get('') ?? 1;
  }

  inputValue(vi: ValueInfo): TensorValue {
    // '' names the only input, for `--input 8x3x224x224` on single-input models.
    const override = this.options.inputShapes.get(vi.name) ?? (this.model.graph.inputs.includes(vi) ? this.options.inputShapes.get('') : undefined);
    const dims = override ?? vi.shape;
    if (!dims) return { dtype: vi.elemType ?? DataType.UNDEFINED };
    const shape = dims.map((d, axis) => {
      if (typeof d === 'number') return Expr.of(d);
      const name = d ?? inputSymbol(vi.name, axis);
      const bound = this.options.dims.get(name);
      return bound === undefined ? Expr.sym(name) : Expr.of(bound);
    });
    return { dtype: vi.elemType ?? DataType.UNDEFINED, shape };
  }

  /** A stored tensor as a value; small integer (and tiny float) contents are read for data propagation. */
  tensorValue(t: TensorRef, stored: boolean): TensorValue {
    const shape = t.dims.map((d) => Expr.of(d));
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (stored && isWeightType(t.dataType) && t.dims.length > 0) {
      this.storedWeights.set(t.name, { name: t.name, elements, bytes: Math.ceil((elements * (dataTypeBits(t.dataType) ?? 0)) / 8), dtype: t.dataType, role: 'param' });
    }
    const v: TensorValue = { dtype: t.dataType, shape };
    const small = isIntegerType(t.dataType) ? elements <= MAX_STATIC_INTS : elements <= MAX_STATIC_FLOATS;
    if (small && t.data.where !== 'none') {
      try {
        const nums = this.readValues(t);
        if (nums.length === elements) {
          v.floats = nums;
          if (nums.every(Number.isSafeInteger)) v.value = nums.map((n) => Expr.of(n));
        }
      } catch (e) {
        this.warnings.push(`could not read constant "${t.name}": ${(e as Error).message}`);
      }
    }
    return v;
  }

  private runNodes(g: OnnxGraph | { nodes: OnnxNode[] }, scope: Scope, depth: number, valueInfo?: Map<string, ValueInfo>): NodeResult[] {
    const hints = valueInfo ?? ('valueInfo' in g ? g.valueInfo : undefined);
    return topologicalOrder(g.nodes, scope).map((node) => this.runNode(node, scope, depth, hints));
  }

  private runNode(node: OnnxNode, scope: Scope, depth: number, valueInfo: Map<string, ValueInfo> | undefined): NodeResult {
    const notes: string[] = [];
    const inputs = node.inputs.map((n) => (n === '' ? undefined : lookup(scope, n)));
    const result: NodeResult = {
      name: node.name,
      opType: node.opType,
      domain: node.domain,
      inputs: node.inputs.filter((n) => n !== '').map((n) => this.describe(n, scope)),
      outputs: [],
      weights: [],
      notes,
    };
    const fn = this.model.functions.get(`${node.domain}:${node.opType}`);
    const def = fn ? undefined : lookupOp(node.domain, node.opType);
    let outputs: (TensorValue | undefined)[];
    try {
      if (fn) {
        if (depth >= MAX_CALL_DEPTH) throw new InferenceFailure(`function calls nested more than ${MAX_CALL_DEPTH} deep`);
        const run = this.callFunction(fn, node, inputs, depth);
        outputs = run.outputs;
        result.children = run.nodes;
        if (run.unknown.length > 0) {
          result.unknown = `function body has ops that cannot be costed: ${run.unknown.join('; ')}`;
        } else {
          result.macs = run.macs;
          result.flops = run.flops;
        }
      } else if (!def) {
        const where = node.domain ? `${node.domain}::${node.opType}` : node.opType;
        throw new InferenceFailure(`no shape or cost rule for op ${where}`);
      } else {
        const ctx = new NodeContext(this, node, inputs, scope, depth, result);
        const inferred = def.infer(ctx);
        outputs = inferred;
        const cost = def.cost(ctx, inferred);
        if (cost.unknown !== undefined) {
          result.unknown = cost.unknown;
        } else {
          result.macs = cost.macs;
          result.flops = cost.flops;
          if (cost.formula) result.formula = cost.formula;
        }
      }
    } catch (e) {
      if (!(e instanceof InferenceFailure)) throw e;
      result.unknown = e.message;
      delete result.macs;
      delete result.flops;
      outputs = [];
    }
    // A node reads its weights whether or not we could cost it: they still count.
    const buffers = def?.bufferInputs;
    const weights: WeightUse[] = [];
    for (let i = 0; i < node.inputs.length; i++) {
      const w = node.inputs[i] === '' ? undefined : this.storedWeights.get(node.inputs[i]);
      if (w) weights.push(buffers?.includes(i) ? { ...w, role: 'buffer' } : w);
    }
    const described: ValueShape[] = [];
    for (let i = 0; i < node.outputs.length; i++) {
      const name = node.outputs[i];
      if (name === '') continue;
      let v = outputs[i];
      let hinted = false;
      if (!v || !v.shape) {
        const hint = valueInfo?.get(name);
        if (hint?.shape) {
          v = this.inputValue(hint);
          hinted = true;
        }
      }
      if (v) scope.values.set(name, v);
      else this.failedProducers.set(name, node.name || node.opType);
      const shape: ValueShape = { name, dtype: v?.dtype ?? DataType.UNDEFINED, shape: v?.shape };
      if (hinted) shape.hinted = true;
      if (v) this.described.set(name, shape);
      described.push(shape);
    }
    // Stored at their size: an array grown by push keeps room for 16 more, and results are kept.
    result.weights = weights.slice();
    result.outputs = described.slice();
    if (node.opType === 'Constant' && !fn) this.registerConstantWeight(node, outputs[0]);
    return result;
  }

  /**
   * Weights stored as Constant nodes (paddle2onnx, tf2onnx) count like initializers. In a file
   * whose weights are initializers, Constant tensors are the exporter's own (GroupNorm's unit
   * scales, masks): reported as constants, not parameters, which is what the framework counts.
   */
  private registerConstantWeight(node: OnnxNode, v: TensorValue | undefined): void {
    const name = node.outputs[0];
    if (!v?.shape || v.shape.length === 0 || !isWeightType(v.dtype)) return;
    const elements = product(v.shape).constant;
    if (elements === undefined) return;
    const w: WeightUse = { name, elements, bytes: Math.ceil((elements * (dataTypeBits(v.dtype) ?? 0)) / 8), dtype: v.dtype, role: this.constantsAreWeights ? 'param' : 'constant' };
    this.storedWeights.set(name, w);
  }

  /**
   * One ValueShape per value, shared by its producer's and consumers' results. Found by name (a
   * string key is cheaper than an object's), so checked against the value: a subgraph may give
   * the name to another.
   */
  private readonly described = new Map<string, ValueShape>();

  private describe(name: string, scope: Scope, g?: OnnxGraph): ValueShape {
    const v = lookup(scope, name);
    if (v) {
      const seen = this.described.get(name);
      if (seen && seen.shape === v.shape && seen.dtype === v.dtype) return seen;
      const made: ValueShape = { name, dtype: v.dtype, shape: v.shape };
      this.described.set(name, made);
      return made;
    }
    const hint = g?.valueInfo.get(name) ?? g?.outputs.find((o) => o.name === name);
    return { name, dtype: hint?.elemType ?? DataType.UNDEFINED };
  }

  private callFunction(fn: OnnxFunction, node: OnnxNode, inputs: (TensorValue | undefined)[], depth: number): SubgraphRun {
    // Functions see only their formal inputs, with `ref` attributes bound to the caller's.
    const values = new Map<string, TensorValue>();
    fn.inputs.forEach((formal, i) => {
      const v = inputs[i];
      if (v) values.set(formal, v);
    });
    const body = fn.nodes.map((n) => bindAttributes(n, node.attributes));
    return this.subgraphRun({ nodes: body }, { values }, fn.outputs, depth + 1);
  }

  subgraphRun(g: OnnxGraph | { nodes: OnnxNode[] }, scope: Scope, outputNames: string[], depth: number): SubgraphRun {
    const nodes = this.runNodes(g, scope, depth);
    const unknown = collectUnknown(nodes);
    return {
      outputs: outputNames.map((n) => lookup(scope, n)),
      macs: sum(nodes.map((n) => n.macs ?? Expr.ZERO)),
      flops: sum(nodes.map((n) => n.flops ?? Expr.ZERO)),
      unknown,
      nodes,
    };
  }
}

function collectUnknown(nodes: NodeResult[]): string[] {
  return nodes.filter((n) => n.unknown !== undefined).map((n) => `${n.name || n.opType}: ${n.unknown}`);
}

function bindAttributes(n: OnnxNode, callerAttrs: ReadonlyMap<string, Attribute>): OnnxNode {
  if (![...n.attributes.values()].some((a) => a.kind === 'ref')) return n;
  const attributes = new Map<string, Attribute>();
  for (const [k, a] of n.attributes) {
    if (a.kind !== 'ref') attributes.set(k, a);
    else {
      const bound = callerAttrs.get(a.value);
      if (bound) attributes.set(k, bound);
    }
  }
  return { ...n, attributes };
}

/**
 * Nodes in an order where producers come first. ONNX requires that order, but hand-edited and
 * some converted graphs break it; a cycle is a malformed model.
 */
function topologicalOrder(nodes: OnnxNode[], scope: Scope): OnnxNode[] {
  // In order when every input made by a node is made first by an earlier one.
  const firstProducer = new Map<string, number>();
  // Walked backwards, so the index left for a name is that of its first producer.
  for (let i = nodes.length - 1; i >= 0; i--) for (const o of nodes[i].outputs) if (o !== '') firstProducer.set(o, i);
  if (nodes.every((n, i) => n.inputs.every((name) => (firstProducer.get(name) ?? -1) < i))) return nodes;
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o !== '' && producer.set(o, i)));
  const state = new Uint8Array(nodes.length); // 0 new, 1 visiting, 2 done
  const out: OnnxNode[] = [];
  const visit = (root: number): void => {
    // Iterative DFS: a 10,000-node chain must not overflow the stack.
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [i, next] = top;
      const inputs = nodes[i].inputs;
      if (next < inputs.length) {
        top[1]++;
        const name = inputs[next];
        const p = producer.get(name);
        if (p === undefined || p === i || (lookup(scope, name) && !producer.has(name))) continue;
        if (state[p] === 1) throw new FormatError(`graph has a cycle through node "${nodes[p].name || nodes[p].opType}"`);
        if (state[p] === 0) {
          state[p] = 1;
          stack.push([p, 0]);
        }
      } else {
        state[i] = 2;
        out.push(nodes[i]);
        stack.pop();
      }
    }
  };
  nodes.forEach((_, i) => state[i] === 0 && visit(i));
  return out;
}
