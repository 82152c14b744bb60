/** The one set of rules for bindings, whoever gives them: the CLI, the editor, the settings, a request. */
import { isDimValue, SYMBOL, symbolsWith, type Bindings, type ModelNames } from './bindings';
import { BindingsError } from './problems';

const has = (o: object | undefined, k: string): boolean => o !== undefined && Object.hasOwn(o, k);

/** Adds a dim value; a name given twice is an error, not a silent override. */
export function addDim(b: Bindings, name: string, value: number): void {
  if (has(b.dims, name) || has(b.inputShapes, name)) throw new BindingsError({ kind: 'twice', name });
  // defineProperty: a symbol named __proto__ stays a plain key.
  Object.defineProperty((b.dims ??= {}), name, { value, enumerable: true, writable: true, configurable: true });
}

/** Adds an input shape ('' for the only input); given twice is an error. */
export function addInputShape(b: Bindings, name: string, shape: (number | string)[]): void {
  if (has(b.dims, name) || has(b.inputShapes, name)) throw new BindingsError({ kind: 'twice', name });
  Object.defineProperty((b.inputShapes ??= {}), name, { value: shape, enumerable: true, writable: true, configurable: true });
}

const shown = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v) ?? String(v));

/** The values of bindings from elsewhere (a request, JSON): whole numbers ≥ 1, symbol names in shapes. */
export function checkValues(b: Bindings): void {
  for (const [name, v] of Object.entries(b.dims ?? {})) {
    if (!isDimValue(v)) throw new BindingsError({ kind: 'dim-value', name, value: shown(v) });
  }
  for (const [input, shape] of Object.entries(b.inputShapes ?? {})) {
    if (!Array.isArray(shape)) throw new BindingsError({ kind: 'shape', input, text: shown(shape) });
    const bad = shape.find((d: unknown) => !(typeof d === 'string' ? SYMBOL.test(d) : isDimValue(d)));
    if (bad !== undefined) throw new BindingsError({ kind: 'shape', input, text: shape.join('x'), dim: String(bad) });
  }
}

/** Every input named is one of the model's (or '' for its only one), every dim one of its symbols. */
export function checkAgainst(b: Bindings, model: ModelNames): void {
  for (const name of Object.keys(b.inputShapes ?? {})) {
    if (name === '' ? model.inputs.length !== 1 : !model.inputs.includes(name)) {
      throw new BindingsError(name === '' ? { kind: 'unnamed-input', inputs: model.inputs } : { kind: 'unknown-input', name, inputs: model.inputs });
    }
  }
  const symbols = symbolsWith(model, b);
  for (const name of Object.keys(b.dims ?? {})) {
    if (!symbols.includes(name)) throw new BindingsError({ kind: 'unknown-dim', name, symbols: model.symbols });
  }
}

/**
 * The dims and shapes to profile a model with: the bindings, checked (BindingsError), and the
 * defaults (`floplens.dims`, for every model) for the symbols the model has and they leave unbound.
 */
export function resolveBindings(b: Bindings, model: ModelNames, defaults: Record<string, number> = {}): Required<Bindings> {
  checkValues(b);
  checkAgainst(b, model);
  const symbols = symbolsWith(model, b);
  const fallback = Object.entries(defaults).filter(([k, v]) => symbols.includes(k) && isDimValue(v) && !has(b.dims, k));
  return { dims: Object.fromEntries([...fallback, ...Object.entries(b.dims ?? {})]), inputShapes: { ...b.inputShapes } };
}
