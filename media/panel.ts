/**
 * The profile panel's script (bundled to dist/media/panel.js). It receives profiles from the
 * extension (media/protocol.ts), renders them, and keeps the view (sort, filter, depth, collapsed
 * modules, what-if bindings) in the webview state so a reload comes back the same.
 */
import type { Bindings, ProfileResult } from '../common/protocol';
import type { ReportDoc } from '../src/report/report-doc';
import { fill, h } from './dom';
import { comparisonText } from './format';
import { buildTree, isColumnKey, TEXT_COLUMNS, visibleRows, type ColumnKey, type Tree, type ViewOptions } from './layer-tree';
import type { FromPanel, PanelState, ToPanel } from './protocol';
import { cards, headerContent, notices } from './summary';
import { LayerTable } from './table';
import { Chart } from './chart';
import { button, dropdown, progressRing, textField } from './toolkit';
import { WhatIf } from './whatif';

interface VsCodeApi {
  postMessage(message: FromPanel): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const saved = vscode.getState();

let uri = saved?.uri ?? '';
let bindings: Bindings | undefined = saved?.bindings;
const view: ViewOptions & { collapsed: Set<string>; depthChosen?: number } = {
  sort: saved?.sort && isColumnKey(saved.sort.column) ? { column: saved.sort.column, descending: saved.sort.descending } : undefined,
  filter: saved?.filter ?? '',
  // Replaced by the tree's level count (or the saved choice) once a report arrives.
  depth: Infinity,
  depthChosen: saved?.depth,
  collapsed: new Set(saved?.collapsed ?? []),
};

function post(message: FromPanel): void {
  vscode.postMessage(message);
}

function saveState(): void {
  vscode.setState({
    uri,
    ...(bindings ? { bindings } : {}),
    ...(view.sort ? { sort: view.sort } : {}),
    ...(view.filter ? { filter: view.filter } : {}),
    ...(view.depthChosen !== undefined ? { depth: view.depthChosen } : {}),
    ...(view.collapsed.size ? { collapsed: [...view.collapsed] } : {}),
  });
}

// ---- Page skeleton: built once, sections filled per profile.

const ring = progressRing('Profiling');
const headerInfo = h('div', { class: 'header-info' }, h('h1', {}, 'FlopLens'));
const header = h('header', { class: 'header' },
  headerInfo,
  h('div', { class: 'header-actions' },
    ring,
    button('CSV', () => post({ type: 'export', format: 'csv' }), { title: 'Export the layer table as CSV' }),
    button('JSON', () => post({ type: 'export', format: 'json' }), { title: 'Export the full report as JSON' }),
    button('Markdown', () => post({ type: 'export', format: 'md' }), { title: 'Export the layer table as Markdown' }),
    button('Copy summary', () => post({ type: 'copySummary' }), { title: 'Copy the totals to the clipboard' })));
const noticesEl = h('div', { class: 'notices' });
const cardsEl = h('section', { class: 'cards', attrs: { 'aria-label': 'Totals' } });
const whatIf = new WhatIf((b) => {
  bindings = b;
  saveState();
  setBusy(true);
  post({ type: 'whatIf', bindings: b });
});
const chart = new Chart();

const filterField = textField({
  label: 'Filter', name: 'filter', value: view.filter, placeholder: 'name, path or op', size: 24,
  onInput: (v) => {
    view.filter = v;
    saveState();
    refresh(false);
  },
});
const depthControl = dropdown({
  label: 'Depth',
  onChange: (v) => {
    view.depthChosen = Number(v);
    saveState();
    refresh(true);
  },
});
const rowCount = h('span', { class: 'muted', attrs: { 'data-role': 'row-count', 'aria-live': 'polite' } });
const table = new LayerTable({
  onToggle(path) {
    if (!view.collapsed.delete(path)) view.collapsed.add(path);
    saveState();
    refresh(false);
  },
  onSort(column: ColumnKey) {
    // Figures start largest first, text A→Z; a third click goes back to the model's order.
    const first = !TEXT_COLUMNS.has(column);
    const s = view.sort;
    view.sort = s?.column !== column ? { column, descending: first } : s.descending === first ? { column, descending: !first } : undefined;
    saveState();
    refresh(false);
  },
});
const layersEl = h('section', { class: 'layers', attrs: { 'aria-label': 'Layers' } },
  h('div', { class: 'toolbar' },
    h('h2', {}, 'Layers'),
    filterField.element,
    h('label', { class: 'depth' }, h('span', { class: 'muted' }, 'Depth'), depthControl.element),
    button('Expand all', () => {
      view.collapsed.clear();
      saveState();
      refresh(false);
    }),
    button('Collapse all', () => {
      if (!shown) return;
      const { tree } = shown;
      view.collapsed = new Set(tree.layers.filter((_, i) => tree.children[i].length).map((l) => l.path));
      saveState();
      refresh(false);
    }),
    rowCount),
  table.element);
const content = h('div', { class: 'content' }, cardsEl, whatIf.element, chart.element, layersEl);
content.hidden = true;
const main = h('main', { attrs: { 'aria-busy': 'true' } }, header, noticesEl, content);
document.querySelector('.loading')?.remove();
document.body.prepend(main);

// ---- Rendering.

/** The profile on screen: the last one with a report (an error keeps it, marked stale). */
let shown: { result: ProfileResult; report: ReportDoc; tree: Tree } | undefined;

function setBusy(busy: boolean): void {
  main.setAttribute('aria-busy', String(busy));
  main.classList.toggle('busy', busy);
  ring.hidden = !busy;
}

function sameBindings(a: Bindings, b: Bindings): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function showProfile(result: ProfileResult): void {
  setBusy(false);
  if (result.uri !== uri) {
    // Collapsed paths belong to the model; sort, filter and depth are the user's way of looking.
    view.collapsed.clear();
    uri = result.uri;
  }
  const previous = shown?.result.uri === result.uri ? shown : undefined;
  fill(noticesEl, ...notices(result, result.report));
  const report = result.report;
  if (!report) {
    fill(headerInfo, ...headerContent(result, previous?.report));
    content.hidden = !previous;
    content.classList.add('stale');
    if (previous) noticesEl.append(h('p', { class: 'muted' }, 'Showing the last profile that succeeded.'));
    saveState();
    return;
  }
  bindings = result.bindings;
  const comparison = previous && !sameBindings(previous.result.bindings, result.bindings) ? comparisonText(previous.report, report) : undefined;
  shown = { result, report, tree: buildTree(report.layers) };
  fill(headerInfo, ...headerContent(result, report));
  fill(cardsEl, ...cards(report, result.budget));
  whatIf.update(result, report, comparison);
  content.classList.remove('stale');
  content.hidden = false;
  const levels = Math.max(1, shown.tree.levels);
  const depth = Math.min(view.depthChosen ?? levels, levels);
  depthControl.setOptions(Array.from({ length: levels }, (_, i) => ({ value: String(i + 1), label: String(i + 1) })), String(depth));
  saveState();
  refresh(true);
}

/** Recomputes the rows to show; the chart only follows depth and data, not filter or sort. */
function refresh(chartToo: boolean): void {
  if (!shown) return;
  const { tree, report } = shown;
  view.depth = Math.min(view.depthChosen ?? tree.levels, tree.levels);
  const rows = visibleRows(tree, view);
  table.show(tree, rows, view.sort);
  rowCount.textContent = `${rows.length.toLocaleString('en-US')} of ${tree.layers.length.toLocaleString('en-US')} rows`;
  if (chartToo) chart.update(report, tree, view.depth);
}

window.addEventListener('message', (event: MessageEvent<ToPanel>) => {
  const msg = event.data;
  if (!msg || typeof msg !== 'object') return;
  if (msg.type === 'profile') showProfile(msg.result);
  else if (msg.type === 'busy') setBusy(true);
});

setBusy(true);
post({ type: 'ready' });
