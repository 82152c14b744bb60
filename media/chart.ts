/** Where the MACs and parameters go: bars for the largest layers and per op type (plain elements, no chart library). */
import type { ReportDoc } from '../src/report/report-doc';
import { formatCount, formatExact } from '../src/report/units';
import { fill, h } from './dom';
import { percentText } from './format';
import { opTypeTotals, topLayers, type Bar, type ChartMetric, type Tree } from './layer-tree';
import { button, setChosen } from './toolkit';

export class Chart {
  readonly element: HTMLElement;
  private metric: ChartMetric = 'macs';
  private readonly toggles: Record<ChartMetric, HTMLElement>;
  private readonly body = h('div', { class: 'chart-body' });
  private shown?: { report: ReportDoc; tree: Tree; depth: number };

  constructor() {
    this.toggles = {
      macs: button('MACs', () => this.setMetric('macs')),
      params: button('Params', () => this.setMetric('params')),
    };
    this.element = h('section', { class: 'chart', attrs: { 'aria-label': 'Where the cost goes' } },
      h('div', { class: 'section-head' }, h('h2', {}, 'Where it goes'), h('div', { class: 'toggle', attrs: { role: 'group' } }, this.toggles.macs, this.toggles.params)),
      this.body);
    this.setMetric('macs');
  }

  update(report: ReportDoc, tree: Tree, depth: number): void {
    this.shown = { report, tree, depth };
    this.render();
  }

  private setMetric(metric: ChartMetric): void {
    this.metric = metric;
    for (const [m, b] of Object.entries(this.toggles)) setChosen(b, m === metric);
    this.render();
  }

  private render(): void {
    if (!this.shown) return;
    const { report, tree, depth } = this.shown;
    const total = this.metric === 'macs' ? report.totals.macs : report.totals.params;
    const name = this.metric === 'macs' ? 'MACs' : 'params';
    const top = topLayers(tree, depth, this.metric);
    const ops = opTypeTotals(tree, this.metric);
    const symbolic = `${name} depend on unbound symbols (${report.symbols.join(', ')}): bind them under What if to chart them.`;
    fill(this.body,
      h('div', { class: 'chart-col', attrs: { 'data-role': 'top-layers' } },
        h('h3', {}, top?.length ? `Top ${top.length} layers by ${name} at depth ${depth}` : `Top layers by ${name}`),
        top ? bars(top, typeof total === 'number' ? total : undefined) : h('p', { class: 'muted' }, symbolic)),
      h('div', { class: 'chart-col', attrs: { 'data-role': 'op-types' } },
        h('h3', {}, `${this.metric === 'macs' ? 'MACs' : 'Params'} by op type`),
        ops ? bars(ops, typeof total === 'number' ? total : undefined) : h('p', { class: 'muted' }, symbolic)));
  }
}

function bars(items: Bar[], total: number | undefined): HTMLElement {
  if (!items.length) return h('p', { class: 'muted' }, 'Nothing to show: every figure is 0.');
  const max = items.reduce((m, b) => Math.max(m, b.value), -Infinity);
  return h('div', { class: 'bars' }, ...items.map((b) => {
    const fillEl = h('div', { class: 'bar-fill' });
    // CSSOM assignment: allowed under the CSP, unlike a style attribute.
    fillEl.style.width = `${(100 * b.value) / max}%`;
    const share = total ? ` · ${percentText((100 * b.value) / total)}` : '';
    return h('div', { class: 'bar-row', title: b.title },
      h('span', { class: 'bar-label' }, b.label),
      h('div', { class: 'bar-track' }, fillEl),
      h('span', { class: 'bar-value', title: formatExact(b.value) }, formatCount(b.value) + share));
  }));
}
