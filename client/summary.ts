/**
 * One-line texts for a profile result: the clipboard summary, the status bar and its tooltip.
 * No vscode import, so it is unit-tested on its own. Names from the model are made visible
 * (src/report/visible-text.ts): the status bar and the clipboard get no control or bidi characters.
 */
import type { BudgetMetric, BudgetState, ProfileResult } from '../common/protocol';
import { METRICS, violationBrief } from '../src/budget';
import type { Poly, Quantity, ReportDoc } from '../src/report/report-doc';
import { formatBytes, formatCount, formatDocQuantity } from '../src/report/units';
import { visible } from '../src/report/visible-text';

const count = (q: Quantity, poly?: Poly) => formatDocQuantity(q, poly, formatCount);
const bytes = (q: Quantity, poly?: Poly) => formatDocQuantity(q, poly, formatBytes);

function inputsText(report: ReportDoc): string {
  return report.inputs.map((i) => `${i.name} ${i.shape ? i.shape.join('×') : '?'}`).join(', ');
}

/**
 * `resnet18.onnx: 11.68 M params · 1.814 G MACs · 3.636 G FLOPs · 44.57 MiB weights · peak
 * activations 6.125 MiB (input 1×3×224×224) · over budget: MACs 1.814 G > 1 G`
 */
export function summaryLine(fileName: string, result: ProfileResult): string {
  return visible(summaryText(fileName, result));
}

function summaryText(fileName: string, result: ProfileResult): string {
  const r = result.report;
  if (!r) return result.error ?? `${fileName}: no profile`; // the error names the file already
  const t = r.totals;
  const parts = [
    `${formatCount(t.params)} params`,
    `${atLeast(r)}${count(t.macs, t.macsPoly)} MACs`,
    `${atLeast(r)}${count(t.flops, t.flopsPoly)} FLOPs`,
    `${formatBytes(t.weightBytes)} weights`,
    `peak activations ${bytes(t.peakActivationBytes, t.peakActivationBytesPoly)}`,
  ];
  const over = result.budget.violations.map(violationBrief);
  const inputs = inputsText(r);
  return `${fileName}: ${parts.join(' · ')}${inputs ? ` (${inputs})` : ''}${over.length ? ` · over budget: ${over.join(', ')}` : ''}`;
}

/** `≥ ` when some nodes could not be costed: their MACs and FLOPs are missing from the sums. */
function atLeast(r: ReportDoc): string {
  return r.unknownOps.length ? '≥ ' : '';
}

/** Status bar text: `$(pulse) 1.814 G MACs · 11.68 M params`, `$(warning)` appended when over budget. */
export function statusText(result: ProfileResult): string {
  const r = result.report;
  if (!r) return '$(error) FlopLens';
  const macs = r.totals.macs;
  // A formula does not fit in the status bar: name the symbols to bind instead.
  const symbols = r.symbols.map(visible);
  const shown = symbols.length > 3 ? `${symbols.slice(0, 3).join(', ')}, …` : symbols.join(', ');
  const macsText = typeof macs === 'number' ? `${atLeast(r)}${formatCount(macs)} MACs` : `MACs depend on ${shown}`;
  const warning = result.budget.violations.length > 0 ? ' $(warning)' : '';
  return `$(pulse) ${macsText} · ${formatCount(r.totals.params)} params${warning}`;
}

/** Plain-text lines for the tooltip: totals, inputs, then the budget state. */
export function statusTooltipLines(fileName: string, result: ProfileResult): string[] {
  return tooltipLines(fileName, result).map(visible);
}

function tooltipLines(fileName: string, result: ProfileResult): string[] {
  const r = result.report;
  if (!r) return [result.error ?? `${fileName}: no profile`];
  const t = r.totals;
  return [
    fileName,
    `${formatCount(t.params)} params · ${atLeast(r)}${count(t.macs, t.macsPoly)} MACs · ${atLeast(r)}${count(t.flops, t.flopsPoly)} FLOPs · ` +
      `peak activations ${bytes(t.peakActivationBytes, t.peakActivationBytesPoly)}`,
    `inputs: ${inputsText(r) || 'none'}`,
    ...budgetLines(result.budget),
  ];
}

export function budgetLines(budget: BudgetState): string[] {
  const limits = Object.entries(budget.limits ?? {}) as [BudgetMetric, number][];
  if (limits.length === 0) return ['No budget applies (settings floplens.budgets, floplens.defaultBudget).'];
  const from = budget.source === undefined || budget.source === 'default' ? 'floplens.defaultBudget' : `floplens.budgets "${budget.source}"`;
  const lines = [`Budget from ${from}:`];
  for (const [metric, limit] of limits) {
    const v = budget.violations.find((x) => x.metric === metric);
    const { label, unit } = METRICS[metric];
    if (!v) lines.push(`✓ ${label} within ${unit(limit)}`);
    else if (typeof v.value === 'number') {
      const over = limit > 0 ? ` (+${((v.value / limit - 1) * 100).toFixed(1)}%)` : '';
      lines.push(`⚠ ${label} ${unit(v.value)} over the ${unit(limit)} budget${over}`);
    } else lines.push(`⚠ ${label} depend on unbound dims: bind them to check the ${unit(limit)} budget`);
  }
  return lines;
}
