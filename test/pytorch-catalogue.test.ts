/**
 * The torch.nn catalogue (src/pytorch/catalogue*.ts): parameter formulas against the hand
 * formulas articles use, argument signatures in torch's positional order, and forward shapes /
 * MACs through the ONNX op registry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzePython } from '../src/pytorch/analyze';
import { cataloguedLayers } from '../src/pytorch/catalogue';
import type { ClassAnalysis, LayerAnalysis } from '../src/pytorch/types';
import { stopAnalysisClock } from './helpers/analysis-clock';

stopAnalysisClock();

/** One layer `self.m = <ctor>` in a module whose forward passes its inputs to it. */
function one(ctor: string, inputs?: number[][], forward = 'return self.m(*xs)'): { c: ClassAnalysis; m: LayerAnalysis } {
  const directive = inputs ? `# floplens: input=${inputs.map((s) => `(${s.join(', ')}${s.length === 1 ? ',' : ''})`).join(', ')}\n` : '';
  const text = `import torch
import torch.nn as nn
import torch.nn.functional as F

${directive}class T(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = ${ctor}

    def forward(self, *xs):
        ${forward}
`;
  const c = analyzePython(text).classes[0];
  const m = c.layers.find((l) => l.path === 'm');
  assert.ok(m, `layer m of ${ctor}`);
  return { c, m };
}

function params(ctor: string): number {
  const { m } = one(ctor);
  assert.equal(m.paramsUnknown, undefined, `${ctor}: ${m.paramsUnknown}`);
  return m.params!;
}

test('the catalogue holds the layers the issue lists', () => {
  const have = new Set(cataloguedLayers());
  for (const name of [
    'Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d', 'Linear', 'Bilinear', 'LazyLinear',
    'Embedding', 'EmbeddingBag', 'BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d', 'SyncBatchNorm', 'LayerNorm', 'GroupNorm',
    'InstanceNorm1d', 'InstanceNorm2d', 'InstanceNorm3d', 'LocalResponseNorm', 'RNN', 'LSTM', 'GRU', 'MultiheadAttention',
    'Transformer', 'TransformerEncoderLayer', 'TransformerDecoderLayer', 'TransformerEncoder', 'TransformerDecoder', 'PReLU',
    'ReLU', 'GELU', 'SiLU', 'Sigmoid', 'Tanh', 'Softmax', 'Dropout', 'Dropout2d', 'MaxPool1d', 'MaxPool2d', 'MaxPool3d',
    'AvgPool2d', 'AdaptiveAvgPool2d', 'AdaptiveMaxPool2d', 'Flatten', 'Identity', 'Upsample', 'LazyConv2d',
  ]) {
    assert.ok(have.has(name), name);
  }
});

test('Conv: (k·k·Cin/groups + 1)·Cout, bias, groups, 1d/3d, padding modes', () => {
  assert.equal(params('nn.Conv2d(512, 512, 3, 1, 1)'), (3 * 3 * 512 + 1) * 512);
  assert.equal(params('nn.Conv2d(64, 128, kernel_size=(3, 5), bias=False)'), 3 * 5 * 64 * 128);
  assert.equal(params('nn.Conv2d(32, 64, 3, groups=4)'), (9 * 8 + 1) * 64);
  assert.equal(params('nn.Conv2d(32, 32, 3, groups=32, padding_mode="circular", padding=1)'), (9 + 1) * 32);
  assert.equal(params('nn.Conv1d(16, 33, 3, stride=2)'), (3 * 16 + 1) * 33);
  assert.equal(params('nn.Conv3d(4, 8, (3, 5, 2))'), (3 * 5 * 2 * 4 + 1) * 8);
  assert.equal(params('nn.ConvTranspose2d(16, 33, (3, 5), stride=2, groups=1)'), 16 * 33 * 15 + 33);
  assert.equal(params('nn.ConvTranspose1d(8, 4, 3, 1, 0, 0, 2, False)'), 8 * 2 * 3);
  // Positional order as torch: in, out, kernel, stride, padding, dilation, groups, bias.
  assert.equal(params('nn.Conv2d(8, 16, 3, 1, 1, 1, 2, False)'), 9 * 4 * 16);
  assert.equal(one('nn.Conv2d(8, 16, 3, 1, 1, 1, 2, False)').m.paramsFormula, '3·3·4·16 = 576');
});

test('Conv forward: shapes as torch (stride, padding, dilation, same, reflect), MACs k·k·Cin/g · Cout·H·W · N', () => {
  const { m } = one('nn.Conv2d(3, 8, 3, stride=2, padding=1, dilation=2)', [[4, 3, 33, 33]]);
  // out = floor((33 + 2·1 - 2·(3 - 1) - 1) / 2) + 1 = 16
  assert.deepEqual(m.outputShape, [4, 8, 16, 16]);
  assert.equal(m.macs, 3 * 3 * 3 * 8 * 16 * 16 * 4);
  assert.equal(m.macsFormula, '3·3·3 · 8·16·16 · batch 4');
  assert.deepEqual(one('nn.Conv2d(3, 8, (3, 4), padding="same", dilation=(1, 2))', [[1, 3, 10, 11]]).m.outputShape, [1, 8, 10, 11]);
  assert.deepEqual(one('nn.Conv2d(3, 8, 5, padding=2, padding_mode="reflect")', [[1, 3, 9, 9]]).m.outputShape, [1, 8, 9, 9]);
  assert.deepEqual(one('nn.Conv1d(3, 8, 3)', [[3, 20]]).m.outputShape, [8, 18]);
  const t = one('nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)', [[2, 8, 7, 7]]).m;
  assert.deepEqual(t.outputShape, [2, 4, 14, 14]);
  // Counted from the input side: N·Cin·H·W · Cout/g·k·k.
  assert.equal(t.macs, 2 * 8 * 7 * 7 * 4 * 9);
});

test('Conv argument errors name the argument', () => {
  const typo = one('nn.Conv2d(3, 8, kernal_size=3)').c;
  assert.ok(typo.diagnostics.some((d) => d.code === 'unevaluable' && d.message === "Conv2d: Conv2d() got an unexpected keyword argument 'kernal_size'"));
  const groups = one('nn.Conv2d(3, 8, 3, groups=2)').c;
  assert.ok(groups.diagnostics.some((d) => d.message === 'Conv2d: Conv2d: in_channels (3) must be divisible by groups (2)'));
  const strided = one('nn.Conv2d(3, 8, 3, stride=2, padding="same")').c;
  assert.ok(strided.diagnostics.some((d) => /padding='same' is not supported for strided convolutions/.test(d.message)));
});

test('Linear / Bilinear / Embedding / EmbeddingBag / PReLU', () => {
  assert.equal(params('nn.Linear(4096, 1000)'), 4_097_000);
  assert.equal(params('nn.Linear(20, 30, bias=False)'), 600);
  assert.equal(params('nn.Bilinear(20, 30, 40)'), 20 * 30 * 40 + 40);
  assert.equal(params('nn.Embedding(10000, 300, padding_idx=0)'), 3_000_000);
  assert.equal(params('nn.EmbeddingBag(100, 6, mode="max")'), 600);
  assert.equal(params('nn.PReLU()'), 1);
  assert.equal(params('nn.PReLU(64)'), 64);
  const lin = one('nn.Linear(16, 8)', [[2, 5, 16]]).m;
  assert.deepEqual(lin.outputShape, [2, 5, 8]);
  assert.equal(lin.macs, 2 * 5 * 16 * 8);
  assert.equal(lin.flops, 2 * 2 * 5 * 16 * 8 + 2 * 5 * 8);
  assert.equal(lin.macsFormula, '16·8 · 2·5');
  const emb = one('nn.Embedding(50, 12)', [[3, 7]]).m;
  assert.deepEqual(emb.outputShape, [3, 7, 12]);
  assert.equal(emb.macs, 0);
});

test('norms: BatchNorm 2C params + 2C+1 buffers (running stats are not parameters); affine / track switches', () => {
  const bn = one('nn.BatchNorm2d(64)', [[2, 64, 8, 8]]);
  assert.equal(bn.m.params, 128);
  assert.equal(bn.m.buffers, 129);
  assert.equal(bn.m.paramsFormula, '2·64 = 128');
  assert.equal(bn.c.totals.buffers, 129);
  assert.equal(bn.m.flops, 2 * 2 * 64 * 64);
  assert.equal(params('nn.BatchNorm1d(10, affine=False)'), 0);
  assert.equal(one('nn.BatchNorm1d(10, track_running_stats=False)').m.buffers, undefined);
  assert.equal(params('nn.SyncBatchNorm(32)'), 64);
  assert.equal(params('nn.LayerNorm(768)'), 1536);
  assert.equal(params('nn.LayerNorm([4, 8], elementwise_affine=False)'), 0);
  assert.equal(params('nn.LayerNorm(10, bias=False)'), 10);
  assert.equal(params('nn.GroupNorm(8, 64)'), 128);
  assert.equal(params('nn.InstanceNorm2d(64)'), 0);
  assert.equal(params('nn.InstanceNorm2d(64, affine=True)'), 128);
  assert.equal(params('nn.LocalResponseNorm(5)'), 0);
  const bad = one('nn.BatchNorm2d(8)', [[2, 3, 4, 4]]).c;
  assert.ok(bad.diagnostics.some((d) => d.code === 'shape-unknown' && /BatchNorm2d has 8 features but the input \(2, 3, 4, 4\) has 3 channels/.test(d.message)));
});

test('LSTM / GRU / RNN params: per layer and direction gates·(in·h + h·h + 2h); proj_size; cells', () => {
  const rnn = (gates: number, input: number, h: number, layers: number, dirs: number, bias = true): number => {
    let total = 0;
    for (let l = 0; l < layers; l++) {
      const inL = l === 0 ? input : h * dirs;
      total += dirs * gates * (inL * h + h * h + (bias ? 2 * h : 0));
    }
    return total;
  };
  assert.equal(params('nn.LSTM(10, 20)'), rnn(4, 10, 20, 1, 1));
  assert.equal(params('nn.LSTM(10, 20, 2)'), rnn(4, 10, 20, 2, 1));
  assert.equal(params('nn.LSTM(16, 32, num_layers=3, bidirectional=True)'), rnn(4, 16, 32, 3, 2));
  assert.equal(params('nn.LSTM(16, 32, bias=False, batch_first=True)'), rnn(4, 16, 32, 1, 1, false));
  assert.equal(params('nn.GRU(64, 24, 2, True, True, 0.0, True)'), rnn(3, 64, 24, 2, 2));
  assert.equal(params('nn.RNN(24, 8)'), rnn(1, 24, 8, 1, 1));
  // RNN's 4th positional argument is nonlinearity.
  assert.equal(params('nn.RNN(24, 8, 1, "relu", False)'), rnn(1, 24, 8, 1, 1, false));
  assert.equal(one('nn.LSTM(10, 20)').m.paramsFormula, '4·(10·20 + 20·20 + 2·20) = 2,560');
  // proj_size p: weight_hh reads the projected state (4h·p), plus weight_hr p·h per layer/direction.
  assert.equal(params('nn.LSTM(16, 32, proj_size=8)'), 4 * (16 * 32 + 8 * 32 + 2 * 32) + 8 * 32);
  assert.equal(params('nn.LSTMCell(10, 20)'), 4 * (10 * 20 + 20 * 20 + 40));
  assert.equal(params('nn.GRUCell(10, 20, bias=False)'), 3 * (10 * 20 + 20 * 20));
});

test('LSTM forward: one ONNX LSTM per layer, MACs seq·batch·dirs·4h·(in + h); outputs (y, (h_n, c_n))', () => {
  const { c, m } = one('nn.LSTM(16, 32, num_layers=2, bidirectional=True)', [[12, 3, 16]], 'y, (h, cc) = self.m(xs[0])\n        return y, h, cc');
  assert.equal(m.macs, 12 * 3 * 2 * 4 * 32 * (16 + 32) + 12 * 3 * 2 * 4 * 32 * (64 + 32));
  assert.deepEqual(c.outputShapes, [[12, 3, 64], [4, 3, 32], [4, 3, 32]]);
  const bf = one('nn.GRU(8, 16, batch_first=True)', [[5, 7, 8]], 'return self.m(xs[0])[0]');
  assert.deepEqual(bf.m.outputShape, [5, 7, 16]);
  assert.equal(bf.m.macs, 5 * 7 * 3 * 16 * (8 + 16));
});

test('MultiheadAttention: 4·E² + 4·E with bias; kdim/vdim; add_bias_kv; MACs = projections + Q·Kᵀ + A·V', () => {
  for (const [e, h] of [[8, 2], [32, 4], [512, 8], [768, 12]]) {
    assert.equal(params(`nn.MultiheadAttention(${e}, ${h})`), 4 * e * e + 4 * e, `E=${e}`);
    assert.equal(one(`nn.MultiheadAttention(${e}, ${h})`).m.paramsFormula, `4·${e}·${e} + 4·${e} = ${(4 * e * e + 4 * e).toLocaleString('en-US')}`);
  }
  assert.equal(params('nn.MultiheadAttention(64, 4, bias=False)'), 4 * 64 * 64);
  assert.equal(params('nn.MultiheadAttention(32, 4, kdim=16, vdim=24)'), 32 * 32 + 32 * 16 + 32 * 24 + 3 * 32 + 32 * 32 + 32);
  assert.equal(params('nn.MultiheadAttention(32, 4, add_bias_kv=True)'), 4 * 32 * 32 + 4 * 32 + 2 * 32);
  const bad = one('nn.MultiheadAttention(30, 4)').c;
  assert.ok(bad.diagnostics.some((d) => /embed_dim \(30\) must be divisible by num_heads \(4\)/.test(d.message)));
  // Self-attention, batch_first, N=2, L=10, E=32: the ONNX export's MatMuls.
  const { m } = one('nn.MultiheadAttention(32, 4, batch_first=True)', [[2, 10, 32]], 'return self.m(xs[0], xs[0], xs[0], need_weights=False)[0]');
  assert.equal(m.macs, 2 * (10 * 32 * 32 * 4 + 2 * 10 * 10 * 32));
  assert.deepEqual(m.outputShape, [2, 10, 32]);
});

test('Transformer layers: params are their children (MHA + 2 Linear + 2 or 3 LayerNorm) in torch order', () => {
  const d = 64;
  const ff = 256;
  const mha = 4 * d * d + 4 * d;
  const mlp = d * ff + ff + ff * d + d;
  const enc = one(`nn.TransformerEncoderLayer(${d}, 4, ${ff})`).m;
  assert.equal(enc.params, mha + mlp + 4 * d);
  assert.equal(one(`nn.TransformerDecoderLayer(${d}, 4, ${ff})`).m.params, 2 * mha + mlp + 6 * d);
  const { c } = one(`nn.TransformerEncoder(nn.TransformerEncoderLayer(${d}, 8, ${ff}), num_layers=6, norm=nn.LayerNorm(${d}))`);
  assert.equal(c.totals.params, 6 * (mha + mlp + 4 * d) + 2 * d);
  assert.deepEqual(c.layers.filter((l) => l.depth === 3 && l.path.startsWith('m.layers.0.')).map((l) => l.name), [
    'self_attn', 'linear1', 'dropout', 'linear2', 'norm1', 'norm2', 'dropout1', 'dropout2',
  ]);
  // nn.Transformer() with torch's defaults: d=512, 8 heads, 6+6 layers, ff 2048, final norms.
  const D = 512;
  const F = 2048;
  const M = 4 * D * D + 4 * D;
  const P = D * F + F + F * D + D;
  assert.equal(params('nn.Transformer()'), 6 * (M + P + 4 * D) + 2 * D + 6 * (2 * M + P + 6 * D) + 2 * D);
  assert.equal(params('nn.Transformer()'), 44_140_544);
});

test('TransformerEncoderLayer forward: projections, attention and feed-forward MACs per token', () => {
  const { m } = one('nn.TransformerEncoderLayer(64, 4, 128, batch_first=True)', [[1, 16, 64]]);
  // 4·64² (q, k, v, out) + 2·64·128 per token, + 2·L·L·64 for Q·Kᵀ and A·V.
  assert.equal(m.macs, 16 * (4 * 64 * 64 + 2 * 64 * 128) + 2 * 16 * 16 * 64);
  assert.deepEqual(m.outputShape, [1, 16, 64]);
});

test('parameter-free layers: pooling, adaptive pooling, upsampling, flatten, softmax shapes', () => {
  assert.deepEqual(one('nn.MaxPool2d(3, 2, ceil_mode=True)', [[1, 8, 10, 10]]).m.outputShape, [1, 8, 5, 5]);
  assert.deepEqual(one('nn.MaxPool2d(2)', [[1, 8, 7, 7]]).m.outputShape, [1, 8, 3, 3]);
  assert.deepEqual(one('nn.AvgPool1d(4)', [[2, 3, 17]]).m.outputShape, [2, 3, 4]);
  assert.deepEqual(one('nn.AdaptiveAvgPool2d((1, 1))', [[2, 512, 7, 7]]).m.outputShape, [2, 512, 1, 1]);
  assert.deepEqual(one('nn.AdaptiveAvgPool2d((None, 3))', [[2, 4, 7, 9]]).m.outputShape, [2, 4, 7, 3]);
  const uneven = one('nn.AdaptiveAvgPool1d(3)', [[1, 1, 10]]).m;
  // Windows [0,4) [3,7) [6,10): 4 + 4 + 4 elements.
  assert.equal(uneven.flops, 12);
  assert.deepEqual(one('nn.Upsample(scale_factor=2, mode="nearest")', [[1, 3, 5, 7]]).m.outputShape, [1, 3, 10, 14]);
  assert.deepEqual(one('nn.Upsample(size=(8, 9))', [[1, 3, 5, 7]]).m.outputShape, [1, 3, 8, 9]);
  assert.deepEqual(one('nn.PixelShuffle(2)', [[1, 16, 4, 4]]).m.outputShape, [1, 4, 8, 8]);
  assert.deepEqual(one('nn.Flatten()', [[2, 3, 4, 5]]).m.outputShape, [2, 60]);
  assert.deepEqual(one('nn.Unflatten(1, (3, -1))', [[2, 12]]).m.outputShape, [2, 3, 4]);
  assert.deepEqual(one('nn.ZeroPad2d((1, 2, 3, 4))', [[1, 1, 5, 5]]).m.outputShape, [1, 1, 12, 8]);
  const sm = one('nn.Softmax(dim=-1)', [[2, 10]]).m;
  assert.equal(sm.flops, 5 * 20);
  const silu = one('nn.SiLU()', [[2, 10]]).m;
  assert.equal(silu.flops, 5 * 20);
  assert.equal(one('nn.GELU(approximate="tanh")', [[4]]).m.flops, 9 * 4);
  assert.equal(one('nn.Dropout(0.1)', [[3, 3]]).m.flops, 0);
  assert.deepEqual(one('nn.Identity(54, unused_argument1=0.1)', [[3, 3]]).c.diagnostics.filter((d) => d.code === 'unevaluable').length, 1);
});

test('containers: Sequential(OrderedDict), ModuleList, ModuleDict, ParameterList; indexing and slicing', () => {
  const text = `
import torch
from collections import OrderedDict
from torch import nn

# floplens: input=(2, 8)
class C(nn.Module):
    def __init__(self):
        super().__init__()
        self.seq = nn.Sequential(OrderedDict([("a", nn.Linear(8, 8)), ("b", nn.ReLU()), ("c", nn.Linear(8, 4))]))
        self.blocks = nn.ModuleList(nn.Linear(4, 4) for _ in range(3))
        self.heads = nn.ModuleDict(dict(x=nn.Linear(4, 2), y=nn.Linear(4, 3)))
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(4)) for _ in range(2)])
        self.blocks.append(nn.Linear(4, 4))

    def forward(self, x):
        x = self.seq[:2](x)
        x = self.seq[-1](x)
        for i, blk in enumerate(self.blocks[1:]):
            x = blk(x) * self.scales[i % 2]
        return self.heads["x"](x), self.heads["y"](x)
`;
  const c = analyzePython(text).classes[0];
  assert.deepEqual(c.layers.map((l) => l.path), [
    'seq', 'seq.a', 'seq.b', 'seq.c', 'blocks', 'blocks.0', 'blocks.1', 'blocks.2', 'blocks.3', 'heads', 'heads.x', 'heads.y', 'scales',
  ]);
  assert.equal(c.totals.params, 72 + 36 + 4 * 20 + 10 + 15 + 8);
  assert.deepEqual(c.outputShapes, [[2, 2], [2, 3]]);
  const unused = c.diagnostics.filter((d) => d.code === 'unused-module').map((d) => d.message);
  assert.deepEqual(unused, ['blocks.0 is never used in forward(): its 20 parameters are counted by model.parameters() but do no work']);
  assert.equal(c.layers.find((l) => l.path === 'blocks.3')?.calls, 1);
});
