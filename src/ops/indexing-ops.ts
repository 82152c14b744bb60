/**
 * Ops that pick, join or write elements by index: Concat, Split, Slice, Gather, GatherElements,
 * GatherND, the scatters, Trilu and ReverseSequence. Known contents flow through Concat, Split,
 * Slice and Gather (data propagation: values.ts).
 *
 * FLOPs per element (MACs are always 0 here):
 *
 * | op                                                        | FLOPs                   | why                                   |
 * |-----------------------------------------------------------|-------------------------|---------------------------------------|
 * | Concat, Split, Slice, Gather, GatherElements, GatherND,   | 0 (`noArithmetic`)      | moves, copies or reinterprets data    |
 * | Trilu, ReverseSequence                                    |                         |                                       |
 * | ScatterND/ScatterElements/Scatter, reduction none         | 0 (`noArithmetic`)      | writes updates into a copy            |
 * | ScatterND/ScatterElements, reduction add/mul/max/min      | 1 per update element    | one combine per written element       |
 *
 * Trilu compares indices, not data.
 */
import { Expr } from '../symbolic/expr';
import { defineOps } from './registry';
import { noArithmetic, normalizeAxis } from './shape-utils';
import type { OpContext, TensorValue } from './types';
import { constInts, constShape, indexMap, inputDtype, intsOf, moveContents, perElement, stridesOf, withContents } from './values';

/** Slice bounds at or beyond this (INT_MAX, INT64_MAX) mean "to the end" whatever the dim. */
const HUGE = 2 ** 31 - 1;

// ---------------------------------------------------------------------------------------------
// Concat, Split, Slice
// ---------------------------------------------------------------------------------------------

defineOps(['Concat'], {
  infer(ctx: OpContext) {
    const present = Array.from({ length: ctx.inputCount }, (_, i) => i);
    if (present.length === 0) ctx.fail('Concat has no inputs');
    const shapes = present.map((i) => ctx.shapeOf(i));
    const r = shapes[0].length;
    const axisAttr = ctx.attrInt('axis') ?? (ctx.opset < 4 ? 1 : undefined);
    if (axisAttr === undefined) ctx.fail('Concat needs an axis');
    const axis = normalizeAxis(ctx, axisAttr, r);
    const out: Expr[] = [];
    for (let d = 0; d < r; d++) {
      if (d === axis) {
        out.push(shapes.reduce((acc, s) => acc.add(s[axis]), Expr.ZERO));
        continue;
      }
      // Prefer a constant dim; two different constants cannot be concatenated.
      let dim = shapes[0][d];
      for (const s of shapes) {
        if (s.length !== r) ctx.fail(`inputs have ranks ${r} and ${s.length}`);
        const a = dim.constant;
        const b = s[d].constant;
        if (a !== undefined && b !== undefined && a !== b) ctx.fail(`dim ${d} differs between inputs: ${a} and ${b}`);
        if (a === undefined && b !== undefined) dim = s[d];
      }
      out.push(dim);
    }
    const result: TensorValue = { dtype: inputDtype(ctx, present[0]), shape: out };
    // Contents: every input's block of elements after `axis`, input by input, for each outer index.
    const consts = shapes.map(constShape);
    if (consts.some((s) => !s)) return [result];
    const outer = consts[0]!.slice(0, axis).reduce((a, b) => a * b, 1);
    const blocks = consts.map((c) => c!.slice(axis).reduce((a, b) => a * b, 1));
    const joined = <T>(all: (T[] | undefined)[]): T[] | undefined => {
      if (all.some((v) => !v)) return undefined;
      const res: T[] = [];
      for (let o = 0; o < outer; o++) all.forEach((v, j) => {
        for (let k = o * blocks[j]; k < (o + 1) * blocks[j]; k++) res.push(v![k]);
      });
      return res;
    };
    return [withContents(result, joined(present.map((i) => ctx.values(i))), joined(present.map((i) => ctx.floats(i))))];
  },
  cost: noArithmetic,
});

defineOps(['Split'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const axis = normalizeAxis(ctx, ctx.attrInt('axis', 0), shape.length);
    const dim = shape[axis];
    const n = ctx.node.outputs.length;
    let sizes: Expr[];
    // Split sizes: attribute (opset < 13; opset 1 also took an input), input (13+), or num_outputs (18+).
    const splitInput = ctx.opset >= 13 || ctx.opset < 2 ? ctx.input(1) : undefined;
    const splitAttr = ctx.opset < 13 ? ctx.attrInts('split') : undefined;
    if (splitAttr) sizes = splitAttr.map((s) => Expr.of(s));
    else if (splitInput) {
      const v = intsOf(ctx, 1);
      if (!v) ctx.fail('split sizes are not statically known');
      sizes = v;
    } else if (ctx.opset >= 18 && ctx.attrInt('num_outputs') !== undefined) {
      const parts = ctx.attrInt('num_outputs', n);
      if (parts !== n) ctx.fail(`num_outputs is ${parts} but the node has ${n} outputs`);
      // Chunks of ceil(dim / n); the last one takes what is left (and may be smaller).
      const chunk = dim.ceilDiv(parts);
      sizes = Array.from({ length: parts }, (_, i) => (i < parts - 1 ? chunk : dim.sub(chunk.scale(parts - 1))));
    } else {
      const q = dim.divExact(Expr.of(n));
      if (!q) ctx.fail(`dim ${dim} does not split evenly into ${n} outputs`);
      sizes = Array.from({ length: n }, () => q);
    }
    if (sizes.length !== n) ctx.fail(`${sizes.length} split sizes for ${n} outputs`);
    const total = sizes.reduce((a, b) => a.add(b), Expr.ZERO);
    const dc = dim.constant;
    const tc = total.constant;
    if (dc !== undefined && tc !== undefined && dc !== tc) ctx.fail(`split sizes add up to ${tc}, not the dim ${dc}`);
    const s = constShape(shape);
    const strides = s && stridesOf(s);
    let offset = 0;
    return sizes.map((size) => {
      const outShape = shape.map((d, i) => (i === axis ? size : d));
      const out: TensorValue = { dtype: inputDtype(ctx), shape: outShape };
      const sc = size.constant;
      if (s && strides && sc !== undefined && (ctx.values(0) || ctx.floats(0))) {
        const start = offset;
        const map = indexMap(constShape(outShape)!, (idx) => idx.reduce((acc, v, k) => acc + (k === axis ? v + start : v) * strides[k], 0));
        if (map) moveContents(ctx, 0, out, map);
      }
      offset += sc ?? 0;
      return out;
    });
  },
  cost: noArithmetic,
});

interface SliceAxis {
  start: Expr;
  len: Expr;
}

/**
 * One axis of Slice, per the ONNX clamping rules: negative bounds count from the end, starts clamp
 * to [0, dim] ([0, dim-1] for a negative step), ends to [0, dim] ([-1, dim-1]). For a symbolic dim:
 * bounds at or beyond INT_MAX mean the whole dim, a negative constant k means dim + k (the dim is
 * taken to be at least |k|), and any other bound b is min(b, dim).
 */
function sliceAxis(ctx: OpContext, dim: Expr, start: Expr, end: Expr, step: number): SliceAxis {
  if (step === 0) ctx.fail('slice step is 0');
  const D = dim.constant;
  const s0 = start.constant;
  const e0 = end.constant;
  if (D !== undefined && s0 !== undefined && e0 !== undefined) {
    const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
    let s = s0 < 0 ? s0 + D : s0;
    let e = e0 < 0 ? e0 + D : e0;
    if (step > 0) {
      s = clamp(s, 0, D);
      e = clamp(e, 0, D);
      return { start: Expr.of(s), len: Expr.of(Math.max(0, Math.ceil((e - s) / step))) };
    }
    s = clamp(s, 0, D - 1);
    e = clamp(e, -1, D - 1);
    return { start: Expr.of(s), len: Expr.of(Math.max(0, Math.ceil((s - e) / -step))) };
  }
  const last = step > 0 ? dim : dim.sub(1);
  // resolve(): the clamped bound and whether it is the edge that makes the length non-negative.
  const resolve = (b: Expr, isEnd: boolean): [Expr, boolean] => {
    const c = b.constant;
    if (c === undefined) return [b.min(last), false];
    if (c >= HUGE) return [last, step > 0 ? isEnd : !isEnd];
    if (c <= -HUGE) return step > 0 ? [Expr.ZERO, !isEnd] : isEnd ? [Expr.of(-1), true] : [Expr.ZERO, false];
    if (c < 0) return [dim.add(c), false];
    return [Expr.of(c).min(last), step > 0 && !isEnd && c === 0];
  };
  const [s, sEdge] = resolve(start, false);
  const [e, eEdge] = resolve(end, true);
  const span = step > 0 ? e.sub(s).ceilDiv(step) : s.sub(e).ceilDiv(-step);
  // At an edge the span cannot be negative; otherwise clamp at 0 as the spec does.
  return { start: s, len: sEdge || eEdge ? span : span.max(Expr.ZERO) };
}

defineOps(['Slice'], {
  infer(ctx: OpContext) {
    const shape = ctx.shapeOf(0);
    const r = shape.length;
    let starts: Expr[];
    let ends: Expr[];
    let axes: number[] | undefined;
    let steps: number[] | undefined;
    if (ctx.opset < 10) {
      const s = ctx.attrInts('starts');
      const e = ctx.attrInts('ends');
      if (!s || !e) ctx.fail('Slice-1 needs starts and ends attributes');
      starts = s.map((n) => Expr.of(n));
      ends = e.map((n) => Expr.of(n));
      axes = ctx.attrInts('axes');
    } else {
      const s = intsOf(ctx, 1);
      const e = intsOf(ctx, 2);
      if (!s) ctx.fail('slice starts are not statically known');
      if (!e) ctx.fail('slice ends are not statically known');
      starts = s;
      ends = e;
      if (ctx.input(3)) {
        axes = constInts(ctx, 3);
        if (!axes) ctx.fail('slice axes are not statically known');
      }
      if (ctx.input(4)) {
        steps = constInts(ctx, 4);
        if (!steps) ctx.fail('slice steps are not statically known');
      }
    }
    if (ends.length !== starts.length) ctx.fail(`${starts.length} starts but ${ends.length} ends`);
    axes ??= starts.map((_, i) => i);
    steps ??= starts.map(() => 1);
    if (axes.length !== starts.length || steps.length !== starts.length) ctx.fail('starts, ends, axes and steps differ in length');
    const per: (SliceAxis & { step: number })[] = shape.map(() => ({ start: Expr.ZERO, len: Expr.ZERO, step: 1 }));
    const seen = new Set<number>();
    const outShape = [...shape];
    axes.forEach((a, i) => {
      const axis = normalizeAxis(ctx, a, r);
      if (seen.has(axis)) ctx.fail(`axis ${axis} is sliced twice`);
      seen.add(axis);
      const { start, len } = sliceAxis(ctx, shape[axis], starts[i], ends[i], steps![i]);
      per[axis] = { start, len, step: steps![i] };
      outShape[axis] = len;
    });
    const out: TensorValue = { dtype: inputDtype(ctx), shape: outShape };
    const s = constShape(shape);
    const o = constShape(outShape);
    if (!s || !o || (!ctx.values(0) && !ctx.floats(0))) return [out];
    const begin = shape.map((_, k) => (seen.has(k) ? per[k].start.constant : 0));
    if (begin.some((b) => b === undefined)) return [out];
    const strides = stridesOf(s);
    const map = indexMap(o, (idx) => idx.reduce((acc, v, k) => acc + (begin[k]! + v * (seen.has(k) ? per[k].step : 1)) * strides[k], 0));
    return [map ? moveContents(ctx, 0, out, map) : out];
  },
  cost: noArithmetic,
});

// ---------------------------------------------------------------------------------------------
// Gather family and scatters
// ---------------------------------------------------------------------------------------------

defineOps(['Gather'], {
  infer(ctx: OpContext) {
    const data = ctx.shapeOf(0);
    const indices = ctx.shapeOf(1);
    const axis = normalizeAxis(ctx, ctx.attrInt('axis', 0), data.length);
    const out: TensorValue = { dtype: inputDtype(ctx), shape: [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)] };
    const s = constShape(data);
    const idx = constInts(ctx, 1);
    const o = constShape(out.shape);
    if (!s || !idx || !o || (!ctx.values(0) && !ctx.floats(0))) return [out];
    const dim = s[axis];
    const picked = idx.map((i) => (i < 0 ? i + dim : i));
    if (picked.some((i) => i < 0 || i >= dim)) ctx.fail(`an index is out of range for dim ${dim}`);
    const strides = stridesOf(s);
    const q = indices.length;
    const map = indexMap(o, (ix) => {
      // ix = data[:axis] indices, then indices' own dims, then data[axis+1:].
      let flat = 0;
      for (let k = 0; k < axis; k++) flat += ix[k] * strides[k];
      let iflat = 0;
      for (let k = 0; k < q; k++) iflat = iflat * indices[k].constant! + ix[axis + k];
      flat += picked[iflat] * strides[axis];
      for (let k = axis + 1; k < s.length; k++) flat += ix[k - 1 + q] * strides[k];
      return flat;
    });
    return [map ? moveContents(ctx, 0, out, map) : out];
  },
  cost: noArithmetic,
});

defineOps(['GatherElements'], {
  infer(ctx: OpContext) {
    const data = ctx.shapeOf(0);
    const indices = ctx.shapeOf(1);
    if (indices.length !== data.length) ctx.fail(`indices rank ${indices.length} differs from data rank ${data.length}`);
    normalizeAxis(ctx, ctx.attrInt('axis', 0), data.length);
    return [{ dtype: inputDtype(ctx), shape: indices }];
  },
  cost: noArithmetic,
});

defineOps(['GatherND'], {
  infer(ctx: OpContext) {
    const data = ctx.shapeOf(0);
    const indices = ctx.shapeOf(1);
    const b = ctx.opset >= 12 ? ctx.attrInt('batch_dims', 0) : 0;
    if (indices.length < 1) ctx.fail('indices must have rank >= 1');
    const k = indices[indices.length - 1].constant;
    if (k === undefined) ctx.fail('the last dim of indices must be known');
    if (b + k > data.length) ctx.fail(`indices address ${b + k} dims of a rank-${data.length} tensor`);
    return [{ dtype: inputDtype(ctx), shape: [...indices.slice(0, -1), ...data.slice(b + k)] }];
  },
  cost: noArithmetic,
});

/** ScatterND / ScatterElements / Scatter: the data's shape; a reduction combines once per update. */
defineOps(['ScatterND', 'ScatterElements', 'Scatter'], {
  infer: (ctx) => [{ dtype: inputDtype(ctx), shape: ctx.shapeOf(0) }],
  cost: (ctx) => (ctx.attrString('reduction', 'none') === 'none' ? noArithmetic() : perElement(ctx.shapeOf(2), 1)),
});

// ---------------------------------------------------------------------------------------------
// Same-shape ops: Trilu, ReverseSequence
// ---------------------------------------------------------------------------------------------

defineOps(['Trilu', 'ReverseSequence'], {
  infer: (ctx) => [{ dtype: inputDtype(ctx), shape: ctx.shapeOf(0) }],
  cost: noArithmetic,
});
