/**
 * Data propagation for the data movement and shape ops: the statically known integer contents of
 * shape tensors (`TensorValue.value`) flow through Shape → Gather → Unsqueeze → Concat → Reshape
 * and Shape → Slice → Concat → Expand chains, so targets resolve to exact, possibly symbolic, shapes.
 * Contents propagate whenever every needed input is known and the tensor has at most
 * MAX_VALUE_ELEMENTS elements.
 *
 * Helpers shared by reshape-ops.ts, indexing-ops.ts, generator-ops.ts, search-ops.ts and
 * elementwise.ts: reading known contents (constShape, intsOf, constInts, scalarInt), setting them
 * (withContents, moveContents), source index maps (stridesOf, indexMap, broadcastMap,
 * broadcastContents), the per-element cost (perElement) and the sign of a known quantity
 * (signOf, nonNegative).
 */
import { DataType } from '../onnx/model';
import { Expr } from '../symbolic/expr';
import { formatProduct, numel } from './shape-utils';
import type { Cost, OpContext, TensorValue } from './types';

/** Largest tensor whose contents are carried for data propagation. */
export const MAX_VALUE_ELEMENTS = 4096;

/** The shape (or any list of Exprs) as numbers when every element is constant. */
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
  return constShape(intsOf(ctx, i));
}

/** One known scalar (or one-element tensor) input as an Expr. */
export function scalarInt(ctx: OpContext, i: number): Expr | undefined {
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

export function stridesOf(shape: readonly number[]): number[] {
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
export function moveContents(ctx: OpContext, i: number, out: TensorValue, map?: number[]): TensorValue {
  const value = ctx.values(i);
  const floats = ctx.floats(i);
  if (!map) return withContents(out, value, floats);
  const pick = <T>(xs: T[] | undefined): T[] | undefined => (xs && map.every((m) => m < xs.length) ? map.map((m) => xs[m]) : undefined);
  return withContents(out, pick(value), pick(floats));
}

export function inputDtype(ctx: OpContext, i = 0): number {
  return ctx.input(i)?.dtype ?? DataType.UNDEFINED;
}

/** Cost of ops that do one operation per element of `shape`. */
export function perElement(shape: readonly Expr[], flopsPerElement: number): Cost {
  const n = numel(shape);
  const factors = flopsPerElement === 1 ? [...shape] : [flopsPerElement, ...shape];
  return { macs: Expr.ZERO, flops: n.scale(flopsPerElement), formula: factors.length ? formatProduct(factors) : '1' };
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
