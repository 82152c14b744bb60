/**
 * The numbers users know, on real PyTorch exports (test/fixtures/models, facts.json), and
 * every inferred shape checked against onnxruntime-node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { facts, materialize, profileFixture } from './helpers/fixtures';
import { crossCheckShapes } from './helpers/ort-check';
import { num } from './helpers/profile';

test('ResNet-18: 1.814 G MACs; 11.68 M params with BatchNorm folded', () => {
  const r = profileFixture('resnet18');
  assert.equal(num(r.totals.macs), facts.resnet18.hookMacs);
  assert.equal(num(r.totals.macs), 1_814_073_344);
  assert.equal(r.totals.params, facts.resnet18.floatInitializerElements);
  assert.equal((r.totals.params / 1e6).toFixed(2), '11.68');
  assert.deepEqual(r.unknownOps, []);
});

test('ResNet-18 with BatchNorm kept: 11.69 M params, running statistics are buffers', () => {
  const r = profileFixture('resnet18_bn');
  assert.equal(num(r.totals.macs), 1_814_073_344);
  assert.equal(r.totals.params, facts.resnet18_bn.params);
  assert.equal((r.totals.params / 1e6).toFixed(2), '11.69');
  assert.equal(r.totals.buffers, 9_600);
  assert.equal(r.totals.storedParams, r.totals.params);
});

test('MobileNetV2 at 224: 0.301 G MACs', () => {
  const r = profileFixture('mobilenet_v2');
  assert.equal(num(r.totals.macs), facts.mobilenet_v2.hookMacs);
  assert.equal((num(r.totals.macs) / 1e9).toFixed(3), '0.301');
  assert.equal(r.totals.params, facts.mobilenet_v2.floatInitializerElements);
});

test('VGG16: 15.47 G MACs and 138,357,544 params, without reading 553 MB of weights', () => {
  const r = profileFixture('vgg16');
  assert.equal(num(r.totals.macs), 15_470_264_320);
  assert.equal(r.totals.params, 138_357_544);
});

test('MobileNetV2 with symbolic batch/height/width: batch 32 at 320×320 is 65.2× the MACs, same params', () => {
  const symbolic = profileFixture('mobilenet_v2_dyn');
  assert.deepEqual(symbolic.symbols, ['batch', 'height', 'width']);
  const at = (dims: Record<string, number>) => profileFixture('mobilenet_v2_dyn', { dims });
  const base = at({ batch: 1, height: 224, width: 224 });
  const big = at({ batch: 32, height: 320, width: 320 });
  assert.equal(num(base.totals.macs), facts.mobilenet_v2_dyn.hookMacs);
  assert.equal(base.totals.params, big.totals.params);
  assert.equal((num(big.totals.macs) / num(base.totals.macs)).toFixed(1), '65.2');
  // The symbolic total evaluates to the bound one.
  assert.equal(symbolic.totals.macs.evaluate(new Map([['batch', 32], ['height', 320], ['width', 320]])), num(big.totals.macs));
});

test('seed 004 case 2: one conv applied twice has 9 params (shared), MACs counted twice', () => {
  const r = profileFixture('shared_conv');
  assert.equal(r.totals.params, 9);
  assert.equal(r.totals.sharedParams, 9);
  assert.equal(num(r.totals.macs), 2 * 3 * 3 * 512 * 512);
  assert.equal(r.shared.length, 1);
  assert.equal(r.shared[0].users.length, 2);
});

test('tiny transformer: MACs are a polynomial in batch and seq, attention included', () => {
  const r = profileFixture('tiny_transformer');
  // Linear layers: 129,536 MACs per token; attention Q·Kᵀ and A·V: 2 layers × 2 × 64 per seq² pair.
  assert.equal(r.totals.macs.toString(), '256·batch·seq^2 + 129536·batch·seq');
  const f = facts.tiny_transformer;
  const bound = profileFixture('tiny_transformer', { dims: { batch: 1, seq: 16 } });
  assert.equal(num(bound.totals.macs), f.hookMacs + f.attentionMatmulMacs);
  assert.equal(r.totals.params, f.params);
});

test('nn.MultiheadAttention: projections plus attention products', () => {
  const f = facts.mha;
  const r = profileFixture('mha', { dims: { batch: 1, seq: 10 } });
  assert.equal(num(r.totals.macs), f.hookMacs + f.attentionMatmulMacs);
  assert.equal(r.totals.params, f.params);
});

test('LSTM, GRU and RNN gate MACs match the hand count', () => {
  const f = facts.lstm;
  const r = profileFixture('lstm', { dims: { batch: 1, seq: 12 } });
  assert.equal(num(r.totals.macs), f.rnnMacs);
  assert.equal(r.totals.params, f.params);
});

test('weights stored as Constant nodes count as parameters', () => {
  const f = facts.constant_weights;
  const r = profileFixture('constant_weights');
  assert.equal(r.totals.params, f.params);
  assert.equal(num(r.totals.macs), f.hookMacs);
});

test('ops zoo: every op costed, MACs match the hooks plus einsum', () => {
  const f = facts.ops_zoo;
  const r = profileFixture('ops_zoo');
  assert.deepEqual(r.unknownOps, []);
  assert.equal(num(r.totals.macs), f.hookMacs + f.otherMatmulMacs);
  assert.equal(r.totals.params, f.params);
});

test('control flow: If costs its larger branch, Loops their body × trips, each counted once', () => {
  const cf = facts.control_flow.controlFlowMacs;
  const r = profileFixture('control_flow');
  // If: unknown condition → the else branch; Loop: 5 × body; Loop over x.shape[0]: rows × body.
  assert.equal(r.totals.macs.toString(), `${cf.dynLoopBody}·rows^2 + ${cf.elseBranch + cf.constLoopTripCount * cf.constLoopBody}·rows`);
  const one = profileFixture('control_flow', { dims: { rows: 1 } });
  assert.equal(num(one.totals.macs), cf.elseBranch + cf.constLoopTripCount * cf.constLoopBody + cf.dynLoopBody);
});

const ORT_CASES: [string, Record<string, number[]>][] = [
  ['resnet18', {}],
  ['resnet18_bn', {}],
  ['vgg16', {}],
  ['mobilenet_v2', {}],
  ['mobilenet_v2_dyn', { input: [2, 3, 96, 128] }],
  ['tiny_transformer', { tokens: [2, 7] }],
  ['mha', { x: [3, 5, 32] }],
  ['lstm', { x: [2, 9, 16] }],
  ['shared_conv', {}],
  ['ops_zoo', {}],
  ['control_flow', { x: [3, 16] }],
  ['constant_weights', {}],
];

for (const [name, inputs] of ORT_CASES) {
  test(`${name}: every inferred shape equals onnxruntime's`, async () => {
    const { dir, file } = materialize(name);
    try {
      const { compared, mismatches } = await crossCheckShapes(file, inputs);
      assert.deepEqual(mismatches, []);
      assert.ok(compared >= facts[name].nodeCount * 0.9, `compared ${compared} values of ${facts[name].nodeCount} nodes`);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
}
