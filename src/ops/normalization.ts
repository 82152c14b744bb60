/**
 * Normalization layers. Y keeps X's shape and dtype; statistics outputs (Mean, InvStdDev, running
 * mean/var) have the reduced shape. Costs are FLOPs per element of X, no MACs.
 *
 * Normalizing costs 5 per element: the mean sum, the subtraction, the square, the variance sum,
 * the multiply by 1/σ. The affine scale and bias are 1 each. Per-row (or per-channel) scalar work —
 * 1/sqrt(var + ε), dividing the sums by their count, running-stat updates — is not counted: it is
 * one op per row against hundreds per element.
 *
 * | op                                         | FLOPs / element       | why                              |
 * |--------------------------------------------|-----------------------|----------------------------------|
 * | BatchNormalization (inference)             | 2                     | scale and shift, folded per channel |
 * | BatchNormalization (training)              | 7                     | 5 to normalize with batch stats + scale + bias |
 * | InstanceNormalization, GroupNormalization  | 7                     | 5 + scale + bias                 |
 * | LayerNormalization                         | 6, 7 with bias B      | 5 + scale (+ bias)               |
 * | MeanVarianceNormalization                  | 5                     | no affine                        |
 * | RMSNormalization (opset 23),               | 4                     | square, mean sum, multiply by 1/rms, scale |
 * |   SimplifiedLayerNormalization             |                       |                                  |
 * | LpNormalization p=1, p=2                   | 3                     | abs or square, sum, divide       |
 * | LRN                                        | 2·size + 4            | size squares and size adds over the window, |
 * |                                            |                       | ·alpha/size, +bias, pow beta, divide |
 * | com.microsoft SkipLayerNormalization       | 1 + 7 (+1 with bias)  | input + skip (+ bias), then LN with gamma and beta |
 * |                                            |                       | (beta is optional: 6 without it) |
 * | com.microsoft SkipSimplifiedLayerNormalization | 1 + 4 (+1 bias)   | input + skip (+ bias), then RMS norm |
 *
 * BatchNormalization's mean and variance inputs are state, not learned parameters (bufferInputs),
 * as torch counts them: BN params = 2·C (scale, bias), buffers = 2·C.
 */
import { Expr } from '../symbolic/expr';
import { DataType } from '../onnx/model';
import { defineOps } from './registry';
import { formatProduct, normalizeAxis, numel, sameAsInput } from './shape-utils';
import type { Cost, OpContext, OpDef, TensorValue } from './types';

const MS = 'com.microsoft';

/** `k` FLOPs for every element of input 0. */
function perInputElement(ctx: OpContext, k: number): Cost {
  const shape = ctx.shapeOf(0);
  const flops = numel(shape).scale(k);
  return { macs: Expr.ZERO, flops, formula: formatProduct(k === 1 ? shape : [k, ...shape]) };
}

/** X's shape with the dims from `axis` on set to 1 (LayerNorm's Mean / InvStdDev). */
function statShape(shape: readonly Expr[], axis: number): Expr[] {
  return shape.map((d, i) => (i < axis ? d : Expr.ONE));
}

/** Y = X's shape and dtype, then one statistics value for each further output the node has. */
function withStats(ctx: OpContext, stats: TensorValue): TensorValue[] {
  const out = [sameAsInput(ctx)];
  for (let i = 1; i < ctx.node.outputs.length; i++) out.push(stats);
  return out;
}

function stashType(ctx: OpContext): number {
  return ctx.attrInt('stash_type', DataType.FLOAT);
}

function batchNormTraining(ctx: OpContext): boolean {
  // From opset 14 an attribute says so; before, asking for the mean/var outputs meant training.
  if (ctx.opset >= 14) return ctx.attrInt('training_mode', 0) !== 0;
  return ctx.node.outputs.slice(1).some((o) => o !== '');
}

/**
 * BatchNormalization(X, scale, B, mean, var). Inference: 2 per element. Training (training_mode
 * from opset 14; earlier, the extra outputs): 7 per element; the running mean/var (opset 14+) or
 * mean/var/saved_mean/saved_var (7–13) outputs have the mean input's shape, [C].
 */
defineOps(['BatchNormalization'], {
  bufferInputs: [3, 4],
  infer(ctx) {
    const x = ctx.shapeOf(0);
    if (x.length < 2) ctx.fail(`BatchNormalization needs X of rank 2 or more (N, C, ...), got rank ${x.length}`);
    const mean = ctx.input(3);
    const stats: TensorValue = { dtype: mean?.dtype || ctx.input(0)!.dtype, shape: mean?.shape ?? [x[1]] };
    if (ctx.opset >= 14 && !batchNormTraining(ctx) && ctx.node.outputs.slice(1).some((o) => o !== '')) {
      ctx.note('running mean/var outputs requested without training_mode=1; costed as inference');
    }
    return withStats(ctx, stats);
  },
  cost: (ctx) => perInputElement(ctx, batchNormTraining(ctx) ? 7 : 2),
});

/** InstanceNormalization(X, scale[C], B[C]): per (n, c) over the spatial dims. */
defineOps(['InstanceNormalization'], {
  infer(ctx) {
    const x = ctx.shapeOf(0);
    if (x.length < 2) ctx.fail(`InstanceNormalization needs X of rank 2 or more (N, C, ...), got rank ${x.length}`);
    return [sameAsInput(ctx)];
  },
  cost: (ctx) => perInputElement(ctx, 7),
});

/** GroupNormalization(X, scale, bias), opset 18 (scale/bias [G]) and 21 (scale/bias [C]). */
defineOps(['GroupNormalization'], {
  infer(ctx) {
    const x = ctx.shapeOf(0);
    if (x.length < 2) ctx.fail(`GroupNormalization needs X of rank 2 or more (N, C, ...), got rank ${x.length}`);
    const groups = ctx.attrInt('num_groups') ?? ctx.fail('GroupNormalization has no num_groups attribute');
    const c = x[1].constant;
    if (groups <= 0 || (c !== undefined && c % groups !== 0)) ctx.fail(`num_groups ${groups} does not divide ${c} channels`);
    return [sameAsInput(ctx)];
  },
  cost: (ctx) => perInputElement(ctx, 7),
});

/**
 * LayerNormalization(X, Scale, B?) (opset 17; also ONNX Runtime's earlier onnx-domain and
 * com.microsoft contrib forms): normalizes over the dims from `axis` (default -1) on. Mean and
 * InvStdDev have X's shape with those dims set to 1, in the stash_type precision.
 */
const layerNorm: OpDef = {
  infer(ctx) {
    const x = ctx.shapeOf(0);
    const axis = normalizeAxis(ctx, ctx.attrInt('axis', -1), x.length);
    return withStats(ctx, { dtype: stashType(ctx), shape: statShape(x, axis) });
  },
  cost: (ctx) => perInputElement(ctx, 5 + 1 + (ctx.input(2) ? 1 : 0)),
};
defineOps(['LayerNormalization'], layerNorm);
defineOps(['LayerNormalization'], layerNorm, MS);

/**
 * RMS norm: Y = X / sqrt(mean(X²) + ε) · scale over the dims from `axis` on. RMSNormalization is
 * opset 23 (one output); ONNX Runtime's SimplifiedLayerNormalization (onnx domain, and seen under
 * com.microsoft) has an optional inv_std_var output of the reduced shape.
 */
const rmsNorm: OpDef = {
  infer(ctx) {
    const x = ctx.shapeOf(0);
    const axis = normalizeAxis(ctx, ctx.attrInt('axis', -1), x.length);
    return withStats(ctx, { dtype: stashType(ctx), shape: statShape(x, axis) });
  },
  cost: (ctx) => perInputElement(ctx, 3 + 1),
};
defineOps(['RMSNormalization', 'SimplifiedLayerNormalization'], rmsNorm);
defineOps(['SimplifiedLayerNormalization'], rmsNorm, MS);

/** MeanVarianceNormalization(X): (X − mean) / std over `axes` (default [0, 2, 3]). */
defineOps(['MeanVarianceNormalization'], {
  infer(ctx) {
    const x = ctx.shapeOf(0);
    const axes = ctx.attrInts('axes') ?? [0, 2, 3];
    for (const a of axes) normalizeAxis(ctx, a, x.length);
    return [sameAsInput(ctx)];
  },
  cost: (ctx) => perInputElement(ctx, 5),
});

/** LpNormalization(X): X / ‖X‖_p along `axis` (default -1), p ∈ {1, 2}. */
defineOps(['LpNormalization'], {
  infer(ctx) {
    const x = ctx.shapeOf(0);
    normalizeAxis(ctx, ctx.attrInt('axis', -1), x.length);
    const p = ctx.attrInt('p', 2);
    if (p !== 1 && p !== 2) ctx.fail(`LpNormalization p=${p}: only 1 and 2 are defined`);
    return [sameAsInput(ctx)];
  },
  cost: (ctx) => perInputElement(ctx, 3),
});

/** LRN(X): cross-channel local response normalization over a window of `size` channels. */
defineOps(['LRN'], {
  infer(ctx) {
    const x = ctx.shapeOf(0);
    if (x.length < 2) ctx.fail(`LRN needs X of rank 2 or more (N, C, ...), got rank ${x.length}`);
    lrnSize(ctx);
    return [sameAsInput(ctx)];
  },
  cost: (ctx) => perInputElement(ctx, 2 * lrnSize(ctx) + 4),
});

function lrnSize(ctx: OpContext): number {
  const size = ctx.attrInt('size') ?? ctx.fail('LRN has no size attribute');
  if (size <= 0) ctx.fail(`LRN size ${size} is not positive`);
  return size;
}

/**
 * SkipLayerNormalization(input, skip, gamma, beta?, bias?) and
 * SkipSimplifiedLayerNormalization(input, skip, gamma, bias?): LN (or RMS norm) of
 * input + skip (+ bias) over the last dim. Outputs: output, mean?, inv_std_var? ([..., 1]),
 * input_skip_bias_sum? (input's shape).
 */
function skipNorm(simplified: boolean): OpDef {
  const biasInput = simplified ? 3 : 4;
  return {
    infer(ctx) {
      const x = ctx.shapeOf(0);
      if (x.length < 2) ctx.fail(`${ctx.node.opType} needs input of rank 2 or 3, got rank ${x.length}`);
      ctx.shapeOf(1);
      const stats: TensorValue = { dtype: DataType.FLOAT, shape: statShape(x, x.length - 1) };
      const out = withStats(ctx, stats);
      if (out.length > 3) out[3] = sameAsInput(ctx);
      return out;
    },
    cost(ctx) {
      const add = 1 + (ctx.input(biasInput) ? 1 : 0);
      const norm = simplified ? 3 + 1 : 5 + 1 + (ctx.input(3) ? 1 : 0);
      return perInputElement(ctx, add + norm);
    },
  };
}
defineOps(['SkipLayerNormalization'], skipNorm(false), MS);
defineOps(['SkipSimplifiedLayerNormalization'], skipNorm(true), MS);
