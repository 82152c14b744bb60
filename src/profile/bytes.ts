import { Expr, product } from '../symbolic/expr';
import { dataTypeBits } from '../onnx/model';
import type { ValueShape } from '../ops/types';

/** A value's shape array is shared by its producer and every consumer: compute its size once. */
const elementCounts = new WeakMap<readonly Expr[], Expr>();

export function elementCount(shape: readonly Expr[]): Expr {
  let n = elementCounts.get(shape);
  if (!n) {
    n = product(shape);
    elementCounts.set(shape, n);
  }
  return n;
}

/** Bytes a value occupies; zero when its shape or element type is unknown (the node says so). */
export function valueBytes(v: ValueShape): Expr {
  const bits = dataTypeBits(v.dtype);
  if (!v.shape || bits === undefined) return Expr.ZERO;
  const n = elementCount(v.shape);
  return bits % 8 === 0 ? n.scale(bits / 8) : n.scale(bits).ceilDiv(8);
}
