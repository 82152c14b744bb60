import { minimatch } from 'minimatch';
import { DiagnosticSeverity } from 'vscode-languageserver';
import {
  BUDGET_METRICS, budgetMessage, checkBudget, checkSeverity, EDITOR_BIND_HINT, isViolation, parseBudget, violationDocs,
  type BudgetFigures, type BudgetInput, type BudgetLimits, type BudgetState, type Severity,
} from '../src/budget';
import { LSP_SEVERITY } from './diagnostics';
import type { Settings } from '../common/protocol';

/** The budget in force for one model or class. */
export interface Budget {
  /** `floplens.budgets "<glob>"` or `floplens.defaultBudget`: where to change it. */
  setting: string;
  /** The matching glob, or `default` (BudgetState.source). */
  source: string;
  limits?: BudgetLimits;
  /** Set instead of limits when the setting holds a string that is not a quantity. */
  error?: string;
}

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

function parse(setting: string, source: string, raw: BudgetInput): Budget {
  try {
    return { setting, source, limits: parseBudget(raw) };
  } catch (e) {
    return { setting, source, error: `${setting}: ${(e as Error).message}` };
  }
}

/** The budget of a report's figures as the editor's views get it. */
export function stateOf(budget: Budget | undefined, figures: BudgetFigures | undefined): BudgetState {
  if (!budget?.limits) return { ...(budget ? { source: budget.source } : {}), violations: [] };
  return { limits: budget.limits, source: budget.source, violations: figures ? violationDocs(checkBudget(budget.limits, figures)) : [] };
}

export interface BudgetDiagnostic {
  severity: DiagnosticSeverity;
  message: string;
}

/**
 * What the editor says about a budget: an invalid setting (an error), every figure over it (at
 * `floplens.budgetSeverity`) or that cannot be checked (a warning), prefixed with `subject` (a
 * class name) when given; `over` for lens titles and model lists.
 */
export function diagnosticsOf(budget: Budget, figures: BudgetFigures | undefined, overBudget: Severity, subject?: string): { over: boolean; findings: BudgetDiagnostic[] } {
  if (budget.error) return { over: false, findings: [{ severity: DiagnosticSeverity.Error, message: budget.error }] };
  if (!budget.limits || !figures) return { over: false, findings: [] };
  const failing = checkBudget(budget.limits, figures).filter((c) => c.verdict !== 'holds');
  return {
    over: failing.some(isViolation),
    findings: failing.map((c) => ({
      severity: LSP_SEVERITY[checkSeverity(c, overBudget)],
      message: budgetMessage(c, { ...(subject === undefined ? {} : { subject }), setting: budget.setting, bindHint: EDITOR_BIND_HINT }),
    })),
  };
}
