import { FormatError } from '../io/errors';
import { Expr, product, sum } from '../symbolic/expr';
import type { Attribute, OnnxFunction, OnnxGraph, OnnxModel, OnnxNode, TensorRef, ValueInfo } from '../onnx/model';
import { TensorDataMismatch, tensorDataProblem, tensorElements } from '../onnx/tensor-data';
import { DataType, dataTypeBits, isIntegerType, isWeightType } from '../onnx/model';
import { lookupOp } from '../ops/registry';
import type { NodeResult, SubgraphRun, TensorValue, ValueShape, WeightUse } from '../ops/types';
import { InferenceFailure, MAX_CALL_DEPTH, NodeContext, type EngineServices } from './node-context';

/**
 * Function-body nodes a model may list in all. Bodies are costed once per binding, but every call
 * lists its body, so a function calling itself k times lists k^depth nodes: past this many the
 * calls are refused with a reason (shown as unknown, the total as a lower bound).
 */
const MAX_EXPANDED_NODES = 100_000;
const TOO_MANY_EXPANDED = `function calls expand to more than ${MAX_EXPANDED_NODES.toLocaleString('en-US')} nodes (a function calling itself?): not costed`;

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
  private readonly warnings = new Set<string>();
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
    return { nodes, inputs, outputs, storedWeights: this.storedWeights, warnings: [...this.warnings] };
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

  /**
   * A stored tensor as a value; small integer (and tiny float) contents are read for data
   * propagation. Data that disagrees with the dims is refused before any of it is read: in a
   * tensor whose values shapes depend on, as the file's error; in a weight, whose values are
   * never needed, with a warning, counted from its dims.
   */
  tensorValue(t: TensorRef, stored: boolean): TensorValue {
    const shape = t.dims.map((d) => Expr.of(d));
    const elements = tensorElements(t);
    if (stored && isWeightType(t.dataType) && t.dims.length > 0) {
      this.storedWeights.set(t.name, { name: t.name, elements, bytes: Math.ceil((elements * (dataTypeBits(t.dataType) ?? 0)) / 8), dtype: t.dataType, role: 'param' });
    }
    const v: TensorValue = { dtype: t.dataType, shape };
    const small = isIntegerType(t.dataType) ? elements <= MAX_STATIC_INTS : elements <= MAX_STATIC_FLOATS;
    const problem = tensorDataProblem(t);
    if (problem !== undefined && !small) this.warn(`tensor "${t.name}" ${problem}: counted from its dims`);
    else if (small && t.data.where !== 'none') {
      try {
        const nums = this.readValues(t);
        if (nums.length === elements) {
          v.floats = nums;
          if (nums.every(Number.isSafeInteger)) v.value = nums.map((n) => Expr.of(n));
        }
      } catch (e) {
        // Data that lies about its size is the file's error; data we cannot get at (an external file) only a gap.
        if (!(e instanceof FormatError) || e instanceof TensorDataMismatch) throw e;
        this.warn(`could not read constant "${t.name}": ${e.message}`);
      }
    }
    return v;
  }

  /** Each warning once: a function body or loop body runs its tensors more than once. */
  private warn(text: string): void {
    this.warnings.add(text);
  }

  private runNodes(g: OnnxGraph | { nodes: OnnxNode[] }, scope: Scope, depth: number, valueInfo?: Map<string, ValueInfo>): NodeResult[] {
    const results: NodeResult[] = [];
    for (const node of topologicalOrder(g.nodes, scope)) {
      results.push(this.runNode(node, scope, depth, valueInfo ?? ('valueInfo' in g ? g.valueInfo : undefined)));
    }
    return results;
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
    let outputs: (TensorValue | undefined)[] = [];
    try {
      if (fn) {
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
    node.inputs.forEach((name, i) => {
      const w = name === '' ? undefined : this.storedWeights.get(name);
      if (w) result.weights.push(buffers?.includes(i) ? { ...w, role: 'buffer' } : w);
    });
    const described: ValueShape[] = [];
    node.outputs.forEach((name, i) => {
      if (name === '') return;
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
      if (v) this.described.set(v, shape);
      described.push(shape);
    });
    // Stored at its size: an array grown by push keeps room for 16 more, and results are kept.
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

  /** One ValueShape per value, shared by its producer's and consumers' results. */
  private readonly described = new WeakMap<TensorValue, ValueShape>();

  private describe(name: string, scope: Scope, g?: OnnxGraph): ValueShape {
    const v = lookup(scope, name);
    if (v) {
      const seen = this.described.get(v);
      if (seen?.name === name) return seen;
      const made: ValueShape = { name, dtype: v.dtype, shape: v.shape };
      this.described.set(v, made);
      return made;
    }
    const hint = g?.valueInfo.get(name) ?? g?.outputs.find((o) => o.name === name);
    return { name, dtype: hint?.elemType ?? DataType.UNDEFINED };
  }

  /** A function's body costed per binding (function, depth, inputs, attributes): the run, with the nodes it lists, or why it failed. */
  private readonly functionRuns = new Map<string, { run: SubgraphRun; size: number } | string>();
  /** Function-body nodes listed so far, counted at calls from outside any function. */
  private expandedNodes = 0;
  private functionDepth = 0;

  /**
   * Costs a model-local function call. A body is costed once per distinct binding and its result
   * reused, so a function that calls itself k times costs depth × k, not k^depth; the nodes the
   * calls list are still bounded, since every call shows its body.
   */
  private callFunction(fn: OnnxFunction, node: OnnxNode, inputs: (TensorValue | undefined)[], depth: number): SubgraphRun {
    if (depth >= MAX_CALL_DEPTH) throw new InferenceFailure(`function calls nested more than ${MAX_CALL_DEPTH} deep`);
    if (this.functionDepth === 0 && this.expandedNodes >= MAX_EXPANDED_NODES) throw new InferenceFailure(TOO_MANY_EXPANDED);
    const key = bindingKey(fn, node, inputs, depth);
    let memo = this.functionRuns.get(key);
    if (memo === undefined) {
      memo = this.expandFunction(fn, node, inputs, depth);
      this.functionRuns.set(key, memo);
    }
    if (typeof memo === 'string') throw new InferenceFailure(memo);
    if (this.functionDepth === 0) {
      if (this.expandedNodes + memo.size > MAX_EXPANDED_NODES) throw new InferenceFailure(TOO_MANY_EXPANDED);
      this.expandedNodes += memo.size;
    }
    return memo.run;
  }

  private expandFunction(fn: OnnxFunction, node: OnnxNode, inputs: (TensorValue | undefined)[], depth: number): { run: SubgraphRun; size: number } | string {
    // Functions see only their formal inputs, with `ref` attributes bound to the caller's.
    const values = new Map<string, TensorValue>();
    fn.inputs.forEach((formal, i) => {
      const v = inputs[i];
      if (v) values.set(formal, v);
    });
    const body = fn.nodes.map((n) => bindAttributes(n, node.attributes));
    this.functionDepth++;
    try {
      const run = this.subgraphRun({ nodes: body }, { values }, fn.outputs, depth + 1);
      const size = this.listedNodes(run.nodes);
      return size > MAX_EXPANDED_NODES ? TOO_MANY_EXPANDED : { run, size };
    } finally {
      this.functionDepth--;
    }
  }

  /** Node results under `nodes`, bodies included; memoized per array because function bodies are shared between calls. */
  private readonly listed = new WeakMap<NodeResult[], number>();

  private listedNodes(nodes: NodeResult[]): number {
    let n = this.listed.get(nodes);
    if (n !== undefined) return n;
    n = nodes.length;
    for (const c of nodes) if (c.children) n += this.listedNodes(c.children);
    this.listed.set(nodes, n);
    return n;
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

/**
 * The first node that could not be costed, and how many more: reasons nest through bodies, and
 * listing them all would grow with the nesting (a function calling itself three times: 3^depth).
 */
function collectUnknown(nodes: NodeResult[]): string[] {
  const unknown = nodes.filter((n) => n.unknown !== undefined);
  if (unknown.length === 0) return [];
  const first = `${unknown[0].name || unknown[0].opType}: ${unknown[0].unknown}`;
  return unknown.length === 1 ? [first] : [first, `${unknown.length - 1} more`];
}

/** The text of a call's binding: what the function's result depends on besides its body. */
function bindingKey(fn: OnnxFunction, node: OnnxNode, inputs: (TensorValue | undefined)[], depth: number): string {
  const parts = [fn.domain, fn.name, String(depth)];
  fn.inputs.forEach((_, i) => {
    const v = inputs[i];
    parts.push(v ? `${v.dtype}[${v.shape?.join(',') ?? '?'}]${contentsKey(v.value)}~${contentsKey(v.floats)}` : '-');
  });
  for (const name of referencedAttributes(fn)) {
    const a = node.attributes.get(name);
    parts.push(a ? attributeKey(a) : '-');
  }
  return parts.join('|');
}

/** Known contents by value when short (shape tensors, axes), else by identity: a key never costs more than the call. */
function contentsKey(values: readonly (Expr | number)[] | undefined): string {
  if (!values) return '';
  return values.length <= 64 ? values.join(',') : `#${objectId(values)}`;
}

const referenced = new WeakMap<OnnxFunction, string[]>();

/** The caller's attributes a body reads: those its nodes' `ref` attributes name (declared or not). */
function referencedAttributes(fn: OnnxFunction): string[] {
  let names = referenced.get(fn);
  if (!names) {
    const set = new Set<string>();
    for (const n of fn.nodes) for (const a of n.attributes.values()) if (a.kind === 'ref') set.add(a.value);
    names = [...set].sort();
    referenced.set(fn, names);
  }
  return names;
}

/** Tensors and graphs are told apart by identity (each is one object per place in the file); the rest by value. */
function attributeKey(a: Attribute): string {
  if (a.kind !== 'tensor' && a.kind !== 'graph' && a.kind !== 'graphs') return `${a.kind}:${JSON.stringify(a.value)}`;
  return `${a.kind}#${objectId(a.value)}`;
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(o, id);
  }
  return id;
}

function bindAttributes(n: OnnxNode, callerAttrs: Map<string, Attribute>): OnnxNode {
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
  nodes.forEach((n, i) => n.outputs.forEach((o) => o !== '' && !firstProducer.has(o) && firstProducer.set(o, i)));
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
