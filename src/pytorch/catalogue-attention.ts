/**
 * Attention and Transformer layers: MultiheadAttention, TransformerEncoderLayer,
 * TransformerDecoderLayer, TransformerEncoder, TransformerDecoder, Transformer.
 *
 * MultiheadAttention(E, heads, bias, add_bias_kv, kdim, vdim) parameters:
 *   in_proj_weight 3E·E (or q E·E, k E·kdim, v E·vdim when kdim/vdim differ from E),
 *   in_proj_bias 3E, out_proj E·E + E, bias_k and bias_v E each with add_bias_kv
 *   → 4·E·E + 4·E with the defaults.
 * Forward, as the ONNX export of nn.MultiheadAttention computes it: the q/k/v projections
 * (MatMul + bias Add), the 1/√d scaling (one Mul per query element), Q·Kᵀ and A·V (MatMul per
 * head), Softmax over the scores, a mask Add per score when a mask is passed, the output
 * projection (Gemm), and with need_weights=True (torch's default) the mean of the weights over
 * heads. MACs = Lq·E·E + Lk·E·kdim + Lk·E·vdim + Lq·E·E + 2·Lq·Lk·E per batch element.
 *
 * The Transformer layers are composites: their children (self_attn, linear1, norm1, ...) are real
 * child modules, registered in torch's order, and their forward calls them as torch does
 * (post-norm or norm_first), with the residual Adds and the feed-forward activation.
 */
import { DataType } from '../onnx/model';
import { Expr, product } from '../symbolic/expr';
import type { TensorValue } from '../ops/types';
import { FACTORY, sig } from './catalogue-args';
import type { BuildContext, ForwardCall, LayerEntry, Literal } from './catalogue-types';
import { batchSuffix, dotProduct, shapeText } from './format';
import { NONE, type ModuleObj, type Value } from './values';

interface MhaConfig {
  e: number;
  heads: number;
  kdim: number;
  vdim: number;
  bias: boolean;
  biasKv: boolean;
  zeroAttn: boolean;
  batchFirst: boolean;
}

function mhaBuild(b: BuildContext) {
  const a = b.args;
  const e = a.positiveInt('embed_dim');
  const heads = a.positiveInt('num_heads');
  if (e % heads !== 0) a.fail(`embed_dim (${e}) must be divisible by num_heads (${heads})`);
  const kdim = a.optInt('kdim') ?? e;
  const vdim = a.optInt('vdim') ?? e;
  const c: MhaConfig = { e, heads, kdim, vdim, bias: a.bool('bias'), biasKv: a.bool('add_bias_kv'), zeroAttn: a.bool('add_zero_attn'), batchFirst: a.bool('batch_first') };
  const params: [string, number[]][] = [];
  const terms: string[] = [];
  if (kdim === e && vdim === e) {
    params.push(['in_proj_weight', [3 * e, e]]);
    terms.push(`3·${e}·${e}`);
  } else {
    params.push(['q_proj_weight', [e, e]], ['k_proj_weight', [e, kdim]], ['v_proj_weight', [e, vdim]]);
    terms.push(`${e}·${e} + ${e}·${kdim} + ${e}·${vdim}`);
  }
  if (c.bias) {
    params.push(['in_proj_bias', [3 * e]]);
    terms.push(`3·${e}`);
  }
  params.push(['out_proj.weight', [e, e]]);
  terms.push(`${e}·${e}`);
  if (c.bias) {
    params.push(['out_proj.bias', [e]]);
    terms.push(`${e}`);
  }
  if (c.biasKv) {
    params.push(['bias_k', [1, 1, e]], ['bias_v', [1, 1, e]]);
    terms.push(`2·${e}`);
  }
  const formula = kdim === e && vdim === e && c.bias && !c.biasKv ? `4·${e}·${e} + 4·${e}` : terms.join(' + ');
  return { config: c, params, paramsFormula: formula, attrs: { embed_dim: e, num_heads: heads, head_dim: e / heads, kdim, vdim, batch_first: c.batchFirst } };
}

/** (L, N, F) or batch-first (N, L, F) or unbatched (L, F) → [N, L, F]. */
function toBatchFirst(f: ForwardCall, t: TensorValue, batchFirst: boolean, what: string): { n: Expr; l: Expr; feat: Expr; unbatched: boolean } {
  const s = t.shape!;
  if (s.length === 2) return { n: Expr.ONE, l: s[0], feat: s[1], unbatched: true };
  if (s.length !== 3) f.fail(`MultiheadAttention expects 2-D or 3-D ${what}, got ${shapeText(s)}`);
  return batchFirst ? { n: s[0], l: s[1], feat: s[2], unbatched: false } : { n: s[1], l: s[0], feat: s[2], unbatched: false };
}

function checkFeat(f: ForwardCall, feat: Expr, want: number, what: string): void {
  const c = feat.constant;
  if (c !== undefined && c !== want) f.fail(`MultiheadAttention expects ${what} of size ${want}, got ${c}`);
}

function mhaForward(f: ForwardCall): Value {
  const c = f.config as MhaConfig;
  const q = toBatchFirst(f, f.tensor('query'), c.batchFirst, 'query');
  const k = toBatchFirst(f, f.tensor('key'), c.batchFirst, 'key');
  const v = toBatchFirst(f, f.tensor('value'), c.batchFirst, 'value');
  checkFeat(f, q.feat, c.e, 'query features');
  checkFeat(f, k.feat, c.kdim, 'key features');
  checkFeat(f, v.feat, c.vdim, 'value features');
  const E = Expr.of(c.e);
  const dtype = f.tensor('query').dtype;
  const t = (shape: Expr[]): TensorValue => ({ dtype, shape });
  const bias = f.param('in_proj_bias') ? t([E]) : undefined;
  const project = (x: { n: Expr; l: Expr; feat: Expr }, inDim: number): TensorValue => {
    let [y] = f.op('MatMul', [t([x.n, x.l, Expr.of(inDim)]), t([Expr.of(inDim), E])]);
    if (bias) [y] = f.op('Add', [y, bias]);
    return y;
  };
  const qp = project(q, c.e);
  project(k, c.kdim);
  project(v, c.vdim);
  let lk = k.l;
  if (c.biasKv) lk = lk.add(1);
  if (c.zeroAttn) lk = lk.add(1);
  const d = Expr.of(c.e / c.heads);
  const nh = q.n.scale(c.heads);
  // Scaling q by 1/√d: one multiply per query element.
  f.op('Mul', [qp, t([])]);
  const [scores] = f.op('MatMul', [t([nh, q.l, d]), t([nh, d, lk])]);
  let s = scores;
  if (f.arg('attn_mask').t !== 'none') [s] = f.op('Add', [s, t(s.shape!)]);
  if (f.arg('key_padding_mask').t !== 'none') [s] = f.op('Add', [s, t(s.shape!)]);
  const [probs] = f.op('Softmax', [s], { axis: -1 });
  f.op('MatMul', [probs, t([nh, lk, d])]);
  const rows = product([q.n, q.l]);
  const outBias = f.param('out_proj.bias');
  f.op('Gemm', [t([rows, E]), t([E, E]), outBias], { transB: 1 });
  const outShape = q.unbatched ? [q.l, E] : c.batchFirst ? [q.n, q.l, E] : [q.l, q.n, E];
  const out = f.tensorValue(t(outShape));
  const needWeights = f.arg('need_weights');
  let weights: Value = NONE;
  if (needWeights.t !== 'bool' || needWeights.v) {
    const average = f.arg('average_attn_weights');
    if (average.t === 'bool' && !average.v) {
      weights = f.tensorValue(t(q.unbatched ? [Expr.of(c.heads), q.l, lk] : [q.n, Expr.of(c.heads), q.l, lk]));
    } else {
      const axes: TensorValue = { dtype: DataType.INT64, shape: [Expr.ONE], value: [Expr.ONE] };
      const [w] = f.op('ReduceMean', [t([q.n, Expr.of(c.heads), q.l, lk]), axes], { keepdims: 0 });
      weights = f.tensorValue(q.unbatched ? t(w.shape!.slice(1)) : w);
    }
  }
  const kvText = c.kdim === c.e && c.vdim === c.e ? `3·${c.e}·${c.e}` : `${c.e}·${c.e} + ${c.e}·${c.kdim} + ${c.e}·${c.vdim}`;
  f.formula(`(${kvText} + ${c.e}·${c.e})·${q.l} (projections) + 2·${dotProduct([q.l, lk])}·${c.e} (Q·Kᵀ, A·V)${batchSuffix([q.n])}`);
  return { t: 'tuple', items: [out, weights] };
}

const MHA: LayerEntry = {
  name: 'MultiheadAttention',
  signature: sig('embed_dim', 'num_heads', ['dropout', { float: 0 }], ['bias', true], ['add_bias_kv', false], ['add_zero_attn', false], ['kdim', null], ['vdim', null], ['batch_first', false], ...FACTORY),
  build: mhaBuild,
  forwardSignature: sig('query', 'key', 'value', ['key_padding_mask', null], ['need_weights', true], ['attn_mask', null], ['average_attn_weights', true], ['is_causal', false]),
  forward: mhaForward,
};

// ---------------------------------------------------------------------------------------------
// Transformer composites

const LAYER_SIG: [string, Literal][] = [
  ['dim_feedforward', 2048],
  ['dropout', { float: 0.1 }],
  ['activation', 'relu'],
  ['layer_norm_eps', { float: 1e-5 }],
  ['batch_first', false],
  ['norm_first', false],
  ['bias', true],
  ...FACTORY,
];

interface LayerConfig {
  normFirst: boolean;
  activation: Value;
  decoder: boolean;
}

function buildLayer(b: BuildContext, decoder: boolean) {
  const a = b.args;
  const d = a.positiveInt('d_model');
  const nhead = a.positiveInt('nhead');
  const ff = a.positiveInt('dim_feedforward');
  const dropout = a.value('dropout');
  const bias = a.bool('bias');
  const batchFirst = a.bool('batch_first');
  const eps = a.value('layer_norm_eps');
  const activation = a.value('activation');
  if (activation.t === 'str' && activation.v !== 'relu' && activation.v !== 'gelu') a.fail(`activation should be relu/gelu, not ${activation.v}`);
  if (activation.t === 'unknown') a.str('activation');
  const mha = (): ModuleObj => b.make('MultiheadAttention', { embed_dim: d, num_heads: nhead, dropout, bias, batch_first: batchFirst });
  const children: [string, ModuleObj][] = [['self_attn', mha()]];
  if (decoder) children.push(['multihead_attn', mha()]);
  children.push(
    ['linear1', b.make('Linear', { in_features: d, out_features: ff, bias })],
    ['dropout', b.make('Dropout', { p: dropout })],
    ['linear2', b.make('Linear', { in_features: ff, out_features: d, bias })],
    ['norm1', b.make('LayerNorm', { normalized_shape: d, eps, bias })],
    ['norm2', b.make('LayerNorm', { normalized_shape: d, eps, bias })],
  );
  if (decoder) children.push(['norm3', b.make('LayerNorm', { normalized_shape: d, eps, bias })]);
  children.push(['dropout1', b.make('Dropout', { p: dropout })], ['dropout2', b.make('Dropout', { p: dropout })]);
  if (decoder) children.push(['dropout3', b.make('Dropout', { p: dropout })]);
  // A module passed as the activation is registered as a child, as torch does.
  if (activation.t === 'module') children.push(['activation', activation.mod]);
  const config: LayerConfig = { normFirst: a.bool('norm_first'), activation, decoder };
  return { config, params: [], children, attrs: { d_model: d, nhead, dim_feedforward: ff, norm_first: config.normFirst, batch_first: batchFirst } };
}

function add(f: ForwardCall, a: Value, b: Value): Value {
  return f.tensorValue(f.op('Add', [asTensor(f, a), asTensor(f, b)])[0]);
}

function asTensor(f: ForwardCall, v: Value): TensorValue {
  if (v.t === 'tensor' && v.ten.shape) return { dtype: v.ten.dtype, shape: v.ten.shape };
  if (v.t === 'tensor' || v.t === 'unknown') {
    const why = v.t === 'unknown' ? v.why : v.ten.why;
    return f.fail(why ? why.reason : 'an input shape is unknown');
  }
  return f.fail(`expected a tensor, got a ${v.t}`);
}

function first(f: ForwardCall, v: Value): Value {
  if (v.t === 'tuple') return v.items[0];
  return f.fail('expected attention to return (output, weights)');
}

function layerForward(f: ForwardCall): Value {
  const c = f.config as LayerConfig;
  const src = c.decoder ? 'tgt' : 'src';
  let x = f.arg(src);
  const memory = c.decoder ? f.arg('memory') : NONE;
  const selfMask = { attn_mask: f.arg(c.decoder ? 'tgt_mask' : 'src_mask'), key_padding_mask: f.arg(c.decoder ? 'tgt_key_padding_mask' : 'src_key_padding_mask'), need_weights: { t: 'bool', v: false } as Value };
  const crossMask: Record<string, Value> = c.decoder ? { attn_mask: f.arg('memory_mask'), key_padding_mask: f.arg('memory_key_padding_mask'), need_weights: { t: 'bool', v: false } as Value } : {};
  const sa = (h: Value): Value => f.call('dropout1', [first(f, f.call('self_attn', [h, h, h], selfMask))]);
  const ca = (h: Value): Value => f.call('dropout2', [first(f, f.call('multihead_attn', [h, memory, memory], crossMask))]);
  const ff = (h: Value): Value => f.call(c.decoder ? 'dropout3' : 'dropout2', [f.call('linear2', [f.call('dropout', [f.activation(c.activation, f.call('linear1', [h]))])])]);
  if (c.normFirst) {
    x = add(f, x, sa(f.call('norm1', [x])));
    if (c.decoder) x = add(f, x, ca(f.call('norm2', [x])));
    x = add(f, x, ff(f.call(c.decoder ? 'norm3' : 'norm2', [x])));
  } else {
    x = f.call('norm1', [add(f, x, sa(x))]);
    if (c.decoder) x = f.call('norm2', [add(f, x, ca(x))]);
    x = f.call(c.decoder ? 'norm3' : 'norm2', [add(f, x, ff(x))]);
  }
  return x;
}

function stackBuild(b: BuildContext, what: string) {
  const a = b.args;
  const layer = a.value(what);
  if (layer.t === 'unknown') a.int(what);
  if (layer.t !== 'module') return a.fail(`${what} must be a module`);
  const n = a.int('num_layers');
  if (n < 0 || n > 1000) a.fail(`num_layers ${n} is out of range`);
  const copies = Array.from({ length: n }, () => b.deepcopy(layer.mod));
  const children: [string, ModuleObj][] = [['layers', b.make('ModuleList', { modules: { t: 'list', items: copies.map((m) => ({ t: 'module', mod: m }) as Value) } })]];
  const norm = a.value('norm');
  if (norm.t === 'module') children.push(['norm', norm.mod]);
  return { config: { n, norm: norm.t === 'module' }, params: [], children, attrs: { num_layers: n } };
}

function stackForward(decoder: boolean) {
  return (f: ForwardCall): Value => {
    const c = f.config as { n: number; norm: boolean };
    let x = f.arg(decoder ? 'tgt' : 'src');
    for (let i = 0; i < c.n; i++) {
      x = decoder
        ? f.call(`layers.${i}`, [x, f.arg('memory')], { tgt_mask: f.arg('tgt_mask'), memory_mask: f.arg('memory_mask'), tgt_key_padding_mask: f.arg('tgt_key_padding_mask'), memory_key_padding_mask: f.arg('memory_key_padding_mask') })
        : f.call(`layers.${i}`, [x], { src_mask: f.arg('mask'), src_key_padding_mask: f.arg('src_key_padding_mask') });
    }
    return c.norm ? f.call('norm', [x]) : x;
  };
}

export const ATTENTION_LAYERS: LayerEntry[] = [
  MHA,
  {
    name: 'TransformerEncoderLayer',
    signature: sig('d_model', 'nhead', ...LAYER_SIG),
    build: (b) => buildLayer(b, false),
    forwardSignature: sig('src', ['src_mask', null], ['src_key_padding_mask', null], ['is_causal', false]),
    forward: layerForward,
  },
  {
    name: 'TransformerDecoderLayer',
    signature: sig('d_model', 'nhead', ...LAYER_SIG),
    build: (b) => buildLayer(b, true),
    forwardSignature: sig('tgt', 'memory', ['tgt_mask', null], ['memory_mask', null], ['tgt_key_padding_mask', null], ['memory_key_padding_mask', null], ['tgt_is_causal', false], ['memory_is_causal', false]),
    forward: layerForward,
  },
  {
    name: 'TransformerEncoder',
    signature: sig('encoder_layer', 'num_layers', ['norm', null], ['enable_nested_tensor', true], ['mask_check', true]),
    build: (b) => stackBuild(b, 'encoder_layer'),
    forwardSignature: sig('src', ['mask', null], ['src_key_padding_mask', null], ['is_causal', null]),
    forward: stackForward(false),
  },
  {
    name: 'TransformerDecoder',
    signature: sig('decoder_layer', 'num_layers', ['norm', null]),
    build: (b) => stackBuild(b, 'decoder_layer'),
    forwardSignature: sig('tgt', 'memory', ['tgt_mask', null], ['memory_mask', null], ['tgt_key_padding_mask', null], ['memory_key_padding_mask', null], ['tgt_is_causal', null], ['memory_is_causal', false]),
    forward: stackForward(true),
  },
  {
    name: 'Transformer',
    signature: sig(['d_model', 512], ['nhead', 8], ['num_encoder_layers', 6], ['num_decoder_layers', 6], ['dim_feedforward', 2048], ['dropout', { float: 0.1 }], ['activation', 'relu'], ['custom_encoder', null], ['custom_decoder', null], ['layer_norm_eps', { float: 1e-5 }], ['batch_first', false], ['norm_first', false], ['bias', true], ...FACTORY),
    build(b) {
      const a = b.args;
      const d = a.positiveInt('d_model');
      const common = {
        d_model: d,
        nhead: a.value('nhead'),
        dim_feedforward: a.value('dim_feedforward'),
        dropout: a.value('dropout'),
        activation: a.value('activation'),
        layer_norm_eps: a.value('layer_norm_eps'),
        batch_first: a.value('batch_first'),
        norm_first: a.value('norm_first'),
        bias: a.value('bias'),
      };
      const norm = (): Value => ({ t: 'module', mod: b.make('LayerNorm', { normalized_shape: d, eps: a.value('layer_norm_eps'), bias: a.value('bias') }) });
      const customEnc = a.value('custom_encoder');
      const customDec = a.value('custom_decoder');
      const encoder =
        customEnc.t === 'module'
          ? customEnc.mod
          : b.make('TransformerEncoder', { encoder_layer: { t: 'module', mod: b.make('TransformerEncoderLayer', common) }, num_layers: a.value('num_encoder_layers'), norm: norm() });
      const decoder =
        customDec.t === 'module'
          ? customDec.mod
          : b.make('TransformerDecoder', { decoder_layer: { t: 'module', mod: b.make('TransformerDecoderLayer', common) }, num_layers: a.value('num_decoder_layers'), norm: norm() });
      return { config: {}, params: [], children: [['encoder', encoder], ['decoder', decoder]], attrs: { d_model: d, batch_first: a.bool('batch_first') } };
    },
    forwardSignature: sig('src', 'tgt', ['src_mask', null], ['tgt_mask', null], ['memory_mask', null], ['src_key_padding_mask', null], ['tgt_key_padding_mask', null], ['memory_key_padding_mask', null], ['src_is_causal', null], ['tgt_is_causal', null], ['memory_is_causal', false]),
    forward(f) {
      const memory = f.call('encoder', [f.arg('src')], { mask: f.arg('src_mask'), src_key_padding_mask: f.arg('src_key_padding_mask') });
      return f.call('decoder', [f.arg('tgt'), memory], {
        tgt_mask: f.arg('tgt_mask'),
        memory_mask: f.arg('memory_mask'),
        tgt_key_padding_mask: f.arg('tgt_key_padding_mask'),
        memory_key_padding_mask: f.arg('memory_key_padding_mask'),
      });
    },
  },
];
