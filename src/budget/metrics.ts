/** The figures a budget can limit, and how each is named and written. */
import { formatBytes, formatCount } from '../report/units';

export const BUDGET_METRICS = ['macs', 'flops', 'params', 'activations'] as const;
export type BudgetMetric = (typeof BUDGET_METRICS)[number];

export interface MetricInfo {
  /** In sentences: `parameters 11.68 M exceed the budget…`. */
  name: string;
  /** In short texts (status bar, hovers, cards): `params 11.68 M > 10 M`. */
  label: string;
  /** The figure in its unit: `1.814 G`, `6.125 MiB`. */
  unit: (n: number) => string;
}

export const METRICS: Readonly<Record<BudgetMetric, MetricInfo>> = {
  macs: { name: 'MACs', label: 'MACs', unit: formatCount },
  flops: { name: 'FLOPs', label: 'FLOPs', unit: formatCount },
  params: { name: 'parameters', label: 'params', unit: formatCount },
  activations: { name: 'peak activation memory', label: 'peak activations', unit: formatBytes },
};

/** `--budget-macs`, `floplens.budgets` keys: a metric by its id, undefined for anything else. */
export function metricNamed(id: string): BudgetMetric | undefined {
  return (BUDGET_METRICS as readonly string[]).includes(id) ? (id as BudgetMetric) : undefined;
}
