/**
 * Resampling and layout: Resize (opsets 10–19), Upsample (7–9), Pad, DepthToSpace, SpaceToDepth.
 *
 * | op                        | FLOPs per output element                                           |
 * |---------------------------|--------------------------------------------------------------------|
 * | Resize/Upsample nearest   | 0 (noArithmetic: index arithmetic and copies)                      |
 * | Resize/Upsample linear    | 3 per interpolated axis: one lerp (1−t)·a + t·b = 2 multiplies +   |
 * |                           | 1 add, as in separable per-axis passes (bilinear 6, trilinear 9)   |
 * | Resize cubic              | 7 per interpolated axis: 4 taps = 4 multiplies + 3 adds            |
 * | (general rule)            | 2·taps − 1 per interpolated axis; with antialias (opset 18+) a     |
 * |                           | downscaling axis has taps = ceil(base_taps / scale)                 |
 * | Pad, DepthToSpace,        | 0 (noArithmetic: data movement)                                    |
 * | SpaceToDepth              |                                                                    |
 *
 * An axis is interpolated when its scale is not 1 (scales), its output size differs from the input
 * size (sizes), or, for tf_crop_and_resize, its roi is not [0, 1]. Coordinate transforms and tap
 * weights depend only on the output coordinate along one axis and are not counted.
 *
 * Output size with scales is floor(in · scale) (ONNX). Scales are float32; each is read as the
 * simplest fraction p/q that rounds to it (0.7f → 7/10), so the size is floor(in·p/q): exact for
 * symbolic dims and the same integer runtimes get from float32 arithmetic.
 */
import { DataType } from '../onnx/model';
import { Expr } from '../symbolic/expr';
import { defineOps } from './registry';
import { formatProduct, noArithmetic, normalizeAxis, numel, sameAsInput } from './shape-utils';
import type { Cost, OpContext } from './types';

/** The simplest fraction p/q within half a float32 ulp of `s` (continued-fraction convergents). */
export function floatToFraction(s: number): [number, number] {
  const tolerance = 2 ** (Math.floor(Math.log2(s)) - 24);
  let [p0, p1, q0, q1] = [0, 1, 1, 0];
  let x = s;
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(x);
    [p0, p1] = [p1, a * p1 + p0];
    [q0, q1] = [q1, a * q1 + q0];
    if (Math.abs(p1 / q1 - s) <= tolerance) break;
    const frac = x - a;
    if (frac === 0) break;
    x = 1 / frac;
  }
  return [p1, q1];
}

function present(ctx: OpContext, i: number): boolean {
  const name = ctx.node.inputs[i];
  return name !== undefined && name !== '';
}

/** Input i when given and not an empty tensor (Resize-11 passes `scales` as [] when using sizes). */
function given(ctx: OpContext, i: number): boolean {
  if (!present(ctx, i)) return false;
  const shape = ctx.input(i)?.shape;
  return !(shape && numel(shape).constant === 0);
}

type Mode = 'nearest' | 'linear' | 'cubic';

interface ResizePlan {
  shape: Expr[];
  mode: Mode;
  /** Per resized axis: axis index and, when known, the scale (for antialias). */
  interpolated: { axis: number; scale?: number }[];
}

function readMode(ctx: OpContext): Mode {
  const m = ctx.attrString('mode', 'nearest');
  if (m === 'nearest') return 'nearest';
  if (m === 'linear' || m === 'bilinear' || m === 'trilinear') return 'linear';
  if (m === 'cubic' && ctx.node.opType === 'Resize') return 'cubic';
  return ctx.fail(`mode "${m}" is not supported by ${ctx.node.opType}`);
}

function scalesOf(ctx: OpContext, i: number, count: number): number[] {
  const s = ctx.floats(i);
  if (!s) return ctx.fail(`scales (input ${i}) are not known statically`);
  if (s.length !== count) ctx.fail(`scales has ${s.length} values, expected ${count}`);
  if (s.some((v) => !(v > 0) || !Number.isFinite(v))) ctx.fail(`scales [${s}] must be positive`);
  return s;
}

function planResize(ctx: OpContext): ResizePlan {
  const x = ctx.shapeOf(0);
  const rank = x.length;
  const mode = readMode(ctx);
  const shape = [...x];
  const interpolated: ResizePlan['interpolated'] = [];
  const applyScales = (axes: number[], scales: number[]): void => {
    axes.forEach((axis, i) => {
      const [p, q] = floatToFraction(scales[i]);
      shape[axis] = x[axis].scale(p).floorDiv(q);
      if (p !== q) interpolated.push({ axis, scale: scales[i] });
    });
  };
  const all = [...Array(rank).keys()];
  if (ctx.node.opType === 'Upsample' || ctx.opset < 11) {
    // Upsample-7: scales attribute; Upsample-9 and Resize-10: scales input 1.
    let scales: number[];
    if (ctx.node.opType === 'Upsample' && ctx.opset < 9) {
      const s = ctx.attrFloats('scales');
      if (!s) return ctx.fail('the scales attribute is required');
      if (s.length !== rank) ctx.fail(`scales has ${s.length} values, expected ${rank}`);
      scales = s;
    } else scales = scalesOf(ctx, 1, rank);
    applyScales(all, scales);
    return { shape, mode, interpolated };
  }
  const axes = ctx.opset >= 18 ? (ctx.attrInts('axes')?.map((a) => normalizeAxis(ctx, a, rank)) ?? all) : all;
  if (new Set(axes).size !== axes.length) ctx.fail(`axes [${axes}] repeat an axis`);
  const hasScales = given(ctx, 2);
  const hasSizes = given(ctx, 3);
  if (hasScales && hasSizes) ctx.fail('both scales and sizes are given; only one may be');
  if (hasScales) applyScales(axes, scalesOf(ctx, 2, axes.length));
  else if (hasSizes) {
    const sizes = ctx.values(3);
    if (!sizes) return ctx.fail('sizes (input 3) are not known statically');
    if (sizes.length !== axes.length) ctx.fail(`sizes has ${sizes.length} values, expected ${axes.length}`);
    const policy = ctx.opset >= 18 ? ctx.attrString('keep_aspect_ratio_policy', 'stretch') : 'stretch';
    let targets = sizes;
    if (policy === 'not_larger' || policy === 'not_smaller') targets = keepAspect(ctx, axes.map((a) => x[a]), sizes, policy);
    else if (policy !== 'stretch') ctx.fail(`keep_aspect_ratio_policy "${policy}" is not stretch, not_larger or not_smaller`);
    axes.forEach((axis, i) => {
      shape[axis] = targets[i];
      if (!targets[i].equals(x[axis])) {
        const a = targets[i].constant;
        const b = x[axis].constant;
        interpolated.push(a !== undefined && b !== undefined && b > 0 ? { axis, scale: a / b } : { axis });
      }
    });
  } else return ctx.fail('neither scales nor sizes is given');
  shape.forEach((d, i) => {
    const c = d.constant;
    if (c !== undefined && c < 0) ctx.fail(`output dim ${i} is negative (${c})`);
  });
  if (mode !== 'nearest' && ctx.attrString('coordinate_transformation_mode', 'half_pixel') === 'tf_crop_and_resize') {
    addCroppedAxes(ctx, axes, interpolated);
  }
  return { shape, mode, interpolated };
}

/** tf_crop_and_resize samples inside the roi: an axis with roi other than [0, 1] interpolates even at scale 1. */
function addCroppedAxes(ctx: OpContext, axes: number[], interpolated: ResizePlan['interpolated']): void {
  const roi = present(ctx, 1) ? ctx.floats(1) : undefined;
  if (!roi) return ctx.fail('tf_crop_and_resize needs the roi input, which is not known statically');
  if (roi.length !== 2 * axes.length) ctx.fail(`roi has ${roi.length} values, expected ${2 * axes.length}`);
  axes.forEach((axis, i) => {
    if ((roi[i] !== 0 || roi[i + axes.length] !== 1) && !interpolated.some((e) => e.axis === axis)) interpolated.push({ axis, scale: 1 });
  });
}

/** keep_aspect_ratio_policy: one scale for all resized axes, out = round_half_up(scale · in), in float32 as runtimes do. */
function keepAspect(ctx: OpContext, dims: Expr[], sizes: Expr[], policy: string): Expr[] {
  const ins = dims.map((d) => d.constant);
  const outs = sizes.map((d) => d.constant);
  if (ins.some((d) => d === undefined) || outs.some((d) => d === undefined)) {
    return ctx.fail(`keep_aspect_ratio_policy ${policy} needs numeric input dims and sizes`);
  }
  const ratios = outs.map((o, i) => Math.fround(o! / ins[i]!));
  const scale = policy === 'not_larger' ? ratios.reduce((a, b) => Math.min(a, b), Infinity) : ratios.reduce((a, b) => Math.max(a, b), -Infinity);
  return ins.map((d) => Expr.of(Math.floor(Math.fround(scale * d!) + 0.5)));
}

const BASE_TAPS: Record<Exclude<Mode, 'nearest'>, number> = { linear: 2, cubic: 4 };

defineOps(['Resize', 'Upsample'], {
  infer(ctx) {
    return [{ dtype: ctx.input(0)?.dtype ?? DataType.UNDEFINED, shape: planResize(ctx).shape }];
  },
  cost(ctx, outputs): Cost {
    const plan = planResize(ctx);
    if (plan.mode === 'nearest' || plan.interpolated.length === 0) return noArithmetic();
    const base = BASE_TAPS[plan.mode];
    const antialias = ctx.node.opType === 'Resize' && ctx.opset >= 18 && ctx.attrInt('antialias', 0) !== 0;
    const perAxis = plan.interpolated.map(({ axis, scale }) => {
      if (!antialias) return 2 * base - 1;
      if (scale === undefined) return ctx.fail(`antialias: the scale of axis ${axis} is not known statically, so the filter width is not either`);
      return 2 * Math.ceil(base / Math.min(1, scale)) - 1;
    });
    const per = perAxis.reduce((a, b) => a + b, 0);
    const out = outputs[0].shape!;
    return { macs: Expr.ZERO, flops: numel(out).scale(per), formula: `${perAxis.join('+')} · ${formatProduct(out)}` };
  },
});

defineOps(['Pad'], {
  infer(ctx) {
    const x = ctx.shapeOf(0);
    const rank = x.length;
    const mode = ctx.attrString('mode', 'constant');
    if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) ctx.fail(`mode "${mode}" is not constant, reflect, edge or wrap`);
    let pads: Expr[];
    let axes = [...Array(rank).keys()];
    if (ctx.opset < 11) {
      const p = ctx.attrInts(ctx.opset < 2 ? 'paddings' : 'pads');
      if (!p) return ctx.fail('the pads attribute is required');
      pads = p.map((v) => Expr.of(v));
    } else {
      const p = ctx.values(1);
      if (!p) return ctx.fail('pads (input 1) are not known statically');
      pads = p;
      if (ctx.opset >= 18 && present(ctx, 3)) {
        const a = ctx.values(3);
        if (!a) return ctx.fail('axes (input 3) are not known statically');
        axes = a.map((v) => normalizeAxis(ctx, v.constant ?? ctx.fail(`axis ${v} is not a number`), rank));
      }
    }
    const k = axes.length;
    if (pads.length !== 2 * k) ctx.fail(`pads has ${pads.length} values, expected ${2 * k}`);
    const shape = [...x];
    axes.forEach((axis, i) => {
      shape[axis] = x[axis].add(pads[i]).add(pads[i + k]);
      const c = shape[axis].constant;
      if (c !== undefined && c < 0) ctx.fail(`axis ${axis}: padding gives a negative size (${c})`);
    });
    return [{ dtype: ctx.input(0)?.dtype ?? DataType.UNDEFINED, shape }];
  },
  cost: noArithmetic,
});

/** d / k for a layout op that requires divisibility: exact, or a floor atom for a symbolic dim. */
function divide(ctx: OpContext, d: Expr, k: number, what: string): Expr {
  const exact = d.divExact(Expr.of(k));
  if (exact) return exact;
  if (d.constant !== undefined) ctx.fail(`${what} ${d} is not divisible by ${k}`);
  return d.floorDiv(k);
}

function blocksize(ctx: OpContext): number {
  const b = ctx.attrInt('blocksize');
  if (b === undefined || !Number.isInteger(b) || b < 1) return ctx.fail('blocksize must be a positive integer');
  return b;
}

defineOps(['DepthToSpace'], {
  infer(ctx) {
    const x = ctx.shapeOf(0);
    if (x.length !== 4) ctx.fail(`input has rank ${x.length}; expected (N, C, H, W)`);
    const b = blocksize(ctx);
    const mode = ctx.attrString('mode', 'DCR');
    if (mode !== 'DCR' && mode !== 'CRD') ctx.fail(`mode "${mode}" is not DCR or CRD`);
    return [{ ...sameAsInput(ctx), shape: [x[0], divide(ctx, x[1], b * b, 'channels'), x[2].scale(b), x[3].scale(b)] }];
  },
  cost: noArithmetic,
});

defineOps(['SpaceToDepth'], {
  infer(ctx) {
    const x = ctx.shapeOf(0);
    if (x.length !== 4) ctx.fail(`input has rank ${x.length}; expected (N, C, H, W)`);
    const b = blocksize(ctx);
    return [{ ...sameAsInput(ctx), shape: [x[0], x[1].scale(b * b), divide(ctx, x[2], b, 'height'), divide(ctx, x[3], b, 'width')] }];
  },
  cost: noArithmetic,
});
