/**
 * Unary math, activations and softmax: every op here keeps its input's shape and dtype (PRelu and
 * the bias-taking contrib ops broadcast), and costs a fixed number of FLOPs per output element.
 * No MACs: none of these is a multiply-accumulate over a reduction dimension.
 *
 * | op                                            | FLOPs / element | why                                   |
 * |-----------------------------------------------|-----------------|---------------------------------------|
 * | Abs Neg Reciprocal Floor Ceil Round Sqrt Exp  | 1               | one math-library call or ALU op       |
 * | Log Erf Sin Cos Tan Asin Acos Atan Sinh Cosh  |                 |                                       |
 * | Asinh Acosh Atanh Tanh                        |                 |                                       |
 * | Relu                                          | 1               | max(x, 0)                             |
 * | ThresholdedRelu                               | 1               | compare-select against alpha          |
 * | LeakyRelu, PRelu                              | 2               | compare, multiply by the slope        |
 * | Clip                                          | 2               | min and max (attrs < 11, inputs ≥ 11) |
 * | Shrink                                        | 2               | compare, add/subtract bias            |
 * | Elu, Selu, Celu                               | 3               | exp, subtract 1, multiply (scale)     |
 * | Softplus                                      | 3               | exp, add 1, log                       |
 * | Softsign                                      | 3               | abs, add 1, divide                    |
 * | Sigmoid                                       | 4               | negate, exp, add 1, divide            |
 * | HardSigmoid                                   | 4               | multiply alpha, add beta, clip (2)    |
 * | HardSwish                                     | 5               | HardSigmoid (4) + multiply by x       |
 * | Mish                                          | 5               | softplus (3), tanh, multiply by x     |
 * | Gelu approximate='none' (opset 20)            | 5               | x·0.5·(1 + erf(x/√2)): div erf add mul mul |
 * | Gelu approximate='tanh'                       | 9               | x³ (2), ·0.044715, +x, ·√(2/π), tanh, +1, ·0.5, ·x |
 * | Softmax, LogSoftmax                           | 5               | max, subtract, exp, sum, divide (log-subtract) |
 * | Hardmax                                       | 1               | the arg-max comparison                |
 * | com.microsoft Gelu                            | 5               | as Gelu 'none'                        |
 * | com.microsoft FastGelu                        | 9 (+1 with bias)| tanh form; the bias add               |
 * | com.microsoft BiasGelu                        | 6               | bias add + Gelu (5)                   |
 * | com.microsoft QuickGelu                       | 6               | x·sigmoid(alpha·x): mul alpha, sigmoid (4), mul x |
 * | com.microsoft BiasSoftmax                     | 6               | bias add + Softmax (5)                |
 *
 * QuickGelu is one more than Swish's 5 because of the alpha multiply. Elementwise ops that return
 * bool or are pure sign tests (Sign, IsNaN, IsInf, Not) belong to the elementwise family.
 */
import { Expr } from '../symbolic/expr';
import { isIntegerType } from '../onnx/model';
import { defineOps } from './registry';
import { broadcast, formatProduct, normalizeAxis, numel, sameAsInput } from './shape-utils';
import type { Cost, OpContext, OpDef, TensorValue } from './types';

const MS = 'com.microsoft';

/** `k` FLOPs for every element of the first output. */
function perOutputElement(k: number, outputs: TensorValue[], ctx: OpContext): Cost {
  const shape = outputs[0]?.shape ?? ctx.fail('output shape unknown');
  const flops = numel(shape).scale(k);
  return { macs: Expr.ZERO, flops, formula: formatProduct(k === 1 ? shape : [k, ...shape]) };
}

/** Same shape and dtype as input 0; `k` FLOPs per element. */
function unary(k: number): OpDef {
  return {
    infer: (ctx) => {
      ctx.shapeOf(0);
      return [sameAsInput(ctx)];
    },
    cost: (ctx, outputs) => perOutputElement(k, outputs, ctx),
  };
}

/** Input 0 broadcast against the present inputs listed; dtype of input 0. */
function broadcastOutput(ctx: OpContext, others: number[]): TensorValue {
  const x = ctx.input(0) ?? ctx.fail('input 0 is missing');
  const shapes = [ctx.shapeOf(0)];
  for (const i of others) if (ctx.input(i)) shapes.push(ctx.shapeOf(i));
  return { dtype: x.dtype, shape: broadcast(ctx, shapes) };
}

defineOps(['Reciprocal', 'Sqrt', 'Exp', 'Log', 'Erf', 'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Tanh', 'ThresholdedRelu'], unary(1));

/**
 * Ops that exporters apply to shape values (`Neg` of a length for a negative Slice end): known
 * integer contents are carried through so later Reshape/Slice targets still resolve.
 */
const INT_VALUE_MAPS: Record<string, (v: Expr) => Expr | undefined> = {
  Neg: (v) => v.scale(-1),
  Abs: (v) => (v.constant === undefined ? undefined : Expr.of(Math.abs(v.constant))),
  Relu: (v) => (v.constant === undefined ? undefined : Expr.of(Math.max(v.constant, 0))),
  Floor: (v) => v,
  Ceil: (v) => v,
  Round: (v) => v,
};

defineOps(Object.keys(INT_VALUE_MAPS), {
  infer(ctx) {
    ctx.shapeOf(0);
    const out = sameAsInput(ctx);
    const values = ctx.values(0);
    if (values && isIntegerType(out.dtype)) {
      const mapped = values.map(INT_VALUE_MAPS[ctx.node.opType]);
      if (mapped.every((v) => v !== undefined)) out.value = mapped as Expr[];
    }
    return [out];
  },
  cost: (ctx, outputs) => perOutputElement(1, outputs, ctx),
});
defineOps(['LeakyRelu', 'Shrink'], unary(2));
defineOps(['Elu', 'Selu', 'Celu', 'Softplus', 'Softsign'], unary(3));
defineOps(['Sigmoid', 'HardSigmoid'], unary(4));
defineOps(['HardSwish', 'Mish'], unary(5));
defineOps(['Hardmax'], softmaxLike(1));

/** PRelu: the slope (a weight) broadcasts unidirectionally to X. */
defineOps(['PRelu'], {
  infer: (ctx) => [broadcastOutput(ctx, [1])],
  cost: (ctx, outputs) => perOutputElement(2, outputs, ctx),
});

/** Clip: min/max are attributes before opset 11 and optional inputs from 11; same cost either way. */
defineOps(['Clip'], unary(2));

/** Gelu (opset 20): 'none' is the erf form, 'tanh' the approximation. */
defineOps(['Gelu'], {
  infer(ctx) {
    ctx.shapeOf(0);
    geluFlops(ctx);
    return [sameAsInput(ctx)];
  },
  cost: (ctx, outputs) => perOutputElement(geluFlops(ctx), outputs, ctx),
});

function geluFlops(ctx: OpContext): number {
  const approximate = ctx.attrString('approximate', 'none');
  if (approximate === 'none') return 5;
  if (approximate === 'tanh') return 9;
  return ctx.fail(`Gelu approximate="${approximate}" is not 'none' or 'tanh'`);
}

/**
 * Softmax / LogSoftmax / Hardmax. Before opset 13 the default axis is 1 and the input is coerced
 * to 2-D around it; from 13 the default is -1 and the op works along that one axis. The output
 * shape is the input's either way, and so is the element count the cost is based on.
 */
function softmaxLike(k: number): OpDef {
  return {
    infer(ctx) {
      const shape = ctx.shapeOf(0);
      const axis = ctx.attrInt('axis', ctx.opset >= 13 ? -1 : 1);
      normalizeAxis(ctx, axis, shape.length);
      return [sameAsInput(ctx)];
    },
    cost: (ctx, outputs) => perOutputElement(k, outputs, ctx),
  };
}

defineOps(['Softmax', 'LogSoftmax'], softmaxLike(5));

// com.microsoft contrib activations (ONNX Runtime).

defineOps(['Gelu'], unary(5), MS);
defineOps(['QuickGelu'], unary(6), MS);

/** FastGelu(X, bias?): tanh approximation, plus the bias add when a bias is given. */
defineOps(
  ['FastGelu'],
  {
    infer: (ctx) => [broadcastOutput(ctx, [1])],
    cost: (ctx, outputs) => perOutputElement(ctx.input(1) ? 10 : 9, outputs, ctx),
  },
  MS,
);

/** BiasGelu(A, B): Gelu(A + B). */
defineOps(
  ['BiasGelu'],
  {
    infer: (ctx) => [broadcastOutput(ctx, [1])],
    cost: (ctx, outputs) => perOutputElement(6, outputs, ctx),
  },
  MS,
);

/** BiasSoftmax(data, bias): Softmax(data + bias) along `axis` (default 1); output has data's shape. */
defineOps(
  ['BiasSoftmax'],
  {
    infer(ctx) {
      const shape = ctx.shapeOf(0);
      ctx.shapeOf(1);
      normalizeAxis(ctx, ctx.attrInt('axis', 1), shape.length);
      return [sameAsInput(ctx)];
    },
    cost: (ctx, outputs) => perOutputElement(6, outputs, ctx),
  },
  MS,
);
