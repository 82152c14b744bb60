/** Figures against limits: over, holds, or cannot be checked (and why). */
import { isMissing, type BudgetFigures, type Contribution, type Figure } from './figures';
import type { BudgetLimits } from './limits';
import { BUDGET_METRICS, METRICS, type BudgetMetric } from './metrics';

export interface BudgetCheck {
  metric: BudgetMetric;
  limit: number;
  verdict: 'over' | 'holds' | 'unchecked';
  /** Absent when the report has no such figure. */
  figure?: Figure;
  /** Unchecked because the figure depends on these symbols: binding them settles it. */
  unbound?: string[];
  /** Unchecked for another reason: no such figure, or a lower bound within the limit. */
  reason?: string;
}

/** One check per limited metric, in metric order. */
export function checkBudget(limits: BudgetLimits, figures: BudgetFigures): BudgetCheck[] {
  const out: BudgetCheck[] = [];
  for (const metric of BUDGET_METRICS) {
    const limit = limits[metric];
    if (limit !== undefined) out.push(check(metric, limit, figures[metric]));
  }
  return out;
}

function check(metric: BudgetMetric, limit: number, f: BudgetFigures[BudgetMetric]): BudgetCheck {
  if (isMissing(f)) return { metric, limit, verdict: 'unchecked', reason: f.missing };
  if (typeof f.value !== 'number') return { metric, limit, verdict: 'unchecked', figure: f, unbound: f.symbols };
  // A lower bound over the limit is over; within it, the uncounted part may not be.
  if (f.value > limit) return { metric, limit, verdict: 'over', figure: f };
  if (f.lowerBound) return { metric, limit, verdict: 'unchecked', figure: f, reason: `${f.text} is a lower bound (${f.lowerBound})` };
  return { metric, limit, verdict: 'holds', figure: f };
}

/**
 * Over budget as models and classes are flagged: a figure over its limit, or one that still
 * depends on symbols (it cannot be shown to fit). A figure the report lacks is not a violation,
 * only said.
 */
export function isViolation(c: BudgetCheck): boolean {
  return c.verdict === 'over' || c.unbound !== undefined;
}

/** A violation as the editor's views get it. */
export interface BudgetViolationDoc {
  metric: BudgetMetric;
  budget: number;
  /** The figure; formula text when it still depends on unbound symbols. */
  value: number | string;
  /** Up to three leaf layers contributing most, largest first. */
  top: Contribution[];
}

/** The budget of a report as the editor's views get it. */
export interface BudgetState {
  /** Limits in force for this model, undefined when no budget applies. */
  limits?: BudgetLimits;
  /** Where the limits come from: the matching glob of `floplens.budgets`, or `default`. */
  source?: string;
  violations: BudgetViolationDoc[];
}

export function violationDocs(checks: readonly BudgetCheck[]): BudgetViolationDoc[] {
  return checks.flatMap((c) => (isViolation(c) && c.figure ? [{ metric: c.metric, budget: c.limit, value: c.figure.value, top: c.figure.top }] : []));
}

/** A violation in a few words, for summaries and hovers: `MACs 1.814 G > 1 G`, `MACs unbound (budget 1 G)`. */
export function violationBrief(v: BudgetViolationDoc): string {
  const { label, unit } = METRICS[v.metric];
  return typeof v.value === 'number' ? `${label} ${unit(v.value)} > ${unit(v.budget)}` : `${label} unbound (budget ${unit(v.budget)})`;
}
