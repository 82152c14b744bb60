/** The top of the panel: what was profiled, what went wrong or over budget, and the totals. */
import type { BudgetMetric, BudgetState, ProfileResult } from '../common/protocol';
import { METRICS, violationBrief } from '../src/budget';
import { nodeCount, nodesNotCounted } from '../src/report/not-counted';
import type { Poly, Quantity, ReportDoc } from '../src/report/report-doc';
import { formatBytes, formatCount, formatDocQuantity, formatExact } from '../src/report/units';
import { h } from './dom';
import { baseName, bindingsText, exactText, shapeText } from './format';

/** File, producer and opset, inputs and the bindings the figures are for. */
export function headerContent(result: ProfileResult, report: ReportDoc | undefined): Node[] {
  const file = report?.file ?? pathOf(result.uri);
  const title = h('h1', { title: file }, baseName(file));
  if (!report) return [title];
  const opsets = Object.entries(report.opsets).map(([d, v]) => (d === 'ai.onnx' || d === '' ? `opset ${v}` : `${d} ${v}`));
  const meta = [report.format.toUpperCase(), report.producer, ...opsets].filter(Boolean).join(' · ');
  const timing = result.profileMs > 0 ? `profiled in ${Math.round(result.profileMs)} ms` : 'from cache';
  const inputs = report.inputs.map((i) => h('span', { class: 'io-item', title: `${i.name}: ${i.dtype}` }, `${i.name} `, h('span', { class: 'mono' }, `${i.dtype}[${shapeText(i.shape)}]`)));
  return [
    title,
    h('p', { class: 'meta' }, `${meta} — ${timing}`),
    h('p', { class: 'io' }, h('span', { class: 'muted' }, 'Inputs: '), inputs),
    h('p', { class: 'io' }, h('span', { class: 'muted' }, 'Bindings: '), h('span', { class: 'mono', attrs: { 'data-role': 'bindings' } }, bindingsText(result.bindings))),
  ];
}

/** The path in a `file:` (or any) URI, for naming a model that failed to profile. */
function pathOf(uri: string): string {
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri;
  }
}

/** Error, budget violations, ops that could not be counted and engine warnings, most serious first. */
export function notices(result: ProfileResult, report: ReportDoc | undefined): Node[] {
  const out: Node[] = [];
  if (result.error) out.push(h('div', { class: 'notice error', attrs: { role: 'alert' } }, result.error));
  const violations = result.budget.violations;
  if (violations.length) {
    const from = result.budget.source ? ` (budget from ${result.budget.source})` : '';
    out.push(h('div', { class: 'notice error', attrs: { role: 'alert', 'data-role': 'violations' } },
      h('strong', {}, `Over budget${from}`),
      h('ul', {}, violations.map((v) => {
        const unit = METRICS[v.metric].unit;
        const brief = violationBrief(v);
        const what = brief[0]!.toUpperCase() + brief.slice(1);
        const top = v.top.length ? ` — largest: ${v.top.map((t) => `${t.path} (${unit(t.value)})`).join(', ')}` : '';
        return h('li', { title: typeof v.value === 'number' ? `${formatExact(v.value)} > ${formatExact(v.budget)}` : v.value }, what + top);
      }))));
  }
  if (report?.unknownOps.length) {
    out.push(h('div', { class: 'notice warning', attrs: { role: 'status', 'data-role': 'unknown-ops' } },
      h('strong', {}, `Not counted: ${nodeCount(nodesNotCounted(report))} — their cost is NOT in the totals below`),
      h('ul', {}, report.unknownOps.map((u) => h('li', {}, h('span', { class: 'mono' }, u.op), ` ×${u.count}: ${u.reasons.join('; ')}`)))));
  }
  if (report?.warnings.length) {
    out.push(h('div', { class: 'notice info' }, h('ul', {}, report.warnings.map((w) => h('li', {}, w)))));
  }
  return out;
}

interface CardSpec {
  metric?: BudgetMetric;
  label: string;
  value: Quantity;
  poly?: Poly;
  unit: (n: number) => string;
  /** Hover text for numbers; formulas show themselves. */
  exactSuffix?: string;
  /** A lower bound: some nodes' cost is missing from it. */
  atLeast?: boolean;
  details: string[];
}

/** Params, MACs, FLOPs, peak activations and weights, each with its budget bar when one applies. */
export function cards(report: ReportDoc, budget: BudgetState): Node[] {
  const t = report.totals;
  const paramDetails = [`${formatCount(t.storedParams)} stored in the file`];
  if (t.sharedParams) paramDetails.push(`${formatCount(t.sharedParams)} shared by several layers, counted once`);
  if (t.buffers) paramDetails.push(`+ ${formatCount(t.buffers)} buffer elements (not parameters)`);
  if (t.constants) paramDetails.push(`+ ${formatCount(t.constants)} exporter constants (not parameters)`);
  // Nodes not counted make MACs and FLOPs lower bounds, said on the cards themselves.
  const notCounted = nodesNotCounted(report);
  const atLeast = notCounted > 0;
  const gap = atLeast ? [`at least: ${nodeCount(notCounted)} not counted`] : [];
  const specs: CardSpec[] = [
    { metric: 'params', label: 'Params', value: t.params, unit: formatCount, details: paramDetails },
    { metric: 'macs', label: 'MACs', value: t.macs, poly: t.macsPoly, unit: formatCount, atLeast, details: gap },
    { metric: 'flops', label: 'FLOPs', value: t.flops, poly: t.flopsPoly, unit: formatCount, atLeast, details: gap },
    {
      metric: 'activations', label: 'Peak activations', value: t.peakActivationBytes, poly: t.peakActivationBytesPoly, unit: formatBytes,
      exactSuffix: ' bytes', details: [`${formatDocQuantity(t.activationBytes, t.activationBytesPoly, formatBytes)} written per pass`],
    },
    {
      label: 'Weights memory', value: t.weightBytes, unit: formatBytes, exactSuffix: ' bytes',
      details: [`${formatDocQuantity(t.memoryBytes, t.memoryBytesPoly, formatBytes)} read + written per pass`],
    },
  ];
  return specs.map((s) => card(s, s.metric !== undefined ? budget.limits?.[s.metric] : undefined));
}

function card(s: CardSpec, limit: number | undefined): HTMLElement {
  const symbolic = typeof s.value !== 'number';
  const el = h('div', { class: 'card', attrs: { 'data-metric': s.metric ?? 'weights' } },
    h('div', { class: 'card-label' }, s.label),
    h('div', { class: symbolic ? 'card-value symbolic' : 'card-value', title: exactText(s.value) + (symbolic ? '' : s.exactSuffix ?? '') },
      `${s.atLeast ? '≥ ' : ''}${formatDocQuantity(s.value, s.poly, s.unit)}`),
    s.details.map((d) => h('div', { class: 'card-detail' }, d)),
  );
  if (limit === undefined) return el;
  if (typeof s.value !== 'number') {
    el.append(h('div', { class: 'budget-note' }, `Budget ${s.unit(limit)}: bind symbols to check the budget`));
    return el;
  }
  const over = s.value > limit;
  const share = limit > 0 ? s.value / limit : over ? Infinity : 0;
  const pct = Number.isFinite(share) ? `${Math.round(share * 100)}%` : 'over';
  const fill = h('div', { class: 'budget-fill' });
  // CSSOM assignment: allowed under the CSP, unlike a style attribute.
  fill.style.width = `${Math.min(1, share) * 100}%`;
  const label = `${s.unit(s.value)} of ${s.unit(limit)} (${pct})${over ? ' — over budget' : ''}`;
  el.classList.toggle('over', over);
  el.append(h('div', { class: over ? 'budget over' : 'budget', title: `${formatExact(s.value)} of ${formatExact(limit)}` },
    h('div', { class: 'budget-track', attrs: { role: 'meter', 'aria-label': `${s.label} budget`, 'aria-valuemin': '0', 'aria-valuemax': String(limit), 'aria-valuenow': String(s.value) } }, fill),
    h('div', { class: 'budget-label' }, label)));
  return el;
}
