import { Expr, product } from '../symbolic/expr';
import { dataTypeBits } from '../onnx/model';
import type { ValueShape } from '../ops/types';

/** Bytes a value occupies; zero when its shape or element type is unknown (the node says so). */
export function valueBytes(v: ValueShape): Expr {
  const bits = dataTypeBits(v.dtype);
  if (!v.shape || bits === undefined) return Expr.ZERO;
  return product(v.shape).scale(bits).ceilDiv(8);
}
