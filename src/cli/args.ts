import { BUDGET_METRICS, type BudgetMetric } from '../budget';
import { parseShape } from '../report/shape-text';

export type OutputFormat = 'text' | 'json' | 'csv' | 'md';

export interface ProfileArgs {
  file: string;
  inputs: { name?: string; dims: (number | string)[] }[];
  dims: Record<string, number>;
  format: OutputFormat;
  depth: number;
  budget: Partial<Record<BudgetMetric, string>>;
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

exit codes: 0 ok, 1 bad arguments, 2 unreadable or malformed model, 3 over budget`;

function value(argv: string[], i: number, flag: string): string {
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return v;
}

/** `8x3x320x320` or `batchx3x224x224`; symbols are any identifier. */
export function parseDims(text: string): (number | string)[] {
  const dims = parseShape(text);
  if ('error' in dims) throw new UsageError(dims.error);
  return dims;
}

export function parseProfileArgs(argv: string[]): ProfileArgs {
  const args: ProfileArgs = { file: '', inputs: [], dims: {}, format: 'text', depth: Infinity, budget: {} };
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
        const eq = v.lastIndexOf('=');
        args.inputs.push(eq > 0 ? { name: v.slice(0, eq), dims: parseDims(v.slice(eq + 1)) } : { dims: parseDims(v) });
        break;
      }
      case '--dim': {
        const v = take();
        const m = /^([A-Za-z_][\w.-]*)=(\d+)$/.exec(v);
        if (!m) throw new UsageError(`bad --dim "${v}": use NAME=N, e.g. batch=8`);
        args.dims[m[1]] = Number(m[2]);
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
        const metric = flag.startsWith('--budget-') ? (flag.slice('--budget-'.length) as BudgetMetric) : undefined;
        if (metric && (BUDGET_METRICS as readonly string[]).includes(metric)) {
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
