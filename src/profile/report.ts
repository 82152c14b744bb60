import { Expr, sum } from '../symbolic/expr';
import type { NodeResult, ValueShape, WeightUse } from '../ops/types';
import type { GraphRun } from './infer-graph';
import { valueBytes } from './bytes';

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
  const layers = buildLayerTree(run.nodes, sharedNames);
  const totals: Totals = {
    params: sumOf(params, (w) => w.elements),
    storedParams: sumOf(stored, (w) => w.elements),
    sharedParams: sumOf(params.filter((w) => sharedNames.has(w.name)), (w) => w.elements),
    buffers: sumOf(used.filter((w) => w.role === 'buffer'), (w) => w.elements),
    constants: sumOf(used.filter((w) => w.role === 'constant'), (w) => w.elements),
    macs: sum(run.nodes.map((n) => ownOrBodyCost(n, 'macs'))),
    flops: sum(run.nodes.map((n) => ownOrBodyCost(n, 'flops'))),
    activationBytes: sum(run.nodes.map(outputBytes)),
    peakActivationBytes: peakLiveBytes(run),
    weightBytes: sumOf(used, (w) => w.bytes),
    memoryBytes: sum(run.nodes.map(memoryBytes)),
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

/**
 * A node's cost: its own when known (a Loop's already holds its body × trips), else what its
 * body's leaves add up to, so an uncostable parent still shows the part that is known.
 */
function ownOrBodyCost(n: NodeResult, key: 'macs' | 'flops'): Expr {
  return n[key] ?? sum(leaves([n]).map((c) => c[key] ?? Expr.ZERO));
}

/** The nodes with no body of their own. */
function leaves(nodes: NodeResult[]): NodeResult[] {
  return flatten(nodes).filter((n) => !n.children?.length);
}

function uniqueWeights(nodes: NodeResult[]): WeightUse[] {
  const seen = new Map<string, WeightUse>();
  for (const n of nodes) for (const w of n.weights) if (!seen.has(w.name)) seen.set(w.name, w);
  return [...seen.values()];
}

function sumOf<T>(xs: T[], f: (x: T) => number): number {
  return xs.reduce((s, x) => s + f(x), 0);
}

function outputBytes(n: NodeResult): Expr {
  return sum(n.outputs.map(valueBytes));
}

function memoryBytes(n: NodeResult): Expr {
  const reads = sum(n.inputs.filter((i) => !n.weights.some((w) => w.name === i.name)).map(valueBytes));
  const weights = n.weights.reduce((s, w) => s + w.bytes, 0);
  return reads.add(weights).add(outputBytes(n));
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
  const live = new Map<string, Expr>();
  let now = Expr.ZERO;
  const allocate = (v: ValueShape): void => {
    const b = valueBytes(v);
    live.set(v.name, b);
    now = now.add(b);
  };
  const free = (name: string): void => {
    now = now.sub(live.get(name) ?? Expr.ZERO);
    live.delete(name);
  };
  run.inputs.forEach(allocate);
  let peak = now;
  let peakSize = now.approximate(REFERENCE_DIM);
  run.nodes.forEach((n, i) => {
    n.outputs.forEach(allocate);
    const size = now.approximate(REFERENCE_DIM);
    if (size > peakSize) [peak, peakSize] = [now, size];
    for (const v of n.inputs) if (lastUse.get(v.name) === i && live.has(v.name)) free(v.name);
    for (const o of n.outputs) if (!lastUse.has(o.name)) free(o.name);
  });
  return peak;
}

/** Symbolic live sets are ranked with every symbol at this size: "large inputs". */
const REFERENCE_DIM = 1024;

/** Groups nodes by the scopes in their names (`/features/features.0/Conv`), rolling costs up. */
function buildLayerTree(nodes: NodeResult[], shared: Set<string>): LayerRow[] {
  interface Group {
    name: string;
    path: string;
    groups: Map<string, Group>;
    items: (Group | NodeResult)[];
  }
  const root: Group = { name: '', path: '', groups: new Map(), items: [] };
  const paths = new Map<NodeResult, string>();
  nodes.forEach((n, i) => {
    const parts = (n.name || `${n.opType}_${i}`).split('/').filter((p) => p !== '');
    if (parts.length === 0) parts.push(`${n.opType}_${i}`);
    paths.set(n, parts.join('/'));
    let g = root;
    for (const part of parts.slice(0, -1)) {
      let next = g.groups.get(part);
      if (!next) {
        next = { name: part, path: g.path ? `${g.path}/${part}` : part, groups: new Map(), items: [] };
        g.groups.set(part, next);
        g.items.push(next);
      }
      g = next;
    }
    g.items.push(n);
  });
  const consumers = new Map<string, number>();
  for (const n of flatten(nodes)) {
    for (const v of n.inputs) consumers.set(v.name, (consumers.get(v.name) ?? 0) + 1);
  }
  const nodeRow = (n: NodeResult, path: string, depth: number): LayerRow => {
    const own = n.weights.filter((w) => w.role === 'param');
    const inner = leaves([n]);
    const weightNames = new Set(n.weights.map((w) => w.name));
    return {
      path,
      name: path.split('/').pop()!,
      depth,
      kind: 'node',
      op: n.domain ? `${n.domain}::${n.opType}` : n.opType,
      inputShapes: n.inputs.filter((v) => !weightNames.has(v.name)),
      outputShapes: n.outputs,
      params: sumOf(own, (w) => w.elements),
      sharedParams: sumOf(own.filter((w) => shared.has(w.name)), (w) => w.elements),
      macs: ownOrBodyCost(n, 'macs'),
      flops: ownOrBodyCost(n, 'flops'),
      activationBytes: outputBytes(n),
      weightBytes: n.weights.reduce((s, w) => s + w.bytes, 0),
      memoryBytes: memoryBytes(n),
      unknownNodes: inner.filter((c) => c.unknown !== undefined).length,
      ...(n.formula ? { formula: n.formula } : {}),
      ...(n.unknown !== undefined ? { unknown: n.unknown } : {}),
      notes: n.notes,
      children: (n.children ?? []).map((c, i) => nodeRow(c, `${path}/${(c.name || `${c.opType}_${i}`).replace(/^\/+/, '')}`, depth + 1)),
    };
  };
  const groupRow = (g: Group, depth: number): LayerRow => {
    const children = g.items.map((it) => ('groups' in it ? groupRow(it, depth + 1) : nodeRow(it, paths.get(it)!, depth + 1)));
    const members = collectNodes(g);
    const weights = uniqueWeights(flatten(members)).filter((w) => w.role === 'param');
    const producedInside = new Set(members.flatMap((n) => n.outputs.map((o) => o.name)));
    const consumedInside = new Map<string, number>();
    for (const n of members) for (const v of n.inputs) consumedInside.set(v.name, (consumedInside.get(v.name) ?? 0) + 1);
    const weightNames = new Set(weights.map((w) => w.name).concat(flatten(members).flatMap((n) => n.weights.map((w) => w.name))));
    const inputs = dedupe(members.flatMap((n) => n.inputs).filter((v) => !producedInside.has(v.name) && !weightNames.has(v.name)));
    const outputs = dedupe(members.flatMap((n) => n.outputs).filter((o) => (consumers.get(o.name) ?? 0) > (consumedInside.get(o.name) ?? 0) || !consumers.has(o.name)));
    const ops = new Map<string, number>();
    for (const n of members) ops.set(n.opType, (ops.get(n.opType) ?? 0) + 1);
    return {
      path: g.path,
      name: g.name,
      depth,
      kind: 'module',
      op: [...ops].map(([op, c]) => (c > 1 ? `${op}×${c}` : op)).join(' '),
      inputShapes: inputs,
      outputShapes: outputs,
      params: sumOf(weights, (w) => w.elements),
      sharedParams: sumOf(weights.filter((w) => shared.has(w.name)), (w) => w.elements),
      macs: sum(children.map((c) => c.macs)),
      flops: sum(children.map((c) => c.flops)),
      activationBytes: sum(children.map((c) => c.activationBytes)),
      weightBytes: uniqueWeights(flatten(members)).reduce((s, w) => s + w.bytes, 0),
      memoryBytes: sum(children.map((c) => c.memoryBytes)),
      unknownNodes: children.reduce((s, c) => s + c.unknownNodes, 0),
      notes: [],
      children,
    };
  };
  const collectNodes = (g: Group): NodeResult[] => g.items.flatMap((it) => ('groups' in it ? collectNodes(it) : [it]));
  return root.items.map((it) => ('groups' in it ? groupRow(it, 0) : nodeRow(it, paths.get(it)!, 0)));
}

function dedupe(vs: ValueShape[]): ValueShape[] {
  const seen = new Set<string>();
  return vs.filter((v) => !seen.has(v.name) && seen.add(v.name));
}

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
