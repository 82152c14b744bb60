import { minimatch } from 'minimatch';
import { BUDGET_METRICS, parseBudget } from '../src/budget';
import { formatBytes, formatCount } from '../src/report';
import type { BudgetMetric, BudgetState, BudgetViolationDoc, Settings } from '../common/protocol';
import type { Figure } from './worker-protocol';

/** The budget in force for one model. */
export interface Budget {
  /** `floplens.budgets "<glob>"` or `floplens.defaultBudget`: where to change it. */
  setting: string;
  /** The matching glob, or `default` (BudgetState.source). */
  source: string;
  limits?: Partial<Record<BudgetMetric, number>>;
  /** Set instead of limits when the setting holds a string that is not a quantity. */
  error?: string;
}

export interface BudgetFinding {
  kind: 'over' | 'unchecked';
  message: string;
}

const NAMES: Record<BudgetMetric, string> = { macs: 'MACs', flops: 'FLOPs', params: 'parameters', activations: 'peak activation memory' };

const unitOf = (m: BudgetMetric): ((n: number) => string) => (m === 'activations' ? formatBytes : formatCount);

/**
 * `floplens.budgets` (first matching glob wins) and `floplens.defaultBudget`, parsed once per
 * settings change. An entry with a `class` is for PyTorch classes in the files its glob matches
 * (the class name may be a glob too); one without applies to models, and to every class of a
 * matching source file.
 */
export class BudgetRules {
  private readonly rules: (Budget & { glob: string; class?: string })[];
  private readonly fallback?: Budget;

  constructor(settings: Settings) {
    this.rules = settings.budgets.map((b) => {
      const setting = `floplens.budgets "${b.glob}"${b.class ? ` class "${b.class}"` : ''}`;
      return { glob: b.glob, ...(b.class ? { class: b.class } : {}), ...parse(setting, b.class ? `${b.glob} ${b.class}` : b.glob, b) };
    });
    if (BUDGET_METRICS.some((m) => settings.defaultBudget[m] !== undefined)) this.fallback = parse('floplens.defaultBudget', 'default', settings.defaultBudget);
  }

  /** Every invalid budget string, whether or not a model uses it. */
  get errors(): string[] {
    return [...this.rules, ...(this.fallback ? [this.fallback] : [])].flatMap((b) => (b.error ? [b.error] : []));
  }

  /** The budget for a model by its workspace-relative path (forward slashes). */
  forPath(relativePath: string): Budget | undefined {
    return this.rules.find((r) => r.class === undefined && minimatch(relativePath, r.glob, { dot: true })) ?? this.fallback;
  }

  /**
   * The budget for a PyTorch class of a source file: explicit entries only, since
   * floplens.defaultBudget is meant for deployed models, not every block of a training script.
   */
  forClass(relativePath: string, className: string): Budget | undefined {
    return this.rules.find((r) => minimatch(relativePath, r.glob, { dot: true }) && (r.class === undefined || minimatch(className, r.class)));
  }
}

function parse(setting: string, source: string, raw: Partial<Record<BudgetMetric, string | number>>): Budget {
  try {
    return { setting, source, limits: parseBudget(raw) };
  } catch (e) {
    return { setting, source, error: `${setting}: ${(e as Error).message}` };
  }
}

/** The budget state of a profile: a figure over its limit, or one that is still a formula, is a violation. */
export function budgetState(budget: Budget | undefined, figures: Record<BudgetMetric, Figure> | undefined): BudgetState {
  if (!budget?.limits) return { ...(budget ? { source: budget.source } : {}), violations: [] };
  const violations: BudgetViolationDoc[] = [];
  for (const metric of BUDGET_METRICS) {
    const limit = budget.limits[metric];
    const f = figures?.[metric];
    if (limit === undefined || !f || (typeof f.value === 'number' && f.value <= limit)) continue;
    violations.push({ metric, budget: limit, value: f.value, top: f.top });
  }
  return { limits: budget.limits, source: budget.source, violations };
}

/** One line per violation, for diagnostics: the figure, the limit, the setting and the largest layers. */
export function budgetFindings(budget: Budget, state: BudgetState, figures: Record<BudgetMetric, Figure>): BudgetFinding[] {
  return state.violations.map((v) => {
    const unit = unitOf(v.metric);
    const name = NAMES[v.metric];
    const f = figures[v.metric];
    if (typeof v.value !== 'number') {
      const bind = f.symbols.length ? `bind ${f.symbols.join(', ')}` : 'bind its symbols';
      return {
        kind: 'unchecked',
        message: `the ${name} budget of ${unit(v.budget)} (${budget.setting}) cannot be checked: ${name} = ${f.text} depends on unbound symbols; ${bind} in floplens.dims or with Set Input Shape…`,
      };
    }
    const top = v.top.length ? `; largest: ${v.top.map((t) => `${t.path} ${unit(t.value)}`).join(', ')}` : '';
    return { kind: 'over', message: `${name} ${f.text} exceed the budget of ${unit(v.budget)} (${budget.setting})${top}` };
  });
}
