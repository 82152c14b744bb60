import { parseQuantity } from '../report/units';
import { BUDGET_METRICS, type BudgetMetric } from './metrics';

/** The most of each figure allowed; a metric without a limit is not checked. */
export type BudgetLimits = Partial<Record<BudgetMetric, number>>;

/** Limits as settings and flags give them: `{ macs: "2G", params: 10e6 }`. */
export type BudgetInput = Partial<Record<BudgetMetric, string | number>>;

/** Parses `{ macs: "2G", params: "10M" }`; throws with the offending field and string. */
export function parseBudget(raw: BudgetInput): BudgetLimits {
  const out: BudgetLimits = {};
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
