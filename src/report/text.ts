import type { LayerRow, Report } from '../profile/report';
import { joinChunks } from './chunks';
import { COLUMNS } from './columns';
import { nodeCount, nodesNotCounted } from './not-counted';
import { formatShape, formatDtype, visibleRows } from './rows';
import { visible } from './visible-text';
import { formatBytes, formatCount, formatExact, formatQuantity } from './units';
import type { Expr } from '../symbolic/expr';

/** The terminal report: an aligned layer table, then totals, then what could not be counted. */
export function toText(report: Report, depth = Infinity): string {
  return joinChunks(textChunks(report, depth));
}

/**
 * The terminal report line by line, every line made visible. Column widths are found in a first
 * pass and the cells made again in the second, so a million-row table never holds all its cells.
 */
export function* textChunks(report: Report, depth = Infinity): Generator<string> {
  const rows = visibleRows(report, depth);
  const cell = (r: LayerRow, i: number): string => visible(COLUMNS[i].human(r, report));
  const widths = COLUMNS.map((c) => c.header.length);
  const filled = COLUMNS.map(() => false);
  for (const r of rows) {
    for (let i = 0; i < COLUMNS.length; i++) {
      const n = cell(r, i).length;
      if (n > widths[i]) widths[i] = n;
      if (n) filled[i] = true;
    }
  }
  const used = COLUMNS.map((_, i) => i).filter((i) => COLUMNS[i].header !== 'Notes' || filled[i]);
  const line = (values: (i: number) => string): string =>
    used.map((i) => (COLUMNS[i].align === 'right' ? values(i).padStart(widths[i]) : values(i).padEnd(widths[i]))).join('  ').trimEnd() + '\n';
  const rule = `${used.map((i) => '─'.repeat(widths[i])).join('  ')}\n`;
  yield `${visible(`${report.file} — ${report.format}${report.producer ? ` from ${report.producer}` : ''}, opset ${Object.entries(report.opsets).map(([d, v]) => (d === 'ai.onnx' ? `${v}` : `${d} ${v}`)).join(', ')}`)}\n`;
  yield `${visible(`inputs: ${report.inputs.map((i) => `${i.name} ${formatDtype(i.dtype)}[${formatShape(i)}]`).join(', ')}`)}\n`;
  if (Object.keys(report.bindings).length) yield `${visible(`bindings: ${Object.entries(report.bindings).map(([k, v]) => `${k}=${v}`).join(', ')}`)}\n`;
  yield '\n';
  yield line((i) => COLUMNS[i].header);
  yield rule;
  for (const r of rows) yield line((i) => cell(r, i));
  yield rule;
  yield '\n';
  for (const l of totalsLines(report)) yield `${visible(l)}\n`;
}

function exactSuffix(e: Expr): string {
  const c = e.constant;
  return c !== undefined && c >= 1000 ? ` (${formatExact(c)})` : '';
}

/** The totals and what could not be counted, with names as the file has them: each view makes them safe. */
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
  // Nodes not counted make the sums lower bounds: said on the line itself, not only further down.
  const notCounted = nodesNotCounted(report);
  const atLeast = notCounted ? '≥ ' : '';
  const gap = notCounted ? `; ${nodeCount(notCounted)} not counted, see below` : '';
  out.push(`MACs:         ${atLeast}${formatQuantity(t.macs)}${exactSuffix(t.macs)}${gap}`);
  out.push(`FLOPs:        ${atLeast}${formatQuantity(t.flops)}${exactSuffix(t.flops)}${gap}`);
  out.push(`Weights:      ${formatBytes(t.weightBytes)}`);
  out.push(`Activations:  ${formatQuantity(t.activationBytes, formatBytes)} in total, peak ${formatQuantity(t.peakActivationBytes, formatBytes)} alive at once`);
  out.push(`Memory R+W:   ${formatQuantity(t.memoryBytes, formatBytes)}`);
  if (report.comparison) out.push(comparisonLine(report));
  if (report.symbols.length) {
    out.push(`Symbols:      ${report.symbols.join(', ')} (bind with --dim name=value)`);
  }
  if (report.unknownOps.length) {
    out.push('', `Not counted (${notCounted} nodes) — their cost is NOT in the totals above:`);
    for (const u of report.unknownOps) out.push(`  ${u.op} ×${u.count}: ${u.reasons.join('; ')}`);
  }
  if (report.shared.length) {
    out.push('', 'Shared weights (counted once):');
    for (const s of report.shared) out.push(`  ${s.name} (${formatExact(s.elements)}) used by ${s.users.join(', ')}`);
  }
  if (report.unusedWeights.length) {
    const n = report.unusedWeights.reduce((s, w) => s + w.elements, 0);
    out.push('', `Unused weights: ${report.unusedWeights.length} tensor${report.unusedWeights.length > 1 ? 's' : ''}, ${formatExact(n)} elements stored but never read`);
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  return out;
}

/** Seed 003's lesson made visible: batch and resolution scale MACs, never parameters. */
function comparisonLine(report: Report): string {
  const c = report.comparison!;
  const ratio = (now: Expr, before: Expr): string => {
    const a = now.constant;
    const b = before.constant;
    return a !== undefined && b !== undefined && b !== 0 ? `×${(a / b).toFixed(2)}` : `${formatQuantity(before)} → ${formatQuantity(now)}`;
  };
  const t = report.totals;
  const inputs = c.baselineInputs.map((i) => `${i.name} ${formatShape(i)}`).join(', ');
  return (
    `vs. the file's own inputs (${inputs}): MACs ${ratio(t.macs, c.macs)}, FLOPs ${ratio(t.flops, c.flops)}, peak activations ${ratio(t.peakActivationBytes, c.peakActivationBytes)}, ` +
      (c.params === t.params ? `params unchanged (${formatCount(t.params)}): batch and resolution change compute and memory, not parameters` : `params ${formatCount(c.params)} → ${formatCount(t.params)}`)
  );
}
