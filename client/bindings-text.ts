/**
 * The text of the Set Input Shape… box ↔ `Bindings`: `batch=8, seq=2048` binds symbolic dims,
 * `input=1x3x320x320` replaces an input's shape (a bare `1x3x320x320` names a one-input model's
 * only input). No vscode import, so it is unit-tested on its own.
 */
import type { Bindings } from '../common/protocol';
import type { ReportDoc } from '../src/report/report-doc';
import { parseShape } from '../src/report/shape-text';

/** What the text is checked against: the model's input names and the symbols it can bind. */
export interface ModelNames {
  inputs: string[];
  symbols: string[];
}

const NAME = /^[A-Za-z_][\w.:/-]*$/;
const SYMBOL = /^[A-Za-z_][\w.]*$/;

/** Input names and every symbol the user could mean: unbound ones, bound ones, and those in input shapes. */
export function modelNames(report: ReportDoc): ModelNames {
  const symbols = new Set([...report.symbols, ...Object.keys(report.bindings)]);
  for (const input of report.inputs) {
    for (const d of input.shape ?? []) if (typeof d === 'string' && SYMBOL.test(d)) symbols.add(d);
  }
  return { inputs: report.inputs.map((i) => i.name), symbols: [...symbols].sort() };
}

export type ParsedBindings = { bindings: Bindings; error?: undefined } | { error: string };

/** Parses the box's text; an empty text means "no bindings of my own" (settings apply again). */
export function parseBindingsText(text: string, model?: ModelNames): ParsedBindings {
  // `batch = 8` and `batch=8` alike; entries are separated by commas, semicolons or spaces.
  const entries = text.replace(/\s*=\s*/g, '=').split(/[\s,;]+/).filter((e) => e !== '');
  const dims: Record<string, number> = {};
  const inputShapes: Record<string, (number | string)[]> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const name = eq >= 0 ? entry.slice(0, eq) : '';
    const value = eq >= 0 ? entry.slice(eq + 1) : entry;
    if (eq >= 0 && !NAME.test(name)) return { error: `"${entry}": "${name}" is not a name` };
    if (value === '') return { error: `"${entry}": give a value, e.g. ${name}=8` };
    if (name in dims || name in inputShapes) return { error: `${name ? `"${name}"` : 'the input shape'} is given twice` };
    const isShape = /[x×]/.test(value) || (name !== '' && model !== undefined && model.inputs.includes(name) && !model.symbols.includes(name));
    if (isShape) {
      const shape = parseShape(value);
      if ('error' in shape) return { error: `"${entry}": ${shape.error}` };
      const checked = checkInput(name, model);
      if (checked !== undefined) return { error: checked };
      inputShapes[name] = shape;
    } else {
      if (name === '') return { error: `"${entry}": use NAME=N for a dim (e.g. batch=8) or a shape like 1x3x224x224` };
      if (!/^\d+$/.test(value) || Number(value) < 1) return { error: `"${entry}": ${name} needs a positive whole number` };
      if (model && !model.symbols.includes(name)) {
        return { error: `this model has no symbolic dim or input named "${name}" (${describe(model)})` };
      }
      dims[name] = Number(value);
    }
  }
  const bindings: Bindings = {};
  if (Object.keys(dims).length > 0) bindings.dims = dims;
  if (Object.keys(inputShapes).length > 0) bindings.inputShapes = inputShapes;
  return { bindings };
}

/** `8x3x320x320`, or with symbol names: `batchx3x224x224`. */
function checkInput(name: string, model: ModelNames | undefined): string | undefined {
  if (!model) return undefined;
  if (name === '') {
    return model.inputs.length === 1
      ? undefined
      : `this model has ${model.inputs.length} inputs (${model.inputs.join(', ')}): name one, e.g. ${model.inputs[0] ?? 'input'}=1x3x224x224`;
  }
  return model.inputs.includes(name) ? undefined : `this model has no input named "${name}" (${describe(model)})`;
}

function describe(model: ModelNames): string {
  const symbols = model.symbols.length > 0 ? model.symbols.join(', ') : 'none';
  return `inputs: ${model.inputs.join(', ') || 'none'}; symbolic dims: ${symbols}`;
}

/** The box's text for bindings in force: `batch=8, input=1x3x320x320`. */
export function formatBindingsText(bindings: Bindings): string {
  const parts = Object.entries(bindings.dims ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const [name, shape] of Object.entries(bindings.inputShapes ?? {})) {
    parts.push(name === '' ? shape.join('x') : `${name}=${shape.join('x')}`);
  }
  return parts.join(', ');
}
