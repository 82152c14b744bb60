import { Expr, sum } from '../symbolic/expr';
import type { NodeResult, ValueShape, WeightUse } from '../ops/types';
import type { GraphRun } from './infer-graph';
import { valueBytes } from './bytes';
import { buildLayerTree } from './layer-tree';

/** One row of the layer tree: a module (grouped by the exporter's name scopes) or a node. */
export interface LayerRow {
  /** Slash-separated scope path, unique in the report (`layer1/layer1.0/conv1/Conv`). */
  path: string;
  name: string;
  depth: number;
  kind: 'module' | 'node';
  /** Op type for nodes; for modules the op types inside with counts (`Conv×2 Relu`). */
  op: string;
  inputShapes: ValueShape[];
  outputShapes: ValueShape[];
  /** Learned parameters read inside this layer, each tensor once. */
  params: number;
  /** Of those, parameters that layers elsewhere read too. */
  sharedParams: number;
  macs: Expr;
  flops: Expr;
  activationBytes: Expr;
  weightBytes: number;
  memoryBytes: Expr;
  /** Nodes inside this layer that could not be costed (their cost is not in macs/flops). */
  unknownNodes: number;
  formula?: string;
  unknown?: string;
  notes: string[];
  children: LayerRow[];
}

export interface SharedWeight {
  name: string;
  elements: number;
  users: string[];
}

export interface Totals {
  /** Parameters read by the graph, each tensor once. */
  params: number;
  /** Parameters stored in the file (can exceed params: unused tensors). */
  storedParams: number;
  sharedParams: number;
  /** Elements of running statistics and other non-learned state. */
  buffers: number;
  /** Elements of exporter-made constant tensors (in files whose weights are initializers). */
  constants: number;
  macs: Expr;
  flops: Expr;
  /** Sum of every node's output bytes. */
  activationBytes: Expr;
  /** Largest set of activations alive at once, in topological order, freeing after the last use. */
  peakActivationBytes: Expr;
  weightBytes: number;
  memoryBytes: Expr;
  nodes: number;
}

export interface Report {
  file: string;
  format: string;
  producer: string;
  opsets: Record<string, number>;
  inputs: ValueShape[];
  outputs: ValueShape[];
  bindings: Record<string, number>;
  /** Symbols the numbers still depend on. */
  symbols: string[];
  totals: Totals;
  unknownOps: { op: string; count: number; reasons: string[] }[];
  shared: SharedWeight[];
  unusedWeights: { name: string; elements: number }[];
  layers: LayerRow[];
  warnings: string[];
  /** Set when the profile was asked for other input shapes than the file's own. */
  comparison?: Comparison;
}

/** The same model under the file's own input shapes: what changing batch or resolution did. */
export interface Comparison {
  baselineInputs: ValueShape[];
  params: number;
  macs: Expr;
  flops: Expr;
  peakActivationBytes: Expr;
}

export interface ReportMeta {
  file: string;
  format: string;
  producer: string;
  opsets: Record<string, number>;
  bindings: Record<string, number>;
}

export function buildReport(run: GraphRun, meta: ReportMeta, warnings: string[] = []): Report {
  const all = flatten(run.nodes);
  const users = new Map<string, Set<string>>();
  all.forEach((n, i) => {
    for (const w of n.weights) {
      if (!users.has(w.name)) users.set(w.name, new Set());
      users.get(w.name)!.add(nodeLabel(n, i));
    }
  });
  const sharedNames = new Set([...users].filter(([, u]) => u.size > 1).map(([n]) => n));
  const used = uniqueWeights(all);
  const notParams = new Set(used.filter((w) => w.role !== 'param').map((w) => w.name));
  const params = used.filter((w) => w.role === 'param');
  const stored = [...run.storedWeights.values()].filter((w) => w.role === 'param' && !notParams.has(w.name));
  const layers = buildLayerTree(run.nodes, sharedNames, new Set(run.inputs.map((i) => i.name)), new Set(run.outputs.map((o) => o.name)));
  const totals: Totals = {
    params: sumOf(params, (w) => w.elements),
    storedParams: sumOf(stored, (w) => w.elements),
    sharedParams: sumOf(params.filter((w) => sharedNames.has(w.name)), (w) => w.elements),
    buffers: sumOf(used.filter((w) => w.role === 'buffer'), (w) => w.elements),
    constants: sumOf(used.filter((w) => w.role === 'constant'), (w) => w.elements),
    // The top-level rows partition the main graph's nodes: their sums are the totals.
    macs: sum(layers.map((l) => l.macs)),
    flops: sum(layers.map((l) => l.flops)),
    activationBytes: sum(layers.map((l) => l.activationBytes)),
    peakActivationBytes: peakLiveBytes(run),
    weightBytes: sumOf(used, (w) => w.bytes),
    memoryBytes: sum(layers.map((l) => l.memoryBytes)),
    nodes: all.length,
  };
  const symbols = new Set<string>();
  for (const e of [totals.macs, totals.flops, totals.activationBytes]) e.symbols().forEach((s) => symbols.add(s));
  return {
    ...meta,
    inputs: run.inputs,
    outputs: run.outputs,
    symbols: [...symbols].sort(),
    totals,
    unknownOps: unknownOps(all),
    shared: [...sharedNames].map((name) => ({ name, elements: run.storedWeights.get(name)?.elements ?? 0, users: [...users.get(name)!] })),
    unusedWeights: stored.filter((w) => !users.has(w.name)).map((w) => ({ name: w.name, elements: w.elements })),
    layers,
    warnings: [...warnings, ...run.warnings],
  };
}

function nodeLabel(n: NodeResult, i: number): string {
  return n.name || `${n.opType}_${i}`;
}

/** Every node, bodies of control flow and function calls included (their parents carry no weights of their own). */
function flatten(nodes: NodeResult[]): NodeResult[] {
  const out: NodeResult[] = [];
  const walk = (ns: NodeResult[]): void => {
    for (const n of ns) {
      out.push(n);
      if (n.children) walk(n.children);
    }
  };
  walk(nodes);
  return out;
}

function uniqueWeights(nodes: NodeResult[]): WeightUse[] {
  const seen = new Map<string, WeightUse>();
  for (const n of nodes) for (const w of n.weights) if (!seen.has(w.name)) seen.set(w.name, w);
  return [...seen.values()];
}

function sumOf<T>(xs: T[], f: (x: T) => number): number {
  return xs.reduce((s, x) => s + f(x), 0);
}

function unknownOps(nodes: NodeResult[]): Report['unknownOps'] {
  const byOp = new Map<string, { op: string; count: number; reasons: Set<string> }>();
  for (const n of nodes) {
    if (n.unknown === undefined || n.children?.length) continue;
    const op = n.domain ? `${n.domain}::${n.opType}` : n.opType;
    const e = byOp.get(op) ?? { op, count: 0, reasons: new Set<string>() };
    e.count++;
    e.reasons.add(n.unknown);
    byOp.set(op, e);
  }
  return [...byOp.values()].map((e) => ({ op: e.op, count: e.count, reasons: [...e.reasons] }));
}

/**
 * Simulates execution in topological order. With symbolic dims, live sets are compared at a
 * large reference size, so the peak reported is the one that dominates for big inputs.
 */
function peakLiveBytes(run: GraphRun): Expr {
  const lastUse = new Map<string, number>();
  run.nodes.forEach((n, i) => n.inputs.forEach((v) => lastUse.set(v.name, i)));
  for (const o of run.outputs) lastUse.set(o.name, Infinity);
  // First pass in plain numbers (sizes at the reference dim) to find the peak step; then the
  // exact expression of the live set at that step.
  const live = new Map<string, { value: ValueShape; size: number }>();
  let now = 0;
  const allocate = (value: ValueShape): void => {
    const size = valueBytes(value).approximate(REFERENCE_DIM);
    live.set(value.name, { value, size });
    now += size;
  };
  const free = (name: string): void => {
    now -= live.get(name)!.size;
    live.delete(name);
  };
  const liveValues = (): ValueShape[] => [...live.values()].map((e) => e.value);
  run.inputs.forEach(allocate);
  let peakSet = liveValues();
  let peakSize = now;
  run.nodes.forEach((n, i) => {
    n.outputs.forEach(allocate);
    if (now > peakSize) {
      peakSize = now;
      peakSet = liveValues();
    }
    for (const v of n.inputs) if (lastUse.get(v.name) === i && live.has(v.name)) free(v.name);
    for (const o of n.outputs) if (!lastUse.has(o.name)) free(o.name);
  });
  return sum(peakSet.map(valueBytes));
}

/** Symbolic live sets are ranked with every symbol at this size: "large inputs". */
const REFERENCE_DIM = 1024;

/** Captures the figures of the file's own shapes, for the "what changing the input did" line. */
export function compareWithBaseline(baseline: Report): Comparison {
  return {
    baselineInputs: baseline.inputs,
    params: baseline.totals.params,
    macs: baseline.totals.macs,
    flops: baseline.totals.flops,
    peakActivationBytes: baseline.totals.peakActivationBytes,
  };
}
