/**
 * Where a class's input shape comes from, in this order:
 *   1. a `# floplens: input=(1, 3, 224, 224)` comment on the class line, on the comment lines
 *      just above it (or its decorators), or on the first line of its body;
 *   2. what the file feeds the model: a profiler call — torchinfo.summary (the size includes the
 *      batch), torchsummary.summary (no batch dim: batch 1 is used; torchsummary itself runs a
 *      batch of 2 and prints -1), thop.profile, ptflops.get_model_complexity_info (batch 1, as
 *      ptflops builds it), fvcore FlopCountAnalysis, torch.onnx.export / torch.jit.trace,
 *      torchstat.stat (batch 1) — or, when there is none, a plain call `out = net(x)` with
 *      `x = torch.rand(...)`. A profiler call wins over a plain call: it is what the author
 *      measures (seed 002 runs `net(x)` at batch 128 but profiles at batch 12);
 *   3. the input the class got at its first use inside another analyzed class;
 *   4. `options.defaultInput`;
 *   5. none: parameters are still counted, MACs are not.
 */
import { DataType } from '../onnx/model';
import { Expr } from '../symbolic/expr';
import type { SourceRange } from './ast';
import type { Interpreter, Kwargs } from './evaluate';
import { parsePython } from './parse';
import type { ModuleObj, Value } from './values';
import type { InputSourceKind } from './types';

export type FeedKind = Exclude<InputSourceKind, 'comment' | 'first-use' | 'setting'>;

export interface Feed {
  mod: ModuleObj;
  kind: FeedKind;
  /** Forward inputs (tensors). */
  inputs: Value[];
  kwargs: Kwargs;
  site: SourceRange;
  note?: string;
}

function tensor(shape: number[] | Expr[]): Value {
  return { t: 'tensor', ten: { shape: shape.map((d) => (typeof d === 'number' ? Expr.of(d) : d)), dtype: DataType.FLOAT } };
}

function kw(kwargs: Kwargs, name: string): Value | undefined {
  return kwargs.find(([k]) => k === name)?.[1];
}

/** A shape tuple of ints, or undefined. */
function shapeOf(v: Value | undefined): number[] | undefined {
  if (!v || (v.t !== 'tuple' && v.t !== 'list')) return undefined;
  const out: number[] = [];
  for (const it of v.items) {
    if (it.t !== 'int') return undefined;
    out.push(it.v);
  }
  return out;
}

/** One shape or a list of shapes. */
function shapesOf(v: Value | undefined): number[][] | undefined {
  const one = shapeOf(v);
  if (one) return [one];
  if (v && (v.t === 'tuple' || v.t === 'list') && v.items.length) {
    const many = v.items.map(shapeOf);
    if (many.every((s) => s !== undefined)) return many as number[][];
  }
  return undefined;
}

/** Tensors passed as `inputs` (a tensor or a tuple/list of them). */
function tensorsOf(v: Value | undefined): Value[] | undefined {
  if (!v) return undefined;
  if (v.t === 'tensor') return [v];
  if (v.t === 'tuple' || v.t === 'list') return v.items;
  return undefined;
}

const PATHS: Record<string, FeedKind> = {
  'torchinfo.summary': 'torchinfo',
  'torchinfo.torchinfo.summary': 'torchinfo',
  'torchsummary.summary': 'torchsummary',
  'torchsummary.torchsummary.summary': 'torchsummary',
  'thop.profile': 'thop',
  'thop.profile.profile': 'thop',
  'ptflops.get_model_complexity_info': 'ptflops',
  'ptflops.flops_counter.get_model_complexity_info': 'ptflops',
  'fvcore.nn.FlopCountAnalysis': 'fvcore',
  'fvcore.nn.flop_count.FlopCountAnalysis': 'fvcore',
  'fvcore.nn.flop_count': 'fvcore',
  'torch.onnx.export': 'export',
  'torch.jit.trace': 'export',
  'torchstat.stat': 'torchstat',
};

/**
 * A profiler / export call that feeds a model: the feed, 'ignored' for a known profiler whose
 * model or input is not known, undefined for other paths.
 */
export function profilerFeed(_ip: Interpreter, path: string, args: Value[], kwargs: Kwargs, site: SourceRange): Feed | 'ignored' | undefined {
  const kind = PATHS[path];
  if (!kind) return undefined;
  const model = args[0] ?? kw(kwargs, 'model') ?? kw(kwargs, 'func');
  if (model?.t !== 'module') return 'ignored';
  const withBatch = (shapes: number[][], batch: number): Value[] => shapes.map((s) => tensor([batch, ...s]));
  switch (kind) {
    case 'torchinfo': {
      const data = tensorsOf(kw(kwargs, 'input_data'));
      if (data) return { mod: model.mod, kind, inputs: data, kwargs: [], site };
      const shapes = shapesOf(args[1] ?? kw(kwargs, 'input_size'));
      if (!shapes) return 'ignored';
      const batchDim = kw(kwargs, 'batch_dim');
      if (batchDim?.t === 'int') {
        const d = batchDim.v;
        const full = shapes.map((s) => [...s.slice(0, d), 1, ...s.slice(d)]);
        return { mod: model.mod, kind, inputs: full.map((s) => tensor(s)), kwargs: [], site, note: 'batch_dim given: a batch of 1 is inserted, as torchinfo does' };
      }
      return { mod: model.mod, kind, inputs: shapes.map((s) => tensor(s)), kwargs: [], site };
    }
    case 'torchsummary': {
      const shapes = shapesOf(args[1] ?? kw(kwargs, 'input_size'));
      if (!shapes) return 'ignored';
      const bs = args[2] ?? kw(kwargs, 'batch_size');
      const batch = bs?.t === 'int' && bs.v > 0 ? bs.v : 1;
      return {
        mod: model.mod,
        kind,
        inputs: withBatch(shapes, batch),
        kwargs: [],
        site,
        note: batch === 1 && !(bs?.t === 'int' && bs.v > 0) ? "torchsummary's input_size has no batch dimension: batch 1 is used (torchsummary itself runs a batch of 2 and prints -1)" : undefined,
      };
    }
    case 'thop': {
      const inputs = tensorsOf(args[1] ?? kw(kwargs, 'inputs'));
      return inputs ? { mod: model.mod, kind, inputs, kwargs: [], site } : 'ignored';
    }
    case 'ptflops': {
      if (kw(kwargs, 'input_constructor')) return 'ignored';
      const res = shapeOf(args[1] ?? kw(kwargs, 'input_res'));
      if (!res) return 'ignored';
      return { mod: model.mod, kind, inputs: [tensor([1, ...res])], kwargs: [], site, note: 'ptflops runs a batch of 1' };
    }
    case 'torchstat': {
      const res = shapeOf(args[1] ?? kw(kwargs, 'input_size'));
      if (!res) return 'ignored';
      return { mod: model.mod, kind, inputs: [tensor([1, ...res])], kwargs: [], site, note: 'torchstat runs a batch of 1' };
    }
    case 'fvcore':
    case 'export': {
      const inputs = tensorsOf(args[1] ?? kw(kwargs, 'inputs') ?? kw(kwargs, 'args') ?? kw(kwargs, 'example_inputs'));
      return inputs ? { mod: model.mod, kind, inputs, kwargs: [], site } : 'ignored';
    }
    default:
      return 'ignored';
  }
}

/** The `# floplens: input=...` directive for a class, if any: its text and line. */
export function directiveFor(comments: ReadonlyMap<number, string>, lines: readonly string[], classLine: number): { text: string; line: number } | undefined {
  const at = (l: number): { text: string; line: number } | undefined => {
    const c = comments.get(l);
    return c !== undefined && /^input\s*=/.test(c) ? { text: c, line: l } : undefined;
  };
  const own = at(classLine);
  if (own) return own;
  for (let l = classLine - 1; l >= 0; l--) {
    const t = lines[l]?.trim() ?? '';
    if (!(t.startsWith('#') || t.startsWith('@'))) break;
    const hit = at(l);
    if (hit) return hit;
  }
  const next = lines[classLine + 1]?.trim() ?? '';
  if (next.startsWith('#')) return at(classLine + 1);
  return undefined;
}

/** Evaluates `input=(1, 3, 224, 224)` (several shapes allowed; module constants resolve). */
export function parseDirective(ip: Interpreter, text: string): number[][] | string {
  const m = /^input\s*=\s*(.+)$/.exec(text);
  if (!m) return 'the directive should read input=(1, 3, 224, 224)';
  const expr = m[1].replace(/\s+#.*$/, '');
  const parsed = parsePython(`(${expr},)`);
  const stmt = parsed.body[0];
  if (parsed.errors.length || !stmt || stmt.kind !== 'expr') return `cannot read the shape in "${m[1]}"`;
  const v = ip.eval(stmt.value, ip.globals);
  // `(expr,)`: a single shape arrives as ((1, 3, 224, 224),), several as ((..), (..)).
  const items = v.t === 'tuple' ? v.items : [];
  const first = items.length === 1 ? shapesOf(items[0]) : undefined;
  const shapes = first ?? shapesOf({ t: 'tuple', items });
  if (!shapes || shapes.some((s) => s.length === 0 || s.some((d) => d < 0))) return `"${m[1]}" is not a shape of non-negative integers`;
  return shapes;
}

export function tensorFor(shape: readonly number[]): Value {
  return tensor([...shape]);
}
