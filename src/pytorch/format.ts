/** Text for formulas and messages: exact integers with digit groups, products with `·`. */
import type { Expr } from '../symbolic/expr';

/** 2359808 → `2,359,808` (independent of the locale). */
export function groupDigits(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const neg = n < 0;
  const s = String(Math.abs(n));
  if (!/^\d+$/.test(s)) return String(n);
  const out = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return neg ? `-${out}` : out;
}

/** `3·3·512` */
export function dotProduct(factors: readonly (number | string | Expr)[]): string {
  return factors
    .map((f) => {
      if (typeof f === 'number' || typeof f === 'string') return String(f);
      return f.orderedTerms().length > 1 ? `(${f})` : String(f);
    })
    .join('·');
}

/** `(12, 512, 14, 14)` */
export function shapeText(shape: readonly (number | string | Expr | null)[]): string {
  const dims = shape.map((d) => (d === null ? '?' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

/** ` · batch 12` when the leading batch dim is not 1; rows of a 3-D input as `12·16`. */
export function batchSuffix(lead: readonly Expr[]): string {
  if (lead.length === 0) return '';
  if (lead.length === 1) return lead[0].constant === 1 ? '' : ` · batch ${lead[0]}`;
  return ` · ${dotProduct(lead)}`;
}
