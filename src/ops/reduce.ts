/**
 * Reduce* ops. Axes are an attribute before opset 13 (ReduceSum) / 18 (the others) and an optional
 * int64 input from then on; no axes (or empty axes) reduce every dim, unless noop_with_empty_axes=1
 * (13/18+), which leaves the input unreduced. keepdims (default 1) keeps reduced dims as 1. The
 * output dtype is the input's. No MACs.
 *
 * FLOPs, with N = input elements and M = output elements:
 *
 * | op              | FLOPs       | why                                                 | noop (per element) |
 * |-----------------|-------------|-----------------------------------------------------|--------------------|
 * | ReduceSum       | N           | one add per input                                   | 0 (identity)       |
 * | ReduceMean      | N + M       | adds, one divide per output                         | 0                  |
 * | ReduceMax/Min   | N           | one comparison per input                            | 0                  |
 * | ReduceProd      | N           | one multiply per input                              | 0                  |
 * | ReduceL1        | 2N          | abs, add                                            | 1 (abs)            |
 * | ReduceSumSquare | 2N          | square, add                                         | 1 (square)         |
 * | ReduceL2        | 2N + M      | square, add; sqrt per output                        | 2 (square, sqrt)   |
 * | ReduceLogSum    | N + M       | add; log per output                                 | 1 (log)            |
 * | ReduceLogSumExp | 4N + 2M     | max, subtract, exp, add (the stable form, as Softmax's 5); log and add max back per output | 2 (exp, log) |
 *
 * With noop_with_empty_axes=1 and no axes nothing is reduced; what is left is the element-wise
 * part of the op (the reference implementation still squares for ReduceSumSquare, and so on).
 */
import { Expr } from '../symbolic/expr';
import { defineOps } from './registry';
import { formatProduct, noArithmetic, numel, normalizeAxis } from './shape-utils';
import type { Cost, OpContext, OpDef } from './types';

interface ReduceCost {
  perInput: number;
  perOutput: number;
  /** Per element when nothing is reduced (noop_with_empty_axes). */
  noop: number;
}

const COSTS: Record<string, ReduceCost> = {
  ReduceSum: { perInput: 1, perOutput: 0, noop: 0 },
  ReduceMean: { perInput: 1, perOutput: 1, noop: 0 },
  ReduceMax: { perInput: 1, perOutput: 0, noop: 0 },
  ReduceMin: { perInput: 1, perOutput: 0, noop: 0 },
  ReduceProd: { perInput: 1, perOutput: 0, noop: 0 },
  ReduceL1: { perInput: 2, perOutput: 0, noop: 1 },
  ReduceSumSquare: { perInput: 2, perOutput: 0, noop: 1 },
  ReduceL2: { perInput: 2, perOutput: 1, noop: 2 },
  ReduceLogSum: { perInput: 1, perOutput: 1, noop: 1 },
  ReduceLogSumExp: { perInput: 4, perOutput: 2, noop: 2 },
};

/** What infer found, so cost does not re-derive it (and repeat its notes). */
const found = new WeakMap<OpContext, number[] | 'noop'>();

/** The reduced axes (normalized, sorted), or 'noop' when nothing is reduced. */
function reducedAxes(ctx: OpContext, rank: number): number[] | 'noop' {
  const have = found.get(ctx);
  if (have) return have;
  const axes = readAxes(ctx, rank);
  found.set(ctx, axes);
  return axes;
}

function readAxes(ctx: OpContext, rank: number): number[] | 'noop' {
  const inputSince = ctx.node.opType === 'ReduceSum' ? 13 : 18;
  let axes: number[] | undefined;
  if (ctx.opset >= inputSince) {
    const axesInput = ctx.input(1);
    if (axesInput) {
      const values = ctx.values(1);
      if (values) {
        axes = values.map((v) => v.constant ?? ctx.fail('axes input has a value that is not a number'));
      } else if (axesInput.shape?.length === 1 && axesInput.shape[0].constant === 0) {
        axes = [];
      } else {
        ctx.fail('axes input is not a constant, so the reduced dims are unknown');
      }
    } else if (ctx.attrInts('axes')) {
      axes = ctx.attrInts('axes');
      ctx.note(`axes given as an attribute, which opset ${inputSince}+ takes as an input; used it`);
    }
    if ((axes === undefined || axes.length === 0) && ctx.attrInt('noop_with_empty_axes', 0) !== 0) return 'noop';
  } else {
    axes = ctx.attrInts('axes');
  }
  if (axes === undefined || axes.length === 0) return Array.from({ length: rank }, (_, i) => i);
  const out = axes.map((a) => normalizeAxis(ctx, a, rank));
  if (new Set(out).size !== out.length) ctx.fail(`axes [${axes.join(', ')}] repeat an axis`);
  return out.sort((a, b) => a - b);
}

const reduce: OpDef = {
  infer(ctx) {
    const x = ctx.input(0);
    const shape = ctx.shapeOf(0);
    const axes = reducedAxes(ctx, shape.length);
    if (axes === 'noop') return [{ dtype: x!.dtype, shape }];
    const keep = ctx.attrInt('keepdims', 1) !== 0;
    const out = keep ? shape.map((d, i) => (axes.includes(i) ? Expr.ONE : d)) : shape.filter((_, i) => !axes.includes(i));
    return [{ dtype: x!.dtype, shape: out }];
  },
  cost(ctx, outputs): Cost {
    const c = COSTS[ctx.node.opType];
    const inShape = ctx.shapeOf(0);
    const n = numel(inShape);
    if (reducedAxes(ctx, inShape.length) === 'noop') {
      if (c.noop === 0) return noArithmetic();
      return { macs: Expr.ZERO, flops: n.scale(c.noop), formula: formatProduct([c.noop, ...inShape]) };
    }
    const outShape = outputs[0].shape!;
    const m = numel(outShape);
    const flops = n.scale(c.perInput).add(m.scale(c.perOutput));
    const inText = formatProduct(c.perInput === 1 ? inShape : [c.perInput, ...inShape]);
    const outText = c.perOutput === 0 ? '' : ` + ${formatProduct(c.perOutput === 1 ? (outShape.length ? outShape : [1]) : [c.perOutput, ...outShape])}`;
    return { macs: Expr.ZERO, flops, formula: inText + outText };
  },
};

defineOps(Object.keys(COSTS), reduce);
