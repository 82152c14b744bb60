/** The one wording of a budget check, for the CLI's stderr and the editor's diagnostics alike. */
import { visible } from '../report/visible-text';
import type { BudgetCheck } from './check';
import { METRICS } from './metrics';

export interface MessageContext {
  /** What the figures are of, when the message stands apart from it: the file (CLI), the class. */
  subject?: string;
  /** Where the limit was set: `floplens.budgets "**\/*.onnx"`, `floplens.defaultBudget`. */
  setting?: string;
  /** How to bind symbols, after `bind batch, seq`: `with --dim`, `in floplens.dims or with Set Input Shape…`. */
  bindHint: string;
}

/** How the CLI says to bind symbols. */
export const CLI_BIND_HINT = 'with --dim';
/** How the editor says it. */
export const EDITOR_BIND_HINT = 'in floplens.dims or with Set Input Shape…';

/** One line for a check that does not hold: over, or cannot be checked and why. */
export function budgetMessage(c: BudgetCheck, ctx: MessageContext): string {
  const { name, unit } = METRICS[c.metric];
  const from = ctx.setting === undefined ? '' : ` (${ctx.setting})`;
  let text: string;
  if (c.verdict === 'over') {
    const top = c.figure?.top.length ? `; largest: ${c.figure.top.map((t) => `${t.path} ${unit(t.value)}`).join(', ')}` : '';
    text = `${name} ${c.figure?.text} exceed the budget of ${unit(c.limit)}${from}${top}`;
  } else {
    const why = c.unbound === undefined
      ? c.reason
      : `${name} = ${c.figure?.text} depends on unbound symbols; ${c.unbound.length ? `bind ${c.unbound.join(', ')}` : 'bind its symbols'} ${ctx.bindHint}`;
    text = `the ${name} budget of ${unit(c.limit)}${from} cannot be checked: ${why}`;
  }
  // Paths and symbols come from the file.
  return visible(ctx.subject === undefined ? text : `${ctx.subject}: ${text}`);
}

/** Severities of budget findings, as `floplens.budgetSeverity` names them. */
export const SEVERITIES = ['error', 'warning', 'information', 'hint'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Over budget: the severity the user chose; cannot be checked: a warning, whatever they chose. */
export function checkSeverity(c: BudgetCheck, overBudget: Severity): Severity {
  return c.verdict === 'over' ? overBudget : 'warning';
}
