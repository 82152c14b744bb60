/**
 * Text for the panel: shapes, quantities and the what-if comparison. Pure functions (no DOM), so
 * test/webview.test.ts checks them in Node too.
 */
import type { Bindings } from '../common/protocol';
import type { Poly, Quantity, ReportDoc, ShapeDoc } from '../src/report/report-doc';
import { formatCount, formatDocQuantity, formatExact } from '../src/report/units';

/** `1×3×224×224`, symbols by name, formulas in parentheses; `?` for an unknown rank. */
export function shapeText(shape: ShapeDoc['shape']): string {
  if (!shape) return '?';
  if (shape.length === 0) return 'scalar';
  return shape.map((d) => (typeof d === 'number' || /^[\w.]+$/.test(d) ? String(d) : `(${d})`)).join('×');
}

/** The exact figure for a hover: `1,814,073,344`, or the formula while symbols are unbound. */
export function exactText(q: Quantity): string {
  return typeof q === 'number' ? formatExact(q) : q;
}

/** `batch=8, seq=128; tokens 8×128`, or `none`. */
export function bindingsText(b: Bindings): string {
  const parts: string[] = [];
  const dims = Object.entries(b.dims ?? {}).map(([k, v]) => `${k}=${v}`);
  if (dims.length) parts.push(dims.join(', '));
  const shapes = Object.entries(b.inputShapes ?? {}).map(([k, v]) => `${k || 'input'} ${shapeText(v)}`);
  if (shapes.length) parts.push(shapes.join(', '));
  return parts.length ? parts.join('; ') : 'none';
}

function quantityChange(name: string, now: Quantity, nowPoly: Poly | undefined, before: Quantity, beforePoly: Poly | undefined): string {
  if (typeof now === 'number' && typeof before === 'number') {
    if (now === before) return `${name} unchanged`;
    // Same precision as the CLI's comparison line (`MACs ×65.16`).
    if (before !== 0) return `${name} ×${(now / before).toFixed(2)}`;
  }
  return `${name} ${brief(before, beforePoly)} → ${brief(now, nowPoly)}`;
}

/** A formula as long as a resolution-dependent one (nested floors) would swamp the sentence. */
function brief(q: Quantity, poly: Poly | undefined): string {
  const text = formatDocQuantity(q, poly);
  return text.length > 48 ? 'symbolic' : text;
}

/**
 * How a what-if changed the model's cost: `MACs ×8.00, params unchanged`. Batch and resolution
 * scale MACs and activations; parameters stay, and saying so is the point.
 */
export function comparisonText(before: ReportDoc, now: ReportDoc): string {
  const a = before.totals;
  const b = now.totals;
  const params = a.params === b.params ? 'params unchanged' : `params ${formatCount(a.params)} → ${formatCount(b.params)}`;
  return `${quantityChange('MACs', b.macs, b.macsPoly, a.macs, a.macsPoly)}, ${params}`;
}

/** `6.5%`; `<0.1%` for a sliver that is not zero; `—` when unknown (symbolic). */
export function percentText(p: number | null): string {
  if (p === null) return '—';
  if (p === 0) return '0%';
  if (p < 0.1) return '<0.1%';
  return `${p.toFixed(1)}%`;
}

/** Long layer paths keep their informative end: `…layer4.0/conv2/Conv`. */
export function tail(path: string, max: number): string {
  return path.length <= max ? path : `…${path.slice(path.length - max + 1)}`;
}

/** The last path segment: what the header calls the model. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}
