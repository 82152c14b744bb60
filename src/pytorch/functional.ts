/**
 * Torch functions and tensor methods in forward code: `torch.*`, `torch.nn.functional.*` (any
 * alias), `x.view(...)`, `x + y`, `x[:, 0]`. Shape-changing ops with arithmetic run the ONNX op
 * their export uses (F.relu → Relu, x @ w → MatMul, x.mean(1) → ReduceMean, F.conv2d → the Conv2d
 * layer's own forward), so costs follow the registry; pure data movement (view, permute, cat,
 * indexing) is shaped here and costs nothing, as in the registry.
 *
 * Every failure is explained: an op that rejects its inputs makes an unknown tensor "after line N"
 * with the reason; a tensor that was already unknown passes its original reason on.
 */
import { Expr, product } from '../symbolic/expr';
import type { TensorValue } from '../ops/types';
import { line, type SourceRange } from './ast';
import { at, msg, type Message } from './message';
import { asInt, bindArgs, sig } from './catalogue-args';
import { ArgError, Propagated, ShapeError, type ArgDef } from './catalogue-types';
import { flattenShape } from './catalogue-linear';
import { padShape, resize, type OpSink } from './catalogue-simple';
import type { Interpreter, Kwargs } from './evaluate';
import { shapeText } from './format';
import { OpFailure, type AttrValue } from './op-runner';
import { numLike, sliceIndices, typeName } from './operators';
import { NONE, unknown, type ParamRef, type Value, type Why } from './values';

const FLOAT = 1;
const INT64 = 7;
const BOOL = 9;

export interface TorchCtx {
  readonly ip: Interpreter;
  /** Runs an ONNX op and records its cost in the current run; throws ShapeError when it fails. */
  op(opType: string, inputs: (TensorValue | undefined)[], attrs?: Record<string, AttrValue>, outputs?: number): TensorValue[];
  addCost(macs: Expr, flops: Expr): void;
  /** Runs a catalogue layer's forward inline (F.conv2d is Conv2d's forward with the given weights); costs go to the caller. */
  inlineLayer(type: string, ctorArgs: Value[], ctorKwargs: Kwargs, inputs: Value[], inputKwargs: Kwargs, params: Record<string, TensorValue | undefined>, site: SourceRange): Value;
  useParam(p: ParamRef): void;
  /** Records "shape unknown after line N: reason" once, at the place it started. */
  shapeNote(site: SourceRange, reason: Message): void;
}

type Tensor = Extract<Value, { t: 'tensor' }>;

export function tensorOf(t: TensorValue): Value {
  return { t: 'tensor', ten: { shape: t.shape, dtype: t.dtype } };
}

function unknownTensor(why: Why, dtype = FLOAT): Value {
  return { t: 'tensor', ten: { dtype, why } };
}

/** Runs `f`, turning failures into unknown tensors with their reason (and a note where they start). */
export function guard(ctx: TorchCtx, site: SourceRange, what: Message, f: () => Value): Value {
  try {
    return f();
  } catch (e) {
    if (e instanceof Propagated) return unknownTensor(e.why);
    if (e instanceof ShapeError || e instanceof OpFailure || e instanceof ArgError) {
      const reason = msg`${what}: ${e instanceof ArgError ? e.why.reason : e instanceof ShapeError ? e.reason : e.message}`;
      ctx.shapeNote(site, reason);
      return unknownTensor({ reason, line: line(site) });
    }
    throw e;
  }
}

/** A value as a tensor with a known shape (python numbers are 0-d tensors). */
export function tv(ctx: TorchCtx, v: Value | undefined, what: string): TensorValue {
  if (!v) throw new ShapeError(`${what} is missing`);
  switch (v.t) {
    case 'tensor':
      if (v.ten.param) ctx.useParam(v.ten.param);
      if (v.ten.shape) return { dtype: v.ten.dtype, shape: v.ten.shape };
      throw new Propagated(v.ten.why ?? { reason: `the shape of ${what} is unknown` });
    case 'unknown':
      throw new Propagated(v.why);
    case 'int':
    case 'bool':
      return { dtype: INT64, shape: [] };
    case 'float':
      return { dtype: FLOAT, shape: [] };
    case 'dim':
      return { dtype: INT64, shape: [] };
    default:
      throw new ShapeError(`${what} is ${typeName(v)}, not a tensor`);
  }
}

function dimOf(v: Value | undefined, what: string): Expr {
  if (!v) throw new ShapeError(`${what} is missing`);
  if (v.t === 'unknown') throw new Propagated(v.why);
  if (v.t === 'dim') return v.e;
  const n = asInt(v);
  if (n === undefined) throw new ShapeError(`${what} must be an integer, got ${typeName(v)}`);
  return Expr.of(n);
}

function intOf(v: Value | undefined, what: string): number {
  const e = dimOf(v, what);
  const c = e.constant;
  if (c === undefined) throw new ShapeError(`${what} depends on a symbolic dim (${e})`);
  return c;
}

/**
 * Shapes of more dims than this are not followed: real tensors have a handful, and every op on a
 * shape of a million dims (`x.view(*[1] * 999998, 2, 3)`) costs seconds.
 */
const MAX_RANK = 64;

/** An int or a tuple/list of ints (or dims). */
function dimsOf(v: Value | undefined, what: string): Expr[] {
  if (!v) throw new ShapeError(`${what} is missing`);
  if ((v.t === 'tuple' || v.t === 'list') && v.items.length > MAX_RANK) throw new ShapeError(`${what} of ${v.items.length.toLocaleString('en-US')} dims is not followed (more than ${MAX_RANK})`);
  if (v.t === 'tuple' || v.t === 'list') return v.items.map((x, i) => dimOf(x, `${what}[${i}]`));
  if (v.t === 'unknown') throw new Propagated(v.why);
  return [dimOf(v, what)];
}

function axis(d: number, rank: number, what = 'dim'): number {
  const a = d < 0 ? d + rank : d;
  if (a < 0 || a >= Math.max(rank, 1)) throw new ShapeError(`${what} ${d} is out of range for a ${rank}-D tensor`);
  return a;
}

function floatOf(v: Value | undefined): number | undefined {
  if (!v || v.t === 'none') return undefined;
  const n = numLike(v);
  return n && n.kind !== 'dim' ? n.v : undefined;
}

/** Bound arguments of one call, with typed getters. */
class FnCall {
  constructor(
    readonly ctx: TorchCtx,
    readonly name: string,
    readonly a: Map<string, Value>,
    readonly site: SourceRange,
  ) {}

  v(name: string): Value {
    return this.a.get(name) ?? NONE;
  }

  has(name: string): boolean {
    const v = this.a.get(name);
    return v !== undefined && v.t !== 'none';
  }

  t(name: string): TensorValue {
    return tv(this.ctx, this.a.get(name), name);
  }

  optT(name: string): TensorValue | undefined {
    return this.has(name) ? this.t(name) : undefined;
  }

  int(name: string): number {
    return intOf(this.a.get(name), name);
  }

  optInt(name: string): number | undefined {
    return this.has(name) ? this.int(name) : undefined;
  }

  dims(name: string): Expr[] {
    return dimsOf(this.a.get(name), name);
  }

  ints(name: string): number[] {
    return this.dims(name).map((d) => {
      const c = d.constant;
      if (c === undefined) throw new ShapeError(`${name} depends on a symbolic dim (${d})`);
      return c;
    });
  }

  bool(name: string): boolean {
    const v = this.v(name);
    if (v.t === 'bool') return v.v;
    if (v.t === 'none') return false;
    const n = numLike(v);
    if (n && n.kind !== 'dim') return n.v !== 0;
    if (v.t === 'unknown') throw new Propagated(v.why);
    throw new ShapeError(`${name} must be True or False`);
  }

  str(name: string): string {
    const v = this.v(name);
    if (v.t === 'str') return v.v;
    if (v.t === 'unknown') throw new Propagated(v.why);
    throw new ShapeError(`${name} must be a string`);
  }

  op(opType: string, inputs: (TensorValue | undefined)[], attrs?: Record<string, AttrValue>, outputs?: number): TensorValue[] {
    return this.ctx.op(opType, inputs, attrs, outputs);
  }
}

type Impl = (c: FnCall) => Value;

interface FnDef {
  sig: ArgDef[];
  impl: Impl;
}

const TORCH = new Map<string, FnDef>();
const FUNCTIONAL = new Map<string, FnDef>();
const METHODS = new Map<string, FnDef>();

/** Registers an implementation under torch.X ('t'), torch.nn.functional.X ('f') and/or Tensor.X ('m'). */
function def(where: string, names: string[], signature: ArgDef[], impl: Impl): void {
  for (const n of names) {
    if (where.includes('t')) TORCH.set(n, { sig: signature, impl });
    if (where.includes('f')) FUNCTIONAL.set(n, { sig: signature, impl });
    if (where.includes('m')) METHODS.set(n, { sig: signature, impl });
  }
}

// ---------------------------------------------------------------------------------------------
// element-wise

function unaryOps(c: FnCall, ops: string[], attrs: Record<string, AttrValue> = {}): Value {
  let x = c.t('input');
  for (const op of ops) [x] = c.op(op, [x], attrs);
  return tensorOf(x);
}

const UNARY: Record<string, string[]> = {
  relu: ['Relu'],
  relu_: ['Relu'],
  relu6: ['Clip'],
  sigmoid: ['Sigmoid'],
  sigmoid_: ['Sigmoid'],
  tanh: ['Tanh'],
  tanh_: ['Tanh'],
  exp: ['Exp'],
  log: ['Log'],
  sqrt: ['Sqrt'],
  rsqrt: ['Sqrt', 'Reciprocal'],
  abs: ['Abs'],
  neg: ['Neg'],
  sin: ['Sin'],
  cos: ['Cos'],
  erf: ['Erf'],
  floor: ['Floor'],
  ceil: ['Ceil'],
  round: ['Round'],
  reciprocal: ['Reciprocal'],
  sign: ['Sign'],
  mish: ['Mish'],
  hardswish: ['HardSwish'],
  hardsigmoid: ['HardSigmoid'],
  elu: ['Elu'],
  selu: ['Selu'],
  celu: ['Celu'],
  softplus: ['Softplus'],
  softsign: ['Softsign'],
  hardtanh: ['Clip'],
  logsigmoid: ['Sigmoid', 'Log'],
  tanhshrink: ['Tanh'],
  hardshrink: ['Shrink'],
  softshrink: ['Shrink'],
};
for (const [name, ops] of Object.entries(UNARY)) def('tfm', [name], sig('input', '*rest'), (c) => unaryOps(c, ops));
def('tfm', ['silu', 'silu_'], sig('input', ['inplace', false]), (c) => {
  const x = c.t('input');
  const [s] = c.op('Sigmoid', [x]);
  return tensorOf(c.op('Mul', [x, s])[0]);
});
def('tfm', ['leaky_relu', 'leaky_relu_'], sig('input', ['negative_slope', { float: 0.01 }], ['inplace', false]), (c) => unaryOps(c, ['LeakyRelu'], { alpha: { float: floatOf(c.v('negative_slope')) ?? 0.01 } }));
def('tfm', ['gelu'], sig('input', ['approximate', 'none']), (c) => unaryOps(c, ['Gelu'], { approximate: c.str('approximate') }));
def('tfm', ['clamp', 'clip', 'clamp_'], sig('input', ['min', null], ['max', null]), (c) => unaryOps(c, ['Clip']));
def('tfm', ['square'], sig('input'), (c) => {
  const x = c.t('input');
  return tensorOf(c.op('Mul', [x, x])[0]);
});
for (const name of ['dropout', 'dropout1d', 'dropout2d', 'dropout3d', 'alpha_dropout', 'feature_alpha_dropout']) {
  def('tf', [name], sig('input', ['p', { float: 0.5 }], ['training', true], ['inplace', false]), (c) => tensorOf(c.t('input')));
}
for (const name of ['contiguous', 'clone', 'detach', 'cpu', 'cuda', 'requires_grad_', 'float', 'half', 'double', 'bfloat16', 'to', 'type_as', 'pin_memory', 'detach_', 'abs_']) {
  def('m', [name], sig('input', '*rest'), (c) => tensorOf(c.t('input')));
}
def('t', ['clone', 'detach'], sig('input', '*rest'), (c) => tensorOf(c.t('input')));
for (const [name, dtype] of [['long', INT64], ['int', INT64], ['bool', BOOL]] as const) {
  def('m', [name], sig('input'), (c) => tensorOf({ dtype, shape: c.t('input').shape }));
}

function softmaxAxis(c: FnCall, x: TensorValue): number {
  if (c.has('dim')) return c.int('dim');
  const r = x.shape!.length;
  return r === 0 || r === 1 || r === 3 ? 0 : 1;
}
def('tfm', ['softmax'], sig('input', ['dim', null], ['_stacklevel', 3], ['dtype', null]), (c) => {
  const x = c.t('input');
  return tensorOf(c.op('Softmax', [x], { axis: softmaxAxis(c, x) })[0]);
});
def('tfm', ['log_softmax'], sig('input', ['dim', null], ['_stacklevel', 3], ['dtype', null]), (c) => {
  const x = c.t('input');
  return tensorOf(c.op('LogSoftmax', [x], { axis: softmaxAxis(c, x) })[0]);
});
def('f', ['softmin'], sig('input', ['dim', null], ['_stacklevel', 3], ['dtype', null]), (c) => {
  const x = c.t('input');
  return tensorOf(c.op('Softmax', [c.op('Neg', [x])[0]], { axis: softmaxAxis(c, x) })[0]);
});
def('f', ['normalize'], sig('input', ['p', { float: 2 }], ['dim', 1], ['eps', { float: 1e-12 }], ['out', null]), (c) => {
  const x = c.t('input');
  const p = floatOf(c.v('p')) ?? 2;
  return tensorOf(c.op('LpNormalization', [x], { axis: c.int('dim'), p: Math.round(p) })[0]);
});
def('f', ['glu'], sig('input', ['dim', -1]), (c) => c.ctx.inlineLayer('GLU', [], [['dim', c.v('dim')]], [c.v('input')], [], {}, c.site));

// ---------------------------------------------------------------------------------------------
// binary

const BINARY_OPS: Record<string, string> = {
  '+': 'Add',
  '-': 'Sub',
  '*': 'Mul',
  '/': 'Div',
  '%': 'Mod',
  '**': 'Pow',
  '==': 'Equal',
  '<': 'Less',
  '<=': 'LessOrEqual',
  '>': 'Greater',
  '>=': 'GreaterOrEqual',
  '&': 'And',
  '|': 'Or',
  '^': 'Xor',
};

/** `a op b` where one side is a tensor. */
export function tensorBinary(ctx: TorchCtx, op: string, a: Value, b: Value, site: SourceRange): Value {
  return guard(ctx, site, msg`${op} on line ${at(site)}`, () => {
    const x = tv(ctx, a, 'left operand');
    const y = tv(ctx, b, 'right operand');
    if (op === '@') return tensorOf(ctx.op('MatMul', [x, y])[0]);
    if (op === '//') return tensorOf(ctx.op('Floor', [ctx.op('Div', [x, y])[0]])[0]);
    if (op === '!=') return tensorOf(ctx.op('Not', [ctx.op('Equal', [x, y])[0]])[0]);
    const onnx = BINARY_OPS[op];
    if (!onnx) throw new ShapeError(`operator ${op} on tensors is not modeled`);
    return tensorOf(ctx.op(onnx, [x, y])[0]);
  });
}

function binaryFn(onnx: string): Impl {
  return (c) => {
    const x = c.t('input');
    const y = c.t('other');
    let [out] = c.op(onnx, [x, y]);
    const alpha = floatOf(c.a.get('alpha'));
    if (alpha !== undefined && alpha !== 1) [out] = c.op('Mul', [out, { dtype: FLOAT, shape: [] }]);
    return tensorOf(out);
  };
}
def('tm', ['add', 'add_'], sig('input', 'other', ['alpha', 1], ['out', null]), binaryFn('Add'));
def('tm', ['sub', 'sub_', 'subtract'], sig('input', 'other', ['alpha', 1], ['out', null]), binaryFn('Sub'));
def('tm', ['mul', 'mul_', 'multiply'], sig('input', 'other', ['out', null]), binaryFn('Mul'));
def('tm', ['div', 'div_', 'divide', 'true_divide'], sig('input', 'other', ['rounding_mode', null], ['out', null]), binaryFn('Div'));
def('tm', ['pow', 'pow_'], sig('input', 'exponent'), (c) => tensorOf(c.op('Pow', [c.t('input'), c.t('exponent')])[0]));
def('tm', ['maximum'], sig('input', 'other'), binaryFn('Max'));
def('tm', ['minimum'], sig('input', 'other'), binaryFn('Min'));
for (const [name, onnx] of [['eq', 'Equal'], ['lt', 'Less'], ['le', 'LessOrEqual'], ['gt', 'Greater'], ['ge', 'GreaterOrEqual'], ['logical_and', 'And'], ['logical_or', 'Or']]) {
  def('tm', [name], sig('input', 'other'), binaryFn(onnx));
}
def('tm', ['where'], sig('condition', 'input', 'other'), (c) => tensorOf(c.op('Where', [c.t('condition'), c.t('input'), c.t('other')])[0]));
def('m', ['masked_fill', 'masked_fill_'], sig('input', 'mask', 'value'), (c) => tensorOf(c.op('Where', [c.t('mask'), { dtype: FLOAT, shape: [] }, c.t('input')])[0]));

function matmulFn(c: FnCall): Value {
  return tensorOf(c.op('MatMul', [c.t('input'), c.t('other')])[0]);
}
def('tm', ['matmul'], sig('input', 'other', ['out', null]), matmulFn);
def('tm', ['mm'], sig('input', 'mat2', ['out', null]), (c) => tensorOf(c.op('MatMul', [c.t('input'), c.t('mat2')])[0]));
def('tm', ['bmm'], sig('input', 'mat2', ['out', null]), (c) => tensorOf(c.op('MatMul', [c.t('input'), c.t('mat2')])[0]));
def('tm', ['addmm', 'baddbmm'], sig('input', 'mat1', 'mat2', ['beta', 1], ['alpha', 1], ['out', null]), (c) => {
  const [p] = c.op('MatMul', [c.t('mat1'), c.t('mat2')]);
  return tensorOf(c.op('Add', [p, c.t('input')])[0]);
});
def('t', ['einsum'], sig('equation', '*operands'), (c) => {
  const eq = c.str('equation');
  let ops = c.v('operands');
  if (ops.t === 'tuple' && ops.items.length === 1 && (ops.items[0].t === 'list' || ops.items[0].t === 'tuple')) ops = ops.items[0];
  const tensors = (ops as Extract<Value, { t: 'tuple' }>).items.map((o, i) => tv(c.ctx, o, `operand ${i}`));
  return tensorOf(c.op('Einsum', tensors, { equation: eq.replace(/\s+/g, '') })[0]);
});

// ---------------------------------------------------------------------------------------------
// shapes

function reshape(x: TensorValue, target: Expr[]): TensorValue {
  const shape = x.shape!;
  const n = product(shape);
  const minus = target.findIndex((d) => d.constant === -1);
  if (target.filter((d) => d.constant === -1).length > 1) throw new ShapeError('only one dimension can be -1');
  if (minus >= 0) {
    const rest = product(target.filter((_, i) => i !== minus));
    const d = rest.constant === 0 ? undefined : n.divExact(rest);
    if (!d) throw new ShapeError(`shape ${shapeText(target.map((t) => (t.constant === -1 ? '-1' : String(t))))} is invalid for an input of ${shapeText(shape)}`);
    return { dtype: x.dtype, shape: target.map((t, i) => (i === minus ? d : t)) };
  }
  const m = product(target);
  if (n.constant !== undefined && m.constant !== undefined && n.constant !== m.constant) {
    throw new ShapeError(`shape ${shapeText(target)} is invalid for an input of ${shapeText(shape)} (${n.constant} elements)`);
  }
  return { dtype: x.dtype, shape: target };
}

/** The shape arguments of view/reshape/expand: `(a, b)` or `((a, b))`. */
function shapeArgs(c: FnCall, name = 'shape'): Expr[] {
  const v = c.v(name);
  if (v.t === 'tuple' && v.items.length === 1 && (v.items[0].t === 'tuple' || v.items[0].t === 'list')) return dimsOf(v.items[0], name);
  return dimsOf(v, name);
}

def('m', ['view', 'reshape'], sig('input', '*shape'), (c) => {
  const first = c.v('shape');
  if (first.t === 'tuple' && first.items.length === 1 && first.items[0].t === 'ext') {
    // x.view(torch.float16): a dtype view keeps the shape.
    return tensorOf(c.t('input'));
  }
  return tensorOf(reshape(c.t('input'), shapeArgs(c)));
});
def('t', ['reshape'], sig('input', 'shape'), (c) => tensorOf(reshape(c.t('input'), c.dims('shape'))));
def('m', ['view_as', 'reshape_as'], sig('input', 'other'), (c) => tensorOf(reshape(c.t('input'), c.t('other').shape!)));
def('tm', ['flatten'], sig('input', ['start_dim', 0], ['end_dim', -1]), (c) => tensorOf(flattenShape({ fail: (r) => { throw new ShapeError(r); } }, c.t('input'), c.int('start_dim'), c.int('end_dim'))));
def('tm', ['unflatten'], sig('input', 'dim', 'sizes'), (c) => c.ctx.inlineLayer('Unflatten', [c.v('dim'), c.v('sizes')], [], [c.v('input')], [], {}, c.site));
def('m', ['permute'], sig('input', '*dims'), (c) => permute(c.t('input'), shapeArgs(c, 'dims').map((d) => d.constant!)));
def('t', ['permute'], sig('input', 'dims'), (c) => permute(c.t('input'), c.ints('dims')));
function permute(x: TensorValue, dims: number[]): Value {
  const s = x.shape!;
  if (dims.length !== s.length) throw new ShapeError(`permute of a ${s.length}-D tensor needs ${s.length} dims, got ${dims.length}`);
  return tensorOf({ dtype: x.dtype, shape: dims.map((d) => s[axis(d, s.length)]) });
}
def('tm', ['transpose', 'swapaxes', 'swapdims'], sig('input', 'dim0', 'dim1'), (c) => {
  const x = c.t('input');
  const s = [...x.shape!];
  const a = axis(c.int('dim0'), s.length);
  const b = axis(c.int('dim1'), s.length);
  [s[a], s[b]] = [s[b], s[a]];
  return tensorOf({ dtype: x.dtype, shape: s });
});
def('tm', ['t'], sig('input'), (c) => {
  const x = c.t('input');
  const s = x.shape!;
  return tensorOf(s.length < 2 ? x : { dtype: x.dtype, shape: [s[1], s[0]] });
});
def('tm', ['unsqueeze', 'unsqueeze_'], sig('input', 'dim'), (c) => {
  const x = c.t('input');
  const s = [...x.shape!];
  const d = c.int('dim');
  const a = d < 0 ? d + s.length + 1 : d;
  if (a < 0 || a > s.length) throw new ShapeError(`dim ${d} is out of range for unsqueeze of a ${s.length}-D tensor`);
  s.splice(a, 0, Expr.ONE);
  return tensorOf({ dtype: x.dtype, shape: s });
});
def('tm', ['squeeze', 'squeeze_'], sig('input', ['dim', null]), (c) => {
  const x = c.t('input');
  const s = x.shape!;
  if (!c.has('dim')) {
    if (s.some((d) => d.constant === undefined)) throw new ShapeError(`squeeze() of ${shapeText(s)} depends on symbolic dims`);
    return tensorOf({ dtype: x.dtype, shape: s.filter((d) => d.constant !== 1) });
  }
  const dims = c.dims('dim').map((d) => axis(d.constant!, s.length));
  return tensorOf({ dtype: x.dtype, shape: s.filter((d, i) => !(dims.includes(i) && d.constant === 1)) });
});
def('m', ['expand'], sig('input', '*sizes'), (c) => {
  const x = c.t('input');
  const s = x.shape!;
  const sizes = shapeArgs(c, 'sizes');
  const lead = sizes.length - s.length;
  if (lead < 0) throw new ShapeError(`expand to ${sizes.length} dims of a ${s.length}-D tensor`);
  return tensorOf({ dtype: x.dtype, shape: sizes.map((d, i) => (d.constant === -1 ? s[i - lead] : d)) });
});
def('m', ['expand_as'], sig('input', 'other'), (c) => tensorOf({ dtype: c.t('input').dtype, shape: c.t('other').shape }));
def('m', ['repeat'], sig('input', '*sizes'), (c) => {
  const x = c.t('input');
  const reps = shapeArgs(c, 'sizes');
  const s = x.shape!;
  const lead = reps.length - s.length;
  if (lead < 0) throw new ShapeError('repeat needs at least as many sizes as dims');
  return tensorOf({ dtype: x.dtype, shape: reps.map((r, i) => (i < lead ? r : s[i - lead].mul(r))) });
});
def('tm', ['flip', 'roll'], sig('input', '*rest'), (c) => tensorOf(c.t('input')));

function tensorList(c: FnCall, name: string): TensorValue[] {
  const v = c.v(name);
  if (v.t === 'unknown') throw new Propagated(v.why);
  if (v.t !== 'list' && v.t !== 'tuple') throw new ShapeError(`${name} must be a list of tensors`);
  if (v.items.length === 0) throw new ShapeError(`${name} is empty`);
  return v.items.map((t, i) => tv(c.ctx, t, `${name}[${i}]`));
}
def('t', ['cat', 'concat', 'concatenate'], sig('tensors', ['dim', 0], ['out', null]), (c) => {
  const ts = tensorList(c, 'tensors').filter((t) => !(t.shape!.length === 1 && t.shape![0].constant === 0));
  const r = ts[0].shape!.length;
  const d = axis(c.int('dim'), r);
  const out = [...ts[0].shape!];
  for (const t of ts.slice(1)) {
    if (t.shape!.length !== r) throw new ShapeError(`cat of tensors with ${r} and ${t.shape!.length} dims`);
    t.shape!.forEach((x, i) => {
      if (i === d) return;
      const a = out[i].constant;
      const b = x.constant;
      if (a !== undefined && b !== undefined && a !== b) throw new ShapeError(`cat along dim ${d}: sizes ${shapeText(ts[0].shape!)} and ${shapeText(t.shape!)} differ in dim ${i}`);
    });
    out[d] = out[d].add(t.shape![d]);
  }
  return tensorOf({ dtype: ts[0].dtype, shape: out });
});
def('t', ['stack'], sig('tensors', ['dim', 0], ['out', null]), (c) => {
  const ts = tensorList(c, 'tensors');
  const s = [...ts[0].shape!];
  const d = c.int('dim');
  const a = d < 0 ? d + s.length + 1 : d;
  s.splice(a, 0, Expr.of(ts.length));
  return tensorOf({ dtype: ts[0].dtype, shape: s });
});
def('tm', ['split'], sig('input', 'split_size_or_sections', ['dim', 0]), (c) => {
  const x = c.t('input');
  const s = x.shape!;
  const d = axis(c.int('dim'), s.length);
  const total = s[d].constant;
  const v = c.v('split_size_or_sections');
  let sizes: number[];
  if (v.t === 'list' || v.t === 'tuple') sizes = c.ints('split_size_or_sections');
  else {
    const size = c.int('split_size_or_sections');
    if (total === undefined) throw new ShapeError(`split of a symbolic dim ${s[d]}`);
    sizes = [];
    for (let left = total; left > 0; left -= size) sizes.push(Math.min(size, left));
  }
  return { t: 'tuple', items: sizes.map((n) => tensorOf({ dtype: x.dtype, shape: s.map((e, i) => (i === d ? Expr.of(n) : e)) })) };
});
def('tm', ['chunk'], sig('input', 'chunks', ['dim', 0]), (c) => {
  const x = c.t('input');
  const s = x.shape!;
  const d = axis(c.int('dim'), s.length);
  const n = c.int('chunks');
  const total = s[d].constant;
  if (total === undefined) {
    const each = s[d].divExact(Expr.of(n));
    if (!each) throw new ShapeError(`chunk of a symbolic dim ${s[d]} into ${n}`);
    return { t: 'tuple', items: Array.from({ length: n }, () => tensorOf({ dtype: x.dtype, shape: s.map((e, i) => (i === d ? each : e)) })) };
  }
  const size = Math.ceil(total / n);
  const sizes: number[] = [];
  for (let left = total; left > 0; left -= size) sizes.push(Math.min(size, left));
  return { t: 'tuple', items: sizes.map((k) => tensorOf({ dtype: x.dtype, shape: s.map((e, i) => (i === d ? Expr.of(k) : e)) })) };
});
def('tm', ['unbind'], sig('input', ['dim', 0]), (c) => {
  const x = c.t('input');
  const s = x.shape!;
  const d = axis(c.int('dim'), s.length);
  const n = s[d].constant;
  if (n === undefined || n > 10_000) throw new ShapeError(`unbind along a dim of unknown size ${s[d]}`);
  return { t: 'tuple', items: Array.from({ length: n }, () => tensorOf({ dtype: x.dtype, shape: s.filter((_, i) => i !== d) })) };
});
def('tm', ['narrow'], sig('input', 'dim', 'start', 'length'), (c) => {
  const x = c.t('input');
  const s = x.shape!;
  const d = axis(c.int('dim'), s.length);
  return tensorOf({ dtype: x.dtype, shape: s.map((e, i) => (i === d ? dimOf(c.v('length'), 'length') : e)) });
});
def('tm', ['select'], sig('input', 'dim', 'index'), (c) => {
  const x = c.t('input');
  const s = x.shape!;
  const d = axis(c.int('dim'), s.length);
  return tensorOf({ dtype: x.dtype, shape: s.filter((_, i) => i !== d) });
});

// ---------------------------------------------------------------------------------------------
// reductions

function reduceAxes(c: FnCall, rank: number): number[] | undefined {
  if (!c.has('dim')) return undefined;
  return c.ints('dim').map((d) => axis(d, rank));
}

function reduceFn(onnx: string, tupleWithIndices = false): Impl {
  return (c) => {
    const x = c.t('input');
    const rank = x.shape!.length;
    const axes = reduceAxes(c, rank);
    const keep = c.a.has('keepdim') ? c.bool('keepdim') : false;
    const all = axes ?? Array.from({ length: rank }, (_, i) => i);
    const axesT: TensorValue = { dtype: INT64, shape: [Expr.of(all.length)], value: all.map((a) => Expr.of(a)) };
    const [y] = rank === 0 ? [x] : c.op(onnx, [x, axesT], { keepdims: keep ? 1 : 0 });
    if (tupleWithIndices && axes) return { t: 'tuple', items: [tensorOf(y), tensorOf({ dtype: INT64, shape: y.shape })] };
    return tensorOf(y);
  };
}
def('tm', ['mean'], sig('input', ['dim', null], ['keepdim', false], ['dtype', null]), reduceFn('ReduceMean'));
def('tm', ['sum'], sig('input', ['dim', null], ['keepdim', false], ['dtype', null]), reduceFn('ReduceSum'));
def('tm', ['prod'], sig('input', ['dim', null], ['keepdim', false], ['dtype', null]), reduceFn('ReduceProd'));
def('tm', ['amax'], sig('input', ['dim', null], ['keepdim', false]), reduceFn('ReduceMax'));
def('tm', ['amin'], sig('input', ['dim', null], ['keepdim', false]), reduceFn('ReduceMin'));
def('tm', ['logsumexp'], sig('input', 'dim', ['keepdim', false]), reduceFn('ReduceLogSumExp'));
def('tm', ['max'], sig('input', ['dim', null], ['keepdim', false]), (c) => {
  const o = c.v('dim');
  if (o.t === 'tensor') return tensorOf(c.op('Max', [c.t('input'), c.t('dim')])[0]);
  return reduceFn('ReduceMax', true)(c);
});
def('tm', ['min'], sig('input', ['dim', null], ['keepdim', false]), (c) => {
  const o = c.v('dim');
  if (o.t === 'tensor') return tensorOf(c.op('Min', [c.t('input'), c.t('dim')])[0]);
  return reduceFn('ReduceMin', true)(c);
});
def('tm', ['norm'], sig('input', ['p', 'fro'], ['dim', null], ['keepdim', false], ['dtype', null]), reduceFn('ReduceL2'));
def('tm', ['argmax', 'argmin'], sig('input', ['dim', null], ['keepdim', false]), (c) => {
  const x = c.t('input');
  const rank = x.shape!.length;
  if (!c.has('dim')) {
    c.ctx.addCost(Expr.ZERO, product(x.shape!));
    return tensorOf({ dtype: INT64, shape: [] });
  }
  const [y] = c.op('ArgMax', [x], { axis: axis(c.int('dim'), rank), keepdims: c.bool('keepdim') ? 1 : 0 });
  return tensorOf(y);
});
for (const [name, unbiased] of [['var', true], ['std', true]] as const) {
  def('tm', [name], sig('input', ['dim', null], ['unbiased', unbiased], ['keepdim', false], ['correction', null]), (c) => {
    const x = c.t('input');
    const rank = x.shape!.length;
    const all = reduceAxes(c, rank) ?? Array.from({ length: rank }, (_, i) => i);
    const axesT: TensorValue = { dtype: INT64, shape: [Expr.of(all.length)], value: all.map((a) => Expr.of(a)) };
    const [m] = c.op('ReduceMean', [x, axesT], { keepdims: 1 });
    const [d] = c.op('Sub', [x, m]);
    const [sq] = c.op('Mul', [d, d]);
    let [v] = c.op('ReduceMean', [sq, axesT], { keepdims: c.bool('keepdim') ? 1 : 0 });
    if (name === 'std') [v] = c.op('Sqrt', [v]);
    return tensorOf(v);
  });
}
def('tm', ['cumsum'], sig('input', 'dim', ['dtype', null]), (c) => {
  const x = c.t('input');
  const ax: TensorValue = { dtype: INT64, shape: [], value: [Expr.of(c.int('dim'))] };
  return tensorOf(c.op('CumSum', [x, ax])[0]);
});
def('tm', ['topk'], sig('input', 'k', ['dim', -1], ['largest', true], ['sorted', true]), (c) => {
  const x = c.t('input');
  const k: TensorValue = { dtype: INT64, shape: [Expr.ONE], value: [Expr.of(c.int('k'))] };
  const [v, i] = c.op('TopK', [x, k], { axis: c.int('dim') }, 2);
  return { t: 'tuple', items: [tensorOf(v), tensorOf(i)] };
});

// ---------------------------------------------------------------------------------------------
// creation

function sizeArgs(c: FnCall): Expr[] {
  return shapeArgs(c, 'size');
}
function dtypeOf(v: Value): number {
  if (v.t === 'ext' && /(int|long)/.test(v.path)) return INT64;
  if (v.t === 'ext' && /bool/.test(v.path)) return BOOL;
  return FLOAT;
}
for (const name of ['zeros', 'ones', 'rand', 'randn', 'empty']) {
  def('t', [name], sig('*size', ['dtype', null], ['device', null], ['requires_grad', false], ['out', null], ['layout', null], ['pin_memory', false], ['generator', null]), (c) => tensorOf({ dtype: dtypeOf(c.v('dtype')), shape: sizeArgs(c) }));
}
def('t', ['full'], sig('size', 'fill_value', ['dtype', null], ['device', null], ['requires_grad', false]), (c) => tensorOf({ dtype: dtypeOf(c.v('dtype')), shape: c.dims('size') }));
def('t', ['randint'], sig('low', ['high', null], ['size', null], ['dtype', null], ['device', null], ['generator', null], ['requires_grad', false]), (c) => {
  // randint(high, size) or randint(low, high, size).
  const size = c.has('size') ? c.dims('size') : dimsOf(c.v('high'), 'size');
  return tensorOf({ dtype: INT64, shape: size });
});
def('t', ['arange'], sig('start', ['end', null], ['step', 1], ['dtype', null], ['device', null], ['requires_grad', false]), (c) => {
  const [start, end] = c.has('end') ? [dimOf(c.v('start'), 'start'), dimOf(c.v('end'), 'end')] : [Expr.ZERO, dimOf(c.v('start'), 'end')];
  const step = c.int('step');
  const n = step === 1 ? end.sub(start) : end.sub(start).ceilDiv(step);
  c.ctx.addCost(Expr.ZERO, n);
  return tensorOf({ dtype: c.has('dtype') ? dtypeOf(c.v('dtype')) : INT64, shape: [n] });
});
def('t', ['linspace'], sig('start', 'end', 'steps', ['dtype', null], ['device', null]), (c) => tensorOf({ dtype: FLOAT, shape: [dimOf(c.v('steps'), 'steps')] }));
def('t', ['eye'], sig('n', ['m', null], ['dtype', null], ['device', null]), (c) => {
  const n = dimOf(c.v('n'), 'n');
  return tensorOf({ dtype: FLOAT, shape: [n, c.has('m') ? dimOf(c.v('m'), 'm') : n] });
});
def('t', ['tensor', 'as_tensor', 'from_numpy'], sig('data', ['dtype', null], ['device', null], ['requires_grad', false]), (c) => {
  const shape: Expr[] = [];
  let v = c.v('data');
  let dtype = INT64;
  for (;;) {
    if (v.t === 'list' || v.t === 'tuple') {
      shape.push(Expr.of(v.items.length));
      if (v.items.length === 0) break;
      v = v.items[0];
      continue;
    }
    if (v.t === 'float') dtype = FLOAT;
    else if (v.t === 'bool') dtype = BOOL;
    else if (v.t !== 'int' && v.t !== 'dim') throw new ShapeError(`torch.tensor of ${typeName(v)}`);
    break;
  }
  return tensorOf({ dtype: c.has('dtype') ? dtypeOf(c.v('dtype')) : dtype, shape });
});
for (const name of ['zeros_like', 'ones_like', 'rand_like', 'randn_like', 'empty_like', 'full_like']) {
  def('t', [name], sig('input', '*rest'), (c) => tensorOf(c.t('input')));
}
for (const name of ['new_zeros', 'new_ones', 'new_empty']) {
  def('m', [name], sig('input', '*size'), (c) => tensorOf({ dtype: c.t('input').dtype, shape: shapeArgs(c, 'size') }));
}
def('m', ['new_full'], sig('input', 'size', 'fill_value'), (c) => tensorOf({ dtype: c.t('input').dtype, shape: c.dims('size') }));

// ---------------------------------------------------------------------------------------------
// layers as functions (torch.nn.functional)

function layerFn(type: string, ctor: (c: FnCall) => [Value[], Kwargs], params?: (c: FnCall) => Record<string, TensorValue | undefined>): Impl {
  return (c) => {
    const [args, kwargs] = ctor(c);
    return c.ctx.inlineLayer(type, args, kwargs, [c.v('input')], [], params ? params(c) : {}, c.site);
  };
}

for (const n of [1, 2, 3]) {
  def('tf', [`conv${n}d`], sig('input', 'weight', ['bias', null], ['stride', 1], ['padding', 0], ['dilation', 1], ['groups', 1]), layerFn(`Conv${n}d`, (c) => {
    const w = c.t('weight').shape!;
    const g = c.int('groups');
    const cin = w[1].constant! * g;
    return [[{ t: 'int', v: cin }, { t: 'int', v: w[0].constant! }, { t: 'tuple', items: w.slice(2).map((d) => ({ t: 'int', v: d.constant! }) as Value) }], [['stride', c.v('stride')], ['padding', c.v('padding')], ['dilation', c.v('dilation')], ['groups', c.v('groups')], ['bias', { t: 'bool', v: c.has('bias') }]]];
  }, (c) => ({ weight: c.t('weight'), bias: c.optT('bias') })));
  def('tf', [`conv_transpose${n}d`], sig('input', 'weight', ['bias', null], ['stride', 1], ['padding', 0], ['output_padding', 0], ['groups', 1], ['dilation', 1]), layerFn(`ConvTranspose${n}d`, (c) => {
    const w = c.t('weight').shape!;
    const g = c.int('groups');
    return [[{ t: 'int', v: w[0].constant! }, { t: 'int', v: w[1].constant! * g }, { t: 'tuple', items: w.slice(2).map((d) => ({ t: 'int', v: d.constant! }) as Value) }], [['stride', c.v('stride')], ['padding', c.v('padding')], ['output_padding', c.v('output_padding')], ['groups', c.v('groups')], ['dilation', c.v('dilation')], ['bias', { t: 'bool', v: c.has('bias') }]]];
  }, (c) => ({ weight: c.t('weight'), bias: c.optT('bias') })));
  def('tf', [`max_pool${n}d`], sig('input', 'kernel_size', ['stride', null], ['padding', 0], ['dilation', 1], ['ceil_mode', false], ['return_indices', false]), layerFn(`MaxPool${n}d`, (c) => [[c.v('kernel_size')], [['stride', c.v('stride')], ['padding', c.v('padding')], ['dilation', c.v('dilation')], ['ceil_mode', c.v('ceil_mode')], ['return_indices', c.v('return_indices')]]]));
  def('tf', [`avg_pool${n}d`], sig('input', 'kernel_size', ['stride', null], ['padding', 0], ['ceil_mode', false], ['count_include_pad', true], ['divisor_override', null]), layerFn(`AvgPool${n}d`, (c) => [[c.v('kernel_size')], [['stride', c.v('stride')], ['padding', c.v('padding')], ['ceil_mode', c.v('ceil_mode')], ['count_include_pad', c.v('count_include_pad')]]]));
  def('tf', [`adaptive_avg_pool${n}d`], sig('input', 'output_size'), layerFn(`AdaptiveAvgPool${n}d`, (c) => [[c.v('output_size')], []]));
  def('tf', [`adaptive_max_pool${n}d`], sig('input', 'output_size', ['return_indices', false]), layerFn(`AdaptiveMaxPool${n}d`, (c) => [[c.v('output_size')], [['return_indices', c.v('return_indices')]]]));
}
def('tf', ['lp_pool2d', 'lp_pool1d'], sig('input', 'norm_type', 'kernel_size', ['stride', null], ['ceil_mode', false]), (c) => {
  const n = c.t('input').shape!.length >= 4 ? 2 : 1;
  return c.ctx.inlineLayer(`LPPool${n}d`, [c.v('norm_type'), c.v('kernel_size')], [['stride', c.v('stride')], ['ceil_mode', c.v('ceil_mode')]], [c.v('input')], [], {}, c.site);
});
def('tf', ['linear'], sig('input', 'weight', ['bias', null]), layerFn('Linear', (c) => {
  const w = c.t('weight').shape!;
  if (w.length !== 2) throw new ShapeError(`linear weight must be 2-D, got ${shapeText(w)}`);
  return [[{ t: 'int', v: w[1].constant! }, { t: 'int', v: w[0].constant! }], [['bias', { t: 'bool', v: c.has('bias') }]]];
}, (c) => ({ weight: c.t('weight'), bias: c.optT('bias') })));
def('tf', ['bilinear'], sig('input1', 'input2', 'weight', ['bias', null]), (c) => {
  const w = c.t('weight');
  let [y] = c.op('Einsum', [c.t('input1'), w, c.t('input2')], { equation: '...i,oij,...j->...o' });
  const b = c.optT('bias');
  if (b) [y] = c.op('Add', [y, b]);
  return tensorOf(y);
});
def('tf', ['embedding'], sig('input', 'weight', ['padding_idx', null], ['max_norm', null], ['norm_type', { float: 2 }], ['scale_grad_by_freq', false], ['sparse', false]), (c) => tensorOf(c.op('Gather', [c.t('weight'), c.t('input')], { axis: 0 })[0]));
def('tf', ['layer_norm'], sig('input', 'normalized_shape', ['weight', null], ['bias', null], ['eps', { float: 1e-5 }]), (c) => {
  const shape = c.dims('normalized_shape');
  const x = c.t('input');
  const scale = c.optT('weight') ?? { dtype: FLOAT, shape };
  return tensorOf(c.op('LayerNormalization', [x, scale, c.optT('bias')], { axis: -shape.length })[0]);
});
def('tf', ['rms_norm'], sig('input', 'normalized_shape', ['weight', null], ['eps', null]), (c) => {
  const shape = c.dims('normalized_shape');
  return tensorOf(c.op('RMSNormalization', [c.t('input'), c.optT('weight') ?? { dtype: FLOAT, shape }], { axis: -shape.length })[0]);
});
def('tf', ['batch_norm'], sig('input', 'running_mean', 'running_var', ['weight', null], ['bias', null], ['training', false], ['momentum', { float: 0.1 }], ['eps', { float: 1e-5 }]), (c) => {
  const x = c.t('input');
  const ch: TensorValue = { dtype: FLOAT, shape: [x.shape![1]] };
  return tensorOf(c.op('BatchNormalization', [x, c.optT('weight') ?? ch, c.optT('bias') ?? ch, ch, ch], { training_mode: c.bool('training') ? 1 : 0 })[0]);
});
def('tf', ['group_norm'], sig('input', 'num_groups', ['weight', null], ['bias', null], ['eps', { float: 1e-5 }]), (c) => {
  const x = c.t('input');
  const ch: TensorValue = { dtype: FLOAT, shape: [x.shape![1]] };
  return tensorOf(c.op('GroupNormalization', [x, c.optT('weight') ?? ch, c.optT('bias') ?? ch], { num_groups: c.int('num_groups') })[0]);
});
def('tf', ['instance_norm'], sig('input', ['running_mean', null], ['running_var', null], ['weight', null], ['bias', null], ['use_input_stats', true], ['momentum', { float: 0.1 }], ['eps', { float: 1e-5 }]), (c) => {
  const x = c.t('input');
  const ch: TensorValue = { dtype: FLOAT, shape: [x.shape![1]] };
  return tensorOf(c.op('InstanceNormalization', [x, c.optT('weight') ?? ch, c.optT('bias') ?? ch])[0]);
});
def('tf', ['prelu'], sig('input', 'weight'), (c) => {
  const x = c.t('input');
  const w = c.t('weight');
  const n = w.shape![0];
  const slope = n.constant === 1 ? w : { dtype: w.dtype, shape: [n, ...new Array<Expr>(Math.max(0, x.shape!.length - 2)).fill(Expr.ONE)] };
  return tensorOf(c.op('PRelu', [x, slope])[0]);
});
def('f', ['interpolate', 'upsample'], sig('input', ['size', null], ['scale_factor', null], ['mode', 'nearest'], ['align_corners', null], ['recompute_scale_factor', null], ['antialias', false]), (c) => {
  const x = c.t('input');
  const size = c.has('size') ? c.ints('size') : undefined;
  let scale: number[] | undefined;
  if (c.has('scale_factor')) {
    const v = c.v('scale_factor');
    const items = v.t === 'tuple' || v.t === 'list' ? v.items : [v];
    scale = items.map((it) => {
      const f = floatOf(it);
      if (f === undefined) throw it.t === 'unknown' ? new Propagated(it.why) : new ShapeError('scale_factor is not a number');
      return f;
    });
  }
  return tensorOf(resize(fnForward(c), x, size, scale, c.str('mode')));
});
def('f', ['pad'], sig('input', 'pad', ['mode', 'constant'], ['value', null]), (c) => tensorOf(padShape({ fail: (r) => { throw new ShapeError(r); } }, c.t('input'), c.ints('pad'))));
def('tf', ['pixel_shuffle'], sig('input', 'upscale_factor'), (c) => c.ctx.inlineLayer('PixelShuffle', [c.v('upscale_factor')], [], [c.v('input')], [], {}, c.site));
def('tf', ['pixel_unshuffle'], sig('input', 'downscale_factor'), (c) => c.ctx.inlineLayer('PixelUnshuffle', [c.v('downscale_factor')], [], [c.v('input')], [], {}, c.site));
def('f', ['scaled_dot_product_attention'], sig('query', 'key', 'value', ['attn_mask', null], ['dropout_p', { float: 0 }], ['is_causal', false], ['scale', null]), (c) => {
  const q = c.t('query');
  const k = c.t('key');
  const v = c.t('value');
  const ks = k.shape!;
  const kt: TensorValue = { dtype: k.dtype, shape: [...ks.slice(0, -2), ks[ks.length - 1], ks[ks.length - 2]] };
  let [s] = c.op('MatMul', [q, kt]);
  [s] = c.op('Mul', [s, { dtype: FLOAT, shape: [] }]);
  if (c.has('attn_mask')) [s] = c.op('Add', [s, c.t('attn_mask')]);
  const [p] = c.op('Softmax', [s], { axis: -1 });
  return tensorOf(c.op('MatMul', [p, v])[0]);
});
def('f', ['one_hot'], sig('tensor', ['num_classes', -1]), (c) => {
  const x = c.t('tensor');
  const n = c.int('num_classes');
  if (n < 0) throw new ShapeError('one_hot without num_classes depends on the data');
  return tensorOf({ dtype: INT64, shape: [...x.shape!, Expr.of(n)] });
});

/** What resize() needs, over a FnCall. */
function fnForward(c: FnCall): OpSink {
  return {
    op: (o, i, a, n) => c.op(o, i, a, n),
    fail: (r) => {
      throw new ShapeError(r);
    },
    addCost: (m, f) => c.ctx.addCost(m, f),
  };
}

// ---------------------------------------------------------------------------------------------
// entry points

function invoke(ctx: TorchCtx, table: Map<string, FnDef>, label: string, name: string, args: Value[], kwargs: Kwargs, site: SourceRange): Value | undefined {
  const d = table.get(name);
  if (!d) return undefined;
  return guard(ctx, site, label, () => {
    // Signatures with *rest take what they model and ignore other keywords (inplace=, device=).
    const rest = d.sig.find((x) => x.rest);
    const kw = rest ? kwargs.filter(([k]) => d.sig.some((x) => x.name === k && !x.rest)) : kwargs;
    const a = bindArgs(label, d.sig, args, kw);
    // torch.zeros(size=(2, 3)) / x.view(shape=...): the keyword form of the varargs.
    const named = rest && kwargs.find(([k]) => k === rest.name)?.[1];
    const given = rest && a.get(rest.name);
    if (named && given?.t === 'tuple' && given.items.length === 0) a.set(rest.name, { t: 'tuple', items: [named] });
    return d.impl(new FnCall(ctx, label, a, site));
  });
}

/** torch.X / torch.nn.functional.X; undefined when not modeled. */
export function callTorchFunction(ctx: TorchCtx, path: string, args: Value[], kwargs: Kwargs, site: SourceRange): Value | undefined {
  if (path.startsWith('torch.nn.functional.')) {
    const name = path.slice('torch.nn.functional.'.length);
    return invoke(ctx, FUNCTIONAL, `F.${name}`, name, args, kwargs, site) ?? invoke(ctx, TORCH, `F.${name}`, name, args, kwargs, site);
  }
  if (path.startsWith('torch.') && path.split('.').length === 2) {
    const name = path.slice('torch.'.length);
    return invoke(ctx, TORCH, `torch.${name}`, name, args, kwargs, site);
  }
  if (path === 'torch.Tensor.size' || path === 'torch.Size') return undefined;
  return undefined;
}

function sizeValue(shape: Expr[]): Value {
  return { t: 'tuple', items: shape.map((d) => (d.constant !== undefined ? { t: 'int', v: d.constant } : { t: 'dim', e: d }) as Value) };
}

const TENSOR_ATTRS = new Set(['shape', 'T', 'mT', 'ndim', 'dtype', 'device', 'data', 'is_cuda', 'requires_grad', 'grad']);

export function tensorAttr(ctx: TorchCtx, v: Tensor, name: string, site: SourceRange): Value {
  const t = v.ten;
  switch (name) {
    case 'shape':
      return t.shape ? sizeValue(t.shape) : unknown(t.why?.reason ?? 'the tensor shape is unknown', t.why?.line);
    case 'ndim':
      return t.shape ? { t: 'int', v: t.shape.length } : unknown(t.why?.reason ?? 'the tensor shape is unknown', t.why?.line);
    case 'T':
    case 'mT':
      return guard(ctx, site, `.${name}`, () => {
        const x = tv(ctx, v, 'tensor');
        const s = [...x.shape!];
        if (name === 'T') s.reverse();
        else if (s.length >= 2) [s[s.length - 1], s[s.length - 2]] = [s[s.length - 2], s[s.length - 1]];
        return tensorOf({ dtype: x.dtype, shape: s });
      });
    case 'data':
      return { t: 'tensor', ten: { shape: t.shape, dtype: t.dtype, why: t.why } };
    case 'is_cuda':
      return { t: 'bool', v: false };
    case 'requires_grad':
      return { t: 'bool', v: !!t.param };
    case 'dtype':
      return { t: 'ext', path: t.dtype === INT64 ? 'torch.int64' : t.dtype === BOOL ? 'torch.bool' : 'torch.float32' };
    case 'device':
      return { t: 'ext', path: 'torch.device' };
    default:
      if (TENSOR_ATTRS.has(name)) return unknown(`tensor.${name}`, line(site));
      return { t: 'builtin', name: `tensor.${name}`, self: v };
  }
}

export function tensorMethod(ctx: TorchCtx, v: Tensor, name: string, args: Value[], kwargs: Kwargs, site: SourceRange): Value {
  const t = v.ten;
  switch (name) {
    case 'size': {
      if (!t.shape) return unknown(t.why?.reason ?? 'the tensor shape is unknown', t.why?.line);
      const d = args[0] ?? kwargs.find(([k]) => k === 'dim')?.[1];
      if (!d) return sizeValue(t.shape);
      const n = numLike(d);
      if (!n || n.kind !== 'int') return d.t === 'unknown' ? d : unknown('size() of an unknown dim', line(site));
      const a = n.v < 0 ? n.v + t.shape.length : n.v;
      if (a < 0 || a >= t.shape.length) return unknown(`dim ${n.v} is out of range for ${shapeText(t.shape)}`, line(site));
      const e = t.shape[a];
      return e.constant !== undefined ? { t: 'int', v: e.constant } : { t: 'dim', e };
    }
    case 'dim':
    case 'ndimension':
      return t.shape ? { t: 'int', v: t.shape.length } : unknown(t.why?.reason ?? 'the tensor shape is unknown', t.why?.line);
    case 'numel':
    case 'nelement': {
      if (!t.shape) return unknown(t.why?.reason ?? 'the tensor shape is unknown', t.why?.line);
      const n = product(t.shape);
      return n.constant !== undefined ? { t: 'int', v: n.constant } : { t: 'dim', e: n };
    }
    case 'item':
    case 'tolist':
    case 'numpy':
      return unknown(`tensor.${name}() depends on the data`, line(site));
    case 'zero_':
    case 'fill_':
    case 'normal_':
    case 'uniform_':
    case 'copy_':
    case 'data_ptr':
    case 'register_hook':
    case 'retain_grad':
    case 'backward':
      return v;
    default: {
      const r = invoke(ctx, METHODS, `.${name}()`, name, [v, ...args], kwargs, site);
      return r ?? unknown(`tensor.${name}() is not modeled`, line(site));
    }
  }
}

export function tensorUnary(ctx: TorchCtx, op: string, a: Value, site: SourceRange): Value {
  return guard(ctx, site, `unary ${op}`, () => {
    const x = tv(ctx, a, 'operand');
    if (op === '-') return tensorOf(ctx.op('Neg', [x])[0]);
    if (op === '~') return tensorOf(ctx.op('Not', [x])[0]);
    return tensorOf(x);
  });
}

/** x[...] with ints, slices, None, Ellipsis (basic indexing: no arithmetic). */
export function tensorIndex(ctx: TorchCtx, v: Tensor, index: Value, site: SourceRange): Value {
  return guard(ctx, site, msg`indexing on line ${at(site)}`, () => {
    const x = tv(ctx, v, 'tensor');
    const s = x.shape!;
    const items = index.t === 'tuple' ? index.items : [index];
    const consumed = items.filter((i) => i.t !== 'none' && i.t !== 'ellipsis').length;
    if (consumed > s.length) throw new ShapeError(`too many indices for a ${s.length}-D tensor`);
    const out: Expr[] = [];
    let d = 0;
    for (const it of items) {
      if (it.t === 'none') {
        out.push(Expr.ONE);
        continue;
      }
      if (it.t === 'ellipsis') {
        const skip = s.length - consumed;
        for (let k = 0; k < skip; k++) out.push(s[d++]);
        continue;
      }
      const dim = s[d++];
      if (it.t === 'slice') {
        const n = dim.constant;
        if (n !== undefined) {
          const b = sliceIndices(it, n);
          if ('reason' in b) throw b.line ? new Propagated(b) : new ShapeError(b.reason);
          out.push(Expr.of(Math.max(0, b.step > 0 ? Math.ceil((b.stop - b.start) / b.step) : Math.ceil((b.start - b.stop) / -b.step))));
          continue;
        }
        // Symbolic dim: `:` keeps it; `:k` is min(k, dim); `a:b` with a known difference.
        const lo = it.lower.t === 'none' ? 0 : it.lower;
        const hi = it.upper;
        if (it.step.t !== 'none' && numLike(it.step)?.kind === 'int' && (numLike(it.step) as { v: number }).v !== 1) throw new ShapeError(`strided slice of a symbolic dim ${dim}`);
        if (lo === 0 && hi.t === 'none') out.push(dim);
        else if (lo === 0 && (hi.t === 'int' || hi.t === 'dim')) out.push(dimOf(hi, 'slice stop').min(dim));
        else throw new ShapeError(`slice of a symbolic dim ${dim}`);
        continue;
      }
      if (it.t === 'tensor') throw new ShapeError('indexing with a tensor is not modeled');
      if (it.t === 'list') throw new ShapeError('indexing with a list is not modeled');
      const n = numLike(it);
      if (!n || n.kind === 'float') throw it.t === 'unknown' ? new Propagated(it.why) : new ShapeError(`index of type ${typeName(it)}`);
      const c = dim.constant;
      if (n.kind === 'int' && c !== undefined && (n.v >= c || n.v < -c)) throw new ShapeError(`index ${n.v} is out of range for dim ${d - 1} of size ${c}`);
    }
    while (d < s.length) out.push(s[d++]);
    return tensorOf({ dtype: x.dtype, shape: out });
  });
}
