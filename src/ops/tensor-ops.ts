/**
 * Data movement and shape ops, with data propagation: the statically known integer contents of
 * shape tensors (`TensorValue.value`) flow through Shape → Gather → Unsqueeze → Concat → Reshape
 * and Shape → Slice → Concat → Expand chains, so targets resolve to exact, possibly symbolic, shapes.
 * Contents propagate whenever every needed input is known and the tensor has at most
 * MAX_VALUE_ELEMENTS elements.
 *
 * FLOPs per element (MACs are always 0 here):
 *
 * | op                                                        | FLOPs                   | why                                   |
 * |-----------------------------------------------------------|-------------------------|---------------------------------------|
 * | Identity, Reshape, Shape, Size, Flatten, Squeeze,          | 0 (`noArithmetic`)      | moves, copies or reinterprets data    |
 * | Unsqueeze, Transpose, Concat, Split, Slice, Gather,        |                         |                                       |
 * | GatherElements, GatherND, Expand, Tile, ConstantOfShape,   |                         |                                       |
 * | Cast, CastLike, Where, Compress, Trilu, OneHot,            |                         |                                       |
 * | ReverseSequence, Dropout (inference), EyeLike              |                         |                                       |
 * | ScatterND/ScatterElements/Scatter, reduction none          | 0 (`noArithmetic`)      | writes updates into a copy            |
 * | ScatterND/ScatterElements, reduction add/mul/max/min       | 1 per update element    | one combine per written element       |
 * | Range                                                      | 1 per output element    | start + i·delta, one add each         |
 * | TopK, ArgMax, ArgMin                                       | 1 per input element     | one comparison per element scanned    |
 * | CumSum                                                     | 1 per input element     | one running add per element           |
 * | NonZero                                                    | 1 per input element     | one test against zero per element     |
 * | Unique                                                     | 1 per input element     | one comparison per element (at least) |
 *
 * Where selects without arithmetic; Trilu compares indices, not data; Dropout in inference is the
 * identity (its mask, when asked for, is all true).
 */
import { Expr } from '../symbolic/expr';
import { DataType, isIntegerType } from '../onnx/model';
import { defineOps } from './registry';
import { broadcast, formatProduct, noArithmetic, normalizeAxis, numel } from './shape-utils';
import type { Cost, OpContext, TensorValue } from './types';

/** Largest tensor whose contents are carried for data propagation. */
export const MAX_VALUE_ELEMENTS = 4096;
/** Slice bounds at or beyond this (INT_MAX, INT64_MAX) mean "to the end" whatever the dim. */
const HUGE = 2 ** 31 - 1;

// ---------------------------------------------------------------------------------------------
// Helpers shared with elementwise.ts
// ---------------------------------------------------------------------------------------------

/** The shape as numbers when every dim is constant. */
export function constShape(shape: readonly Expr[] | undefined): number[] | undefined {
  if (!shape) return undefined;
  const out: number[] = [];
  for (const d of shape) {
    const c = d.constant;
    if (c === undefined) return undefined;
    out.push(c);
  }
  return out;
}

/**
 * Known integer contents of input i: `value`, or integral `floats` (int64 sentinels such as
 * INT64_MAX are not safe integers, so the engine keeps them only as floats).
 */
export function intsOf(ctx: OpContext, i: number): Expr[] | undefined {
  const v = ctx.values(i);
  if (v) return v;
  const f = ctx.floats(i);
  if (f && f.every(Number.isInteger)) return f.map((n) => Expr.of(n));
  return undefined;
}

/** Known contents of input i as plain integers, when every element is constant. */
export function constInts(ctx: OpContext, i: number): number[] | undefined {
  const v = intsOf(ctx, i);
  if (!v) return undefined;
  const out: number[] = [];
  for (const e of v) {
    const c = e.constant;
    if (c === undefined) return undefined;
    out.push(c);
  }
  return out;
}

/** One known scalar (or one-element tensor) input as an Expr. */
function scalarInt(ctx: OpContext, i: number): Expr | undefined {
  const v = intsOf(ctx, i);
  return v && v.length === 1 ? v[0] : undefined;
}

/**
 * Sets the known contents of `out`. Integer contents that are all constant are mirrored into
 * `floats`; integral floats are mirrored into `value`. Nothing is kept beyond MAX_VALUE_ELEMENTS
 * elements or when the count disagrees with a constant shape.
 */
export function withContents(out: TensorValue, value?: Expr[], floats?: number[]): TensorValue {
  const count = out.shape ? numel(out.shape).constant : undefined;
  const fits = (n: number): boolean => n <= MAX_VALUE_ELEMENTS && (count === undefined || count === n);
  if (value && fits(value.length)) {
    out.value = value;
    if (!floats && value.every((e) => e.constant !== undefined)) floats = value.map((e) => e.constant!);
  }
  if (floats && fits(floats.length)) {
    out.floats = floats;
    if (!out.value && floats.every(Number.isInteger)) out.value = floats.map((n) => Expr.of(n));
  }
  return out;
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * For every element of a tensor of shape `outShape` (row-major), `at(multiIndex)` gives the flat
 * index of its source element. Undefined when the output is too large to carry.
 */
export function indexMap(outShape: readonly number[], at: (idx: number[]) => number): number[] | undefined {
  const total = outShape.reduce((a, b) => a * b, 1);
  if (outShape.some((d) => d < 0) || total > MAX_VALUE_ELEMENTS) return undefined;
  const out = new Array<number>(total);
  const idx = new Array<number>(outShape.length).fill(0);
  for (let n = 0; n < total; n++) {
    out[n] = at(idx);
    for (let k = outShape.length - 1; k >= 0; k--) {
      if (++idx[k] < outShape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Flat source indices in an input of shape `inShape` broadcast to `outShape`. */
export function broadcastMap(inShape: readonly number[], outShape: readonly number[]): number[] | undefined {
  const strides = stridesOf(inShape);
  const offset = outShape.length - inShape.length;
  return indexMap(outShape, (idx) => {
    let flat = 0;
    for (let k = 0; k < inShape.length; k++) if (inShape[k] !== 1) flat += idx[k + offset] * strides[k];
    return flat;
  });
}

/** Applies a source index map to input i's known contents and sets them on `out`. */
function moveContents(ctx: OpContext, i: number, out: TensorValue, map?: number[]): TensorValue {
  const value = ctx.values(i);
  const floats = ctx.floats(i);
  if (!map) return withContents(out, value, floats);
  const pick = <T>(xs: T[] | undefined): T[] | undefined => (xs && map.every((m) => m < xs.length) ? map.map((m) => xs[m]) : undefined);
  return withContents(out, pick(value), pick(floats));
}

function inputDtype(ctx: OpContext, i = 0): number {
  return ctx.input(i)?.dtype ?? 0;
}

/** Cost of ops that do one operation per element of `shape`. */
export function perElement(shape: readonly Expr[], flopsPerElement: number): Cost {
  const n = numel(shape);
  const factors = flopsPerElement === 1 ? [...shape] : [flopsPerElement, ...shape];
  return { macs: Expr.ZERO, flops: n.scale(flopsPerElement), formula: factors.length ? formatProduct(factors) : '1' };
}

const inputElementsCost = (ctx: OpContext): Cost => perElement(ctx.shapeOf(0), 1);

/** Shape-valued inputs (Expand, ConstantOfShape targets) with a negative constant are invalid. */
function failOnNegative(ctx: OpContext, dims: readonly Expr[]): void {
  const bad = dims.find((d) => (d.constant ?? 0) < 0);
  if (bad) ctx.fail(`target shape has the negative dim ${bad}`);
}

/** Axes of Squeeze/Unsqueeze: an attribute before opset 13, the second input from then on. */
function axesArg(ctx: OpContext): number[] | undefined {
  if (ctx.opset < 13) return ctx.attrInts('axes');
  if (!ctx.input(1)) return undefined;
  const axes = constInts(ctx, 1);
  if (!axes) ctx.fail('axes input is not a known constant');
  return axes;
}

/**
 * Sign of a known quantity: a constant's, or, dims (and the floor/min/max atoms built from them)
 * being non-negative as Expr.min/max also assume, that of a polynomial whose terms all agree in
 * sign with a non-zero constant term. Undefined when it cannot be told.
 */
export function signOf(e: Expr): -1 | 0 | 1 | undefined {
  const c = e.constant;
  if (c !== undefined) return Math.sign(c) as -1 | 0 | 1;
  const terms = e.orderedTerms();
  const k = terms.find((t) => t.monomial === '')?.coef ?? 0;
  const symbolic = terms.filter((t) => t.monomial !== '');
  if (k > 0 && symbolic.every((t) => t.coef > 0)) return 1;
  if (k < 0 && symbolic.every((t) => t.coef < 0)) return -1;
  return undefined;
}

/** True when every term is non-negative, so the value is (dims being non-negative). */
export function nonNegative(e: Expr): boolean {
  return e.orderedTerms().every((t) => t.coef >= 0);
}

// ---------------------------------------------------------------------------------------------
// Identity, Reshape, Shape, Size, Flatten, Squeeze, Unsqueeze, Transpose
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
      for (let o = 0; o < outer; o++) all.forEach((v, j) => res.push(...v!.slice(o * blocks[j], (o + 1) * blocks[j])));
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
// Expand, Tile, ConstantOfShape, Range, Cast, Where
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

/**
 * Element-wise map over broadcast inputs' known contents; undefined when some input's contents
 * or a constant shape is missing, or `f` has no answer for an element.
 */
export function broadcastContents<T>(inShapes: readonly Expr[][], outShape: readonly Expr[], contents: (T[] | undefined)[], f: (args: T[]) => T | undefined): T[] | undefined {
  const o = constShape(outShape);
  if (!o || contents.some((c) => !c)) return undefined;
  const maps: number[][] = [];
  for (const s of inShapes) {
    const c = constShape(s);
    const m = c && broadcastMap(c, o);
    if (!m) return undefined;
    maps.push(m);
  }
  const n = o.reduce((a, b) => a * b, 1);
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const r = f(maps.map((m, j) => contents[j]![m[i]]));
    if (r === undefined) return undefined;
    out.push(r);
  }
  return out;
}

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
// Same-shape and small-structure ops
// ---------------------------------------------------------------------------------------------

defineOps(['Trilu', 'ReverseSequence'], {
  infer: (ctx) => [{ dtype: inputDtype(ctx), shape: ctx.shapeOf(0) }],
  cost: noArithmetic,
});

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
