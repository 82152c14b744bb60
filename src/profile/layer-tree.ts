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
  markBoundaries(leaves, graphInputs, graphOutputs);

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
    const weights = g.weights ? [...g.weights.values()] : [];
    const { params, sharedParams } = paramCounts(weights, shared);
    return {
      path: g.path,
      name: g.name,
      depth,
      kind: 'module',
      // Ops that do the multiply-accumulates first, then the most frequent.
      op: [...g.ops]
        .sort(([, a], [, b]) => Number(b.heavy) - Number(a.heavy) || b.count - a.count)
        .map(([op, { count }]) => (count > 1 ? `${op}×${count}` : op))
        .join(' '),
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

/** A node's place in the module tree: its path and its enclosing modules, outermost first. */
interface Leaf {
  node: NodeResult;
  path: string;
  chain: Group[];
}

interface Group {
  name: string;
  path: string;
  /** Submodules by name (made on first use: most modules hold only nodes). */
  groups?: Map<string, Group>;
  items: (Group | Leaf)[];
  /** Op types inside, with counts, and whether any of them has MACs. */
  ops: Map<string, { count: number; heavy: boolean }>;
  /** Weights read inside, each once (made on first use: most modules of a big graph have none). */
  weights?: Map<string, WeightUse>;
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

function newGroup(name: string, path: string): Group {
  return { name, path, items: [], ops: new Map() };
}

/** The submodule `name` of `g`, made on first sight. */
function submodule(g: Group, name: string): Group {
  let sub = g.groups?.get(name);
  if (!sub) {
    sub = newGroup(name, g.path ? `${g.path}/${name}` : name);
    (g.groups ??= new Map()).set(name, sub);
    g.items.push(sub);
  }
  return sub;
}

/** Builds the module tree, with one leaf per node in graph order. */
function groupByScope(nodes: NodeResult[]): { root: Group; leaves: Leaf[] } {
  const root = newGroup('', '');
  const leaves = nodes.map((n, i): Leaf => {
    const parts = (n.name || `${n.opType}_${i}`).split('/').filter((p) => p !== '');
    if (parts.length === 0) parts.push(`${n.opType}_${i}`);
    let g = root;
    const chain = parts.slice(0, -1).map((name) => (g = submodule(g, name)));
    const leaf = { node: n, path: parts.join('/'), chain };
    g.items.push(leaf);
    const weights = allWeights(n);
    const heavy = !(n.macs?.constant === 0);
    for (const m of chain) {
      const seen = m.ops.get(n.opType);
      if (seen) {
        seen.count++;
        seen.heavy ||= heavy;
      } else m.ops.set(n.opType, { count: 1, heavy });
      for (const w of weights) if (!m.weights?.has(w.name)) (m.weights ??= new Map()).set(w.name, w);
    }
    return leaf;
  });
  return { root, leaves };
}

/**
 * A value produced in module chain P and consumed in chain C crosses the boundary of every
 * module below their common ancestor: it is an output of P's deeper modules and an input of
 * C's. Most values stay inside one module, so this touches little beyond the nodes themselves.
 */
function markBoundaries(leaves: Leaf[], graphInputs: ReadonlySet<string>, graphOutputs: ReadonlySet<string>): void {
  const producer = new Map<string, { chain: Group[]; value: ValueShape }>();
  for (const { node, chain } of leaves) for (const o of node.outputs) producer.set(o.name, { chain, value: o });
  for (const { node, chain } of leaves) {
    for (const v of node.inputs) {
      const p = producer.get(v.name);
      // Boundaries are drawn for activations: graph inputs and values computed by nodes.
      if (!p && !graphInputs.has(v.name)) continue;
      const from = p?.chain ?? [];
      let common = 0;
      while (common < from.length && common < chain.length && from[common] === chain[common]) common++;
      for (let k = common; k < chain.length; k++) addBoundary(chain[k], 'inputs', v);
      if (p) for (let k = common; k < from.length; k++) addBoundary(from[k], 'outputs', p.value);
    }
  }
  for (const name of graphOutputs) {
    const p = producer.get(name);
    if (p) for (const g of p.chain) addBoundary(g, 'outputs', p.value);
  }
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
