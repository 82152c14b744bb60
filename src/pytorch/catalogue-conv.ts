/**
 * Convolutions: Conv1d/2d/3d, ConvTranspose1d/2d/3d and their Lazy forms.
 *
 * Parameters (bias when bias=True):
 *   Conv:          weight Cout × Cin/groups × ∏kernel, bias Cout   → (∏k·Cin/g + 1)·Cout
 *   ConvTranspose: weight Cin × Cout/groups × ∏kernel, bias Cout   → ∏k·Cout/g·Cin + Cout
 * Forward runs the registry's Conv / ConvTranspose op: MACs = ∏k·Cin/g · Cout·∏out · N for Conv,
 * counted from the input side for ConvTranspose (see src/ops/conv.ts). padding='same' pads as
 * torch does (total d·(k−1), the extra one on the right); reflect/replicate/circular padding
 * modes pad first (data movement, no arithmetic).
 */
import { Expr } from '../symbolic/expr';
import type { TensorValue } from '../ops/types';
import { FACTORY, sig } from './catalogue-args';
import type { BuildContext, ForwardCall, LayerBuild, LayerEntry } from './catalogue-types';
import { batchSuffix, dotProduct, shapeText } from './format';

interface ConvConfig {
  n: number;
  transposed: boolean;
  cin?: number;
  cout: number;
  kernel: number[];
  stride: number[];
  dilation: number[];
  groups: number;
  /** 'same' or per-axis padding. */
  padding: 'same' | number[];
  outputPadding: number[];
  bias: boolean;
  paddingMode: string;
}

const PADDING_MODES = ['zeros', 'reflect', 'replicate', 'circular'];

function convParams(c: ConvConfig & { cin: number }): { params: [string, number[]][]; formula: string } {
  const g = c.groups;
  const k = c.kernel;
  if (c.transposed) {
    const params: [string, number[]][] = [['weight', [c.cin, c.cout / g, ...k]]];
    if (c.bias) params.push(['bias', [c.cout]]);
    return { params, formula: `${dotProduct([...k, c.cout / g, c.cin])}${c.bias ? ` + ${c.cout}` : ''}` };
  }
  const params: [string, number[]][] = [['weight', [c.cout, c.cin / g, ...k]]];
  if (c.bias) params.push(['bias', [c.cout]]);
  const perOut = dotProduct([...k, c.cin / g]);
  return { params, formula: c.bias ? `(${perOut} + 1)·${c.cout}` : `${perOut}·${c.cout}` };
}

function checkGroups(b: BuildContext, cin: number, cout: number, groups: number): void {
  if (cin % groups !== 0) b.args.fail(`in_channels (${cin}) must be divisible by groups (${groups})`);
  if (cout % groups !== 0) b.args.fail(`out_channels (${cout}) must be divisible by groups (${groups})`);
}

function convBuild(n: number, transposed: boolean, lazy: boolean) {
  return (b: BuildContext): LayerBuild => {
    const a = b.args;
    const cin = lazy ? undefined : a.positiveInt('in_channels');
    const cout = a.positiveInt('out_channels');
    const kernel = a.ints('kernel_size', n);
    if (kernel.some((k) => k <= 0)) a.fail(`kernel_size must be positive, got ${kernel.join(', ')}`);
    const stride = a.ints('stride', n);
    if (stride.some((s) => s <= 0)) a.fail(`stride must be positive, got ${stride.join(', ')}`);
    const dilation = a.ints('dilation', n);
    const groups = a.positiveInt('groups');
    const padArg = a.value('padding');
    let padding: 'same' | number[];
    if (padArg.t === 'str') {
      if (transposed) a.fail(`padding='${padArg.v}' is only supported for convolutions, not ConvTranspose`);
      if (padArg.v === 'valid') padding = new Array<number>(n).fill(0);
      else if (padArg.v === 'same') {
        if (stride.some((s) => s !== 1)) a.fail("padding='same' is not supported for strided convolutions");
        padding = 'same';
      } else return a.fail(`padding must be 'same', 'valid' or numbers, got '${padArg.v}'`);
    } else padding = a.ints('padding', n);
    const paddingMode = a.str('padding_mode');
    if (!PADDING_MODES.includes(paddingMode)) a.fail(`padding_mode must be one of ${PADDING_MODES.join(', ')}, got '${paddingMode}'`);
    if (transposed && paddingMode !== 'zeros') a.fail(`only 'zeros' padding mode is supported for ConvTranspose`);
    const outputPadding = transposed ? a.ints('output_padding', n) : new Array<number>(n).fill(0);
    const bias = a.bool('bias');
    if (cin !== undefined) checkGroups(b, cin, cout, groups);
    else if (cout % groups !== 0) a.fail(`out_channels (${cout}) must be divisible by groups (${groups})`);
    const config: ConvConfig = { n, transposed, cin, cout, kernel, stride, dilation, groups, padding, outputPadding, bias, paddingMode };
    const attrs = { kernel_size: [...kernel], stride: [...stride], dilation: [...dilation], padding: padding === 'same' ? 'same' : [...padding], groups, out_channels: cout };
    if (cin === undefined) return { config, params: [], attrs };
    const { params, formula } = convParams({ ...config, cin });
    return { config, params, paramsFormula: formula, attrs: { ...attrs, in_channels: cin } };
  };
}

function convForward(name: string, lazy: boolean) {
  return (f: ForwardCall) => {
    const c = f.config as ConvConfig;
    const x0 = f.tensor('input');
    const shape = x0.shape!;
    let unbatched = false;
    let x: TensorValue = x0;
    if (shape.length === c.n + 1) {
      unbatched = true;
      x = { dtype: x0.dtype, shape: [Expr.ONE, ...shape] };
    } else if (shape.length !== c.n + 2) {
      f.fail(`${name} expects a ${c.n + 1}-D or ${c.n + 2}-D input, got ${shapeText(shape)}`);
    }
    const xs = x.shape!;
    if (lazy && c.cin === undefined) {
      const cin = xs[1].constant;
      if (cin === undefined) f.fail(`${name} infers in_channels from the input, whose channel dim is ${xs[1]}`);
      if (cin % c.groups !== 0) f.fail(`input channels (${cin}) must be divisible by groups (${c.groups})`);
      c.cin = cin;
      const { params, formula } = convParams({ ...c, cin });
      f.materialize(params, formula, { in_channels: cin });
    }
    const w = f.param('weight');
    const b = f.param('bias');
    if (!w) return f.fail(`${name} has no weight`);
    let pads: number[];
    if (c.padding === 'same') {
      const left = c.kernel.map((k, i) => Math.floor((c.dilation[i] * (k - 1)) / 2));
      const right = c.kernel.map((k, i) => c.dilation[i] * (k - 1) - left[i]);
      pads = [...left, ...right];
    } else pads = [...c.padding, ...c.padding];
    if (c.paddingMode !== 'zeros') {
      // Reflect / replicate / circular padding is a separate pad (no arithmetic), then an unpadded conv.
      const padded = xs.map((d, i) => (i < 2 ? d : d.add(pads[i - 2] + pads[i - 2 + c.n])));
      x = { dtype: x.dtype, shape: padded };
      pads = new Array<number>(2 * c.n).fill(0);
    }
    const attrs = { kernel_shape: c.kernel, strides: c.stride, pads, dilations: c.dilation, group: c.groups };
    let y: TensorValue;
    if (c.transposed) {
      [y] = f.op('ConvTranspose', [x, w, b], { ...attrs, output_padding: c.outputPadding });
      f.formula(`${dotProduct([...c.kernel, c.cout / c.groups])} · ${dotProduct(x.shape!.slice(1))}${batchSuffix([x.shape![0]])}`);
    } else {
      [y] = f.op('Conv', [x, w, b], attrs);
      f.formula(`${dotProduct([...c.kernel, (c.cin ?? 0) / c.groups])} · ${dotProduct(y.shape!.slice(1))}${batchSuffix([y.shape![0]])}`);
    }
    return f.tensorValue(unbatched ? { dtype: y.dtype, shape: y.shape!.slice(1) } : y);
  };
}

const CONV_SIG = (lazy: boolean) =>
  sig(
    ...(lazy ? [] : ['in_channels']),
    'out_channels',
    'kernel_size',
    ['stride', 1],
    ['padding', 0],
    ['dilation', 1],
    ['groups', 1],
    ['bias', true],
    ['padding_mode', 'zeros'],
    ...FACTORY,
  );

const CONV_T_SIG = (lazy: boolean) =>
  sig(
    ...(lazy ? [] : ['in_channels']),
    'out_channels',
    'kernel_size',
    ['stride', 1],
    ['padding', 0],
    ['output_padding', 0],
    ['groups', 1],
    ['bias', true],
    ['dilation', 1],
    ['padding_mode', 'zeros'],
    ...FACTORY,
  );

export const CONV_LAYERS: LayerEntry[] = [];
for (const n of [1, 2, 3]) {
  for (const lazy of [false, true]) {
    const conv = `${lazy ? 'Lazy' : ''}Conv${n}d`;
    CONV_LAYERS.push({ name: conv, signature: CONV_SIG(lazy), build: convBuild(n, false, lazy), forward: convForward(conv, lazy), lazy });
    const convT = `${lazy ? 'Lazy' : ''}ConvTranspose${n}d`;
    CONV_LAYERS.push({
      name: convT,
      signature: CONV_T_SIG(lazy),
      build: convBuild(n, true, lazy),
      forward: convForward(convT, lazy),
      forwardSignature: sig('input', ['output_size', null]),
      lazy,
    });
  }
}
