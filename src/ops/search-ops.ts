/**
 * Ops that scan the data: TopK, ArgMax/ArgMin and CumSum, and those whose output size depends on
 * it (NonZero, Compress, Unique), which get a fresh symbol when the contents are not known.
 *
 * FLOPs per element (MACs are always 0 here):
 *
 * | op                                                        | FLOPs                   | why                                   |
 * |-----------------------------------------------------------|-------------------------|---------------------------------------|
 * | Compress                                                  | 0 (`noArithmetic`)      | moves, copies or reinterprets data    |
 * | TopK, ArgMax, ArgMin                                      | 1 per input element     | one comparison per element scanned    |
 * | CumSum                                                    | 1 per input element     | one running add per element           |
 * | NonZero                                                   | 1 per input element     | one test against zero per element     |
 * | Unique                                                    | 1 per input element     | one comparison per element (at least) |
 */
import { Expr } from '../symbolic/expr';
import { DataType } from '../onnx/model';
import { defineOps } from './registry';
import { noArithmetic, normalizeAxis, numel } from './shape-utils';
import type { Cost, OpContext, TensorValue } from './types';
import { constShape, inputDtype, perElement, scalarInt, stridesOf, withContents } from './values';

const inputElementsCost = (ctx: OpContext): Cost => perElement(ctx.shapeOf(0), 1);

// ---------------------------------------------------------------------------------------------
// Data-dependent sizes: NonZero, Compress, Unique
// ---------------------------------------------------------------------------------------------

/** A fresh symbol for a data-dependent length, announced on the node. */
function countSymbol(ctx: OpContext, what: string): Expr {
  const name = `${ctx.node.name || ctx.node.opType}.count`;
  ctx.note(`${what} depends on the data: symbol ${name}`);
  return Expr.sym(name);
}

defineOps(['NonZero'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const f = ctx.floats(0);
    const s = constShape(shape);
    if (f && s) {
      const hits = f.flatMap((x, i) => (x !== 0 ? [i] : []));
      const strides = stridesOf(s);
      const out: TensorValue = { dtype: DataType.INT64, shape: [Expr.of(s.length), Expr.of(hits.length)] };
      const coords = s.flatMap((d, k) => hits.map((h) => Math.floor(h / strides[k]) % d));
      return [withContents(out, undefined, coords)];
    }
    return [{ dtype: DataType.INT64, shape: [Expr.of(shape.length), countSymbol(ctx, 'the number of non-zero elements')] }];
  },
  cost: inputElementsCost,
});

defineOps(['Compress'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const cond = ctx.shapeOf(1);
    if (cond.length !== 1) ctx.fail('condition must be 1-D');
    const axisAttr = ctx.attrInt('axis');
    const axis = axisAttr === undefined ? undefined : normalizeAxis(ctx, axisAttr, shape.length);
    const limit = axis === undefined ? numel(shape) : shape[axis];
    const c = ctx.floats(1);
    let n: Expr;
    if (c && limit.constant !== undefined) n = Expr.of(c.slice(0, limit.constant).filter((x) => x !== 0).length);
    else n = countSymbol(ctx, 'the number of selected slices');
    const outShape = axis === undefined ? [n] : shape.map((d, i) => (i === axis ? n : d));
    return [{ dtype: inputDtype(ctx), shape: outShape }];
  },
  cost: noArithmetic,
});

defineOps(['Unique'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const axisAttr = ctx.attrInt('axis');
    const axis = axisAttr === undefined ? undefined : normalizeAxis(ctx, axisAttr, shape.length);
    const f = ctx.floats(0);
    const n = f && axis === undefined ? Expr.of(new Set(f).size) : countSymbol(ctx, 'the number of unique elements');
    const y = axis === undefined ? [n] : shape.map((d, i) => (i === axis ? n : d));
    const inverse = axis === undefined ? [numel(shape)] : [shape[axis]];
    const i64 = DataType.INT64;
    return [{ dtype: inputDtype(ctx), shape: y }, { dtype: i64, shape: [n] }, { dtype: i64, shape: inverse }, { dtype: i64, shape: [n] }];
  },
  cost: inputElementsCost,
});

// ---------------------------------------------------------------------------------------------
// Comparing and accumulating: TopK, ArgMax/ArgMin, CumSum
// ---------------------------------------------------------------------------------------------

defineOps(['TopK'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const axis = normalizeAxis(ctx, ctx.attrInt('axis', -1), shape.length);
    let k: Expr | undefined;
    if (ctx.opset < 10) {
      const a = ctx.attrInt('k');
      k = a === undefined ? undefined : Expr.of(a);
    } else k = scalarInt(ctx, 1);
    if (!k) ctx.fail('k is not statically known');
    const out = shape.map((d, i) => (i === axis ? k : d));
    return [{ dtype: inputDtype(ctx), shape: out }, { dtype: DataType.INT64, shape: out }];
  },
  cost: inputElementsCost,
});

defineOps(['ArgMax', 'ArgMin'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const axis = normalizeAxis(ctx, ctx.attrInt('axis', 0), shape.length);
    const keep = ctx.attrInt('keepdims', 1) === 1;
    const out = keep ? shape.map((d, i) => (i === axis ? Expr.ONE : d)) : shape.filter((_, i) => i !== axis);
    return [{ dtype: DataType.INT64, shape: out }];
  },
  cost: inputElementsCost,
});

defineOps(['CumSum'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const axis = scalarInt(ctx, 1)?.constant;
    if (axis === undefined) ctx.fail('axis is not statically known');
    normalizeAxis(ctx, axis, shape.length);
    return [{ dtype: inputDtype(ctx), shape }];
  },
  cost: inputElementsCost,
});
