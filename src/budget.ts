import type { Expr } from './symbolic/expr';
import type { LayerRow, Report } from './profile/report';
import { parseQuantity } from './report/units';

export const BUDGET_METRICS = ['macs', 'flops', 'params', 'activations'] as const;
export type BudgetMetric = (typeof BUDGET_METRICS)[number];

export type Budget = Partial<Record<BudgetMetric, number>>;

export interface BudgetViolation {
  metric: BudgetMetric;
  budget: number;
  /** The figure, when it is a number; undefined when it still depends on symbols. */
  value?: number;
  /** The figure as an expression, for the message when it is symbolic. */
  expr: Expr | number;
  /** Layers contributing most, largest first (at most three). */
  top: { path: string; value: number }[];
}

/** Parses `{ macs: "2G", params: "10M" }`; throws with the offending field and string. */
export function parseBudget(raw: Partial<Record<BudgetMetric, string | number>>): Budget {
  const out: Budget = {};
  for (const metric of BUDGET_METRICS) {
    const v = raw[metric];
    if (v === undefined) continue;
    const n = typeof v === 'number' ? v : parseQuantity(v);
    if (n === undefined || !Number.isFinite(n) || n < 0) {
      throw new Error(`invalid ${metric} budget "${v}": use a number with an optional K, M, G, T suffix (bytes: KiB, MiB, GiB), e.g. 2G`);
    }
    out[metric] = n;
  }
  return out;
}

function metricOf(metric: BudgetMetric, r: Report): Expr | number {
  switch (metric) {
    case 'macs':
      return r.totals.macs;
    case 'flops':
      return r.totals.flops;
    case 'params':
      return r.totals.params;
    case 'activations':
      return r.totals.peakActivationBytes;
  }
}

function rowMetric(metric: BudgetMetric, row: LayerRow): number | undefined {
  switch (metric) {
    case 'macs':
      return row.macs.constant;
    case 'flops':
      return row.flops.constant;
    case 'params':
      return row.params;
    case 'activations':
      return row.activationBytes.constant;
  }
}

/**
 * Checks every budgeted figure. A figure that still depends on a symbol cannot be shown to fit,
 * so it is reported as a violation without a value rather than passed silently.
 */
export function checkBudget(report: Report, budget: Budget): BudgetViolation[] {
  const out: BudgetViolation[] = [];
  for (const metric of BUDGET_METRICS) {
    const limit = budget[metric];
    if (limit === undefined) continue;
    const expr = metricOf(metric, report);
    const value = typeof expr === 'number' ? expr : expr.constant;
    if (value !== undefined && value <= limit) continue;
    out.push({ metric, budget: limit, ...(value !== undefined ? { value } : {}), expr, top: topLeaves(report, metric) });
  }
  return out;
}

/** The three leaf layers with the largest figure: the ones to look at first. */
function topLeaves(report: Report, metric: BudgetMetric): { path: string; value: number }[] {
  const leaves: { path: string; value: number }[] = [];
  const walk = (rows: LayerRow[]): void => {
    for (const r of rows) {
      if (r.children.length) walk(r.children);
      else {
        const v = rowMetric(metric, r);
        if (v) leaves.push({ path: r.path, value: v });
      }
    }
  };
  walk(report.layers);
  return leaves.sort((a, b) => b.value - a.value).slice(0, 3);
}
