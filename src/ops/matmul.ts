/**
 * Matrix products: Gemm, MatMul (numpy semantics), the quantized MatMuls and com.microsoft
 * FusedMatMul. Einsum (einsum.ts) and the attention ops (attention.ts) use matchDims, show and
 * dtypeOf from here.
 *
 * A MAC is one multiply-accumulate of a product; FLOPs = 2 × MACs + the element-wise work below.
 *
 * | op                     | MACs                                  | element-wise FLOPs on top of 2 × MACs                      |
 * |------------------------|---------------------------------------|------------------------------------------------------------|
 * | Gemm                   | M·K·N                                 | + M·N for the C add (when C is given), + M·N for alpha ≠ 1, |
 * |                        |                                       |   + M·N for beta ≠ 1 (when C is given)                     |
 * | MatMul                 | ∏batch·M·K·N (broadcast batch dims)   | none                                                       |
 * | MatMulInteger          | as MatMul                             | + numel(A) when a_zero_point is given, + numel(B) for b's  |
 * |                        |                                       |   (one zero-point subtraction per operand element)         |
 * | QLinearMatMul          | as MatMul                             | + numel(A) + numel(B) (zero points) + 4 per output element |
 * |                        |                                       |   (requantize: scale multiply, zero-point add, clip (2))   |
 * | com.microsoft          | as MatMul on the transposed operands  | + numel(Y) for alpha ≠ 1                                   |
 * | FusedMatMul            |                                       |                                                            |
 */
import { Expr, product } from '../symbolic/expr';
import { DataType } from '../onnx/model';
import { defineOps } from './registry';
import { broadcast, formatProduct, numel } from './shape-utils';
import type { Cost, OpContext } from './types';

const MS = 'com.microsoft';

/**
 * Fails when two dims that must match are known to differ; returns the more informative one.
 * A message that prints shapes is passed as a function: it is built only on failure.
 */
export function matchDims(ctx: OpContext, a: Expr, b: Expr, what: string | (() => string)): Expr {
  const x = a.constant;
  const y = b.constant;
  if (x !== undefined && y !== undefined && x !== y) ctx.fail(`${typeof what === 'string' ? what : what()}: ${x} vs ${y}`);
  return x !== undefined ? a : b.constant !== undefined ? b : a;
}

export function show(shape: readonly Expr[]): string {
  return `[${shape.join(', ')}]`;
}

interface MatMulShapes {
  out: Expr[];
  batch: Expr[];
  m: Expr;
  k: Expr;
  n: Expr;
}

/** numpy matmul: 1-D operands are promoted (and the added dim removed), batch dims broadcast. */
export function matmulShapes(ctx: OpContext, a: readonly Expr[], b: readonly Expr[]): MatMulShapes {
  if (a.length === 0 || b.length === 0) ctx.fail('MatMul operands must have rank ≥ 1 (a scalar was given)');
  const aP = a.length === 1 ? [Expr.ONE, a[0]] : a;
  const bP = b.length === 1 ? [b[0], Expr.ONE] : b;
  const m = aP[aP.length - 2];
  const k = matchDims(ctx, aP[aP.length - 1], bP[bP.length - 2], () => `inner dimensions differ (${show(a)} @ ${show(b)})`);
  const n = bP[bP.length - 1];
  const batch = broadcast(ctx, [aP.slice(0, -2), bP.slice(0, -2)]);
  // concat makes the array at its size; the shape is kept with the value.
  const out = batch.concat(a.length > 1 ? [m] : [], b.length > 1 ? [n] : []);
  return { out, batch, m, k, n };
}

function matmulCost(s: MatMulShapes, extraFlops: Expr = Expr.ZERO): Cost {
  const macs = product([...s.batch, s.m, s.k, s.n]);
  return { macs, flops: macs.scale(2).add(extraFlops), formula: formatProduct([...s.batch, s.m, s.k, s.n]) };
}

export function dtypeOf(ctx: OpContext, i: number): number {
  return ctx.input(i)?.dtype ?? DataType.UNDEFINED;
}

// ---------------------------------------------------------------------------------------------
// Gemm

interface GemmShapes {
  m: Expr;
  k: Expr;
  n: Expr;
}

function gemmShapes(ctx: OpContext): GemmShapes {
  const a = ctx.shapeOf(0);
  const b = ctx.shapeOf(1);
  if (a.length !== 2) ctx.fail(`Gemm input A must be 2-D, got ${show(a)}`);
  if (b.length !== 2) ctx.fail(`Gemm input B must be 2-D, got ${show(b)}`);
  const [m, ka] = ctx.attrInt('transA', 0) ? [a[1], a[0]] : [a[0], a[1]];
  const [kb, n] = ctx.attrInt('transB', 0) ? [b[1], b[0]] : [b[0], b[1]];
  const k = matchDims(ctx, ka, kb, () => `Gemm inner dimensions differ (A ${show(a)}, B ${show(b)})`);
  if (ctx.input(2)) {
    const c = ctx.shapeOf(2);
    if (c.length > 2) ctx.fail(`Gemm input C ${show(c)} has rank > 2`);
    // Unidirectional: C broadcasts to [M, N], never the other way.
    const target = [m, n];
    c.forEach((d, i) => {
      const t = target[i + 2 - c.length];
      if (d.constant !== 1) matchDims(ctx, d, t, () => `Gemm input C ${show(c)} does not broadcast to [${m}, ${n}]`);
    });
  }
  return { m, k, n };
}

defineOps(['Gemm'], {
  infer(ctx) {
    const { m, n } = gemmShapes(ctx);
    return [{ dtype: dtypeOf(ctx, 0), shape: [m, n] }];
  },
  cost(ctx) {
    const { m, k, n } = gemmShapes(ctx);
    const macs = product([m, k, n]);
    const mn = m.mul(n);
    const hasC = ctx.input(2) !== undefined;
    let flops = macs.scale(2);
    if (hasC) flops = flops.add(mn);
    if (ctx.attrFloat('alpha', 1) !== 1) flops = flops.add(mn);
    if (hasC && ctx.attrFloat('beta', 1) !== 1) flops = flops.add(mn);
    return { macs, flops, formula: formatProduct([m, k, n]) };
  },
});

// ---------------------------------------------------------------------------------------------
// MatMul family

defineOps(['MatMul'], {
  infer: (ctx) => [{ dtype: dtypeOf(ctx, 0), shape: matmulShapes(ctx, ctx.shapeOf(0), ctx.shapeOf(1)).out }],
  cost: (ctx) => matmulCost(matmulShapes(ctx, ctx.shapeOf(0), ctx.shapeOf(1))),
});

/** MatMulInteger(A, B, a_zero_point?, b_zero_point?) → int32. */
defineOps(['MatMulInteger'], {
  infer: (ctx) => [{ dtype: DataType.INT32, shape: matmulShapes(ctx, ctx.shapeOf(0), ctx.shapeOf(1)).out }],
  cost(ctx) {
    const a = ctx.shapeOf(0);
    const b = ctx.shapeOf(1);
    let zeroPoints = Expr.ZERO;
    if (ctx.input(2)) zeroPoints = zeroPoints.add(numel(a));
    if (ctx.input(3)) zeroPoints = zeroPoints.add(numel(b));
    return matmulCost(matmulShapes(ctx, a, b), zeroPoints);
  },
});

/** QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp) → y_zero_point's type. */
defineOps(['QLinearMatMul'], {
  infer(ctx) {
    const dtype = ctx.input(7)?.dtype ?? dtypeOf(ctx, 0);
    return [{ dtype, shape: matmulShapes(ctx, ctx.shapeOf(0), ctx.shapeOf(3)).out }];
  },
  cost(ctx, outputs) {
    const a = ctx.shapeOf(0);
    const b = ctx.shapeOf(3);
    const s = matmulShapes(ctx, a, b);
    const requantize = numel(outputs[0].shape ?? s.out).scale(4);
    return matmulCost(s, numel(a).add(numel(b)).add(requantize));
  },
});

/**
 * com.microsoft FusedMatMul (and its older name TransposeMatMul): MatMul of op(A) and op(B),
 * where transA/transB swap the last two dims and transBatchA/B move dim 0 to just before the
 * last one ([b, m, k] read as [m, b, k]), as onnxruntime's FusedMatMulShapeInference does.
 */
function fusedOperand(ctx: OpContext, shape: readonly Expr[], trans: boolean, transBatch: boolean, name: string): Expr[] {
  const r = shape.length;
  if (r === 0) ctx.fail(`FusedMatMul input ${name} is a scalar`);
  if (r === 1) return [...shape];
  if (transBatch && r < 3) ctx.fail(`FusedMatMul transBatch${name} needs rank ≥ 3, got ${show(shape)}`);
  const batch = transBatch ? shape.slice(1, r - 1) : shape.slice(0, r - 2);
  const row = transBatch ? shape[0] : shape[r - 2];
  const col = shape[r - 1];
  return trans ? [...batch, col, row] : [...batch, row, col];
}

function fusedShapes(ctx: OpContext): MatMulShapes {
  const a = fusedOperand(ctx, ctx.shapeOf(0), ctx.attrInt('transA', 0) !== 0, ctx.attrInt('transBatchA', 0) !== 0, 'A');
  const b = fusedOperand(ctx, ctx.shapeOf(1), ctx.attrInt('transB', 0) !== 0, ctx.attrInt('transBatchB', 0) !== 0, 'B');
  return matmulShapes(ctx, a, b);
}

defineOps(
  ['FusedMatMul', 'TransposeMatMul'],
  {
    infer: (ctx) => [{ dtype: dtypeOf(ctx, 0), shape: fusedShapes(ctx).out }],
    cost(ctx) {
      const s = fusedShapes(ctx);
      return matmulCost(s, ctx.attrFloat('alpha', 1) !== 1 ? numel(s.out) : Expr.ZERO);
    },
  },
  MS,
);
