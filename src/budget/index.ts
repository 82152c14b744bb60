/**
 * Budgets: the one place that knows the budgeted metrics, reads limits, takes the figures of a
 * report (ONNX model, PyTorch class, formats to come), checks them and words the result.
 */
export { BUDGET_METRICS, METRICS, metricNamed, type BudgetMetric, type MetricInfo } from './metrics';
export { parseBudget, type BudgetInput, type BudgetLimits } from './limits';
export { figureOf, type BudgetFigures, type Contribution, type Figure, type Missing } from './figures';
export { reportFigures } from './report-figures';
export { classFigures, topLayers } from './class-figures';
export { checkBudget, isViolation, violationBrief, violationDocs, type BudgetCheck, type BudgetState, type BudgetViolationDoc } from './check';
export { budgetMessage, checkSeverity, CLI_BIND_HINT, EDITOR_BIND_HINT, SEVERITIES, type MessageContext, type Severity } from './message';
