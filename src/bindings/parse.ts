/**
 * Bindings as people type them: `--input`/`--dim` on the command line, the Set Input Shape… box
 * (`batch=8, seq=2048`, `input=1x3x320x320`), the panel's what-if fields. Every parser throws a
 * BindingsError; checking names against a model is validate.ts's.
 */
import { NAME, SYMBOL, type Bindings, type ModelNames } from './bindings';
import { BindingsError } from './problems';
import { addDim, addInputShape, checkAgainst } from './validate';

/**
 * An input shape: `8x3x224x224`, `8×3×224×224`, `batch, 128`, `batchx3×224x224`. Without `×` or
 * `,` every `x` separates. With them, an `x` still separates where a number stands beside it
 * (`224x224`), so a symbol whose name holds an `x` (`max_len`) can be typed that way.
 */
export function parseShape(text: string, input = ''): (number | string)[] {
  const t = text.trim();
  const parts = /[×,]/.test(t) ? t.split(/[×,]/).flatMap(splitNumericX) : t.split(/x/i);
  return parts.map((raw) => {
    const p = raw.trim();
    if (p === '') throw new BindingsError({ kind: 'shape', input, text: t });
    if (/^\d+$/.test(p) && Number(p) >= 1) return Number(p);
    if (SYMBOL.test(p)) return p;
    throw new BindingsError({ kind: 'shape', input, text: t, dim: p });
  });
}

function splitNumericX(part: string): string[] {
  const pieces = part.trim().split(/x/i);
  return pieces.length > 1 && pieces.some((p) => /^\d+$/.test(p)) ? pieces : [part];
}

/** The value of one dim, as typed: `8`. */
export function parseDimValue(name: string, text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) < 1 || !Number.isSafeInteger(Number(t))) throw new BindingsError({ kind: 'dim-value', name, value: `"${t}"` });
  return Number(t);
}

/** `[name=]DIMS`, as `--input` takes it: the name may be left out for a one-input model. */
export function parseInputArg(text: string): { name: string; shape: (number | string)[] } {
  const eq = text.lastIndexOf('=');
  const name = eq >= 0 ? text.slice(0, eq) : '';
  if (eq >= 0 && !NAME.test(name)) throw new BindingsError({ kind: 'not-a-name', name });
  return { name, shape: parseShape(text.slice(eq + 1), name) };
}

/** `NAME=N`, as `--dim` takes it. */
export function parseDimArg(text: string): { name: string; value: number } {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  if (!NAME.test(name)) throw new BindingsError({ kind: 'not-a-name', name });
  if (eq < 0 || text.slice(eq + 1).trim() === '') throw new BindingsError({ kind: 'no-value', name });
  return { name, value: parseDimValue(name, text.slice(eq + 1)) };
}

/**
 * The Set Input Shape… box: entries separated by commas, semicolons or spaces; `NAME=N` binds a
 * dim, `NAME=AxB` (or NAME=N for an input of the model) reshapes an input, a bare `AxB` the only
 * input. Empty text: no bindings of the model's own. With the model's names, they are checked too.
 */
export function parseBindingsText(text: string, model?: ModelNames): Bindings {
  const entries = text.replace(/\s*=\s*/g, '=').split(/[\s,;]+/).filter((e) => e !== '');
  const bindings: Bindings = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq < 0) {
      if (!/[x×]/i.test(entry)) throw new BindingsError({ kind: 'not-a-binding', entry });
      addInputShape(bindings, '', parseShape(entry));
      continue;
    }
    const name = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    if (!NAME.test(name)) throw new BindingsError({ kind: 'not-a-name', name });
    if (value === '') throw new BindingsError({ kind: 'no-value', name });
    const isShape = /[x×]/i.test(value) || (model !== undefined && model.inputs.includes(name) && !model.symbols.includes(name));
    if (isShape) addInputShape(bindings, name, parseShape(value, name));
    else addDim(bindings, name, parseDimValue(name, value));
  }
  if (model) checkAgainst(bindings, model);
  return bindings;
}

/** What is wrong with the box's text, in the rules' sentence; undefined when it parses. */
export function bindingsTextProblem(text: string, model?: ModelNames): string | undefined {
  try {
    parseBindingsText(text, model);
    return undefined;
  } catch (e) {
    if (e instanceof BindingsError) return e.message;
    throw e;
  }
}

/** The box's text for bindings: `batch=8, input=1x3x320x320`; parseBindingsText reads it back. */
export function formatBindingsText(bindings: Bindings): string {
  const parts = Object.entries(bindings.dims ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const [name, shape] of Object.entries(bindings.inputShapes ?? {})) parts.push(name === '' ? shape.join('x') : `${name}=${shape.join('x')}`);
  return parts.join(', ');
}
