/**
 * The layer table: a tree grid that builds only the rows in view (fixed row height, a body sized
 * for every row, rows placed by offset), so a 10,000-layer model scrolls as smoothly as ResNet.
 */
import type { LayerDoc } from '../src/report/report-doc';
import { formatBytes, formatCount, formatDocQuantity, formatExact } from '../src/report/units';
import { h } from './dom';
import { exactText, percentText, shapeText } from './format';
import { TEXT_COLUMNS, type ColumnKey, type Tree, type ViewOptions, type VisibleRow } from './layer-tree';

const ROW_HEIGHT = 22;
/** Rows built beyond each edge of the view, so a scroll step rarely shows an empty band. */
const OVERSCAN = 8;
const INDENT_PX = 14;

interface Cell {
  text: string;
  title?: string;
}

const COLUMNS: { key: ColumnKey; label: string; cell?: (l: LayerDoc) => Cell }[] = [
  { key: 'name', label: 'Layer' },
  { key: 'op', label: 'Op', cell: (l) => ({ text: l.op, title: l.op }) },
  {
    key: 'shape', label: 'Output shape',
    cell: (l) => {
      const text = l.outputShapes.map((s) => shapeText(s.shape)).join(', ');
      return { text, title: text };
    },
  },
  { key: 'params', label: 'Params', cell: (l) => ({ text: formatCount(l.params), title: formatExact(l.params) + (l.sharedParams ? ` (${formatExact(l.sharedParams)} shared)` : '') }) },
  { key: 'macs', label: 'MACs', cell: (l) => ({ text: formatDocQuantity(l.macs, l.macsPoly), title: exactText(l.macs) + (l.formula ? `\n${l.formula}` : '') }) },
  { key: 'flops', label: 'FLOPs', cell: (l) => ({ text: formatDocQuantity(l.flops, l.flopsPoly), title: exactText(l.flops) }) },
  { key: 'macsPercent', label: '% MACs', cell: (l) => ({ text: percentText(l.macsPercent) }) },
  {
    key: 'activations', label: 'Activations',
    cell: (l) => ({ text: formatDocQuantity(l.activationBytes, l.activationBytesPoly, formatBytes), title: `${exactText(l.activationBytes)} bytes written` }),
  },
];

export interface TableEvents {
  onToggle(path: string): void;
  onSort(column: ColumnKey): void;
}

export class LayerTable {
  /** The scrolling tree grid (header row included, sticky). */
  readonly element: HTMLElement;
  private readonly head: HTMLElement;
  private readonly body: HTMLElement;
  private readonly sortCells = new Map<ColumnKey, HTMLElement>();
  private tree?: Tree;
  private rows: VisibleRow[] = [];
  /** Built rows by position in `rows`; valid until `show` gets new rows. */
  private built = new Map<number, HTMLElement>();
  private frame = 0;

  constructor(private readonly events: TableEvents) {
    this.head = h('div', { class: 'grid-head row', attrs: { role: 'row', 'aria-rowindex': '1' } }, ...COLUMNS.map((c) => {
      const cell = h('div', { class: TEXT_COLUMNS.has(c.key) ? 'cell' : 'cell num', attrs: { role: 'columnheader', 'aria-sort': 'none', 'data-column': c.key } },
        h('button', { class: 'sort', title: `Sort by ${c.label}` }, c.label, h('span', { class: 'sort-mark', attrs: { 'aria-hidden': 'true' } })));
      cell.addEventListener('click', () => this.events.onSort(c.key));
      this.sortCells.set(c.key, cell);
      return cell;
    }));
    this.body = h('div', { class: 'grid-body', attrs: { role: 'rowgroup' } });
    this.body.style.setProperty('--row-height', `${ROW_HEIGHT}px`);
    this.head.style.setProperty('--row-height', `${ROW_HEIGHT}px`);
    this.element = h('div', { class: 'grid', attrs: { role: 'treegrid', 'aria-label': 'Layers', 'aria-readonly': 'true' } }, this.head, this.body);
    this.element.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(this.element);
    this.body.addEventListener('click', (e) => {
      const twisty = (e.target as Element).closest('.twisty');
      const row = twisty?.closest<HTMLElement>('.row');
      if (!row || !this.tree) return;
      this.events.onToggle(this.tree.layers[Number(row.dataset.index)].path);
    });
  }

  show(tree: Tree, rows: VisibleRow[], sort: ViewOptions['sort']): void {
    this.tree = tree;
    this.rows = rows;
    for (const [key, cell] of this.sortCells) {
      const on = sort?.column === key;
      cell.setAttribute('aria-sort', on ? (sort.descending ? 'descending' : 'ascending') : 'none');
      cell.querySelector('.sort-mark')!.textContent = on ? (sort.descending ? ' ▼' : ' ▲') : '';
    }
    this.element.setAttribute('aria-rowcount', String(rows.length + 1));
    this.body.style.height = `${rows.length * ROW_HEIGHT}px`;
    this.built = new Map();
    this.body.replaceChildren();
    this.render();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Builds the rows in view and drops the rest, keeping rows that stay (and their focus). */
  private render(): void {
    const top = Math.max(0, this.element.scrollTop - this.body.offsetTop);
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((top + this.element.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    for (const [pos, el] of this.built) {
      if (pos < first || pos >= last) {
        el.remove();
        this.built.delete(pos);
      }
    }
    let prev: Element | null = null;
    for (let pos = first; pos < last; pos++) {
      let el = this.built.get(pos);
      if (!el) {
        el = this.buildRow(pos);
        this.built.set(pos, el);
      }
      if (el.parentNode !== this.body || el.previousElementSibling !== prev) this.body.insertBefore(el, prev ? prev.nextSibling : this.body.firstChild);
      prev = el;
    }
  }

  private buildRow(pos: number): HTMLElement {
    const { index, expandable, expanded } = this.rows[pos];
    const l = this.tree!.layers[index];
    const unknown = l.unknown !== undefined || l.unknownNodes > 0;
    const attrs: Record<string, string> = { role: 'row', 'aria-level': String(l.depth + 1), 'aria-rowindex': String(pos + 2), 'data-index': String(index) };
    if (expandable) attrs['aria-expanded'] = String(expanded);
    const row = h('div', { class: `row ${l.kind}${unknown ? ' unknown' : ''}`, attrs });
    row.style.transform = `translateY(${pos * ROW_HEIGHT}px)`;

    const name = h('div', { class: 'cell name', attrs: { role: 'gridcell' } });
    name.style.paddingLeft = `${l.depth * INDENT_PX}px`;
    name.append(expandable
      ? h('button', { class: 'twisty', attrs: { 'aria-label': expanded ? 'Collapse' : 'Expand' } }, expanded ? '▾' : '▸')
      : h('span', { class: 'twisty-space' }));
    name.append(h('span', { class: 'name-label', title: l.path }, l.name));
    if (unknown) {
      const why = l.unknown !== undefined ? `Not counted: ${l.unknown}` : `${l.unknownNodes} node${l.unknownNodes === 1 ? '' : 's'} inside could not be counted`;
      name.append(h('span', { class: 'unknown-mark', title: why }, '?'));
    }
    row.append(name);
    for (const c of COLUMNS) {
      if (!c.cell) continue;
      const { text, title } = c.cell(l);
      row.append(h('div', { class: TEXT_COLUMNS.has(c.key) ? 'cell' : 'cell num', title, attrs: { role: 'gridcell' } }, text));
    }
    return row;
  }
}
