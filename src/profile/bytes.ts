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

const byteCounts = new WeakMap<readonly Expr[], { dtype: number; bytes: Expr }>();

/** Bytes a value occupies; zero when its shape or element type is unknown (the node says so). */
export function valueBytes(v: ValueShape): Expr {
  const bits = dataTypeBits(v.dtype);
  if (!v.shape || bits === undefined) return Expr.ZERO;
  const hit = byteCounts.get(v.shape);
  if (hit?.dtype === v.dtype) return hit.bytes;
  const n = elementCount(v.shape);
  const bytes = bits % 8 === 0 ? n.scale(bits / 8) : n.scale(bits).ceilDiv(8);
  byteCounts.set(v.shape, { dtype: v.dtype, bytes });
  return bytes;
}
