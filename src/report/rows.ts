import type { Expr } from '../symbolic/expr';
import { DataType, dataTypeName } from '../onnx/model';
import type { ValueShape } from '../ops/types';
import type { LayerRow, Report } from '../profile/report';

/** Rows in tree order down to `depth` levels (1 = top level only); deeper rows roll into their parent. */
export function visibleRows(report: Report, depth = Infinity): LayerRow[] {
  const out: LayerRow[] = [];
  const walk = (rows: LayerRow[]): void => {
    for (const r of rows) {
      out.push(r);
      if (r.depth + 1 < depth) walk(r.children);
    }
  };
  walk(report.layers);
  return out;
}

/** Share of a total, in percent; undefined when either side is symbolic or the total is zero. */
export function percentOf(part: Expr, total: Expr): number | undefined {
  const p = part.constant;
  const t = total.constant;
  if (p === undefined || t === undefined || t === 0) return undefined;
  return (100 * p) / t;
}

/** `1×3×224×224`, with symbols by name. */
export function formatShape(v: Pick<ValueShape, 'shape'>): string {
  if (!v.shape) return '?';
  if (v.shape.length === 0) return 'scalar';
  return v.shape.map((d) => {
    const s = d.toString();
    return d.isConstant || /^[\w.]+$/.test(s) ? s : `(${s})`;
  }).join('×');
}

export function formatShapes(vs: ValueShape[]): string {
  return vs.map(formatShape).join(', ');
}

export function formatDtype(dt: number): string {
  return dt === DataType.UNDEFINED ? '?' : dataTypeName(dt);
}
