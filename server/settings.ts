import { bindingsMessage, isDimValue } from '../src/bindings';
import { SEVERITIES } from '../src/budget';
import { DEFAULT_SETTINGS, type Settings } from '../common/protocol';

/**
 * `floplens.*` as the client sent it, checked: anything unusable falls back to its default and is
 * listed in `problems` (each naming the setting), so the user hears about it instead of a silent ignore.
 */
export function readSettings(raw: unknown): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const r = isRecord(raw) ? raw : {};
  const settings: Settings = { ...DEFAULT_SETTINGS, budgets: [], defaultBudget: {}, dims: {} };

  if (Array.isArray(r.budgets)) {
    r.budgets.forEach((b: unknown, i) => {
      if (isRecord(b) && b.class !== undefined && (typeof b.class !== 'string' || !b.class)) {
        problems.push(`floplens.budgets[${i}] is not used: "class" must be the name of a PyTorch class (or a glob such as "*Net")`);
      } else if (isRecord(b) && typeof b.glob === 'string' && b.glob) settings.budgets.push({ ...(b as Settings['budgets'][number]), glob: b.glob });
      else problems.push(`floplens.budgets[${i}] is not used: each entry needs a "glob" (e.g. "models/**/*.onnx") and limits such as "macs": "2G"`);
    });
  } else if (r.budgets !== undefined && r.budgets !== null) {
    problems.push('floplens.budgets is not used: it must be a list of { "glob": …, "macs": …, "params": … } entries');
  }

  // Limit values are checked where they are used (budgets.ts), whose message names the bad string.
  if (isRecord(r.defaultBudget)) settings.defaultBudget = { ...(r.defaultBudget as Settings['defaultBudget']) };
  else if (r.defaultBudget !== undefined && r.defaultBudget !== null) {
    problems.push('floplens.defaultBudget is not used: it must be an object such as { "macs": "2G" }');
  }

  if ((SEVERITIES as readonly unknown[]).includes(r.budgetSeverity)) settings.budgetSeverity = r.budgetSeverity as Settings['budgetSeverity'];
  else if (r.budgetSeverity !== undefined && r.budgetSeverity !== null) {
    problems.push(`floplens.budgetSeverity "${String(r.budgetSeverity)}" is not one of ${SEVERITIES.join(', ')}: using "${DEFAULT_SETTINGS.budgetSeverity}"`);
  }

  if (isRecord(r.dims)) {
    for (const [name, v] of Object.entries(r.dims)) {
      if (isDimValue(v)) settings.dims[name] = v;
      else problems.push(`floplens.dims: ${bindingsMessage({ kind: 'dim-value', name, value: JSON.stringify(v) })}; it is not used`);
    }
  } else if (r.dims !== undefined && r.dims !== null) {
    problems.push('floplens.dims is not used: it must be an object such as { "batch": 1 }');
  }

  if (typeof r.pythonPath === 'string') settings.pythonPath = r.pythonPath.trim();
  else if (r.pythonPath !== undefined && r.pythonPath !== null) problems.push('floplens.pythonPath is not used: it must be the path of a Python interpreter');

  const exact = isRecord(r.exactMode) ? r.exactMode : {};
  settings.exactMode = { ...DEFAULT_SETTINGS.exactMode };
  if (typeof exact.enabled === 'boolean') settings.exactMode.enabled = exact.enabled;
  const timeout = exact.timeoutSeconds;
  if (typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0) settings.exactMode.timeoutSeconds = timeout;
  else if (timeout !== undefined && timeout !== null) {
    problems.push(`floplens.exactMode.timeoutSeconds ${JSON.stringify(timeout)} is not used: it must be a number of seconds > 0; using ${DEFAULT_SETTINGS.exactMode.timeoutSeconds}`);
  }

  const shape = r.defaultInputShape;
  if (Array.isArray(shape) && shape.length <= 8 && shape.every(isDimValue)) settings.defaultInputShape = [...(shape as number[])];
  else if (shape !== undefined && shape !== null) {
    problems.push(`floplens.defaultInputShape ${JSON.stringify(shape)} is not used: it must be a list of at most 8 whole numbers ≥ 1, e.g. [1, 3, 224, 224]`);
  }
  return { settings, problems };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
