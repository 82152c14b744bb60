/**
 * What can be wrong with bindings, as data, and the one sentence each front end shows for it:
 * the CLI after `floplens:`, Set Input Shape… under its box, the panel's what-if under its fields,
 * the server after the file name.
 */
export type BindingsProblem =
  | { kind: 'unknown-input'; name: string; inputs: readonly string[] }
  | { kind: 'unknown-dim'; name: string; symbols: readonly string[] }
  /** A shape without an input name, for a model with other than one input. */
  | { kind: 'unnamed-input'; inputs: readonly string[] }
  | { kind: 'dim-value'; name: string; value: string }
  /** `text` as typed (or the dims joined by x); `dim` is the offending one, when one is. */
  | { kind: 'shape'; input: string; text: string; dim?: string }
  | { kind: 'twice'; name: string }
  | { kind: 'no-value'; name: string }
  | { kind: 'not-a-name'; name: string }
  /** An entry that is neither NAME=N nor a shape. */
  | { kind: 'not-a-binding'; entry: string };

export class BindingsError extends Error {
  constructor(readonly problem: BindingsProblem) {
    super(bindingsMessage(problem));
  }
}

const list = (names: readonly string[]): string => names.join(', ');

function modelInputs(inputs: readonly string[]): string {
  if (inputs.length === 0) return 'the model has no inputs';
  return inputs.length === 1 ? `the model's only input is ${inputs[0]}` : `the model's inputs are ${list(inputs)}`;
}

function modelSymbols(symbols: readonly string[]): string {
  if (symbols.length === 0) return 'the model has no symbolic dims';
  return symbols.length === 1 ? `the model's only symbol is ${symbols[0]}` : `the model's symbols are ${list(symbols)}`;
}

export function bindingsMessage(p: BindingsProblem): string {
  switch (p.kind) {
    case 'unknown-input':
      return `unknown input "${p.name}": ${modelInputs(p.inputs)}`;
    case 'unknown-dim':
      return `unknown dim "${p.name}": ${modelSymbols(p.symbols)}`;
    case 'unnamed-input':
      return `the model has ${p.inputs.length} inputs (${list(p.inputs)}): name the one to reshape, e.g. ${p.inputs[0] ?? 'input'}=1x3x224x224`;
    case 'dim-value':
      return `dim "${p.name}" needs a whole number ≥ 1, not ${p.value}`;
    case 'shape': {
      const of = p.input === '' ? '' : ` of input "${p.input}"`;
      return p.dim === undefined
        ? `bad shape "${p.text}"${of}: use e.g. 1x3x224x224`
        : `bad dim "${p.dim}" in the shape "${p.text}"${of}: use whole numbers ≥ 1 or symbol names`;
    }
    case 'twice':
      return p.name === '' ? 'the input shape is given twice' : `"${p.name}" is given twice`;
    case 'no-value':
      return `"${p.name}" has no value: e.g. ${p.name}=8`;
    case 'not-a-name':
      return `"${p.name}" is not a name`;
    case 'not-a-binding':
      return `"${p.entry}": use NAME=N for a dim (e.g. batch=8) or a shape like input=1x3x224x224`;
  }
}
