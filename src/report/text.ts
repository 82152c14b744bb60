import type { Report } from '../profile/report';
import { COLUMNS } from './columns';
import { formatShape, formatDtype, printable, visibleRows } from './rows';
import { formatBytes, formatCount, formatExact, formatQuantity } from './units';
import type { Expr } from '../symbolic/expr';

/** The terminal report: an aligned layer table, then totals, then what could not be counted. */
export function toText(report: Report, depth = Infinity): string {
  const rows = visibleRows(report, depth);
  const cells = rows.map((r) => COLUMNS.map((c) => c.human(r, report)));
  const used = COLUMNS.map((_, i) => i).filter((i) => COLUMNS[i].header !== 'Notes' || cells.some((c) => c[i] !== ''));
  const widths = used.map((i) => Math.max(COLUMNS[i].header.length, ...cells.map((c) => c[i].length)));
  const line = (values: string[]): string =>
    used.map((i, k) => (COLUMNS[i].align === 'right' ? values[i].padStart(widths[k]) : values[i].padEnd(widths[k]))).join('  ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  const out: string[] = [];
  out.push(`${printable(report.file)} — ${report.format}${report.producer ? ` from ${printable(report.producer)}` : ''}, opset ${Object.entries(report.opsets).map(([d, v]) => (d === 'ai.onnx' ? `${v}` : `${d} ${v}`)).join(', ')}`);
  out.push(`inputs: ${report.inputs.map((i) => `${printable(i.name)} ${formatDtype(i.dtype)}[${formatShape(i)}]`).join(', ')}`);
  if (Object.keys(report.bindings).length) out.push(`bindings: ${Object.entries(report.bindings).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  out.push('', line(COLUMNS.map((c) => c.header)), rule, ...cells.map(line), rule, '');
  out.push(...totalsLines(report));
  return out.join('\n') + '\n';
}

function exactSuffix(e: Expr): string {
  const c = e.constant;
  return c !== undefined && c >= 1000 ? ` (${formatExact(c)})` : '';
}

export function totalsLines(report: Report): string[] {
  const t = report.totals;
  const out: string[] = [];
  const params = `Params:       ${formatCount(t.params)} (${formatExact(t.params)})`;
  const extras: string[] = [];
  if (t.storedParams !== t.params) extras.push(`${formatExact(t.storedParams)} stored in the file`);
  if (t.sharedParams) extras.push(`${formatExact(t.sharedParams)} shared by several layers, counted once`);
  if (t.buffers) extras.push(`plus ${formatExact(t.buffers)} buffer elements (running statistics), not parameters`);
  if (t.constants) extras.push(`plus ${formatExact(t.constants)} elements of exporter-made constants, not parameters`);
  out.push(extras.length ? `${params}; ${extras.join('; ')}` : params);
  out.push(`MACs:         ${formatQuantity(t.macs)}${exactSuffix(t.macs)}`);
  out.push(`FLOPs:        ${formatQuantity(t.flops)}${exactSuffix(t.flops)}`);
  out.push(`Weights:      ${formatBytes(t.weightBytes)}`);
  out.push(`Activations:  ${formatQuantity(t.activationBytes, formatBytes)} in total, peak ${formatQuantity(t.peakActivationBytes, formatBytes)} alive at once`);
  out.push(`Memory R+W:   ${formatQuantity(t.memoryBytes, formatBytes)}`);
  if (report.comparison) out.push(...comparisonLines(report));
  if (report.symbols.length) {
    out.push(`Symbols:      ${report.symbols.map(printable).join(', ')} (bind with --dim name=value)`);
  }
  if (report.unknownOps.length) {
    out.push('', `Not counted (${report.unknownOps.reduce((s, u) => s + u.count, 0)} nodes) — their cost is NOT in the totals above:`);
    for (const u of report.unknownOps) out.push(`  ${printable(u.op)} ×${u.count}: ${printable(u.reasons.join('; '))}`);
  }
  if (report.shared.length) {
    out.push('', 'Shared weights (counted once):');
    for (const s of report.shared) out.push(`  ${printable(s.name)} (${formatExact(s.elements)}) used by ${s.users.map(printable).join(', ')}`);
  }
  if (report.unusedWeights.length) {
    const n = report.unusedWeights.reduce((s, w) => s + w.elements, 0);
    out.push('', `Unused weights: ${report.unusedWeights.length} tensor${report.unusedWeights.length > 1 ? 's' : ''}, ${formatExact(n)} elements stored but never read`);
  }
  for (const w of report.warnings) out.push(`warning: ${printable(w)}`);
  return out;
}

/** Seed 003's lesson made visible: batch and resolution scale MACs, never parameters. */
function comparisonLines(report: Report): string[] {
  const c = report.comparison!;
  const ratio = (now: Expr, before: Expr): string => {
    const a = now.constant;
    const b = before.constant;
    return a !== undefined && b !== undefined && b !== 0 ? `×${(a / b).toFixed(2)}` : `${formatQuantity(before)} → ${formatQuantity(now)}`;
  };
  const t = report.totals;
  const inputs = c.baselineInputs.map((i) => `${printable(i.name)} ${formatShape(i)}`).join(', ');
  return [
    `vs. the file's own inputs (${inputs}): MACs ${ratio(t.macs, c.macs)}, FLOPs ${ratio(t.flops, c.flops)}, peak activations ${ratio(t.peakActivationBytes, c.peakActivationBytes)}, ` +
      (c.params === t.params ? `params unchanged (${formatCount(t.params)}): batch and resolution change compute and memory, not parameters` : `params ${formatCount(c.params)} → ${formatCount(t.params)}`),
  ];
}
