/**
 * Layers without parameters (and PReLU): activations, softmax, dropout, pooling (fixed,
 * adaptive, Lp), upsampling, padding, pixel/channel shuffles.
 *
 * Each activation runs the ONNX op its export uses (ReLU → Relu, SiLU → Sigmoid + Mul, GELU →
 * Gelu, ReLU6/Hardtanh → Clip, ...), so FLOPs per element are the registry's. Dropout layers
 * are the identity in inference. Adaptive pooling is a global pool when the output is 1, a
 * fixed pool when the input divides evenly (as the exporter writes it), and otherwise counts the
 * actual uneven windows (start = ⌊i·in/out⌋, end = ⌈(i+1)·in/out⌉): one FLOP per window element.
 */
import { DataType } from '../onnx/model';
import { Expr, product } from '../symbolic/expr';
import type { TensorValue } from '../ops/types';
import { sig, type LayerArgs } from './catalogue-args';
import type { ArgDef, BuildContext, ForwardCall, LayerEntry, Literal } from './catalogue-types';
import { dotProduct, shapeText } from './format';
import type { AttrValue } from './op-runner';
import type { Value } from './values';

type Apply<C> = (f: ForwardCall, x: TensorValue, cfg: C) => TensorValue;

/** The part of ForwardCall that shape helpers shared with torch.nn.functional need. */
export type OpSink = Pick<ForwardCall, 'op' | 'fail' | 'addCost'>;

function layer<C>(name: string, signature: ArgDef[], config: (a: LayerArgs, b: BuildContext) => C, apply: Apply<C>): LayerEntry {
  return {
    name,
    signature,
    build: (b) => ({ config: config(b.args, b), params: [] }),
    forward: (f) => f.tensorValue(apply(f, f.tensor('input'), f.config as C)),
  };
}

const none = (): unknown => ({});

/** One ONNX op on the input. */
function op1<C>(opType: string, attrs: (cfg: C) => Record<string, AttrValue> = () => ({})): Apply<C> {
  return (f, x, cfg) => f.op(opType, [x], attrs(cfg))[0];
}

const INPLACE: [string, Literal] = ['inplace', false];

function silu(f: ForwardCall, x: TensorValue): TensorValue {
  const [s] = f.op('Sigmoid', [x]);
  return f.op('Mul', [x, s])[0];
}

/** torch's implicit softmax dim (dim=None): 0 for 0-, 1- and 3-D inputs, else 1. */
function softmaxAxis(x: TensorValue, dim: number | undefined): number {
  if (dim !== undefined) return dim;
  const r = x.shape!.length;
  return r === 0 || r === 1 || r === 3 ? 0 : 1;
}

const ACTIVATIONS: LayerEntry[] = [
  layer('ReLU', sig(INPLACE), none, op1('Relu')),
  layer('ReLU6', sig(INPLACE), none, op1('Clip')),
  layer('LeakyReLU', sig(['negative_slope', { float: 0.01 }], INPLACE), (a) => ({ slope: a.float('negative_slope') }), op1('LeakyRelu', (c) => ({ alpha: { float: c.slope } }))),
  layer('RReLU', sig(['lower', { float: 1 / 8 }], ['upper', { float: 1 / 3 }], INPLACE), none, op1('LeakyRelu')),
  layer('ELU', sig(['alpha', { float: 1 }], INPLACE), none, op1('Elu')),
  layer('CELU', sig(['alpha', { float: 1 }], INPLACE), none, op1('Celu')),
  layer('SELU', sig(INPLACE), none, op1('Selu')),
  layer('GELU', sig(['approximate', 'none']), (a) => {
    const approximate = a.str('approximate');
    if (approximate !== 'none' && approximate !== 'tanh') a.fail(`approximate must be 'none' or 'tanh', got '${approximate}'`);
    return { approximate };
  }, op1('Gelu', (c) => ({ approximate: c.approximate }))),
  layer('SiLU', sig(INPLACE), none, (f, x) => silu(f, x)),
  layer('Mish', sig(INPLACE), none, op1('Mish')),
  layer('Sigmoid', [], none, op1('Sigmoid')),
  layer('Tanh', [], none, op1('Tanh')),
  layer('Hardswish', sig(INPLACE), none, op1('HardSwish')),
  layer('Hardsigmoid', sig(INPLACE), none, op1('HardSigmoid')),
  layer('Hardtanh', sig(['min_val', { float: -1 }], ['max_val', { float: 1 }], INPLACE, ['min_value', null], ['max_value', null]), none, op1('Clip')),
  layer('Softplus', sig(['beta', { float: 1 }], ['threshold', { float: 20 }]), none, op1('Softplus')),
  layer('Softsign', [], none, op1('Softsign')),
  layer('Hardshrink', sig(['lambd', { float: 0.5 }]), none, op1('Shrink')),
  layer('Softshrink', sig(['lambd', { float: 0.5 }]), none, op1('Shrink')),
  layer('Tanhshrink', [], none, (f, x) => f.op('Sub', [x, f.op('Tanh', [x])[0]])[0]),
  layer('LogSigmoid', [], none, (f, x) => f.op('Log', [f.op('Sigmoid', [x])[0]])[0]),
  layer('Threshold', sig('threshold', 'value', INPLACE), none, (f, x) => {
    const [mask] = f.op('Greater', [x, { dtype: x.dtype, shape: [] }]);
    return f.op('Where', [mask, x, { dtype: x.dtype, shape: [] }])[0];
  }),
  layer('GLU', sig(['dim', -1]), (a) => ({ dim: a.int('dim') }), (f, x, c) => {
    const shape = x.shape!;
    const d = c.dim < 0 ? c.dim + shape.length : c.dim;
    if (d < 0 || d >= shape.length) f.fail(`dim ${c.dim} is out of range for ${shapeText(shape)}`);
    const half = shape[d].divExact(Expr.of(2));
    if (!half) f.fail(`GLU halves dim ${d} of ${shapeText(shape)}, which is not even`);
    const h: TensorValue = { dtype: x.dtype, shape: shape.map((s, i) => (i === d ? half! : s)) };
    return f.op('Mul', [h, f.op('Sigmoid', [h])[0]])[0];
  }),
  layer('Softmax', sig(['dim', null]), (a) => ({ dim: a.optInt('dim') }), (f, x, c) => f.op('Softmax', [x], { axis: softmaxAxis(x, c.dim) })[0]),
  layer('LogSoftmax', sig(['dim', null]), (a) => ({ dim: a.optInt('dim') }), (f, x, c) => f.op('LogSoftmax', [x], { axis: softmaxAxis(x, c.dim) })[0]),
  layer('Softmin', sig(['dim', null]), (a) => ({ dim: a.optInt('dim') }), (f, x, c) => f.op('Softmax', [f.op('Neg', [x])[0]], { axis: softmaxAxis(x, c.dim) })[0]),
  layer('Softmax2d', [], none, (f, x) => {
    if (x.shape!.length !== 3 && x.shape!.length !== 4) f.fail(`Softmax2d expects a 3-D or 4-D input, got ${shapeText(x.shape!)}`);
    return f.op('Softmax', [x], { axis: -3 })[0];
  }),
];

const IDENTITIES: LayerEntry[] = ['Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d', 'AlphaDropout', 'FeatureAlphaDropout'].map((name) =>
  layer(name, sig(['p', { float: 0.5 }], INPLACE), (a) => {
    const p = a.float('p');
    if (p < 0 || p > 1) a.fail(`dropout probability has to be between 0 and 1, but got ${p}`);
    return {};
  }, (_f, x) => x),
);

/** Adds a batch dim of 1 to an unbatched (C, spatial...) input of a pooling layer. */
function batched(f: ForwardCall, name: string, x: TensorValue, n: number): { x: TensorValue; unbatched: boolean } {
  const r = x.shape!.length;
  if (r === n + 2) return { x, unbatched: false };
  if (r === n + 1) return { x: { dtype: x.dtype, shape: [Expr.ONE, ...x.shape!] }, unbatched: true };
  return f.fail(`${name} expects a ${n + 1}-D or ${n + 2}-D input, got ${shapeText(x.shape!)}`);
}

function unbatch(y: TensorValue, unbatched: boolean): TensorValue {
  return unbatched ? { dtype: y.dtype, shape: y.shape!.slice(1) } : y;
}

interface PoolConfig {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  ceil: boolean;
  indices: boolean;
  countIncludePad: boolean;
}

function poolConfig(a: LayerArgs, n: number, max: boolean): PoolConfig {
  const kernel = a.ints('kernel_size', n);
  const stride = a.isNone('stride') ? kernel : a.ints('stride', n);
  if (kernel.some((k) => k <= 0) || stride.some((s) => s <= 0)) a.fail('kernel_size and stride must be positive');
  const padding = a.ints('padding', n);
  padding.forEach((p, i) => {
    if (p > kernel[i] / 2) a.fail(`pad should be at most half of effective kernel size, but got pad=${p} and kernel_size=${kernel[i]}`);
  });
  return {
    kernel,
    stride,
    padding,
    dilation: max ? a.ints('dilation', n) : new Array<number>(n).fill(1),
    ceil: a.bool('ceil_mode'),
    indices: max && a.bool('return_indices'),
    countIncludePad: max ? true : a.bool('count_include_pad'),
  };
}

function poolForward(name: string, n: number, max: boolean) {
  return (f: ForwardCall) => {
    const c = f.config as PoolConfig;
    const { x, unbatched } = batched(f, name, f.tensor('input'), n);
    const attrs: Record<string, AttrValue> = { kernel_shape: c.kernel, strides: c.stride, pads: [...c.padding, ...c.padding], ceil_mode: c.ceil ? 1 : 0 };
    if (max) attrs.dilations = c.dilation;
    else attrs.count_include_pad = c.countIncludePad ? 1 : 0;
    const [y] = f.op(max ? 'MaxPool' : 'AveragePool', [x], attrs);
    const out = f.tensorValue(unbatch(y, unbatched));
    if (!c.indices) return out;
    const indices: Value = f.tensorValue({ dtype: DataType.INT64, shape: unbatch(y, unbatched).shape });
    return { t: 'tuple', items: [out, indices] } satisfies Value;
  };
}

const POOLS: LayerEntry[] = [];
for (const n of [1, 2, 3]) {
  POOLS.push({
    name: `MaxPool${n}d`,
    signature: sig('kernel_size', ['stride', null], ['padding', 0], ['dilation', 1], ['return_indices', false], ['ceil_mode', false]),
    build: (b) => ({ config: poolConfig(b.args, n, true), params: [] }),
    forward: poolForward(`MaxPool${n}d`, n, true),
  });
  POOLS.push({
    name: `AvgPool${n}d`,
    signature: sig('kernel_size', ['stride', null], ['padding', 0], ['ceil_mode', false], ['count_include_pad', true], ...(n > 1 ? ([['divisor_override', null]] as [string, Literal][]) : [])),
    build: (b) => ({ config: poolConfig(b.args, n, false), params: [] }),
    forward: poolForward(`AvgPool${n}d`, n, false),
  });
  for (const max of [false, true]) {
    const name = `Adaptive${max ? 'Max' : 'Avg'}Pool${n}d`;
    POOLS.push({
      name,
      signature: max ? sig('output_size', ['return_indices', false]) : sig('output_size'),
      build(b) {
        const v = b.args.value('output_size');
        // None entries keep that input dim.
        const sizes: (number | undefined)[] =
          v.t === 'tuple' || v.t === 'list'
            ? v.items.map((it, i) => (it.t === 'none' ? undefined : b.args.intOf(`output_size[${i}]`, it)))
            : new Array<number | undefined>(n).fill(b.args.int('output_size'));
        if (sizes.length !== n) b.args.fail(`output_size must have ${n} values, got ${sizes.length}`);
        return { config: { sizes, indices: max && b.args.bool('return_indices') }, params: [] };
      },
      forward(f) {
        const c = f.config as { sizes: (number | undefined)[]; indices: boolean };
        const { x, unbatched } = batched(f, name, f.tensor('input'), n);
        const y = unbatch(adaptivePool(f, x, c.sizes, max), unbatched);
        const out = f.tensorValue(y);
        const result: Value = c.indices ? { t: 'tuple', items: [out, f.tensorValue({ dtype: DataType.INT64, shape: y.shape })] } : out;
        return result;
      },
    });
  }
}
for (const n of [1, 2, 3]) {
  POOLS.push({
    name: `LPPool${n}d`,
    signature: sig('norm_type', 'kernel_size', ['stride', null], ['ceil_mode', false]),
    build(b) {
      const a = b.args;
      const kernel = a.ints('kernel_size', n);
      return { config: { p: a.float('norm_type'), kernel, stride: a.isNone('stride') ? kernel : a.ints('stride', n), ceil: a.bool('ceil_mode') }, params: [] };
    },
    forward(f) {
      const c = f.config as { p: number; kernel: number[]; stride: number[]; ceil: boolean };
      const { x, unbatched } = batched(f, `LPPool${n}d`, f.tensor('input'), n);
      const [y] = f.op('LpPool', [x], { p: Math.round(c.p), kernel_shape: c.kernel, strides: c.stride, ceil_mode: c.ceil ? 1 : 0 });
      return f.tensorValue(unbatch(y, unbatched));
    },
  });
}

/** Adaptive pooling (see the module comment). */
export function adaptivePool(f: OpSink, x: TensorValue, sizes: (number | undefined)[], max: boolean): TensorValue {
  const shape = x.shape!;
  const n = sizes.length;
  const spatial = shape.slice(shape.length - n);
  const lead = shape.slice(0, shape.length - n);
  const out = spatial.map((d, i) => (sizes[i] === undefined ? d : Expr.of(sizes[i]!)));
  if (out.every((d) => d.constant === 1)) {
    return f.op(max ? 'GlobalMaxPool' : 'GlobalAveragePool', [x])[0];
  }
  const ins = spatial.map((d) => d.constant);
  if (ins.some((d) => d === undefined)) f.fail(`adaptive pooling to ${out.join('×')} of a symbolic size ${spatial.join('×')} is not followed`);
  const outs = out.map((d) => d.constant!);
  if (ins.every((d, i) => d! % outs[i] === 0)) {
    const kernel = ins.map((d, i) => d! / outs[i]);
    return f.op(max ? 'MaxPool' : 'AveragePool', [x], { kernel_shape: kernel, strides: kernel })[0];
  }
  // Uneven windows: count each output's actual window.
  const perAxis = ins.map((d, i) => {
    let s = 0;
    for (let j = 0; j < outs[i]; j++) s += Math.ceil(((j + 1) * d!) / outs[i]) - Math.floor((j * d!) / outs[i]);
    return s;
  });
  const flops = product(lead).scale(perAxis.reduce((a, b) => a * b, 1));
  f.addCost(Expr.ZERO, flops, `${dotProduct(lead)} · ${perAxis.join('·')} (uneven adaptive windows)`);
  return { dtype: x.dtype, shape: [...lead, ...out] };
}

const RESIZE_MODES: Record<string, string> = { nearest: 'nearest', 'nearest-exact': 'nearest', linear: 'linear', bilinear: 'linear', trilinear: 'linear', bicubic: 'cubic', area: 'area' };

/** Resize to `size` or by `scale` over the spatial dims (dims 2.. of x). */
export function resize(f: OpSink, x: TensorValue, size: number[] | undefined, scale: number[] | undefined, mode: string): TensorValue {
  const shape = x.shape!;
  const n = shape.length - 2;
  if (n < 1) f.fail(`interpolation expects (N, C, spatial...) input, got ${shapeText(shape)}`);
  const m = RESIZE_MODES[mode];
  if (!m) f.fail(`interpolation mode '${mode}' is not known`);
  if (m === 'area') {
    if (!size) f.fail("mode='area' is followed only with an explicit size");
    return adaptivePool(f, x, size.length === 1 ? new Array<number>(n).fill(size[0]) : size, false);
  }
  if (size) {
    const sizes = size.length === 1 ? new Array<number>(n).fill(size[0]) : size;
    if (sizes.length !== n) f.fail(`size has ${sizes.length} values for ${n} spatial dims`);
    const v: TensorValue = { dtype: DataType.INT64, shape: [Expr.of(n + 2)], value: [shape[0], shape[1], ...sizes.map((s) => Expr.of(s))] };
    return f.op('Resize', [x, undefined, undefined, v], { mode: m })[0];
  }
  if (!scale) return f.fail('interpolation needs a size or a scale_factor');
  const scales = scale.length === 1 ? new Array<number>(n).fill(scale[0]) : scale;
  if (scales.length !== n) f.fail(`scale_factor has ${scales.length} values for ${n} spatial dims`);
  const s: TensorValue = { dtype: DataType.FLOAT, shape: [Expr.of(n + 2)], floats: [1, 1, ...scales] };
  return f.op('Resize', [x, undefined, s], { mode: m })[0];
}

function readSizeScale(a: LayerArgs): { size?: number[]; scale?: number[] } {
  const size = a.isNone('size') ? undefined : a.intList('size');
  let scale: number[] | undefined;
  if (!a.isNone('scale_factor')) {
    const v = a.value('scale_factor');
    scale = v.t === 'tuple' || v.t === 'list' ? v.items.map((it, i) => (it.t === 'int' || it.t === 'float' ? it.v : a.fail(`scale_factor[${i}] is not a number`))) : [a.float('scale_factor')];
  }
  if (!size && !scale) a.fail('either size or scale_factor should be defined');
  return { size, scale };
}

const RESAMPLING: LayerEntry[] = [
  layer('Upsample', sig(['size', null], ['scale_factor', null], ['mode', 'nearest'], ['align_corners', null], ['recompute_scale_factor', null]), (a) => ({ ...readSizeScale(a), mode: a.str('mode') }), (f, x, c) => resize(f, x, c.size, c.scale, c.mode)),
  layer('UpsamplingNearest2d', sig(['size', null], ['scale_factor', null]), (a) => ({ ...readSizeScale(a), mode: 'nearest' }), (f, x, c) => resize(f, x, c.size, c.scale, c.mode)),
  layer('UpsamplingBilinear2d', sig(['size', null], ['scale_factor', null]), (a) => ({ ...readSizeScale(a), mode: 'bilinear' }), (f, x, c) => resize(f, x, c.size, c.scale, c.mode)),
  layer('PixelShuffle', sig('upscale_factor'), (a) => ({ r: a.positiveInt('upscale_factor') }), (f, x, c) => {
    const s = x.shape!;
    if (s.length < 3) f.fail(`PixelShuffle expects (*, C·r², H, W), got ${shapeText(s)}`);
    const ch = s[s.length - 3].divExact(Expr.of(c.r * c.r));
    if (!ch) f.fail(`PixelShuffle: channels ${s[s.length - 3]} are not divisible by ${c.r}² = ${c.r * c.r}`);
    return { dtype: x.dtype, shape: [...s.slice(0, -3), ch!, s[s.length - 2].scale(c.r), s[s.length - 1].scale(c.r)] };
  }),
  layer('PixelUnshuffle', sig('downscale_factor'), (a) => ({ r: a.positiveInt('downscale_factor') }), (f, x, c) => {
    const s = x.shape!;
    if (s.length < 3) f.fail(`PixelUnshuffle expects (*, C, H·r, W·r), got ${shapeText(s)}`);
    const h = s[s.length - 2].divExact(Expr.of(c.r));
    const w = s[s.length - 1].divExact(Expr.of(c.r));
    if (!h || !w) f.fail(`PixelUnshuffle: ${s[s.length - 2]}×${s[s.length - 1]} is not divisible by ${c.r}`);
    return { dtype: x.dtype, shape: [...s.slice(0, -3), s[s.length - 3].scale(c.r * c.r), h!, w!] };
  }),
  layer('ChannelShuffle', sig('groups'), (a) => ({ g: a.positiveInt('groups') }), (_f, x) => x),
];

/** Output shape of constant / reflection / replication padding over the last dims. */
export function padShape(f: { fail(reason: string): never }, x: TensorValue, pads: number[]): TensorValue {
  const shape = [...x.shape!];
  if (pads.length % 2 !== 0 || pads.length / 2 > shape.length) f.fail(`padding of ${pads.length} values does not fit ${shapeText(shape)}`);
  for (let i = 0; i < pads.length / 2; i++) {
    const axis = shape.length - 1 - i;
    shape[axis] = shape[axis].add(pads[2 * i] + pads[2 * i + 1]);
    const c = shape[axis].constant;
    if (c !== undefined && c < 0) f.fail(`padding makes dim ${axis} negative`);
  }
  return { dtype: x.dtype, shape };
}

const PADS: LayerEntry[] = [];
for (const n of [1, 2, 3]) {
  for (const kind of ['Zero', 'Constant', 'Reflection', 'Replication', 'Circular']) {
    const name = `${kind}Pad${n}d`;
    PADS.push(
      layer(name, kind === 'Constant' ? sig('padding', 'value') : sig('padding'), (a) => {
        const v = a.value('padding');
        const pads = v.t === 'tuple' || v.t === 'list' ? a.intList('padding') : new Array<number>(2 * n).fill(a.int('padding'));
        if (pads.length !== 2 * n) a.fail(`padding must be an int or ${2 * n} ints, got ${pads.length}`);
        return { pads };
      }, (f, x, c) => padShape(f, x, c.pads)),
    );
  }
}

export const SIMPLE_LAYERS: LayerEntry[] = [...ACTIVATIONS, ...IDENTITIES, ...POOLS, ...RESAMPLING, ...PADS];

export const PRELU: LayerEntry = {
  name: 'PReLU',
  signature: sig(['num_parameters', 1], ['init', { float: 0.25 }]),
  build(b) {
    const n = b.args.positiveInt('num_parameters');
    return { config: { n }, params: [['weight', [n]]], paramsFormula: String(n), attrs: { num_parameters: n } };
  },
  forward(f) {
    const c = f.config as { n: number };
    const x = f.tensor('input');
    const r = x.shape!.length;
    let slope: TensorValue = f.param('weight')!;
    if (c.n > 1) {
      if (r < 2) f.fail(`PReLU with ${c.n} parameters needs a channel dim, got ${shapeText(x.shape!)}`);
      const ch = x.shape![1].constant;
      if (ch !== undefined && ch !== c.n) f.fail(`PReLU has ${c.n} parameters but the input has ${ch} channels`);
      slope = { dtype: slope.dtype, shape: [Expr.of(c.n), ...new Array<Expr>(r - 2).fill(Expr.ONE)] };
    }
    return f.tensorValue(f.op('PRelu', [x, slope])[0]);
  },
};
