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

/** One model, the given nodes, graph outputs = every node's first output (FLOAT, no shape). */
function model(nodes: NodeSpec[], inputs: ValueSpec[], opset: Opset = 17, initializers: TensorSpec[] = []): ModelSpec {
  return {
    opset,
    graph: {
      nodes,
      inputs,
      outputs: nodes.map((n) => ({ name: n.outputs[0], elemType: DT.FLOAT })),
      initializers,
    },
  };
}

function node(opType: string, inputs: string[], attrs?: Record<string, AttrValue>, domain?: string): NodeSpec {
  return { opType, inputs, outputs: [`${opType}_out`], name: opType, ...(attrs ? { attrs } : {}), ...(domain ? { domain } : {}) };
}

const UNARY_MATH = ['Abs', 'Neg', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sqrt', 'Exp', 'Log', 'Erf', 'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Tanh'];

/** Activation → FLOPs per element (the module's table), with attributes to exercise. */
const ACTIVATIONS: [string, number, Record<string, AttrValue>?][] = [
  ['Relu', 1],
  ['ThresholdedRelu', 1, { alpha: { f: 0.5 } }],
  ['LeakyRelu', 2, { alpha: { f: 0.1 } }],
  ['Shrink', 2, { bias: { f: 0.5 }, lambd: { f: 0.5 } }],
  ['Elu', 3],
  ['Selu', 3],
  ['Celu', 3, { alpha: { f: 2 } }],
  ['Softplus', 3],
  ['Softsign', 3],
  ['Sigmoid', 4],
  ['HardSigmoid', 4, { alpha: { f: 0.2 }, beta: { f: 0.5 } }],
  ['HardSwish', 5],
  ['Mish', 5],
];

test('unary math: shape and dtype kept, 1 FLOP per element, no MACs', () => {
  const report = profileSpec(model(UNARY_MATH.map((op) => node(op, ['X'])), [{ name: 'X', shape: [2, 3, 4] }]));
  for (const op of UNARY_MATH) {
    const r = row(report, op);
    assert.deepEqual(dims(r.outputShapes[0].shape), [2, 3, 4], op);
    assert.equal(r.outputShapes[0].dtype, DT.FLOAT, op);
    assert.equal(num(r.flops), 2 * 3 * 4, op);
    assert.equal(num(r.macs), 0, op);
  }
  assert.equal(num(report.totals.flops), 22 * 2 * 3 * 4);
});

test('activations: FLOPs per element from the table', () => {
  const report = profileSpec(model(ACTIVATIONS.map(([op, , attrs]) => node(op, ['X'], attrs)), [{ name: 'X', shape: [2, 3, 4] }], 18));
  for (const [op, k] of ACTIVATIONS) {
    const r = row(report, op);
    assert.deepEqual(dims(r.outputShapes[0].shape), [2, 3, 4], op);
    assert.equal(num(r.flops), k * 2 * 3 * 4, op);
    assert.equal(num(r.macs), 0, op);
  }
});

test('unary math and activations: shapes agree with onnxruntime', async () => {
  const spec = model([...UNARY_MATH, ...ACTIVATIONS.map(([op]) => op)].map((op) => node(op, ['X'], ACTIVATIONS.find((a) => a[0] === op)?.[2])), [{ name: 'X', shape: [2, 3, 4] }], 18);
  const report = profileSpec(spec);
  const ours = spec.graph.nodes.map((n) => dims(row(report, n.opType).outputShapes[0].shape));
  assert.deepEqual(ours, await ortShapes(spec, { X: [2, 3, 4] }));
});

test('integer input keeps its dtype (Abs on INT64)', () => {
  const r = row(profileSpec(model([node('Abs', ['X'])], [{ name: 'X', elemType: DT.INT64, shape: [5] }])), 'Abs');
  assert.equal(r.outputShapes[0].dtype, DT.INT64);
  assert.equal(num(r.flops), 5);
});

test('Neg carries known integer contents, so a Reshape target computed with it resolves', () => {
  const spec = model(
    [node('Neg', ['negShape']), { opType: 'Reshape', inputs: ['X', 'Neg_out'], outputs: ['Y'], name: 'Reshape' }],
    [{ name: 'X', shape: [2, 3, 4] }],
    17,
    [{ name: 'negShape', dataType: DT.INT64, dims: [2], values: [-6, -4] }],
  );
  const report = profileSpec(spec);
  assert.equal(num(row(report, 'Neg').flops), 2);
  assert.deepEqual(dims(row(report, 'Reshape').outputShapes[0].shape), [6, 4]);
});

test('symbolic dims: Sigmoid on [batch, seq, 768] is 4·768·batch·seq', () => {
  const spec = model([node('Sigmoid', ['X'])], [{ name: 'X', shape: ['batch', 'seq', 768] }]);
  const r = row(profileSpec(spec), 'Sigmoid');
  assert.deepEqual(dims(r.outputShapes[0].shape), ['batch', 'seq', 768]);
  assert.equal(r.flops.toString(), `${4 * 768}·batch·seq`);
  const bound = row(profileSpec(spec, { dims: { batch: 8, seq: 128 } }), 'Sigmoid');
  assert.equal(num(bound.flops), 4 * 768 * 8 * 128);
});

test('Softmax on [2,10,1000] is 5·20000; LogSoftmax the same; Hardmax 1 per element', () => {
  const nodes = [node('Softmax', ['X']), node('LogSoftmax', ['X'], { axis: -2 }), node('Hardmax', ['X'], { axis: 1 })];
  const report = profileSpec(model(nodes, [{ name: 'X', shape: [2, 10, 1000] }], 13));
  assert.equal(num(row(report, 'Softmax').flops), 5 * 2 * 10 * 1000);
  assert.equal(row(report, 'Softmax').formula, '5·2·10·1000');
  assert.equal(num(row(report, 'LogSoftmax').flops), 5 * 2 * 10 * 1000);
  assert.equal(num(row(report, 'Hardmax').flops), 2 * 10 * 1000);
  for (const op of ['Softmax', 'LogSoftmax', 'Hardmax']) assert.deepEqual(dims(row(report, op).outputShapes[0].shape), [2, 10, 1000]);
});

test('Softmax before opset 13: default axis 1 (2-D coercion), output shape unchanged; matches onnxruntime', async () => {
  for (const opset of [11, 13]) {
    const spec = model([node('Softmax', ['X']), node('LogSoftmax', ['X'], { axis: 2 }), node('Hardmax', ['X'], { axis: -1 })], [{ name: 'X', shape: [2, 3, 4] }], opset);
    const report = profileSpec(spec);
    assert.equal(num(row(report, 'Softmax').flops), 5 * 2 * 3 * 4);
    const ours = spec.graph.nodes.map((n) => dims(row(report, n.opType).outputShapes[0].shape));
    assert.deepEqual(ours, [[2, 3, 4], [2, 3, 4], [2, 3, 4]]);
    assert.deepEqual(ours, await ortShapes(spec, { X: [2, 3, 4] }));
  }
});

test('Softmax axis out of range: unknown with a reason', () => {
  const report = profileSpec(model([node('Softmax', ['X'], { axis: 3 })], [{ name: 'X', shape: [2, 3, 4] }]));
  const r = row(report, 'Softmax');
  assert.match(r.unknown ?? '', /axis 3 is out of range for rank 3/);
  assert.equal(r.unknownNodes, 1);
});

test('Gelu opset 20: erf form 5 per element, tanh form 9; matches onnxruntime', async () => {
  const spec = model([node('Gelu', ['X'])], [{ name: 'X', shape: [4, 16] }], 20);
  assert.equal(num(row(profileSpec(spec), 'Gelu').flops), 5 * 4 * 16);
  const tanh = model([node('Gelu', ['X'], { approximate: 'tanh' })], [{ name: 'X', shape: [4, 16] }], 20);
  const r = row(profileSpec(tanh), 'Gelu');
  assert.equal(num(r.flops), 9 * 4 * 16);
  assert.deepEqual([dims(r.outputShapes[0].shape)], await ortShapes(tanh, { X: [4, 16] }));
  const bad = row(profileSpec(model([node('Gelu', ['X'], { approximate: 'fast' })], [{ name: 'X', shape: [4, 16] }], 20)), 'Gelu');
  assert.match(bad.unknown ?? '', /approximate="fast"/);
});

test('Clip: opset 6 attribute form and opset 13 input form both cost 2 per element; match onnxruntime', async () => {
  const attrForm = model([node('Clip', ['X'], { min: { f: -1 }, max: { f: 1 } })], [{ name: 'X', shape: [3, 5] }], 6);
  const r6 = row(profileSpec(attrForm), 'Clip');
  assert.equal(num(r6.flops), 2 * 3 * 5);
  assert.deepEqual([dims(r6.outputShapes[0].shape)], await ortShapes(attrForm, { X: [3, 5] }));

  const bounds: TensorSpec[] = [
    { name: 'lo', dims: [], values: [-1] },
    { name: 'hi', dims: [], values: [1] },
  ];
  const inputForm = model([node('Clip', ['X', 'lo', 'hi'])], [{ name: 'X', shape: [3, 5] }], 13, bounds);
  const r13 = row(profileSpec(inputForm), 'Clip');
  assert.equal(num(r13.flops), 2 * 3 * 5);
  assert.equal(r13.params, 0); // scalars are not weights
  assert.deepEqual([dims(r13.outputShapes[0].shape)], await ortShapes(inputForm, { X: [3, 5] }));
  // Only a max: the min input is omitted with an empty name.
  const maxOnly = model([node('Clip', ['X', '', 'hi'])], [{ name: 'X', shape: [3, 5] }], 13, bounds.slice(1));
  assert.equal(num(row(profileSpec(maxOnly), 'Clip').flops), 2 * 3 * 5);
});

test('PRelu: slope broadcasts, 2 per element, the slope counted as a parameter by the engine', async () => {
  const spec = model([node('PRelu', ['X', 'slope'])], [{ name: 'X', shape: [2, 3, 4, 4] }], 17, [{ name: 'slope', dims: [3, 1, 1], values: [0.1, 0.2, 0.3] }]);
  const report = profileSpec(spec);
  const r = row(report, 'PRelu');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 3, 4, 4]);
  assert.equal(num(r.flops), 2 * 2 * 3 * 4 * 4);
  assert.equal(r.params, 3);
  assert.equal(report.totals.params, 3);
  assert.deepEqual([dims(r.outputShapes[0].shape)], await ortShapes(spec, { X: [2, 3, 4, 4] }));
});

test('com.microsoft Gelu, FastGelu (±bias), BiasGelu, QuickGelu; shapes match onnxruntime', async () => {
  const nodes: NodeSpec[] = [
    { ...node('Gelu', ['X'], undefined, 'com.microsoft'), outputs: ['gelu'] },
    { ...node('FastGelu', ['X'], undefined, 'com.microsoft'), outputs: ['fast'], name: 'fast' },
    { ...node('FastGelu', ['X', 'bias'], undefined, 'com.microsoft'), outputs: ['fastBias'], name: 'fastBias' },
    { ...node('BiasGelu', ['X', 'bias'], undefined, 'com.microsoft'), outputs: ['biasGelu'] },
    { ...node('QuickGelu', ['X'], { alpha: { f: 1.702 } }, 'com.microsoft'), outputs: ['quick'] },
  ];
  const spec = model(nodes, [{ name: 'X', shape: [2, 5, 8] }], WITH_MS(17), [{ name: 'bias', dims: [8], values: [0, 1, 2, 3, 4, 5, 6, 7] }]);
  const report = profileSpec(spec);
  const n = 2 * 5 * 8;
  assert.equal(num(row(report, 'com.microsoft::Gelu').flops), 5 * n);
  assert.equal(num(row(report, 'fast').flops), 9 * n);
  assert.equal(num(row(report, 'fastBias').flops), (9 + 1) * n);
  assert.equal(num(row(report, 'com.microsoft::BiasGelu').flops), (1 + 5) * n);
  assert.equal(num(row(report, 'com.microsoft::QuickGelu').flops), (1 + 4 + 1) * n);
  assert.equal(report.totals.params, 8);
  const ours = ['com.microsoft::Gelu', 'fast', 'fastBias', 'com.microsoft::BiasGelu', 'com.microsoft::QuickGelu'].map((op) => dims(row(report, op).outputShapes[0].shape));
  assert.deepEqual(ours, await ortShapes(spec, { X: [2, 5, 8] }));
});

test('com.microsoft BiasSoftmax: bias add + softmax, 6 per element of data', () => {
  const spec = model(
    [node('BiasSoftmax', ['S', 'M'], { axis: -1, is_inner_broadcast: 0 }, 'com.microsoft')],
    [
      { name: 'S', shape: ['batch', 12, 'seq', 'seq'] },
      { name: 'M', shape: ['batch', 1, 'seq', 'seq'] },
    ],
    WITH_MS(17),
  );
  const r = row(profileSpec(spec, { dims: { batch: 2, seq: 64 } }), 'com.microsoft::BiasSoftmax');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 12, 64, 64]);
  assert.equal(num(r.flops), 6 * 2 * 12 * 64 * 64);
});

test('unknown input shape: the node is unknown with a reason, no cost', () => {
  const report = profileSpec(model([node('Relu', ['X'])], [{ name: 'X' }]));
  const r = row(report, 'Relu');
  assert.match(r.unknown ?? '', /shape of "X" unknown/);
  assert.equal(r.unknownNodes, 1);
  assert.equal(num(report.totals.flops), 0);
  assert.deepEqual(report.unknownOps.map((u) => u.op), ['Relu']);
});
