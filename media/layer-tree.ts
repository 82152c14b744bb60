/**
 * The layer tree behind the panel's table and chart: parents from the report's tree order, then
 * the rows to show for a sort, filter, depth and set of collapsed modules. Pure (no DOM), so it is
 * tested in Node as well as through the page.
 */
import type { LayerDoc } from '../src/report/report-doc';
import { shapeText, tail } from './format';

export const COLUMN_KEYS = ['name', 'op', 'shape', 'params', 'macs', 'flops', 'macsPercent', 'activations'] as const;
export type ColumnKey = (typeof COLUMN_KEYS)[number];

/** Text columns sort A→Z first; figures sort largest first, which is what people look for. */
export const TEXT_COLUMNS: ReadonlySet<ColumnKey> = new Set(['name', 'op', 'shape']);

export interface Tree {
  layers: LayerDoc[];
  /** Index of each row's parent, -1 for top-level rows. */
  parent: Int32Array;
  children: number[][];
  roots: number[];
  /** Levels in the tree (deepest `depth` + 1): the depth control's range. */
  levels: number;
}

/** A row's parent is the nearest earlier row with a smaller depth (the ReportDoc contract). */
export function buildTree(layers: LayerDoc[]): Tree {
  const parent = new Int32Array(layers.length);
  const children: number[][] = layers.map(() => []);
  const roots: number[] = [];
  const stack: number[] = [];
  let levels = 0;
  layers.forEach((layer, i) => {
    while (stack.length && layers[stack[stack.length - 1]].depth >= layer.depth) stack.pop();
    const p = stack.length ? stack[stack.length - 1] : -1;
    parent[i] = p;
    (p < 0 ? roots : children[p]).push(i);
    stack.push(i);
    levels = Math.max(levels, layer.depth + 1);
  });
  return { layers, parent, children, roots, levels };
}

export interface ViewOptions {
  sort?: { column: ColumnKey; descending: boolean };
  filter: string;
  /** Levels to show, 1 = top level only. */
  depth: number;
  /** Paths of collapsed modules. */
  collapsed: ReadonlySet<string>;
}

export interface VisibleRow {
  index: number;
  /** Has children that the depth and filter would show. */
  expandable: boolean;
  expanded: boolean;
}

export function isColumnKey(s: string): s is ColumnKey {
  return (COLUMN_KEYS as readonly string[]).includes(s);
}

type SortKey = number | string | null;

function sortKey(layer: LayerDoc, column: ColumnKey): SortKey {
  switch (column) {
    case 'name':
      return layer.name;
    case 'op':
      return layer.op;
    case 'shape':
      return layer.outputShapes.map((s) => shapeText(s.shape)).join(', ');
    case 'params':
      return layer.params;
    case 'macs':
      return layer.macs;
    case 'flops':
      return layer.flops;
    case 'macsPercent':
      return layer.macsPercent;
    case 'activations':
      return layer.activationBytes;
  }
}

/**
 * Orders two keys. In figure columns a formula (unbound symbols) or a missing percentage has no
 * place among numbers, so those rows go last whichever the direction.
 */
function compareKeys(a: SortKey, b: SortKey, text: boolean, descending: boolean): number {
  const dir = descending ? -1 : 1;
  if (text) return dir * String(a).localeCompare(String(b), undefined, { numeric: true });
  const an = typeof a === 'number';
  const bn = typeof b === 'number';
  if (an && bn) return dir * ((a as number) - (b as number));
  if (an !== bn) return an ? -1 : 1;
  return String(a ?? '').localeCompare(String(b ?? ''));
}

function matcher(filter: string): ((l: LayerDoc) => boolean) | undefined {
  const f = filter.trim().toLowerCase();
  if (!f) return undefined;
  return (l) => l.name.toLowerCase().includes(f) || l.path.toLowerCase().includes(f) || l.op.toLowerCase().includes(f);
}

/**
 * The rows to show, in display order. The filter keeps matches and their ancestors; the depth
 * cuts the tree; collapsed modules hide their subtree; sorting reorders siblings within each
 * parent, so the tree stays a tree.
 */
export function visibleRows(tree: Tree, opts: ViewOptions): VisibleRow[] {
  const { layers, children } = tree;
  const match = matcher(opts.filter);
  let keep: Uint8Array | undefined;
  if (match) {
    keep = new Uint8Array(layers.length);
    for (let i = 0; i < layers.length; i++) {
      if (!match(layers[i])) continue;
      for (let j = i; j >= 0 && !keep[j]; j = tree.parent[j]) keep[j] = 1;
    }
  }
  const shown = (i: number): boolean => layers[i].depth < opts.depth && (!keep || keep[i] === 1);

  let order: (ids: number[]) => number[] = (ids) => ids;
  const sort = opts.sort;
  if (sort) {
    const text = TEXT_COLUMNS.has(sort.column);
    const keys = new Map<number, SortKey>();
    const key = (i: number): SortKey => {
      if (!keys.has(i)) keys.set(i, sortKey(layers[i], sort.column));
      return keys.get(i)!;
    };
    // Array.prototype.sort is stable: ties keep the model's order.
    order = (ids) => [...ids].sort((a, b) => compareKeys(key(a), key(b), text, sort.descending));
  }

  const out: VisibleRow[] = [];
  const walk = (ids: number[]): void => {
    for (const i of order(ids)) {
      if (!shown(i)) continue;
      const expandable = children[i].some(shown);
      const expanded = expandable && !opts.collapsed.has(layers[i].path);
      out.push({ index: i, expandable, expanded });
      if (expanded) walk(children[i]);
    }
  };
  walk(tree.roots);
  return out;
}

export type ChartMetric = 'macs' | 'params';

export interface Bar {
  label: string;
  /** Hover text: the layer's path, or the op type. */
  title: string;
  value: number;
}

/** A figure for the chart; undefined while it depends on unbound symbols. */
function figure(layer: LayerDoc, metric: ChartMetric): number | undefined {
  const v = metric === 'macs' ? layer.macs : layer.params;
  return typeof v === 'number' ? v : undefined;
}

/**
 * The largest layers as the table shows them at `depth` levels: rows at the last shown level,
 * plus shallower rows without children, so no cost is counted twice.
 */
export function topLayers(tree: Tree, depth: number, metric: ChartMetric, count = 10): Bar[] | undefined {
  const bars: Bar[] = [];
  for (let i = 0; i < tree.layers.length; i++) {
    const l = tree.layers[i];
    if (l.depth >= depth || (l.depth < depth - 1 && tree.children[i].length)) continue;
    const v = figure(l, metric);
    if (v === undefined) return undefined;
    // Paths, not names: deep rows are often named after their op (`Conv`), which tells nothing apart.
    if (v > 0) bars.push({ label: tail(l.path, 28), title: l.path, value: v });
  }
  return bars.sort((a, b) => b.value - a.value).slice(0, count);
}

/**
 * Totals per op type over the graph's nodes (`kind === 'node'`), largest first; op types past
 * `count` are summed into one last bar.
 */
export function opTypeTotals(tree: Tree, metric: ChartMetric, count = 10): Bar[] | undefined {
  const sums = new Map<string, number>();
  for (const l of tree.layers) {
    if (l.kind !== 'node') continue;
    const v = figure(l, metric);
    if (v === undefined) return undefined;
    sums.set(l.op, (sums.get(l.op) ?? 0) + v);
  }
  const bars = [...sums]
    .filter(([, v]) => v > 0)
    .map(([op, v]) => ({ label: op, title: op, value: v }))
    .sort((a, b) => b.value - a.value);
  if (bars.length <= count) return bars;
  const rest = bars.slice(count - 1);
  const label = `${rest.length} other op types`;
  return [...bars.slice(0, count - 1), { label, title: rest.map((b) => b.label).join(', '), value: rest.reduce((s, b) => s + b.value, 0) }];
}
