import { Expr } from '../symbolic/expr';
import { elementCount } from '../profile/bytes';
import type { Cost, OpContext, TensorValue } from './types';

export const ZERO_COST: Cost = { macs: Expr.ZERO, flops: Expr.ZERO };

/** Cost entry for ops that only move or reinterpret data. */
export function noArithmetic(): Cost {
  return ZERO_COST;
}

export function numel(shape: readonly Expr[]): Expr {
  return elementCount(shape);
}

/** A negative axis counts from the end, as ONNX allows. */
export function normalizeAxis(ctx: OpContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) ctx.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/**
 * Multidirectional (numpy) broadcasting. Two different symbols broadcast to their max: exact
 * when one of them is 1 or both are equal, which is all that a valid model allows.
 */
export function broadcast(ctx: OpContext, shapes: readonly Expr[][]): Expr[] {
  // A loop, not Math.max(...): a node may have millions of inputs, more than a call's arguments.
  let rank = 0;
  for (const s of shapes) if (s.length > rank) rank = s.length;
  const out = new Array<Expr>(rank);
  for (let i = 0; i < rank; i++) {
    let dim: Expr = Expr.ONE;
    for (const s of shapes) {
      const d = s[i - (rank - s.length)];
      if (d === undefined || d.constant === 1) continue;
      if (dim.constant === 1) dim = d;
      else if (!dim.equals(d)) {
        const a = dim.constant;
        const b = d.constant;
        if (a !== undefined && b !== undefined) ctx.fail(`cannot broadcast dims ${a} and ${b}`);
        // A concrete dim against a symbol: the symbol must equal it (or be 1).
        dim = a !== undefined ? dim : b !== undefined ? d : dim.max(d);
      }
    }
    out[i] = dim;
  }
  // Most operands already have the result's shape: sharing its array shares its cached size.
  return shapes.find((s) => s.length === rank && s.every((d, i) => d === out[i])) ?? out;
}

/** Output of an op that keeps its first input's shape and type. */
export function sameAsInput(ctx: OpContext, i = 0): TensorValue {
  const x = ctx.input(i);
  if (!x) ctx.fail(`input ${i} is missing`);
  return { dtype: x.dtype, shape: x.shape };
}

/** `a·b·c` for formulas. */
export function formatProduct(factors: readonly (Expr | number)[]): string {
  return factors.map((f) => (typeof f === 'number' ? String(f) : f.isSum ? `(${f})` : String(f))).join('·');
}
