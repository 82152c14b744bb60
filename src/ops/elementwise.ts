/**
 * Element-wise binary, variadic and logical ops with multidirectional (numpy) broadcasting.
 * MACs are always 0: none of these is a multiply-accumulate. FLOPs count per OUTPUT element:
 *
 * | op                                                               | FLOPs per output element |
 * |------------------------------------------------------------------|--------------------------|
 * | Add, Sub, Mul, Div, Pow, Mod, BitShift                           | 1                        |
 * | Equal, Less, LessOrEqual, Greater, GreaterOrEqual (→ BOOL)       | 1 (one comparison)       |
 * | And, Or, Xor, BitwiseAnd, BitwiseOr, BitwiseXor                  | 1                        |
 * | Not, BitwiseNot, IsNaN, IsInf (→ BOOL), Sign                     | 1                        |
 * | Sum, Max, Min of n inputs                                        | n − 1 (pairwise combines)|
 * | Mean of n inputs                                                 | n (n − 1 adds + 1 divide)|
 *
 * Data propagation: known contents (shape arithmetic such as `seq / 2`, `batch · 8`) are computed
 * for Add, Sub, Mul, Div, Max, Min, Sum, Mean, Pow, Mod, BitShift, the comparisons, the logical
 * and bitwise ops, Not, Sign, IsNaN and IsInf, whenever every input's contents are known and the
 * output is small. Integer Div truncates toward zero as ONNX does: a constant quotient uses
 * Math.trunc, a symbolic numerator needs an exact divisor (divExact) or, when it is provably
 * non-negative, a floor division; otherwise the contents stay unknown.
 */
import { Expr, sum } from '../symbolic/expr';
import { DataType, isIntegerType } from '../onnx/model';
import { defineOps } from './registry';
import { broadcast } from './shape-utils';
import { broadcastContents, nonNegative, perElement, signOf, withContents } from './values';
import type { OpContext, TensorValue } from './types';

type ExprFn = (args: Expr[], ctx: OpContext, isInt: boolean) => Expr | undefined;
type NumFn = (args: number[], ctx: OpContext, isInt: boolean) => number | undefined;

interface Family {
  /** FLOPs per output element for n inputs. */
  flops: (n: number) => number;
  /** Output is BOOL (comparisons, logic, IsNaN/IsInf). */
  bool?: boolean;
  /** Input count: exactly 1, exactly 2, or any number ≥ 1. */
  arity: 1 | 2 | 'n';
  expr?: ExprFn;
  num?: NumFn;
}

const truth = (b: boolean): number => (b ? 1 : 0);
const bit = (b: boolean): Expr => (b ? Expr.ONE : Expr.ZERO);
/** Only constants: lifts a numeric rule to Exprs. */
const constOnly =
  (f: NumFn): ExprFn =>
  (args, ctx, isInt) => {
    const c = args.map((a) => a.constant);
    if (c.some((x) => x === undefined)) return undefined;
    const r = f(c as number[], ctx, isInt);
    return r !== undefined && Number.isSafeInteger(r) ? Expr.of(r) : undefined;
  };

/** a / b with ONNX semantics on integers (truncation toward zero); exact quotients only on floats. */
function divide(a: Expr, b: Expr, isInt: boolean): Expr | undefined {
  const x = a.constant;
  const y = b.constant;
  if (y === 0) return undefined;
  if (x !== undefined && y !== undefined) {
    if (isInt) return Expr.of(Math.trunc(x / y));
    return x % y === 0 ? Expr.of(x / y) : undefined;
  }
  const q = a.divExact(b);
  if (q) return q;
  // Truncation equals floor for a non-negative numerator over a positive divisor.
  if (!isInt || y === undefined || !nonNegative(a)) return undefined;
  return y > 0 ? a.floorDiv(y) : a.floorDiv(-y).scale(-1);
}

/** -1, 0 or 1 for a < b, a = b, a > b; undefined when the order is not known. */
function compare(a: Expr, b: Expr): -1 | 0 | 1 | undefined {
  if (a.equals(b)) return 0;
  return signOf(a.sub(b));
}

const comparison = (test: (order: -1 | 0 | 1) => boolean, numTest: (a: number, b: number) => boolean): Family => ({
  arity: 2,
  bool: true,
  flops: () => 1,
  expr: ([a, b]) => {
    const o = compare(a, b);
    return o === undefined ? undefined : bit(test(o));
  },
  num: ([a, b]) => truth(numTest(a, b)),
});

const logical = (f: (a: boolean, b: boolean) => boolean): Family => {
  const num: NumFn = ([a, b]) => truth(f(a !== 0, b !== 0));
  return { arity: 2, bool: true, flops: () => 1, expr: constOnly(num), num };
};

/** Bitwise ops on 64-bit two's-complement integers. */
const bitwise = (f: (a: bigint, b: bigint) => bigint): Family => {
  const num: NumFn = ([a, b], _ctx, isInt) => (isInt && Number.isInteger(a) && Number.isInteger(b) ? Number(BigInt.asIntN(64, f(BigInt(a), BigInt(b)))) : undefined);
  return { arity: 2, flops: () => 1, expr: constOnly(num), num };
};

const mod: NumFn = ([a, b], ctx) => {
  if (b === 0) return undefined;
  // fmod = 1: C fmod (sign of the dividend); fmod = 0: sign of the divisor, as Python's %.
  if (ctx.attrInt('fmod', 0) === 1) return a % b;
  const r = a % b;
  return r !== 0 && Math.sign(r) !== Math.sign(b) ? r + b : r;
};

const bitShift: NumFn = ([a, b], ctx) => {
  if (!Number.isInteger(a) || !Number.isInteger(b) || b < 0 || b >= 64) return undefined;
  const left = ctx.attrString('direction', '') === 'LEFT';
  const shifted = left ? BigInt(a) << BigInt(b) : BigInt(a) >> BigInt(b);
  return Number(BigInt.asUintN(64, shifted));
};

const FAMILIES: Record<string, Family> = {
  Add: { arity: 2, flops: () => 1, expr: ([a, b]) => a.add(b), num: ([a, b]) => a + b },
  Sub: { arity: 2, flops: () => 1, expr: ([a, b]) => a.sub(b), num: ([a, b]) => a - b },
  Mul: { arity: 2, flops: () => 1, expr: ([a, b]) => a.mul(b), num: ([a, b]) => a * b },
  Div: {
    arity: 2,
    flops: () => 1,
    expr: ([a, b], _ctx, isInt) => divide(a, b, isInt),
    num: ([a, b], _ctx, isInt) => (isInt ? (b === 0 ? undefined : Math.trunc(a / b)) : a / b),
  },
  Pow: {
    arity: 2,
    flops: () => 1,
    expr: constOnly(([a, b], _ctx, isInt) => (isInt && b < 0 ? undefined : a ** b)),
    num: ([a, b], _ctx, isInt) => (isInt && b < 0 ? undefined : a ** b),
  },
  Mod: { arity: 2, flops: () => 1, expr: constOnly(mod), num: mod },
  BitShift: { arity: 2, flops: () => 1, expr: constOnly(bitShift), num: bitShift },
  Max: { arity: 'n', flops: (n) => n - 1, expr: (xs) => xs.reduce((a, b) => a.max(b)), num: (xs) => xs.reduce((a, b) => Math.max(a, b), -Infinity) },
  Min: { arity: 'n', flops: (n) => n - 1, expr: (xs) => xs.reduce((a, b) => a.min(b)), num: (xs) => xs.reduce((a, b) => Math.min(a, b), Infinity) },
  Sum: { arity: 'n', flops: (n) => n - 1, expr: (xs) => sum(xs), num: (xs) => xs.reduce((a, b) => a + b, 0) },
  Mean: {
    arity: 'n',
    flops: (n) => n,
    expr: (xs, _ctx, isInt) => divide(sum(xs), Expr.of(xs.length), isInt),
    num: (xs, _ctx, isInt) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return isInt ? Math.trunc(m) : m;
    },
  },
  Equal: comparison((o) => o === 0, (a, b) => a === b),
  Less: comparison((o) => o < 0, (a, b) => a < b),
  LessOrEqual: comparison((o) => o <= 0, (a, b) => a <= b),
  Greater: comparison((o) => o > 0, (a, b) => a > b),
  GreaterOrEqual: comparison((o) => o >= 0, (a, b) => a >= b),
  And: logical((a, b) => a && b),
  Or: logical((a, b) => a || b),
  Xor: logical((a, b) => a !== b),
  BitwiseAnd: bitwise((a, b) => a & b),
  BitwiseOr: bitwise((a, b) => a | b),
  BitwiseXor: bitwise((a, b) => a ^ b),
  Not: { arity: 1, bool: true, flops: () => 1, expr: constOnly(([a]) => truth(a === 0)), num: ([a]) => truth(a === 0) },
  BitwiseNot: {
    arity: 1,
    flops: () => 1,
    expr: constOnly(([a], _ctx, isInt) => (isInt && Number.isInteger(a) ? Number(BigInt.asIntN(64, ~BigInt(a))) : undefined)),
  },
  IsNaN: { arity: 1, bool: true, flops: () => 1, num: ([a]) => truth(Number.isNaN(a)) },
  IsInf: {
    arity: 1,
    bool: true,
    flops: () => 1,
    num: ([a], ctx) => truth((a === Infinity && ctx.attrInt('detect_positive', 1) === 1) || (a === -Infinity && ctx.attrInt('detect_negative', 1) === 1)),
  },
  Sign: {
    arity: 1,
    flops: () => 1,
    expr: ([a]) => {
      const s = signOf(a);
      return s === undefined ? undefined : Expr.of(s);
    },
    num: ([a]) => Math.sign(a),
  },
};

/** Input shapes, with opset < 7 legacy broadcasting (`broadcast` = 1, `axis`) turned into numpy form. */
function inputShapes(ctx: OpContext, count: number): Expr[][] {
  const shapes = Array.from({ length: count }, (_, i) => ctx.shapeOf(i));
  if (ctx.opset < 7 && count === 2 && ctx.attrInt('broadcast', 0) === 1) {
    const axis = ctx.attrInt('axis');
    const [a, b] = shapes;
    if (axis !== undefined) {
      const start = axis < 0 ? axis + a.length : axis;
      const trailing = a.length - start - b.length;
      if (start < 0 || trailing < 0) ctx.fail(`legacy broadcast axis ${axis} does not fit shapes of rank ${a.length} and ${b.length}`);
      shapes[1] = [...b, ...Array.from({ length: trailing }, () => Expr.ONE)];
    }
  }
  return shapes;
}

for (const [op, family] of Object.entries(FAMILIES)) {
  defineOps([op], {
    infer(ctx: OpContext) {
      const count = family.arity === 'n' ? ctx.inputCount : family.arity;
      if (count < 1) ctx.fail(`${op} has no inputs`);
      if (family.arity !== 'n' && ctx.inputCount < count) ctx.fail(`${op} needs ${count} inputs`);
      const shapes = inputShapes(ctx, count);
      const shape = broadcast(ctx, shapes);
      const inDtype = ctx.input(0)?.dtype ?? DataType.UNDEFINED;
      const isInt = isIntegerType(inDtype);
      const out: TensorValue = { dtype: family.bool ? DataType.BOOL : inDtype, shape };
      const idx = shapes.map((_, i) => i);
      const { expr, num } = family;
      const value = expr && broadcastContents(shapes, shape, idx.map((i) => ctx.values(i)), (args) => expr(args, ctx, isInt));
      const round = (x: number): number => (out.dtype === DataType.FLOAT ? Math.fround(x) : x);
      const floats = num && broadcastContents(shapes, shape, idx.map((i) => ctx.floats(i)), (args) => {
        const r = num(args, ctx, isInt);
        return r === undefined ? undefined : round(r);
      });
      return [withContents(out, value, floats)];
    },
    cost: (ctx, outputs) => perElement(outputs[0].shape!, family.flops(family.arity === 'n' ? ctx.inputCount : family.arity)),
  });
}
