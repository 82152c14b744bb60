/**
 * Pooling: MaxPool, AveragePool, LpPool, their Global forms, RoiAlign and MaxRoiPool.
 * No MACs; FLOPs per output element (K = ∏kernel_shape):
 *
 * | op                | FLOPs                   | why                                                   |
 * |-------------------|-------------------------|-------------------------------------------------------|
 * | MaxPool           | K per output element    | K−1 comparisons, counted as K (the brief's convention)|
 * | AveragePool       | K per output element    | K−1 adds + 1 divide; count_include_pad only changes    |
 * |                   |                         | the divisor, not the work                             |
 * | LpPool            | 2·K per output element  | K powers |x|^p, K−1 adds, 1 root                        |
 * | GlobalMaxPool     | 1 per input element     | as MaxPool with the window = the whole spatial extent |
 * | GlobalAveragePool | 1 per input element     | as AveragePool                                        |
 * | GlobalLpPool      | 2 per input element     | as LpPool                                             |
 * | RoiAlign          | 8·s² per output element | s² = sampling_ratio² bilinear samples, each 4         |
 * |                   |                         | multiplies + 3 adds, plus 1 per sample to average     |
 * |                   |                         | (adds + divide) or max (comparisons). sampling_ratio  |
 * |                   |                         | 0 (adaptive) depends on ROI sizes: not costed         |
 * | MaxRoiPool        | not costed              | bin sizes are data (the ROIs)                         |
 *
 * Padding never changes the count: a window's K elements are counted even where it overlaps the
 * padding. Output geometry (ceil_mode, auto_pad, dilations) is `slidingOutput` in conv.ts.
 */
import { Expr } from '../symbolic/expr';
import { DataType } from '../onnx/model';
import { readWindow, slidingOutput } from './conv';
import { defineOps } from './registry';
import { formatProduct, numel } from './shape-utils';
import type { Cost, OpContext } from './types';

function poolInput(ctx: OpContext): Expr[] {
  const x = ctx.shapeOf(0);
  if (x.length < 3) ctx.fail(`input has rank ${x.length}; pooling needs (N, C, spatial...)`);
  return x;
}

function poolKernel(ctx: OpContext, n: number): number[] {
  const k = ctx.attrInts('kernel_shape');
  if (!k) return ctx.fail('kernel_shape is required');
  if (k.length !== n) ctx.fail(`kernel_shape has ${k.length} values, expected ${n}`);
  return k;
}

/** FLOPs per window element: Lp pooling raises to a power and adds. */
function perElement(opType: string): number {
  return opType === 'LpPool' || opType === 'GlobalLpPool' ? 2 : 1;
}

defineOps(['MaxPool', 'AveragePool', 'LpPool'], {
  infer(ctx) {
    const x = poolInput(ctx);
    const kernel = poolKernel(ctx, x.length - 2);
    const shape = [x[0], x[1], ...slidingOutput(ctx, x.slice(2), readWindow(ctx, kernel))];
    const dtype = ctx.input(0)?.dtype ?? DataType.UNDEFINED;
    const outputs = [{ dtype, shape }];
    // MaxPool's optional second output: flat indices of the maxima.
    if (ctx.node.opType === 'MaxPool' && ctx.node.outputs.length > 1) outputs.push({ dtype: DataType.INT64, shape });
    return outputs;
  },
  cost(ctx, outputs): Cost {
    const out = outputs[0].shape!;
    const kernel = poolKernel(ctx, out.length - 2);
    const k = perElement(ctx.node.opType);
    const flops = numel(out).scale(k * kernel.reduce((a, b) => a * b, 1));
    return { macs: Expr.ZERO, flops, formula: `${k === 1 ? '' : `${k} · `}${formatProduct(out)} · ${formatProduct(kernel)}` };
  },
});

defineOps(['GlobalMaxPool', 'GlobalAveragePool', 'GlobalLpPool'], {
  infer(ctx) {
    const x = poolInput(ctx);
    return [{ dtype: ctx.input(0)?.dtype ?? DataType.UNDEFINED, shape: [x[0], x[1], ...x.slice(2).map(() => Expr.ONE)] }];
  },
  cost(ctx): Cost {
    const x = poolInput(ctx);
    const k = perElement(ctx.node.opType);
    return { macs: Expr.ZERO, flops: numel(x).scale(k), formula: `${k === 1 ? '' : `${k} · `}${formatProduct(x)}` };
  },
});

function roiShape(ctx: OpContext, boxCoords: number, pooled: [number, number]): Expr[] {
  const x = ctx.shapeOf(0);
  const rois = ctx.shapeOf(1);
  if (x.length !== 4) ctx.fail(`input has rank ${x.length}; expected (N, C, H, W)`);
  if (rois.length !== 2) ctx.fail(`rois have rank ${rois.length}; expected (num_rois, ${boxCoords})`);
  const c = rois[1].constant;
  if (c !== undefined && c !== boxCoords) ctx.fail(`rois have ${c} values per box; expected ${boxCoords}`);
  if (pooled.some((p) => !Number.isInteger(p) || p < 1)) ctx.fail(`pooled size [${pooled}] must be positive`);
  return [rois[0], x[1], Expr.of(pooled[0]), Expr.of(pooled[1])];
}

defineOps(['RoiAlign'], {
  infer(ctx) {
    const shape = roiShape(ctx, 4, [ctx.attrInt('output_height', 1), ctx.attrInt('output_width', 1)]);
    return [{ dtype: ctx.input(0)?.dtype ?? DataType.UNDEFINED, shape }];
  },
  cost(ctx, outputs): Cost {
    const s = ctx.attrInt('sampling_ratio', 0);
    if (s <= 0) ctx.fail('sampling_ratio 0 (adaptive): the samples per bin depend on each ROI\'s size, which is data');
    const out = outputs[0].shape!;
    return { macs: Expr.ZERO, flops: numel(out).scale(8 * s * s), formula: `8·${s}·${s} · ${formatProduct(out)}` };
  },
});

defineOps(['MaxRoiPool'], {
  infer(ctx) {
    const pooled = ctx.attrInts('pooled_shape');
    if (!pooled || pooled.length !== 2) return ctx.fail('pooled_shape must have 2 values');
    return [{ dtype: ctx.input(0)?.dtype ?? DataType.UNDEFINED, shape: roiShape(ctx, 5, [pooled[0], pooled[1]]) }];
  },
  cost(ctx): Cost {
    return ctx.fail('MaxRoiPool compares every element inside each ROI bin; the bin sizes come from the ROIs (data), so the cost is not static');
  },
});
