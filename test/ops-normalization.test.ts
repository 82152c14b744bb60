import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DT, type AttrValue, type ModelSpec, type NodeSpec, type TensorSpec, type ValueSpec } from './helpers/onnx-builder';
import { ortShapes } from './helpers/ort';
import { dims, num, profileSpec, row } from './helpers/profile';

type Opset = ModelSpec['opset'];
const WITH_MS = (v: number): Opset => [
  { domain: '', version: v },
  { domain: 'com.microsoft', version: 1 },
];

/** One node; graph outputs are all its non-empty outputs (FLOAT, no shape). */
function model(n: NodeSpec, inputs: ValueSpec[], opset: Opset = 17, initializers: TensorSpec[] = []): ModelSpec {
  return {
    opset,
    graph: {
      nodes: [n],
      inputs,
      outputs: n.outputs.filter((o) => o !== '').map((name) => ({ name, elemType: DT.FLOAT })),
      initializers,
    },
  };
}

function node(opType: string, inputs: string[], outputs: string[] = ['Y'], attrs?: Record<string, AttrValue>, domain?: string): NodeSpec {
  return { opType, inputs, outputs, name: opType, ...(attrs ? { attrs } : {}), ...(domain ? { domain } : {}) };
}

/** A float tensor of `n` elements with values 0.5, 1, 1.5... (variances must be positive). */
function weight(name: string, d: number[]): TensorSpec {
  const n = d.reduce((a, b) => a * b, 1);
  return { name, dims: d, values: Array.from({ length: n }, (_, i) => 0.5 * (i + 1)) };
}

/** Our shapes for every output of the single node, in order. */
function ourShapes(spec: ModelSpec): (number | string)[][] {
  const r = row(profileSpec(spec), spec.graph.nodes[0].name!);
  return r.outputShapes.map((o) => dims(o.shape)!);
}

test('BatchNormalization inference: 2 per element; params 2·C, buffers 2·C via the engine; matches onnxruntime', async () => {
  const C = 16;
  const spec = model(node('BatchNormalization', ['X', 'scale', 'B', 'mean', 'var']), [{ name: 'X', shape: [2, C, 8, 8] }], 15, [
    weight('scale', [C]),
    weight('B', [C]),
    weight('mean', [C]),
    weight('var', [C]),
  ]);
  const report = profileSpec(spec);
  const r = row(report, 'BatchNormalization');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, C, 8, 8]);
  assert.equal(num(r.flops), 2 * 2 * C * 8 * 8);
  assert.equal(num(r.macs), 0);
  assert.equal(r.params, 2 * C);
  assert.equal(report.totals.params, 2 * C);
  assert.equal(report.totals.buffers, 2 * C);
  assert.deepEqual(ourShapes(spec), await ortShapes(spec, { X: [2, C, 8, 8] }));
});

test('BatchNormalization symbolic batch: cost is a polynomial', () => {
  const spec = model(node('BatchNormalization', ['X', 's', 'b', 'm', 'v']), [{ name: 'X', shape: ['batch', 64, 56, 56] }], 15, [
    weight('s', [64]),
    weight('b', [64]),
    weight('m', [64]),
    weight('v', [64]),
  ]);
  const r = row(profileSpec(spec), 'BatchNormalization');
  assert.equal(r.flops.toString(), `${2 * 64 * 56 * 56}·batch`);
  assert.equal(num(row(profileSpec(spec, { dims: { batch: 8 } }), 'BatchNormalization').flops), 2 * 8 * 64 * 56 * 56);
});

test('BatchNormalization training: opset 14 training_mode outputs running mean/var [C]; opset 9 five outputs', () => {
  const C = 4;
  const params = [weight('s', [C]), weight('b', [C]), weight('m', [C]), weight('v', [C])];
  const x: ValueSpec[] = [{ name: 'X', shape: [3, C, 5] }];
  const t14 = model(node('BatchNormalization', ['X', 's', 'b', 'm', 'v'], ['Y', 'rm', 'rv'], { training_mode: 1 }), x, 14, params);
  const r14 = row(profileSpec(t14), 'BatchNormalization');
  assert.deepEqual(r14.outputShapes.map((o) => dims(o.shape)), [[3, C, 5], [C], [C]]);
  assert.equal(num(r14.flops), 7 * 3 * C * 5);

  const t9 = model(node('BatchNormalization', ['X', 's', 'b', 'm', 'v'], ['Y', 'mean', 'var', 'saved_mean', 'saved_var']), x, 9, params);
  const r9 = row(profileSpec(t9), 'BatchNormalization');
  assert.deepEqual(r9.outputShapes.map((o) => dims(o.shape)), [[3, C, 5], [C], [C], [C], [C]]);
  assert.equal(num(r9.flops), 7 * 3 * C * 5);

  const inference9 = model(node('BatchNormalization', ['X', 's', 'b', 'm', 'v']), x, 9, params);
  assert.equal(num(row(profileSpec(inference9), 'BatchNormalization').flops), 2 * 3 * C * 5);
});

test('BatchNormalization on a rank-1 input is unknown with a reason', () => {
  const spec = model(node('BatchNormalization', ['X', 's', 'b', 'm', 'v']), [{ name: 'X', shape: [4] }], 15, [weight('s', [4]), weight('b', [4]), weight('m', [4]), weight('v', [4])]);
  const r = row(profileSpec(spec), 'BatchNormalization');
  assert.match(r.unknown ?? '', /rank 2 or more/);
  assert.equal(r.unknownNodes, 1);
});

test('InstanceNormalization: 5 + 2 per element; matches onnxruntime', async () => {
  const spec = model(node('InstanceNormalization', ['X', 's', 'b']), [{ name: 'X', shape: [2, 8, 5, 5] }], 17, [weight('s', [8]), weight('b', [8])]);
  const r = row(profileSpec(spec), 'InstanceNormalization');
  assert.equal(num(r.flops), (5 + 2) * 2 * 8 * 5 * 5);
  assert.equal(r.params, 2 * 8);
  assert.deepEqual(ourShapes(spec), await ortShapes(spec, { X: [2, 8, 5, 5] }));
});

test('LayerNormalization on [batch, seq, 768] with bias is 7·768·batch·seq; without bias 6·768', () => {
  const x: ValueSpec[] = [{ name: 'X', shape: ['batch', 'seq', 768] }];
  const withBias = model(node('LayerNormalization', ['X', 'g', 'b']), x, 17, [weight('g', [768]), weight('b', [768])]);
  const r = row(profileSpec(withBias), 'LayerNormalization');
  assert.equal(r.flops.toString(), `${7 * 768}·batch·seq`);
  assert.deepEqual(dims(r.outputShapes[0].shape), ['batch', 'seq', 768]);
  assert.equal(r.params, 2 * 768);
  assert.equal(num(row(profileSpec(withBias, { dims: { batch: 4, seq: 128 } }), 'LayerNormalization').flops), 7 * 768 * 4 * 128);

  const noBias = model(node('LayerNormalization', ['X', 'g']), x, 17, [weight('g', [768])]);
  assert.equal(row(profileSpec(noBias), 'LayerNormalization').flops.toString(), `${6 * 768}·batch·seq`);
});

test('LayerNormalization Mean/InvStdDev: input shape with normalized dims → 1, FLOAT; axis variants match onnxruntime', async () => {
  for (const [axis, expected] of [
    [-1, [2, 3, 1]],
    [1, [2, 1, 1]],
    [-2, [2, 1, 1]],
  ] as const) {
    const normalized = axis === -1 ? [4] : [3, 4];
    const spec = model(node('LayerNormalization', ['X', 'g', 'b'], ['Y', 'Mean', 'InvStdDev'], { axis }), [{ name: 'X', shape: [2, 3, 4] }], 17, [weight('g', normalized), weight('b', normalized)]);
    const r = row(profileSpec(spec), 'LayerNormalization');
    assert.deepEqual(r.outputShapes.map((o) => dims(o.shape)), [[2, 3, 4], [...expected], [...expected]]);
    assert.deepEqual(r.outputShapes.map((o) => o.dtype), [DT.FLOAT, DT.FLOAT, DT.FLOAT]);
    assert.equal(num(r.flops), 7 * 2 * 3 * 4);
    assert.deepEqual(ourShapes(spec), await ortShapes(spec, { X: [2, 3, 4] }));
  }
});

test('LayerNormalization axis out of range is unknown with a reason', () => {
  const spec = model(node('LayerNormalization', ['X', 'g'], ['Y'], { axis: 3 }), [{ name: 'X', shape: [2, 3, 4] }], 17, [weight('g', [4])]);
  assert.match(row(profileSpec(spec), 'LayerNormalization').unknown ?? '', /axis 3 is out of range/);
});

test('GroupNormalization opset 18 ([G] scale) and 21 ([C] scale): 5 + 2 per element; matches onnxruntime', async () => {
  const x: ValueSpec[] = [{ name: 'X', shape: [2, 6, 4, 4] }];
  const g18 = model(node('GroupNormalization', ['X', 's', 'b'], ['Y'], { num_groups: 3 }), x, 18, [weight('s', [3]), weight('b', [3])]);
  const r18 = row(profileSpec(g18), 'GroupNormalization');
  assert.equal(num(r18.flops), (5 + 2) * 2 * 6 * 4 * 4);
  assert.equal(r18.params, 2 * 3);
  assert.deepEqual(ourShapes(g18), await ortShapes(g18, { X: [2, 6, 4, 4] }));
  const g21 = model(node('GroupNormalization', ['X', 's', 'b'], ['Y'], { num_groups: 3 }), x, 21, [weight('s', [6]), weight('b', [6])]);
  const r21 = row(profileSpec(g21), 'GroupNormalization');
  assert.equal(num(r21.flops), (5 + 2) * 2 * 6 * 4 * 4);
  assert.equal(r21.params, 2 * 6);
  assert.deepEqual(dims(r21.outputShapes[0].shape), [2, 6, 4, 4]);
});

test('GroupNormalization: num_groups not dividing C is unknown', () => {
  const spec = model(node('GroupNormalization', ['X', 's', 'b'], ['Y'], { num_groups: 4 }), [{ name: 'X', shape: [2, 6, 4, 4] }], 18, [weight('s', [4]), weight('b', [4])]);
  assert.match(row(profileSpec(spec), 'GroupNormalization').unknown ?? '', /num_groups 4 does not divide 6/);
});

test('LpNormalization p=1 and p=2: 3 per element; matches onnxruntime', async () => {
  for (const p of [1, 2]) {
    const spec = model(node('LpNormalization', ['X'], ['Y'], { p, axis: 1 }), [{ name: 'X', shape: [3, 7] }], 17);
    const r = row(profileSpec(spec), 'LpNormalization');
    assert.equal(num(r.flops), 3 * 3 * 7);
    assert.deepEqual(ourShapes(spec), await ortShapes(spec, { X: [3, 7] }));
  }
  const bad = model(node('LpNormalization', ['X'], ['Y'], { p: 3 }), [{ name: 'X', shape: [3, 7] }], 17);
  assert.match(row(profileSpec(bad), 'LpNormalization').unknown ?? '', /p=3/);
});

test('LRN size 5: 2·5 + 4 per element; matches onnxruntime; missing size is unknown', async () => {
  const spec = model(node('LRN', ['X'], ['Y'], { size: 5, alpha: { f: 1e-4 }, beta: { f: 0.75 }, bias: { f: 2 } }), [{ name: 'X', shape: [1, 96, 55, 55] }], 17);
  const r = row(profileSpec(spec), 'LRN');
  assert.equal(num(r.flops), (2 * 5 + 4) * 96 * 55 * 55);
  assert.deepEqual(ourShapes(spec), await ortShapes(spec, { X: [1, 96, 55, 55] }));
  const noSize = model(node('LRN', ['X']), [{ name: 'X', shape: [1, 96, 55, 55] }], 17);
  assert.match(row(profileSpec(noSize), 'LRN').unknown ?? '', /no size attribute/);
});

test('MeanVarianceNormalization: 5 per element; matches onnxruntime', async () => {
  const spec = model(node('MeanVarianceNormalization', ['X']), [{ name: 'X', shape: [2, 3, 4, 5] }], 13);
  const r = row(profileSpec(spec), 'MeanVarianceNormalization');
  assert.equal(num(r.flops), 5 * 2 * 3 * 4 * 5);
  assert.deepEqual(ourShapes(spec), await ortShapes(spec, { X: [2, 3, 4, 5] }));
});

test('RMSNormalization (opset 23): 3 + 1 scale per element', () => {
  const spec = model(node('RMSNormalization', ['X', 'g']), [{ name: 'X', shape: ['batch', 'seq', 4096] }], 23, [weight('g', [4096])]);
  const r = row(profileSpec(spec), 'RMSNormalization');
  assert.equal(r.flops.toString(), `${4 * 4096}·batch·seq`);
  assert.deepEqual(dims(r.outputShapes[0].shape), ['batch', 'seq', 4096]);
  assert.equal(r.params, 4096);
});

test('SimplifiedLayerNormalization (onnx domain, ORT): 4 per element, inv_std_var [.., 1]; matches onnxruntime', async () => {
  const spec = model(node('SimplifiedLayerNormalization', ['X', 'g'], ['Y', 'inv_std_var'], { axis: -1, epsilon: { f: 1e-6 } }), [{ name: 'X', shape: [2, 3, 8] }], 17, [weight('g', [8])]);
  const r = row(profileSpec(spec), 'SimplifiedLayerNormalization');
  assert.equal(num(r.flops), (3 + 1) * 2 * 3 * 8);
  assert.deepEqual(ourShapes(spec), [
    [2, 3, 8],
    [2, 3, 1],
  ]);
  assert.deepEqual(ourShapes(spec), await ortShapes(spec, { X: [2, 3, 8] }));
});

test('com.microsoft SkipLayerNormalization: skip add + LN, optional beta and bias; outputs match onnxruntime', async () => {
  const H = 16;
  const full = model(
    node('SkipLayerNormalization', ['X', 'S', 'gamma', 'beta', 'bias'], ['Y', 'mean', 'inv_std', 'sum'], { epsilon: { f: 1e-5 } }, 'com.microsoft'),
    [
      { name: 'X', shape: [2, 5, H] },
      { name: 'S', shape: [2, 5, H] },
    ],
    WITH_MS(17),
    [weight('gamma', [H]), weight('beta', [H]), weight('bias', [H])],
  );
  const r = row(profileSpec(full), 'com.microsoft::SkipLayerNormalization');
  assert.equal(num(r.flops), (1 + 1 + 5 + 1 + 1) * 2 * 5 * H);
  assert.equal(r.params, 3 * H);
  assert.deepEqual(ourShapes(full), [
    [2, 5, H],
    [2, 5, 1],
    [2, 5, 1],
    [2, 5, H],
  ]);
  assert.deepEqual(ourShapes(full), await ortShapes(full, { X: [2, 5, H], S: [2, 5, H] }));

  const bare = model(node('SkipLayerNormalization', ['X', 'S', 'gamma'], ['Y'], undefined, 'com.microsoft'), [{ name: 'X', shape: [2, 5, H] }, { name: 'S', shape: [2, 5, H] }], WITH_MS(17), [weight('gamma', [H])]);
  assert.equal(num(row(profileSpec(bare), 'com.microsoft::SkipLayerNormalization').flops), (1 + 5 + 1) * 2 * 5 * H);
  assert.deepEqual(ourShapes(bare), await ortShapes(bare, { X: [2, 5, H], S: [2, 5, H] }));
});

test('com.microsoft SkipSimplifiedLayerNormalization: skip add (+ bias) + RMS norm', async () => {
  const H = 8;
  const x: ValueSpec[] = [
    { name: 'X', shape: [3, H] },
    { name: 'S', shape: [3, H] },
  ];
  const withBias = model(node('SkipSimplifiedLayerNormalization', ['X', 'S', 'gamma', 'bias'], ['Y', '', '', 'sum'], undefined, 'com.microsoft'), x, WITH_MS(17), [weight('gamma', [H]), weight('bias', [H])]);
  const r = row(profileSpec(withBias), 'com.microsoft::SkipSimplifiedLayerNormalization');
  assert.equal(num(r.flops), (1 + 1 + 3 + 1) * 3 * H);
  assert.deepEqual(ourShapes(withBias), [
    [3, H],
    [3, H],
  ]);
  assert.deepEqual(ourShapes(withBias), await ortShapes(withBias, { X: [3, H], S: [3, H] }));
  const noBias = model(node('SkipSimplifiedLayerNormalization', ['X', 'S', 'gamma'], ['Y'], undefined, 'com.microsoft'), x, WITH_MS(17), [weight('gamma', [H])]);
  assert.equal(num(row(profileSpec(noBias), 'com.microsoft::SkipSimplifiedLayerNormalization').flops), (1 + 3 + 1) * 3 * H);
});

test('unknown input shape: LayerNormalization is unknown, no cost', () => {
  const report = profileSpec(model(node('LayerNormalization', ['X', 'g']), [{ name: 'X' }], 17, [weight('g', [8])]));
  const r = row(report, 'LayerNormalization');
  assert.match(r.unknown ?? '', /shape of "X" unknown/);
  assert.equal(num(report.totals.flops), 0);
});
