import { Expr } from '../symbolic/expr';
import { DataType } from '../onnx/model';
import { defineOps } from './registry';
import { noArithmetic } from './shape-utils';
import type { TensorValue } from './types';

/** Constant: a tensor attribute, or since opset 12 one of the value_* scalar/list attributes. */
defineOps(['Constant'], {
  infer(ctx) {
    const t = ctx.attrTensor('value');
    if (t) return [t];
    const i = ctx.attrInt('value_int');
    if (i !== undefined) return [intsValue([i], [])];
    const ints = ctx.attrInts('value_ints');
    if (ints) return [intsValue(ints, [Expr.of(ints.length)])];
    const f = ctx.attrFloats('value_floats');
    if (f) return [{ dtype: DataType.FLOAT, shape: [Expr.of(f.length)], floats: f }];
    const hasFloat = ctx.node.attributes.get('value_float');
    if (hasFloat) {
      const v = ctx.attrFloat('value_float', 0);
      return [{ dtype: DataType.FLOAT, shape: [], floats: [v] }];
    }
    return ctx.fail('Constant has no value attribute we can read (sparse_value and strings are not supported)');
  },
  cost: noArithmetic,
});

/**
 * int64 contents: as exact values only when every one is below 2^53, as the engine does for
 * stored tensors; past that they are sentinels (INT64_MAX: "to the end"), kept as floats for the
 * ops that clamp them (Slice) and never shown as a dim.
 */
function intsValue(ints: number[], shape: Expr[]): TensorValue {
  const v: TensorValue = { dtype: DataType.INT64, shape, floats: ints };
  if (ints.every(Number.isSafeInteger)) v.value = ints.map((n) => Expr.of(n));
  return v;
}
