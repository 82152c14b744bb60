/**
 * Ops that copy, reshape, permute or convert a tensor as a whole: Identity, Reshape, Flatten,
 * Squeeze, Unsqueeze, Transpose, Cast, CastLike and Dropout. Known contents go along
 * (data propagation: values.ts).
 *
 * FLOPs per element (MACs are always 0 here):
 *
 * | op                                                        | FLOPs                   | why                                   |
 * |-----------------------------------------------------------|-------------------------|---------------------------------------|
 * | Identity, Reshape, Flatten, Squeeze, Unsqueeze,           | 0 (`noArithmetic`)      | moves, copies or reinterprets data    |
 * | Transpose, Cast, CastLike, Dropout (inference)            |                         |                                       |
 *
 * Dropout in inference is the identity (its mask, when asked for, is all true).
 */
import { Expr } from '../symbolic/expr';
import { DataType, isIntegerType } from '../onnx/model';
import { defineOps } from './registry';
import { noArithmetic, normalizeAxis, numel } from './shape-utils';
import type { OpContext, TensorValue } from './types';
import { constInts, constShape, indexMap, inputDtype, intsOf, moveContents, stridesOf, withContents } from './values';

/** Axes of Squeeze/Unsqueeze: an attribute before opset 13, the second input from then on. */
function axesArg(ctx: OpContext): number[] | undefined {
  if (ctx.opset < 13) return ctx.attrInts('axes');
  if (!ctx.input(1)) return undefined;
  const axes = constInts(ctx, 1);
  if (!axes) ctx.fail('axes input is not a known constant');
  return axes;
}

// ---------------------------------------------------------------------------------------------
// Identity, Reshape, Flatten, Squeeze, Unsqueeze, Transpose
// ---------------------------------------------------------------------------------------------

defineOps(['Identity'], {
  infer: (ctx) => [moveContents(ctx, 0, { dtype: inputDtype(ctx), shape: ctx.shapeOf(0) })],
  cost: noArithmetic,
});

defineOps(['Reshape'], {
  infer(ctx: OpContext) {
    const input = ctx.shapeOf(0);
    let target: Expr[];
    if (ctx.opset < 5) {
      const t = ctx.attrInts('shape');
      if (!t) ctx.fail('Reshape-1 has no shape attribute');
      target = t.map((n) => Expr.of(n));
    } else {
      const t = intsOf(ctx, 1);
      if (!t) ctx.fail('target shape is not statically known');
      target = t;
    }
    const allowZero = ctx.opset >= 14 && ctx.attrInt('allowzero', 0) === 1;
    let inferred = -1;
    const out = target.map((d, i) => {
      const c = d.constant;
      if (c === 0 && !allowZero) {
        if (i >= input.length) ctx.fail(`target dim ${i} is 0 (copy) but the input has rank ${input.length}`);
        return input[i];
      }
      if (c === -1) {
        if (inferred >= 0) ctx.fail('target shape has more than one -1');
        inferred = i;
        return Expr.ONE;
      }
      if (c !== undefined && c < -1) ctx.fail(`target dim ${c} is invalid`);
      return d;
    });
    if (inferred >= 0) {
      const total = numel(input);
      const known = numel(out.filter((_, i) => i !== inferred));
      const q = total.divExact(known);
      if (!q) ctx.fail(`cannot infer the -1 dim: ${total} is not a known multiple of ${known}`);
      out[inferred] = q;
    } else {
      const a = numel(input).constant;
      const b = numel(out).constant;
      if (a !== undefined && b !== undefined && a !== b) ctx.fail(`cannot reshape ${a} elements into ${b}`);
    }
    return [moveContents(ctx, 0, { dtype: inputDtype(ctx), shape: out })];
  },
  cost: noArithmetic,
});

defineOps(['Flatten'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const r = shape.length;
    let axis = ctx.attrInt('axis', 1);
    if (axis < 0) axis += r;
    if (axis < 0 || axis > r) ctx.fail(`axis ${ctx.attrInt('axis', 1)} is out of range for rank ${r}`);
    return [moveContents(ctx, 0, { dtype: inputDtype(ctx), shape: [numel(shape.slice(0, axis)), numel(shape.slice(axis))] })];
  },
  cost: noArithmetic,
});

defineOps(['Squeeze'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const axes = axesArg(ctx);
    let drop: Set<number>;
    if (axes) {
      drop = new Set(axes.map((a) => normalizeAxis(ctx, a, shape.length)));
      for (const a of drop) {
        const c = shape[a].constant;
        if (c !== undefined && c !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${c}`);
      }
    } else {
      const symbolic = shape.find((d) => !d.isConstant);
      if (symbolic) ctx.fail(`Squeeze without axes on a symbolic dim (${symbolic}): whether it is 1 is not known`);
      drop = new Set(shape.flatMap((d, i) => (d.constant === 1 ? [i] : [])));
    }
    return [moveContents(ctx, 0, { dtype: inputDtype(ctx), shape: shape.filter((_, i) => !drop.has(i)) })];
  },
  cost: noArithmetic,
});

defineOps(['Unsqueeze'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const axes = axesArg(ctx);
    if (!axes) ctx.fail('Unsqueeze needs axes');
    const rank = shape.length + axes.length;
    const at = new Set(axes.map((a) => normalizeAxis(ctx, a, rank)));
    if (at.size !== axes.length) ctx.fail('axes repeat');
    const out: Expr[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) out.push(at.has(i) ? Expr.ONE : shape[k++]);
    return [moveContents(ctx, 0, { dtype: inputDtype(ctx), shape: out })];
  },
  cost: noArithmetic,
});

defineOps(['Transpose'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const r = shape.length;
    const perm = ctx.attrInts('perm') ?? shape.map((_, i) => r - 1 - i);
    if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => p < 0 || p >= r)) ctx.fail(`perm [${perm}] is not a permutation of rank ${r}`);
    const out: TensorValue = { dtype: inputDtype(ctx), shape: perm.map((p) => shape[p]) };
    const s = constShape(shape);
    if (!s || (!ctx.values(0) && !ctx.floats(0))) return [out];
    const strides = stridesOf(s);
    const map = indexMap(perm.map((p) => s[p]), (idx) => idx.reduce((acc, v, k) => acc + v * strides[perm[k]], 0));
    return [map ? moveContents(ctx, 0, out, map) : out];
  },
  cost: noArithmetic,
});

// ---------------------------------------------------------------------------------------------
// Cast, CastLike
// ---------------------------------------------------------------------------------------------

/** Value of `x` converted to element type `to` (truncation toward zero into integers, 0/1 for BOOL). */
function castContents(ctx: OpContext, out: TensorValue, to: number): TensorValue {
  const value = ctx.values(0);
  const floats = ctx.floats(0);
  if (to === DataType.BOOL) {
    if (floats) return withContents(out, undefined, floats.map((x) => (x !== 0 ? 1 : 0)));
    return out;
  }
  if (isIntegerType(to)) {
    if (value) return withContents(out, value);
    if (floats) return withContents(out, undefined, floats.map((x) => Math.trunc(x)));
    return out;
  }
  return withContents(out, value, floats);
}

defineOps(['Cast'], {
  infer(ctx: OpContext) {
    const to = ctx.attrInt('to');
    if (to === undefined) ctx.fail('Cast has no "to" attribute');
    return [castContents(ctx, { dtype: to, shape: ctx.shapeOf(0) }, to)];
  },
  cost: noArithmetic,
});

defineOps(['CastLike'], {
  infer(ctx: OpContext) {
    const to = inputDtype(ctx, 1);
    return [castContents(ctx, { dtype: to, shape: ctx.shapeOf(0) }, to)];
  },
  cost: noArithmetic,
});

// ---------------------------------------------------------------------------------------------
// Dropout
// ---------------------------------------------------------------------------------------------

defineOps(['Dropout'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const x = moveContents(ctx, 0, { dtype: inputDtype(ctx), shape });
    // The mask is BOOL from opset 10; before that it had the input's type.
    const mask: TensorValue = { dtype: ctx.opset >= 10 ? DataType.BOOL : inputDtype(ctx), shape };
    return ctx.node.outputs.length > 1 ? [x, mask] : [x];
  },
  cost: noArithmetic,
});
