/**
 * The figures of a report as a budget sees them, whatever the report is of: an ONNX model
 * (report-figures.ts), a PyTorch class (class-figures.ts), and formats to come (a weight file
 * gives parameters only, and says why it has no MACs). Plain data: it travels from the server's
 * workers and is checked against limits later, so a budget change needs no new profile.
 */
import type { Expr } from '../symbolic/expr';
import { formatQuantity } from '../report/units';
import { METRICS, type BudgetMetric } from './metrics';

/** A layer and its share of a figure. */
export interface Contribution {
  path: string;
  value: number;
}

export interface Figure {
  /** The exact number, or the formula text when it depends on unbound symbols. */
  value: number | string;
  /** For people, in its unit: `1.814 G`, `6.125 MiB`, or the formula. */
  text: string;
  /** The symbols it still depends on; empty when it is a number. */
  symbols: string[];
  /** Up to three leaf layers contributing most, largest first. */
  top: Contribution[];
  /** Set when something was not counted, so the figure is a lower bound: why. */
  lowerBound?: string;
}

/** Why a report has no such figure: `peak activation memory is not computed from source code`. */
export interface Missing {
  missing: string;
}

/** Every metric's figure, or why there is none. */
export type BudgetFigures = Record<BudgetMetric, Figure | Missing>;

export function isMissing(f: Figure | Missing): f is Missing {
  return 'missing' in f;
}

/** A figure from a number or an expression, written in its metric's unit. */
export function figureOf(metric: BudgetMetric, value: number | Expr, top: Contribution[], lowerBound?: string): Figure {
  const unit = METRICS[metric].unit;
  const n = typeof value === 'number' ? value : value.constant;
  const extra = lowerBound ? { lowerBound } : {};
  if (n !== undefined) return { value: n, text: unit(n), symbols: [], top, ...extra };
  const expr = value as Expr;
  return { value: expr.toString(), text: formatQuantity(expr, unit), symbols: [...expr.symbols()], top, ...extra };
}

/** The three largest non-zero contributions, largest first: the layers to look at first. */
export function largest(contributions: Iterable<Contribution>): Contribution[] {
  return [...contributions].filter((c) => c.value > 0).sort((a, b) => b.value - a.value).slice(0, 3);
}
