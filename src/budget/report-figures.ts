/** The budget figures of an ONNX model's report: its totals, and its leaf layers for the largest. */
import type { LayerRow, Report } from '../profile/report';
import { nodeCount, nodesNotCounted } from '../report/not-counted';
import { visible } from '../report/visible-text';
import type { Expr } from '../symbolic/expr';
import { figureOf, largest, type BudgetFigures, type Contribution } from './figures';
import { BUDGET_METRICS, type BudgetMetric } from './metrics';

const TOTAL: Record<BudgetMetric, (r: Report) => number | Expr> = {
  macs: (r) => r.totals.macs,
  flops: (r) => r.totals.flops,
  params: (r) => r.totals.params,
  activations: (r) => r.totals.peakActivationBytes,
};

const OF_ROW: Record<BudgetMetric, (row: LayerRow) => number | undefined> = {
  macs: (row) => row.macs.constant,
  flops: (row) => row.flops.constant,
  params: (row) => row.params,
  activations: (row) => row.activationBytes.constant,
};

export function reportFigures(report: Report): BudgetFigures {
  const leaves: LayerRow[] = [];
  const walk = (rows: LayerRow[]): void => rows.forEach((r) => (r.children.length ? walk(r.children) : leaves.push(r)));
  walk(report.layers);
  const top = (metric: BudgetMetric): Contribution[] =>
    largest(leaves.map((r) => ({ path: r.path, value: OF_ROW[metric](r) ?? 0 }))).map((c) => ({ ...c, path: visible(c.path) }));
  // Uncosted nodes leave MACs and FLOPs lower bounds: within a limit, they do not show it holds.
  const notCounted = nodesNotCounted(report);
  const gap = notCounted ? `${nodeCount(notCounted)} not counted` : undefined;
  const lowerBound = (m: BudgetMetric): string | undefined => (m === 'macs' || m === 'flops' ? gap : undefined);
  return Object.fromEntries(BUDGET_METRICS.map((m) => [m, figureOf(m, TOTAL[m](report), top(m), lowerBound(m))])) as BudgetFigures;
}
