/**
 * What a model is profiled with besides its file: values for its symbolic dims and replacement
 * input shapes, and the rules every front end applies to them. Plain TS with no Node import:
 * the panel's bundle uses it too.
 */
import type { ReportDoc } from '../report/report-doc';

export interface Bindings {
  /** Values for symbolic dims by name (`batch: 8`): whole numbers ≥ 1, symbols the model has. */
  dims?: Record<string, number>;
  /** Input name → dims (whole numbers ≥ 1 or symbol names); '' names the model's only input. */
  inputShapes?: Record<string, (number | string)[]>;
}

/** What bindings are checked against: a model's input names and the symbols of its input shapes. */
export interface ModelNames {
  inputs: readonly string[];
  symbols: readonly string[];
}

/**
 * A symbol typed in a shape: an identifier, dots allowed (`batch`, `max_len`, and the names the
 * engine gives unnamed dims, `input.0`). Symbols of the model are bound by their own name,
 * whatever it is.
 */
export const SYMBOL = /^[A-Za-z_][\w.]*$/;

/** A name typed before `=`: the characters ONNX input names use (`input_ids`, `input:0`, `x.1`, `serving/in-0`). */
export const NAME = /^\w[\w.:/-]*$/;

/** A dim value: a whole number ≥ 1 (a dim of 0 makes an empty tensor, nothing to profile). */
export function isDimValue(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}

/**
 * The names of a profiled model, from its report: its inputs, and the symbols they have or had
 * (a bound symbol is a number in the shapes but named in the report's bindings).
 */
export function modelNames(report: ReportDoc): ModelNames {
  const symbols = new Set(Object.keys(report.bindings));
  for (const input of report.inputs) {
    for (const d of input.shape ?? []) if (typeof d === 'string') symbols.add(d);
  }
  return { inputs: report.inputs.map((i) => i.name), symbols: [...symbols].sort() };
}

/** The symbols a model can bind under these bindings: its own, and those new input shapes name. */
export function symbolsWith(model: ModelNames, bindings: Bindings): string[] {
  const out = new Set(model.symbols);
  for (const shape of Object.values(bindings.inputShapes ?? {})) for (const d of shape) if (typeof d === 'string') out.add(d);
  return [...out];
}
