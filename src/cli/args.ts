import { addDim, addInputShape, parseDimArg, parseInputArg, type Bindings } from '../bindings';
import { metricNamed, type BudgetInput } from '../budget';

export type OutputFormat = 'text' | 'json' | 'csv' | 'md';

export interface ProfileArgs {
  file: string;
  bindings: Bindings;
  format: OutputFormat;
  depth: number;
  budget: BudgetInput;
}

export class UsageError extends Error {}

export const USAGE = `usage: floplens profile <model.onnx> [options]

  --input [name=]DIMS     input shape, e.g. input=8x3x320x320 (name optional for one-input
                          models); a dim may be a symbol name: batch x3x224x224 → batchx3x224x224
  --dim NAME=N            bind a symbolic dimension (repeatable), e.g. --dim batch=1 --dim seq=2048
  --json | --csv | --md   output format (default: a text table)
  --depth N               show N levels of the layer tree (deeper layers roll up into their parent)
  --budget-macs X         exit 3 when MACs exceed X (X like 2G, 500M, 1.5e9)
  --budget-flops X        likewise for FLOPs
  --budget-params X       likewise for parameters (e.g. 10M)
  --budget-activations X  likewise for peak activation memory (e.g. 512MiB)
  -h, --help              this text
  --version               print the version

Dims are whole numbers ≥ 1. An --input or --dim naming an input or symbol the model does not
have is a bad argument.

exit codes: 0 ok, 1 bad arguments, 2 unreadable or malformed model, 3 over budget (or a budgeted
figure that depends on unbound symbols)`;

function value(argv: string[], i: number, flag: string): string {
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return v;
}

/** Runs a bindings parser; its error becomes a usage error naming the flag. */
function binding(flag: string, add: () => void): void {
  try {
    add();
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
}

export function parseProfileArgs(argv: string[]): ProfileArgs {
  const args: ProfileArgs = { file: '', bindings: {}, format: 'text', depth: Infinity, budget: {} };
  const formats: OutputFormat[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') && !a.startsWith('--input') && !a.startsWith('--dim') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = value(argv, i, flag);
      i++;
      return v;
    };
    switch (flag) {
      case '--input': {
        const v = take();
        binding(flag, () => {
          const { name, shape } = parseInputArg(v);
          addInputShape(args.bindings, name, shape);
        });
        break;
      }
      case '--dim': {
        const v = take();
        binding(flag, () => {
          const { name, value: n } = parseDimArg(v);
          addDim(args.bindings, name, n);
        });
        break;
      }
      case '--json':
      case '--csv':
      case '--md':
        formats.push(flag.slice(2) as OutputFormat);
        break;
      case '--depth': {
        const v = take();
        if (!/^[1-9]\d*$/.test(v)) throw new UsageError(`--depth needs a positive whole number, not "${v}"`);
        args.depth = Number(v);
        break;
      }
      default: {
        const metric = flag.startsWith('--budget-') ? metricNamed(flag.slice('--budget-'.length)) : undefined;
        if (metric) {
          args.budget[metric] = take();
        } else if (a.startsWith('-')) {
          throw new UsageError(`unknown option ${a}`);
        } else if (args.file) {
          throw new UsageError(`one model at a time: got "${args.file}" and "${a}"`);
        } else {
          args.file = a;
        }
      }
    }
  }
  if (!args.file) throw new UsageError('no model file given');
  if (formats.length > 1) throw new UsageError(`choose one output format, not ${formats.map((f) => `--${f}`).join(' and ')}`);
  if (formats.length === 1) args.format = formats[0];
  return args;
}
