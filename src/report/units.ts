import type { Expr } from '../symbolic/expr';
import { joinTerms } from '../symbolic/expr';
import type { Poly, Quantity } from './report-doc';

const DECIMAL: [number, string][] = [
  [1e15, 'P'],
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'K'],
];

const BINARY: [number, string][] = [
  [2 ** 40, 'TiB'],
  [2 ** 30, 'GiB'],
  [2 ** 20, 'MiB'],
  [2 ** 10, 'KiB'],
];

/** 1814073344 → `1.814 G`: four significant digits, the way model cards quote counts. */
export function formatCount(n: number): string {
  const abs = Math.abs(n);
  for (const [scale, unit] of DECIMAL) {
    if (abs >= scale) return `${(n / scale).toPrecision(4).replace(/\.?0+$/, '')} ${unit}`;
  }
  return String(n);
}

export function formatBytes(n: number): string {
  const abs = Math.abs(n);
  for (const [scale, unit] of BINARY) {
    if (abs >= scale) return `${(n / scale).toPrecision(4).replace(/\.?0+$/, '')} ${unit}`;
  }
  return `${n} B`;
}

/** 1,814,073,344: exact integers for JSON-adjacent text and hovers. */
export function formatExact(n: number): string {
  return n.toLocaleString('en-US');
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/**
 * A quantity for people: `1.814 G` when constant, `1.814 G·batch + 1.2 M` when symbolic (each
 * coefficient in the same units).
 */
export function formatQuantity(e: Expr, unit: (n: number) => string = formatCount): string {
  const c = e.constant;
  if (c !== undefined) return unit(c);
  return formatTerms(e.orderedTerms(), unit);
}

/** The same for a JSON report value: a number, or formula text with its machine form. */
export function formatDocQuantity(q: Quantity, poly: Poly | undefined, unit: (n: number) => string = formatCount): string {
  if (typeof q === 'number') return unit(q);
  if (!poly) return q;
  const terms = poly.map(([coef, atoms]) => {
    const entries = Object.entries(atoms).sort(([a], [b]) => a.localeCompare(b));
    return {
      coef,
      monomial: entries.map(([a, p]) => (p === 1 ? a : `${a}^${p}`)).join('·'),
      degree: entries.reduce((s, [, p]) => s + p, 0),
    };
  });
  terms.sort((x, y) => y.degree - x.degree || x.monomial.localeCompare(y.monomial));
  return formatTerms(terms, unit);
}

function formatTerms(terms: { coef: number; monomial: string }[], unit: (n: number) => string): string {
  return joinTerms(
    terms.map((t) => {
      const mono = t.monomial.replace(/\^(\d+)/g, (_, d: string) => [...d].map((x) => SUPERSCRIPT[Number(x)]).join(''));
      const coef = Math.abs(t.coef);
      const text = !mono ? unit(coef) : coef === 1 ? mono : `${unit(coef)}·${mono}`;
      return { coef: t.coef, text: t.coef < 0 && mono && coef === 1 ? `-${text}` : text };
    }),
  );
}

const SUFFIX: Record<string, number> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/**
 * Parses budget figures: `2G`, `10M`, `1.5e9`, `512MiB`, `4 GB`. Returns undefined for anything
 * else so callers can say which string was wrong.
 */
export function parseQuantity(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kKMGTP]i?)?\s*B?\s*$/.exec(text);
  if (!m) return undefined;
  const scale = SUFFIX[m[2] ?? ''];
  if (scale === undefined) return undefined;
  return Math.round(Number(m[1]) * scale);
}
