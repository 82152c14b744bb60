/**
 * Normalization layers: BatchNorm1d/2d/3d, SyncBatchNorm, LayerNorm, GroupNorm,
 * InstanceNorm1d/2d/3d, LocalResponseNorm, RMSNorm.
 *
 * Parameters (torch's `model.parameters()`):
 *   BatchNorm / SyncBatchNorm   2·C when affine (weight, bias); running_mean, running_var and
 *                               num_batches_tracked are BUFFERS (2·C + 1) when track_running_stats
 *   LayerNorm                   2·∏shape when elementwise_affine (∏shape without bias)
 *   GroupNorm                   2·C when affine
 *   InstanceNorm                2·C only when affine=True (default False); buffers as BatchNorm
 *                               when track_running_stats=True
 *   RMSNorm                     ∏shape when elementwise_affine
 * Forward runs the matching ONNX op (BatchNormalization in inference mode, LayerNormalization,
 * GroupNormalization, InstanceNormalization, LRN, RMSNormalization) for shape and FLOPs.
 */
import { DataType } from '../onnx/model';
import { Expr } from '../symbolic/expr';
import type { TensorValue } from '../ops/types';
import { FACTORY, sig } from './catalogue-args';
import type { ForwardCall, LayerEntry } from './catalogue-types';
import { dotProduct, shapeText } from './format';

function vec(n: number | Expr): TensorValue {
  return { dtype: DataType.FLOAT, shape: [typeof n === 'number' ? Expr.of(n) : n] };
}

interface BatchNormConfig {
  c: number;
  ranks: number[];
  affine: boolean;
  track: boolean;
}

function checkRank(f: ForwardCall, name: string, x: TensorValue, ranks: number[]): void {
  const r = x.shape!.length;
  if (!ranks.includes(r)) f.fail(`${name} expects a ${ranks.map((k) => `${k}-D`).join(' or ')} input, got ${shapeText(x.shape!)}`);
}

function checkChannels(f: ForwardCall, name: string, x: TensorValue, axis: number, c: number): void {
  const have = x.shape![axis].constant;
  if (have !== undefined && have !== c) f.fail(`${name} has ${c} features but the input ${shapeText(x.shape!)} has ${have} channels`);
}

function batchNorm(name: string, ranks: number[]): LayerEntry {
  const extra: [string, null][] = name === 'SyncBatchNorm' ? [['process_group', null]] : [];
  return {
    name,
    signature: sig('num_features', ['eps', { float: 1e-5 }], ['momentum', { float: 0.1 }], ['affine', true], ['track_running_stats', true], ...extra, ...FACTORY),
    build(b) {
      const a = b.args;
      const c = a.positiveInt('num_features');
      const affine = a.bool('affine');
      const track = a.bool('track_running_stats');
      const config: BatchNormConfig = { c, ranks, affine, track };
      return {
        config,
        params: affine ? [['weight', [c]], ['bias', [c]]] : [],
        buffers: track ? [['running_mean', [c]], ['running_var', [c]], ['num_batches_tracked', []]] : [],
        paramsFormula: affine ? `2·${c}` : undefined,
        attrs: { num_features: c },
      };
    },
    forward(f) {
      const cfg = f.config as BatchNormConfig;
      const x = f.tensor('input');
      checkRank(f, name, x, cfg.ranks);
      checkChannels(f, name, x, 1, cfg.c);
      const stat = vec(cfg.c);
      const [y] = f.op('BatchNormalization', [x, f.param('weight') ?? stat, f.param('bias') ?? stat, stat, stat], { training_mode: 0 });
      return f.tensorValue(y);
    },
  };
}

function instanceNorm(name: string, n: number): LayerEntry {
  return {
    name,
    signature: sig('num_features', ['eps', { float: 1e-5 }], ['momentum', { float: 0.1 }], ['affine', false], ['track_running_stats', false], ...FACTORY),
    build(b) {
      const a = b.args;
      const c = a.positiveInt('num_features');
      const affine = a.bool('affine');
      const track = a.bool('track_running_stats');
      return {
        config: { c, affine },
        params: affine ? [['weight', [c]], ['bias', [c]]] : [],
        buffers: track ? [['running_mean', [c]], ['running_var', [c]], ['num_batches_tracked', []]] : [],
        paramsFormula: affine ? `2·${c}` : undefined,
        attrs: { num_features: c },
      };
    },
    forward(f) {
      const cfg = f.config as { c: number };
      const x0 = f.tensor('input');
      checkRank(f, name, x0, [n + 1, n + 2]);
      // Unbatched (C, L...) inputs are normalized as a batch of one.
      const unbatched = x0.shape!.length === n + 1;
      const x: TensorValue = unbatched ? { dtype: x0.dtype, shape: [Expr.ONE, ...x0.shape!] } : x0;
      checkChannels(f, name, x, 1, cfg.c);
      const [y] = f.op('InstanceNormalization', [x, f.param('weight') ?? vec(cfg.c), f.param('bias') ?? vec(cfg.c)]);
      return f.tensorValue(unbatched ? x0 : y);
    },
  };
}

function trailingShape(f: ForwardCall, name: string, x: TensorValue, shape: number[]): void {
  const xs = x.shape!;
  if (xs.length < shape.length) f.fail(`${name} over ${shapeText(shape)} needs an input of rank ≥ ${shape.length}, got ${shapeText(xs)}`);
  const tail = xs.slice(xs.length - shape.length);
  tail.forEach((d, i) => {
    const c = d.constant;
    if (c !== undefined && c !== shape[i]) f.fail(`${name} normalizes over ${shapeText(shape)} but the input ends in ${shapeText(tail)}`);
  });
}

export const NORM_LAYERS: LayerEntry[] = [
  batchNorm('BatchNorm1d', [2, 3]),
  batchNorm('BatchNorm2d', [4]),
  batchNorm('BatchNorm3d', [5]),
  batchNorm('SyncBatchNorm', [2, 3, 4, 5]),
  instanceNorm('InstanceNorm1d', 1),
  instanceNorm('InstanceNorm2d', 2),
  instanceNorm('InstanceNorm3d', 3),
  {
    name: 'LayerNorm',
    signature: sig('normalized_shape', ['eps', { float: 1e-5 }], ['elementwise_affine', true], ['bias', true], ...FACTORY),
    build(b) {
      const a = b.args;
      const shape = a.intList('normalized_shape');
      const affine = a.bool('elementwise_affine');
      const bias = affine && a.bool('bias');
      const n = shape.reduce((p, d) => p * d, 1);
      const params: [string, number[]][] = [];
      if (affine) params.push(['weight', shape]);
      if (bias) params.push(['bias', shape]);
      const text = dotProduct(shape);
      return { config: { shape }, params, paramsFormula: affine ? (bias ? `2·${text}` : text) : undefined, attrs: { normalized_shape: shape, elements: n } };
    },
    forward(f) {
      const cfg = f.config as { shape: number[] };
      const x = f.tensor('input');
      trailingShape(f, 'LayerNorm', x, cfg.shape);
      const scale = f.param('weight') ?? { dtype: DataType.FLOAT, shape: cfg.shape.map((d) => Expr.of(d)) };
      const [y] = f.op('LayerNormalization', [x, scale, f.param('bias')], { axis: -cfg.shape.length });
      return f.tensorValue(y);
    },
  },
  {
    name: 'RMSNorm',
    signature: sig('normalized_shape', ['eps', null], ['elementwise_affine', true], ...FACTORY),
    build(b) {
      const a = b.args;
      const shape = a.intList('normalized_shape');
      const affine = a.bool('elementwise_affine');
      return { config: { shape }, params: affine ? [['weight', shape]] : [], paramsFormula: affine ? dotProduct(shape) : undefined, attrs: { normalized_shape: shape } };
    },
    forward(f) {
      const cfg = f.config as { shape: number[] };
      const x = f.tensor('input');
      trailingShape(f, 'RMSNorm', x, cfg.shape);
      const scale = f.param('weight') ?? { dtype: DataType.FLOAT, shape: cfg.shape.map((d) => Expr.of(d)) };
      const [y] = f.op('RMSNormalization', [x, scale], { axis: -cfg.shape.length });
      return f.tensorValue(y);
    },
  },
  {
    name: 'GroupNorm',
    signature: sig('num_groups', 'num_channels', ['eps', { float: 1e-5 }], ['affine', true], ...FACTORY),
    build(b) {
      const a = b.args;
      const g = a.positiveInt('num_groups');
      const c = a.positiveInt('num_channels');
      if (c % g !== 0) a.fail(`num_channels (${c}) must be divisible by num_groups (${g})`);
      const affine = a.bool('affine');
      return { config: { g, c }, params: affine ? [['weight', [c]], ['bias', [c]]] : [], paramsFormula: affine ? `2·${c}` : undefined, attrs: { num_groups: g, num_channels: c } };
    },
    forward(f) {
      const cfg = f.config as { g: number; c: number };
      const x = f.tensor('input');
      if (x.shape!.length < 2) f.fail(`GroupNorm expects (N, C, ...) input, got ${shapeText(x.shape!)}`);
      checkChannels(f, 'GroupNorm', x, 1, cfg.c);
      const [y] = f.op('GroupNormalization', [x, f.param('weight') ?? vec(cfg.c), f.param('bias') ?? vec(cfg.c)], { num_groups: cfg.g });
      return f.tensorValue(y);
    },
  },
  {
    name: 'LocalResponseNorm',
    signature: sig('size', ['alpha', { float: 1e-4 }], ['beta', { float: 0.75 }], ['k', { float: 1 }]),
    build(b) {
      const a = b.args;
      return { config: { size: a.positiveInt('size'), alpha: a.float('alpha'), beta: a.float('beta'), k: a.float('k') }, params: [] };
    },
    forward(f) {
      const cfg = f.config as { size: number; alpha: number; beta: number; k: number };
      const x = f.tensor('input');
      if (x.shape!.length < 3) f.fail(`LocalResponseNorm expects (N, C, ...) input, got ${shapeText(x.shape!)}`);
      const [y] = f.op('LRN', [x], { size: cfg.size, alpha: { float: cfg.alpha }, beta: { float: cfg.beta }, bias: { float: cfg.k } });
      return f.tensorValue(y);
    },
  },
];
