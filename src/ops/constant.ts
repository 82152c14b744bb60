import { Expr } from '../symbolic/expr';
import { DataType } from '../onnx/model';
import { defineOps } from './registry';
import { noArithmetic } from './shape-utils';

/** Constant: a tensor attribute, or since opset 12 one of the value_* scalar/list attributes. */
defineOps(['Constant'], {
  infer(ctx) {
    const t = ctx.attrTensor('value');
    if (t) return [t];
    const i = ctx.attrInt('value_int');
    if (i !== undefined) return [{ dtype: DataType.INT64, shape: [], value: [Expr.of(i)], floats: [i] }];
    const ints = ctx.attrInts('value_ints');
    if (ints) return [{ dtype: DataType.INT64, shape: [Expr.of(ints.length)], value: ints.map((v) => Expr.of(v)), floats: ints }];
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
