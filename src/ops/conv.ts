/**
 * Convolutions: Conv, ConvTranspose, ConvInteger, QLinearConv (1D/2D/3D, any rank ≥ 3), and the
 * sliding-window geometry they share with pooling (`slidingOutput`).
 *
 * | op            | MACs                                       | FLOPs                                           |
 * |---------------|--------------------------------------------|-------------------------------------------------|
 * | Conv          | N·Cout·∏out_spatial · (Cin/group)·∏kernel  | 2·MACs + N·Cout·∏out_spatial bias adds when B    |
 * | ConvTranspose | N·Cin·∏in_spatial · (Cout/group)·∏kernel   | 2·MACs + N·Cout·∏out_spatial bias adds when B    |
 * | ConvInteger   | as Conv                                    | 2·MACs (zero-point subtraction not counted)      |
 * | QLinearConv   | as Conv                                    | 2·MACs + bias adds when B (int32, added before   |
 * |               |                                            | requantization; the rescale is not counted)      |
 *
 * ConvTranspose MACs are counted from the INPUT side: every input element is multiplied by every
 * kernel weight it touches (Cout/group·∏kernel of them), whatever part of the scattered result
 * `pads` later crops away. This is the fvcore / ptflops convention, and it equals the MACs of the
 * Conv whose gradient the transposed convolution is.
 *
 * Output spatial size, per axis with dk = (k−1)·dilation + 1:
 *   NOTSET: floor((in + pad_begin + pad_end − dk) / stride) + 1 (pooling with ceil_mode: ceil,
 *           and a last window that would start in the right padding is dropped, as in ONNX,
 *           PyTorch and onnxruntime); SAME_UPPER/SAME_LOWER: ceil(in / stride);
 *   VALID: floor((in − dk) / stride) + 1.
 * Symbolic dims keep floor atoms, so costs stay exact polynomials in them.
 */
import { Expr, product } from '../symbolic/expr';
import { DataType } from '../onnx/model';
import { defineOps } from './registry';
import { formatProduct, numel } from './shape-utils';
import type { Cost, OpContext } from './types';

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

/** Sliding-window attributes resolved to one value per spatial axis. */
export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. */
  pads: number[];
  autoPad: AutoPad;
  ceilMode: boolean;
}

export function readAutoPad(ctx: OpContext): AutoPad {
  const v = ctx.attrString('auto_pad', 'NOTSET');
  if (v === '' || v === 'NOTSET') return 'NOTSET';
  if (v === 'SAME_UPPER' || v === 'SAME_LOWER' || v === 'VALID') return v;
  return ctx.fail(`auto_pad "${v}" is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
}

/** An ints attribute with one value per axis (`count` of them), or `fallback` everywhere. */
export function perAxis(ctx: OpContext, name: string, count: number, fallback: number): number[] {
  const v = ctx.attrInts(name);
  if (!v) return new Array<number>(count).fill(fallback);
  if (v.length !== count) ctx.fail(`${name} has ${v.length} values, expected ${count}`);
  return v;
}

/** Reads strides, dilations, pads, auto_pad and ceil_mode for `kernel`. */
export function readWindow(ctx: OpContext, kernel: number[]): Window {
  const n = kernel.length;
  if (kernel.some((k) => !Number.isInteger(k) || k < 1)) ctx.fail(`kernel_shape [${kernel}] must be positive`);
  const strides = perAxis(ctx, 'strides', n, 1);
  const dilations = perAxis(ctx, 'dilations', n, 1);
  if (strides.some((s) => s < 1)) ctx.fail(`strides [${strides}] must be positive`);
  if (dilations.some((d) => d < 1)) ctx.fail(`dilations [${dilations}] must be positive`);
  return { kernel, strides, dilations, pads: perAxis(ctx, 'pads', 2 * n, 0), autoPad: readAutoPad(ctx), ceilMode: ctx.attrInt('ceil_mode', 0) !== 0 };
}

/** Output spatial dims of a sliding window over `spatial` (see the module comment). */
export function slidingOutput(ctx: OpContext, spatial: readonly Expr[], w: Window): Expr[] {
  const n = spatial.length;
  return spatial.map((x, i) => {
    const ek = (w.kernel[i] - 1) * w.dilations[i] + 1;
    const s = w.strides[i];
    let out: Expr;
    if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') out = x.ceilDiv(s);
    else if (w.autoPad === 'VALID') out = x.sub(ek).floorDiv(s).add(1);
    else {
      const pb = w.pads[i];
      const pe = w.pads[i + n];
      const span = x.add(pb + pe - ek);
      if (!w.ceilMode) out = span.floorDiv(s).add(1);
      else {
        // steps = min(ceil((in + pb + pe − dk) / s), the last start t with t·s < in + pb, which
        // is floor((in + pb − 1) / s)). Both are floor((in + c) / s), so the min takes the
        // smaller c: the window starting in the right padding is dropped without a min atom.
        const c = pb + Math.min(pe - ek + s - 1, -1);
        out = x.add(c).floorDiv(s).add(1);
      }
    }
    const c = out.constant;
    if (c !== undefined && c < 1) ctx.fail(`spatial axis ${i}: a window of ${ek} does not fit input ${x} with these pads/strides (output ${c})`);
    return out;
  });
}

/** `kernel_shape`, or the weight's spatial dims. */
function kernelShape(ctx: OpContext, w: readonly Expr[], n: number): number[] {
  const attr = ctx.attrInts('kernel_shape');
  if (attr) {
    if (attr.length !== n) ctx.fail(`kernel_shape has ${attr.length} values, expected ${n}`);
    w.slice(2).forEach((d, i) => {
      const c = d.constant;
      if (c !== undefined && c !== attr[i]) ctx.fail(`kernel_shape [${attr}] does not match the weight's spatial dims [${w.slice(2).map(String)}]`);
    });
    return attr;
  }
  return w.slice(2).map((d, i) => d.constant ?? ctx.fail(`kernel dim ${i} of the weight is not a number (${d}) and kernel_shape is absent`));
}

function present(ctx: OpContext, i: number): boolean {
  const name = ctx.node.inputs[i];
  return name !== undefined && name !== '';
}

interface ConvSlots {
  x: number;
  w: number;
  bias?: number;
}

const CONV: ConvSlots = { x: 0, w: 1, bias: 2 };
const CONV_INTEGER: ConvSlots = { x: 0, w: 1 };
const QLINEAR_CONV: ConvSlots = { x: 0, w: 3, bias: 8 };

function slotsOf(opType: string): ConvSlots {
  return opType === 'QLinearConv' ? QLINEAR_CONV : opType === 'ConvInteger' ? CONV_INTEGER : CONV;
}

interface ConvGeometry {
  x: Expr[];
  w: Expr[];
  kernel: number[];
  group: number;
}

function readGroup(ctx: OpContext): number {
  const group = ctx.attrInt('group', 1);
  if (!Number.isInteger(group) || group < 1) ctx.fail(`group ${group} must be a positive integer`);
  return group;
}

function convGeometry(ctx: OpContext, slots: ConvSlots): ConvGeometry {
  const x = ctx.shapeOf(slots.x);
  const w = ctx.shapeOf(slots.w);
  if (x.length < 3) ctx.fail(`input has rank ${x.length}; a convolution needs (N, C, spatial...)`);
  if (w.length !== x.length) ctx.fail(`weight has rank ${w.length} but the input has rank ${x.length}`);
  return { x, w, kernel: kernelShape(ctx, w, x.length - 2), group: readGroup(ctx) };
}

function checkChannels(ctx: OpContext, have: Expr, perGroup: Expr, group: number, what: string): void {
  const a = have.constant;
  const b = perGroup.constant;
  if (a !== undefined && b !== undefined && a !== b * group) {
    ctx.fail(`input has ${a} channels but the weight expects ${b}${group > 1 ? `·${group} groups` : ''} (${what})`);
  }
}

function outputDtype(ctx: OpContext, slots: ConvSlots): number {
  const op = ctx.node.opType;
  if (op === 'ConvInteger') return DataType.INT32;
  if (op === 'QLinearConv') return ctx.input(7)?.dtype || ctx.input(0)?.dtype || 0;
  return ctx.input(slots.x)?.dtype ?? DataType.UNDEFINED;
}

function batchSuffix(n: Expr): string {
  return n.constant === 1 ? '' : ` · ${formatProduct([n])}`;
}

function biasAdds(ctx: OpContext, slots: ConvSlots, out: readonly Expr[]): Expr {
  return slots.bias !== undefined && present(ctx, slots.bias) ? numel(out) : Expr.ZERO;
}

defineOps(['Conv', 'ConvInteger', 'QLinearConv'], {
  infer(ctx) {
    const slots = slotsOf(ctx.node.opType);
    const { x, w, kernel, group } = convGeometry(ctx, slots);
    const cout = w[0];
    checkChannels(ctx, x[1], w[1], group, `weight ${w.map(String).join('×')}`);
    const c = cout.constant;
    if (c !== undefined && c % group !== 0) ctx.fail(`${c} output channels do not split into ${group} groups`);
    const spatial = slidingOutput(ctx, x.slice(2), readWindow(ctx, kernel));
    return [{ dtype: outputDtype(ctx, slots), shape: [x[0], cout, ...spatial] }];
  },
  cost(ctx, outputs): Cost {
    const slots = slotsOf(ctx.node.opType);
    const { x, w, kernel } = convGeometry(ctx, slots);
    const out = outputs[0].shape!;
    const perOutput = [...kernel, w[1]];
    const macs = product([x[0], out[1], ...out.slice(2), ...perOutput.map((d) => (typeof d === 'number' ? Expr.of(d) : d))]);
    const flops = macs.scale(2).add(biasAdds(ctx, slots, out));
    const formula = `${formatProduct(perOutput)} · ${formatProduct(out.slice(1))}${batchSuffix(x[0])}`;
    return { macs, flops, formula };
  },
});

/** ConvTranspose output spatial dims. */
function transposeSpatial(ctx: OpContext, x: readonly Expr[], kernel: number[]): Expr[] {
  const n = kernel.length;
  const strides = perAxis(ctx, 'strides', n, 1);
  const dilations = perAxis(ctx, 'dilations', n, 1);
  const outputPadding = perAxis(ctx, 'output_padding', n, 0);
  const pads = perAxis(ctx, 'pads', 2 * n, 0);
  const autoPad = readAutoPad(ctx);
  const explicit = ctx.attrInts('output_shape');
  const spatial = x.slice(2);
  let out: Expr[];
  if (explicit) {
    // Either the spatial dims or the full shape; pads are then derived from it.
    if (explicit.length !== n && explicit.length !== n + 2) ctx.fail(`output_shape has ${explicit.length} values, expected ${n}`);
    out = explicit.slice(explicit.length - n).map((d) => Expr.of(d));
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    out = spatial.map((d, i) => d.scale(strides[i]));
  } else {
    const valid = autoPad === 'VALID';
    out = spatial.map((d, i) => {
      const ek = (kernel[i] - 1) * dilations[i] + 1;
      const crop = valid ? 0 : pads[i] + pads[i + n];
      return d.sub(1).scale(strides[i]).add(outputPadding[i] + ek - crop);
    });
  }
  out.forEach((d, i) => {
    const c = d.constant;
    if (c !== undefined && c < 1) ctx.fail(`spatial axis ${i}: output size ${c} is not positive`);
  });
  return out;
}

defineOps(['ConvTranspose'], {
  infer(ctx) {
    const { x, w, kernel, group } = convGeometry(ctx, CONV);
    const cin = w[0].constant;
    const have = x[1].constant;
    if (cin !== undefined && have !== undefined && cin !== have) ctx.fail(`input has ${have} channels but the weight expects ${cin}`);
    return [{ dtype: ctx.input(0)?.dtype ?? DataType.UNDEFINED, shape: [x[0], w[1].scale(group), ...transposeSpatial(ctx, x, kernel)] }];
  },
  cost(ctx, outputs): Cost {
    const { x, w, kernel } = convGeometry(ctx, CONV);
    const out = outputs[0].shape!;
    const perInput = [...kernel, w[1]];
    const macs = product([x[0], w[0], ...x.slice(2), ...kernel.map((k) => Expr.of(k)), w[1]]);
    const flops = macs.scale(2).add(biasAdds(ctx, CONV, out));
    const formula = `${formatProduct(perInput)} · ${formatProduct([w[0], ...x.slice(2)])}${batchSuffix(x[0])}`;
    return { macs, flops, formula };
  },
});
