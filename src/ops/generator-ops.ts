/**
 * Ops that make a tensor from shapes, scalars or a condition: Shape, Size, Range, ConstantOfShape,
 * EyeLike, OneHot, Expand, Tile and Where. Shape, Size, Range and ConstantOfShape start known
 * contents; Expand, Tile and Where carry them on (data propagation: values.ts).
 *
 * FLOPs per element (MACs are always 0 here):
 *
 * | op                                                        | FLOPs                   | why                                   |
 * |-----------------------------------------------------------|-------------------------|---------------------------------------|
 * | Shape, Size, Expand, Tile, ConstantOfShape, Where,        | 0 (`noArithmetic`)      | moves, copies or reinterprets data    |
 * | OneHot, EyeLike                                           |                         |                                       |
 * | Range                                                     | 1 per output element    | start + i·delta, one add each         |
 *
 * Where selects without arithmetic.
 */
import { Expr } from '../symbolic/expr';
import { DataType } from '../onnx/model';
import { defineOps } from './registry';
import { broadcast, noArithmetic, normalizeAxis, numel } from './shape-utils';
import type { OpContext, TensorValue } from './types';
import {
  MAX_VALUE_ELEMENTS,
  broadcastContents,
  broadcastMap,
  constInts,
  constShape,
  indexMap,
  inputDtype,
  intsOf,
  moveContents,
  perElement,
  scalarInt,
  stridesOf,
  withContents,
} from './values';

/** Shape-valued inputs (Expand, ConstantOfShape targets) with a negative constant are invalid. */
function failOnNegative(ctx: OpContext, dims: readonly Expr[]): void {
  const bad = dims.find((d) => (d.constant ?? 0) < 0);
  if (bad) ctx.fail(`target shape has the negative dim ${bad}`);
}

// ---------------------------------------------------------------------------------------------
// Shape, Size
// ---------------------------------------------------------------------------------------------

defineOps(['Shape'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const r = shape.length;
    let start = 0;
    let end = r;
    if (ctx.opset >= 15) {
      const clamp = (a: number): number => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
      start = clamp(ctx.attrInt('start', 0));
      const e = ctx.attrInt('end');
      end = e === undefined ? r : clamp(e);
    }
    const dims = shape.slice(start, Math.max(start, end));
    return [withContents({ dtype: DataType.INT64, shape: [Expr.of(dims.length)] }, dims)];
  },
  cost: noArithmetic,
});

defineOps(['Size'], {
  infer: (ctx) => [withContents({ dtype: DataType.INT64, shape: [] }, [numel(ctx.shapeOf(0))])],
  cost: noArithmetic,
});

// ---------------------------------------------------------------------------------------------
// Expand, Tile, ConstantOfShape, Range, Where
// ---------------------------------------------------------------------------------------------

defineOps(['Expand'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const target = intsOf(ctx, 1);
    if (!target) ctx.fail('target shape is not statically known');
    failOnNegative(ctx, target);
    const outShape = broadcast(ctx, [shape, target]);
    const out: TensorValue = { dtype: inputDtype(ctx), shape: outShape };
    const s = constShape(shape);
    const o = constShape(outShape);
    if (!s || !o || (!ctx.values(0) && !ctx.floats(0))) return [out];
    const map = broadcastMap(s, o);
    return [map ? moveContents(ctx, 0, out, map) : out];
  },
  cost: noArithmetic,
});

defineOps(['Tile'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    if (ctx.opset < 6) ctx.fail('Tile-1 (tiles and axis inputs) is not supported');
    const reps = intsOf(ctx, 1);
    if (!reps) ctx.fail('repeats are not statically known');
    if (reps.length !== shape.length) ctx.fail(`${reps.length} repeats for rank ${shape.length}`);
    const outShape = shape.map((d, i) => d.mul(reps[i]));
    const out: TensorValue = { dtype: inputDtype(ctx), shape: outShape };
    const s = constShape(shape);
    const o = constShape(outShape);
    if (!s || !o || (!ctx.values(0) && !ctx.floats(0))) return [out];
    const strides = stridesOf(s);
    const map = indexMap(o, (idx) => idx.reduce((acc, v, k) => acc + (v % s[k]) * strides[k], 0));
    return [map ? moveContents(ctx, 0, out, map) : out];
  },
  cost: noArithmetic,
});

defineOps(['ConstantOfShape'], {
  infer(ctx: OpContext) {
    const dims = intsOf(ctx, 0);
    if (!dims) ctx.fail('the shape input is not statically known');
    failOnNegative(ctx, dims);
    const fill = ctx.attrTensor('value');
    const out: TensorValue = { dtype: fill?.dtype ?? DataType.FLOAT, shape: dims };
    const count = numel(dims).constant;
    const v = fill?.floats?.[0] ?? 0;
    if (count !== undefined && count <= MAX_VALUE_ELEMENTS) withContents(out, undefined, new Array<number>(count).fill(v));
    return [out];
  },
  cost: noArithmetic,
});

defineOps(['Range'], {
  infer(ctx: OpContext) {
    const dtype = inputDtype(ctx);
    const f = [0, 1, 2].map((i) => ctx.floats(i));
    if (f.every((x) => x && x.length === 1)) {
      const [start, limit, delta] = f.map((x) => x![0]);
      if (delta === 0) ctx.fail('Range delta is 0');
      const n = Math.max(Math.ceil((limit - start) / delta), 0);
      if (!Number.isSafeInteger(n)) ctx.fail(`Range of ${start} to ${limit} by ${delta} has no finite length`);
      const out: TensorValue = { dtype, shape: [Expr.of(n)] };
      if (n <= MAX_VALUE_ELEMENTS) withContents(out, undefined, Array.from({ length: n }, (_, i) => start + i * delta));
      return [out];
    }
    const start = scalarInt(ctx, 0);
    const limit = scalarInt(ctx, 1);
    const delta = scalarInt(ctx, 2)?.constant;
    if (!start || !limit || delta === undefined) ctx.fail('Range start, limit and delta are not statically known');
    if (delta === 0) ctx.fail('Range delta is 0');
    const diff = limit.sub(start);
    const n = (delta > 0 ? diff.ceilDiv(delta) : diff.scale(-1).ceilDiv(-delta)).max(Expr.ZERO);
    const out: TensorValue = { dtype, shape: [n] };
    const c = n.constant;
    if (c !== undefined && c <= MAX_VALUE_ELEMENTS) withContents(out, Array.from({ length: c }, (_, i) => start.add(i * delta)));
    return [out];
  },
  cost: (_ctx, outputs) => perElement(outputs[0].shape!, 1),
});

defineOps(['Where'], {
  infer(ctx: OpContext) {
    const shapes = [0, 1, 2].map((i) => ctx.shapeOf(i));
    const shape = broadcast(ctx, shapes);
    const out: TensorValue = { dtype: inputDtype(ctx, 1), shape };
    const cond = constInts(ctx, 0);
    const value = broadcastContents(shapes, shape, [cond?.map((c) => Expr.of(c)), ctx.values(1), ctx.values(2)], ([c, x, y]) => (c.constant !== 0 ? x : y));
    const floats = broadcastContents(shapes, shape, [cond, ctx.floats(1), ctx.floats(2)], ([c, x, y]) => (c !== 0 ? x : y));
    return [withContents(out, value, floats)];
  },
  cost: noArithmetic,
});

// ---------------------------------------------------------------------------------------------
// Small-structure ops: EyeLike, OneHot
// ---------------------------------------------------------------------------------------------

defineOps(['EyeLike'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    if (shape.length !== 2) ctx.fail(`EyeLike needs a 2-D input, got rank ${shape.length}`);
    return [{ dtype: ctx.attrInt('dtype') ?? inputDtype(ctx), shape }];
  },
  cost: noArithmetic,
});

defineOps(['OneHot'], {
  infer(ctx: OpContext) {
    const indices = ctx.shapeOf(0);
    const f = ctx.floats(1);
    const depth = f && f.length === 1 && Number.isFinite(f[0]) ? Expr.of(Math.trunc(f[0])) : scalarInt(ctx, 1);
    if (!depth) ctx.fail('depth is not statically known');
    const rank = indices.length + 1;
    const axis = normalizeAxis(ctx, ctx.attrInt('axis', -1), rank);
    const shape = [...indices.slice(0, axis), depth, ...indices.slice(axis)];
    return [{ dtype: inputDtype(ctx, 2), shape }];
  },
  cost: noArithmetic,
});
