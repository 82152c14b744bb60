import { Expr, sum } from '../symbolic/expr';
import type { NodeResult, ValueShape, WeightUse } from '../ops/types';
import { valueBytes } from './bytes';
import type { LayerRow } from './report';

/**
 * Groups nodes by the scopes in their names (`/layer1/layer1.0/conv1/Conv` → modules `layer1`,
 * `layer1.0`, `conv1`), rolling costs up. One pass bottom-up: each module's figures come from
 * its children's, so a 10,000-node graph costs a few passes over the nodes, not one per module.
 */
export function buildLayerTree(
  allNodes: NodeResult[],
  shared: ReadonlySet<string>,
  graphInputs: ReadonlySet<string>,
  graphOutputs: ReadonlySet<string>,
): LayerRow[] {
  // Constant nodes hold data, not layers: their tensors show up as the weights of their readers.
  const nodes = allNodes.filter((n) => n.opType !== 'Constant' || n.domain !== '');
  const { root, leaves } = groupByScope(nodes);
  markBoundaries(root, leaves, graphInputs, graphOutputs);

  const nodeRow = (n: NodeResult, path: string, depth: number): LayerRow => {
    const children = n.children?.length ? n.children.map((c, i) => nodeRow(c, `${path}/${(c.name || `${c.opType}_${i}`).replace(/^\/+/, '')}`, depth + 1)) : [];
    const activations = n.weights.length ? n.inputs.filter((v) => !n.weights.some((w) => w.name === v.name)) : n.inputs;
    const written = sum(n.outputs.map(valueBytes));
    const weightBytes = bytesOf(n.weights);
    const { params, sharedParams } = paramCounts(n.weights, shared);
    const row: LayerRow = {
      path,
      name: path.slice(path.lastIndexOf('/') + 1),
      depth,
      kind: 'node',
      op: n.domain ? `${n.domain}::${n.opType}` : n.opType,
      inputShapes: activations,
      outputShapes: n.outputs,
      params,
      sharedParams,
      macs: ownOrBodyCost(n, 'macs'),
      flops: ownOrBodyCost(n, 'flops'),
      activationBytes: written,
      weightBytes,
      // Bytes read (activations and weights) plus bytes written, summed in one go.
      memoryBytes: sum([...activations.map(valueBytes), Expr.of(weightBytes), written]),
      unknownNodes: (n.unknown !== undefined && !n.children?.length ? 1 : 0) + children.reduce((s, c) => s + c.unknownNodes, 0),
      notes: n.notes,
      children,
    };
    if (n.formula) row.formula = n.formula;
    if (n.unknown !== undefined) row.unknown = n.unknown;
    return row;
  };

  const groupRow = (g: Group, depth: number): LayerRow => {
    const children = g.items.map((it) => (isGroup(it) ? groupRow(it, depth + 1) : nodeRow(it.node, it.path, depth + 1)));
    const { ops, weights } = contents(g);
    const { params, sharedParams } = paramCounts(weights, shared);
    return {
      path: g.path,
      name: g.name,
      depth,
      kind: 'module',
      op: opSummary(ops),
      inputShapes: g.inputs ? [...g.inputs.values()] : [],
      outputShapes: g.outputs ? [...g.outputs.values()] : [],
      params,
      sharedParams,
      macs: sum(children.map((c) => c.macs)),
      flops: sum(children.map((c) => c.flops)),
      activationBytes: sum(children.map((c) => c.activationBytes)),
      weightBytes: bytesOf(weights),
      memoryBytes: sum(children.map((c) => c.memoryBytes)),
      unknownNodes: children.reduce((s, c) => s + c.unknownNodes, 0),
      notes: [],
      children,
    };
  };

  return root.items.map((it) => (isGroup(it) ? groupRow(it, 0) : nodeRow(it.node, it.path, 0)));
}

/** A node's place in the module tree: its path and its innermost module (the root at top level). */
interface Leaf {
  node: NodeResult;
  /** Position in graph order. */
  index: number;
  path: string;
  module: Group;
}

/**
 * A module. Only what needs the whole graph is kept here (its boundary); what its subtree holds
 * is gathered when its row is made, so no per-module table outlives its row.
 */
interface Group {
  name: string;
  path: string;
  parent?: Group;
  /** Modules above this one; 0 for the root. */
  depth: number;
  /** Submodules by name (made on first use: most modules hold only nodes). */
  groups?: Map<string, Group>;
  items: (Group | Leaf)[];
  /** Values crossing the module's boundary, in graph order. */
  inputs?: Map<string, ValueShape>;
  outputs?: Map<string, ValueShape>;
}

function addBoundary(g: Group, side: 'inputs' | 'outputs', v: ValueShape): void {
  const map = (g[side] ??= new Map());
  if (!map.has(v.name)) map.set(v.name, v);
}

function isGroup(it: Group | Leaf): it is Group {
  return 'items' in it;
}

/** The submodule `name` of `g`, made on first sight. */
function submodule(g: Group, name: string): Group {
  let sub = g.groups?.get(name);
  if (!sub) {
    sub = { name, path: g.path ? `${g.path}/${name}` : name, parent: g, depth: g.depth + 1, items: [] };
    (g.groups ??= new Map()).set(name, sub);
    g.items.push(sub);
  }
  return sub;
}

/** Builds the module tree, with one leaf per node in graph order. */
function groupByScope(nodes: NodeResult[]): { root: Group; leaves: Leaf[] } {
  const root: Group = { name: '', path: '', depth: 0, items: [] };
  const leaves = nodes.map((n, index): Leaf => {
    const parts = (n.name || `${n.opType}_${index}`).split('/').filter((p) => p !== '');
    if (parts.length === 0) parts.push(`${n.opType}_${index}`);
    let module = root;
    for (let k = 0; k < parts.length - 1; k++) module = submodule(module, parts[k]);
    const leaf = { node: n, index, path: parts.join('/'), module };
    module.items.push(leaf);
    return leaf;
  });
  return { root, leaves };
}

/** The innermost module holding both `a` and `b`. */
function commonModule(a: Group, b: Group): Group {
  while (a.depth > b.depth) a = a.parent!;
  while (b.depth > a.depth) b = b.parent!;
  while (a !== b) {
    a = a.parent!;
    b = b.parent!;
  }
  return a;
}

/**
 * A value produced in module P and consumed in module C crosses the boundary of every module
 * below their common ancestor: it is an output of P and the modules above it, and an input of
 * C and the modules above it. Most values stay inside one module, so this touches little
 * beyond the nodes themselves.
 */
function markBoundaries(root: Group, leaves: Leaf[], graphInputs: ReadonlySet<string>, graphOutputs: ReadonlySet<string>): void {
  const producer = new Map<string, { module: Group; value: ValueShape }>();
  for (const { node, module } of leaves) for (const o of node.outputs) producer.set(o.name, { module, value: o });
  for (const { node, module } of leaves) {
    for (const v of node.inputs) {
      const p = producer.get(v.name);
      // Boundaries are drawn for activations: graph inputs and values computed by nodes.
      if (!p && !graphInputs.has(v.name)) continue;
      const common = commonModule(p?.module ?? root, module);
      for (let m = module; m !== common; m = m.parent!) addBoundary(m, 'inputs', v);
      if (p) for (let m = p.module; m !== common; m = m.parent!) addBoundary(m, 'outputs', p.value);
    }
  }
  for (const name of graphOutputs) {
    const p = producer.get(name);
    if (p) for (let m = p.module; m !== root; m = m.parent!) addBoundary(m, 'outputs', p.value);
  }
}

interface OpCount {
  op: string;
  count: number;
  /** Whether any of them has MACs. */
  heavy: boolean;
  /** Graph position of the first one. */
  first: number;
}

/** Op types inside a module, with counts, and the weights read inside, each once. */
function contents(g: Group): { ops: Map<string, OpCount>; weights: WeightUse[] } {
  const ops = new Map<string, OpCount>();
  const weights = new Map<string, WeightUse>();
  const visit = (m: Group): void => {
    for (const it of m.items) {
      if (isGroup(it)) {
        visit(it);
        continue;
      }
      const n = it.node;
      const heavy = !(n.macs?.constant === 0);
      const seen = ops.get(n.opType);
      if (seen) {
        seen.count++;
        seen.heavy ||= heavy;
        seen.first = Math.min(seen.first, it.index);
      } else ops.set(n.opType, { op: n.opType, count: 1, heavy, first: it.index });
      for (const w of allWeights(n)) if (!weights.has(w.name)) weights.set(w.name, w);
    }
  };
  visit(g);
  return { ops, weights: [...weights.values()] };
}

/** `MatMul×2 Add`: ops that do the multiply-accumulates first, then the most frequent, then in graph order. */
function opSummary(ops: Map<string, OpCount>): string {
  const list = [...ops.values()];
  // Most modules hold one op type, and sort sets up its bookkeeping even for one element.
  if (list.length > 1) list.sort((a, b) => Number(b.heavy) - Number(a.heavy) || b.count - a.count || a.first - b.first);
  return list.map(({ op, count }) => (count > 1 ? `${op}×${count}` : op)).join(' ');
}

/** Weights a node reads, its body's included. */
function allWeights(n: NodeResult): WeightUse[] {
  return n.children?.length ? [...n.weights, ...n.children.flatMap(allWeights)] : n.weights;
}

/**
 * A node's cost: its own when known (a Loop's already holds its body × trips), else what its
 * body's leaves add up to, so an uncostable parent still shows the part that is known.
 */
function ownOrBodyCost(n: NodeResult, key: 'macs' | 'flops'): Expr {
  if (n[key]) return n[key]!;
  return sum((n.children ?? []).map((c) => ownOrBodyCost(c, key)));
}

/** Learned parameters among `weights`, and those of them that layers elsewhere read too. */
function paramCounts(weights: readonly WeightUse[], shared: ReadonlySet<string>): { params: number; sharedParams: number } {
  let params = 0;
  let sharedParams = 0;
  for (const w of weights) {
    if (w.role !== 'param') continue;
    params += w.elements;
    if (shared.has(w.name)) sharedParams += w.elements;
  }
  return { params, sharedParams };
}

function bytesOf(weights: readonly WeightUse[]): number {
  return weights.reduce((s, w) => s + w.bytes, 0);
}
