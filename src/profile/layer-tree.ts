import { Expr, sum } from '../symbolic/expr';
import type { NodeResult, ValueShape, WeightUse } from '../ops/types';
import { valueBytes } from './bytes';
import type { LayerRow } from './report';

/**
 * Groups nodes by the scopes in their names (`/layer1/layer1.0/conv1/Conv` → modules `layer1`,
 * `layer1.0`, `conv1`), rolling costs up. One pass bottom-up: each module's figures come from
 * its children's, so a 10,000-node graph costs a few passes over the nodes, not one per module.
 */
export function buildLayerTree(nodes: NodeResult[], shared: ReadonlySet<string>): LayerRow[] {
  const root = groupByScope(nodes);
  const producer = new Map<string, string>();
  const consumers = new Map<string, string[]>();
  for (const [n, path] of root.paths) {
    for (const o of n.outputs) producer.set(o.name, path);
    for (const v of n.inputs) {
      const list = consumers.get(v.name);
      if (list) list.push(path);
      else consumers.set(v.name, [path]);
    }
  }

  const nodeRow = (n: NodeResult, path: string, depth: number): LayerRow => {
    const own = n.weights.filter((w) => w.role === 'param');
    const children = n.children?.length ? n.children.map((c, i) => nodeRow(c, `${path}/${(c.name || `${c.opType}_${i}`).replace(/^\/+/, '')}`, depth + 1)) : [];
    const written = outputBytes(n);
    return {
      path,
      name: path.slice(path.lastIndexOf('/') + 1),
      depth,
      kind: 'node',
      op: n.domain ? `${n.domain}::${n.opType}` : n.opType,
      inputShapes: n.weights.length ? n.inputs.filter((v) => !n.weights.some((w) => w.name === v.name)) : n.inputs,
      outputShapes: n.outputs,
      params: own.reduce((s, w) => s + w.elements, 0),
      sharedParams: own.filter((w) => shared.has(w.name)).reduce((s, w) => s + w.elements, 0),
      macs: ownOrBodyCost(n, 'macs'),
      flops: ownOrBodyCost(n, 'flops'),
      activationBytes: written,
      weightBytes: n.weights.reduce((s, w) => s + w.bytes, 0),
      memoryBytes: memoryBytes(n, written),
      unknownNodes: (n.unknown !== undefined && !n.children?.length ? 1 : 0) + children.reduce((s, c) => s + c.unknownNodes, 0),
      ...(n.formula ? { formula: n.formula } : {}),
      ...(n.unknown !== undefined ? { unknown: n.unknown } : {}),
      notes: n.notes,
      children,
    };
  };

  interface Built {
    row: LayerRow;
    members: NodeResult[];
    weights: Map<string, WeightUse>;
  }

  const groupRow = (g: Group, depth: number): Built => {
    const members: NodeResult[] = [];
    const weights = new Map<string, WeightUse>();
    const children: LayerRow[] = [];
    for (const it of g.items) {
      if (isGroup(it)) {
        const built = groupRow(it, depth + 1);
        children.push(built.row);
        members.push(...built.members);
        for (const [k, w] of built.weights) if (!weights.has(k)) weights.set(k, w);
      } else {
        children.push(nodeRow(it, root.paths.get(it)!, depth + 1));
        members.push(it);
        for (const w of allWeights(it)) if (!weights.has(w.name)) weights.set(w.name, w);
      }
    }
    const inside = `${g.path}/`;
    const inputs = new Map<string, ValueShape>();
    const outputs = new Map<string, ValueShape>();
    const ops = new Map<string, number>();
    for (const n of members) {
      ops.set(n.opType, (ops.get(n.opType) ?? 0) + 1);
      for (const v of n.inputs) {
        if (weights.has(v.name) || inputs.has(v.name)) continue;
        if (!producer.get(v.name)?.startsWith(inside)) inputs.set(v.name, v);
      }
      for (const o of n.outputs) {
        const users = consumers.get(o.name);
        if (!users || users.some((u) => !u.startsWith(inside))) outputs.set(o.name, o);
      }
    }
    const params = [...weights.values()].filter((w) => w.role === 'param');
    const row: LayerRow = {
      path: g.path,
      name: g.name,
      depth,
      kind: 'module',
      op: [...ops].map(([op, c]) => (c > 1 ? `${op}×${c}` : op)).join(' '),
      inputShapes: [...inputs.values()],
      outputShapes: [...outputs.values()],
      params: params.reduce((s, w) => s + w.elements, 0),
      sharedParams: params.filter((w) => shared.has(w.name)).reduce((s, w) => s + w.elements, 0),
      macs: sum(children.map((c) => c.macs)),
      flops: sum(children.map((c) => c.flops)),
      activationBytes: sum(children.map((c) => c.activationBytes)),
      weightBytes: [...weights.values()].reduce((s, w) => s + w.bytes, 0),
      memoryBytes: sum(children.map((c) => c.memoryBytes)),
      unknownNodes: children.reduce((s, c) => s + c.unknownNodes, 0),
      notes: [],
      children,
    };
    return { row, members, weights };
  };

  return root.group.items.map((it) => (isGroup(it) ? groupRow(it, 0).row : nodeRow(it, root.paths.get(it)!, 0)));
}

interface Group {
  name: string;
  path: string;
  groups: Map<string, Group>;
  items: (Group | NodeResult)[];
}

function isGroup(it: Group | NodeResult): it is Group {
  return 'groups' in it;
}

function groupByScope(nodes: NodeResult[]): { group: Group; paths: Map<NodeResult, string> } {
  const group: Group = { name: '', path: '', groups: new Map(), items: [] };
  const paths = new Map<NodeResult, string>();
  nodes.forEach((n, i) => {
    const parts = (n.name || `${n.opType}_${i}`).split('/').filter((p) => p !== '');
    if (parts.length === 0) parts.push(`${n.opType}_${i}`);
    paths.set(n, parts.join('/'));
    let g = group;
    for (let k = 0; k < parts.length - 1; k++) {
      let next = g.groups.get(parts[k]);
      if (!next) {
        next = { name: parts[k], path: g.path ? `${g.path}/${parts[k]}` : parts[k], groups: new Map(), items: [] };
        g.groups.set(parts[k], next);
        g.items.push(next);
      }
      g = next;
    }
    g.items.push(n);
  });
  return { group, paths };
}

/** Weights a node reads, its body's included. */
function allWeights(n: NodeResult): WeightUse[] {
  return n.children?.length ? [...n.weights, ...n.children.flatMap(allWeights)] : n.weights;
}

/**
 * A node's cost: its own when known (a Loop's already holds its body × trips), else what its
 * body's leaves add up to, so an uncostable parent still shows the part that is known.
 */
export function ownOrBodyCost(n: NodeResult, key: 'macs' | 'flops'): Expr {
  if (n[key]) return n[key]!;
  return sum((n.children ?? []).map((c) => ownOrBodyCost(c, key)));
}

export function outputBytes(n: NodeResult): Expr {
  return sum(n.outputs.map(valueBytes));
}

/** Bytes read (inputs and weights) plus bytes written (`written`, the node's output bytes). */
export function memoryBytes(n: NodeResult, written = outputBytes(n)): Expr {
  const activations = n.weights.length ? n.inputs.filter((i) => !n.weights.some((w) => w.name === i.name)) : n.inputs;
  return sum(activations.map(valueBytes)).add(n.weights.reduce((s, w) => s + w.bytes, 0)).add(written);
}
