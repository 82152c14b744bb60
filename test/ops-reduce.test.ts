import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DT, type AttrValue, type ModelSpec, type NodeSpec, type TensorSpec, type ValueSpec } from './helpers/onnx-builder';
import { ortShapes } from './helpers/ort';
import { dims, num, profileSpec, row } from './helpers/profile';

function model(nodes: NodeSpec[], inputs: ValueSpec[], opset: number, initializers: TensorSpec[] = []): ModelSpec {
  return {
    opset,
    graph: { nodes, inputs, outputs: nodes.map((n) => ({ name: n.outputs[0], elemType: inputs[0].elemType ?? DT.FLOAT })), initializers },
  };
}

function node(opType: string, inputs: string[], attrs?: Record<string, AttrValue>, name = opType): NodeSpec {
  return { opType, inputs, outputs: [`${name}_out`], name, ...(attrs ? { attrs } : {}) };
}

const axesTensor = (name: string, values: number[]): TensorSpec => ({ name, dataType: DT.INT64, dims: [values.length], values });

/** FLOPs from the module's table for N input and M output elements. */
const FLOPS: Record<string, (n: number, m: number) => number> = {
  ReduceSum: (n) => n,
  ReduceMean: (n, m) => n + m,
  ReduceMax: (n) => n,
  ReduceMin: (n) => n,
  ReduceProd: (n) => n,
  ReduceL1: (n) => 2 * n,
  ReduceSumSquare: (n) => 2 * n,
  ReduceL2: (n, m) => 2 * n + m,
  ReduceLogSum: (n, m) => n + m,
  ReduceLogSumExp: (n, m) => 4 * n + 2 * m,
};
const OPS = Object.keys(FLOPS);

test('opset 11, axes attribute, keepdims 1: [2,3,4] over axis 1 → [2,1,4]; FLOPs per table; matches onnxruntime', async () => {
  const spec = model(OPS.map((op) => node(op, ['X'], { axes: [1], keepdims: 1 })), [{ name: 'X', shape: [2, 3, 4] }], 11);
  const report = profileSpec(spec);
  for (const op of OPS) {
    const r = row(report, op);
    assert.deepEqual(dims(r.outputShapes[0].shape), [2, 1, 4], op);
    assert.equal(r.outputShapes[0].dtype, DT.FLOAT, op);
    assert.equal(num(r.flops), FLOPS[op](2 * 3 * 4, 2 * 4), op);
    assert.equal(num(r.macs), 0, op);
  }
  const ours = OPS.map((op) => dims(row(report, op).outputShapes[0].shape));
  assert.deepEqual(ours, await ortShapes(spec, { X: [2, 3, 4] }));
});

test('opset 18, axes input [-1], keepdims 0: [2,3,4] → [2,3]; matches onnxruntime', async () => {
  const spec = model(
    OPS.map((op) => node(op, ['X', 'axes'], { keepdims: 0 })),
    [{ name: 'X', shape: [2, 3, 4] }],
    18,
    [axesTensor('axes', [-1])],
  );
  const report = profileSpec(spec);
  for (const op of OPS) {
    const r = row(report, op);
    assert.deepEqual(dims(r.outputShapes[0].shape), [2, 3], op);
    assert.equal(num(r.flops), FLOPS[op](2 * 3 * 4, 2 * 3), op);
  }
  assert.equal(report.totals.params, 0);
  const ours = OPS.map((op) => dims(row(report, op).outputShapes[0].shape));
  assert.deepEqual(ours, await ortShapes(spec, { X: [2, 3, 4] }));
});

test('opset 13: ReduceSum takes axes as an input, ReduceMean still as an attribute; matches onnxruntime', async () => {
  const spec = model(
    [node('ReduceSum', ['X', 'axes'], { keepdims: 1 }), node('ReduceMean', ['X'], { axes: [0, -1], keepdims: 0 })],
    [{ name: 'X', shape: [5, 6, 7] }],
    13,
    [axesTensor('axes', [0, 2])],
  );
  const report = profileSpec(spec);
  const sum = row(report, 'ReduceSum');
  assert.deepEqual(dims(sum.outputShapes[0].shape), [1, 6, 1]);
  assert.equal(num(sum.flops), 5 * 6 * 7);
  const mean = row(report, 'ReduceMean');
  assert.deepEqual(dims(mean.outputShapes[0].shape), [6]);
  assert.equal(num(mean.flops), 5 * 6 * 7 + 6);
  assert.equal(mean.formula, '5·6·7 + 6');
  assert.deepEqual([dims(sum.outputShapes[0].shape), dims(mean.outputShapes[0].shape)], await ortShapes(spec, { X: [5, 6, 7] }));
});

test('no axes reduces everything: keepdims 1 → [1,1,1], keepdims 0 → scalar; matches onnxruntime', async () => {
  for (const opset of [11, 18]) {
    const spec = model(
      [node('ReduceMax', ['X'], { keepdims: 1 }), node('ReduceL2', ['X'], { keepdims: 0 })],
      [{ name: 'X', shape: [2, 3, 4] }],
      opset,
    );
    const report = profileSpec(spec);
    assert.deepEqual(dims(row(report, 'ReduceMax').outputShapes[0].shape), [1, 1, 1]);
    assert.deepEqual(dims(row(report, 'ReduceL2').outputShapes[0].shape), []);
    assert.equal(num(row(report, 'ReduceMax').flops), 2 * 3 * 4);
    assert.equal(num(row(report, 'ReduceL2').flops), 2 * 2 * 3 * 4 + 1);
    assert.deepEqual([[1, 1, 1], []], await ortShapes(spec, { X: [2, 3, 4] }));
  }
});

test('an empty axes input (opset 18) without noop reduces everything', () => {
  const spec = model([node('ReduceProd', ['X', 'axes'], { keepdims: 0 })], [{ name: 'X', shape: [2, 3] }], 18, [{ name: 'axes', dataType: DT.INT64, dims: [0], values: [] }]);
  const r = row(profileSpec(spec), 'ReduceProd');
  assert.deepEqual(dims(r.outputShapes[0].shape), []);
  assert.equal(num(r.flops), 2 * 3);
});

test('noop_with_empty_axes=1 and no axes: output is the input; only element-wise work counts; matches onnxruntime', async () => {
  const spec = model(
    [
      node('ReduceSum', ['X'], { noop_with_empty_axes: 1 }),
      node('ReduceMean', ['X'], { noop_with_empty_axes: 1 }),
      node('ReduceSumSquare', ['X'], { noop_with_empty_axes: 1 }),
      node('ReduceL2', ['X'], { noop_with_empty_axes: 1 }),
    ],
    [{ name: 'X', shape: [2, 3, 4] }],
    18,
  );
  const report = profileSpec(spec);
  for (const op of ['ReduceSum', 'ReduceMean', 'ReduceSumSquare', 'ReduceL2']) assert.deepEqual(dims(row(report, op).outputShapes[0].shape), [2, 3, 4], op);
  assert.equal(num(row(report, 'ReduceSum').flops), 0);
  assert.equal(num(row(report, 'ReduceMean').flops), 0);
  assert.equal(num(row(report, 'ReduceSumSquare').flops), 1 * 2 * 3 * 4);
  assert.equal(num(row(report, 'ReduceL2').flops), 2 * 2 * 3 * 4);
  const ours = spec.graph.nodes.map((n) => dims(row(report, n.opType).outputShapes[0].shape));
  assert.deepEqual(ours, await ortShapes(spec, { X: [2, 3, 4] }));
});

test('symbolic dims: ReduceMean over seq of [batch, seq, 768] is 768·batch·seq + 768·batch', () => {
  const spec = model([node('ReduceMean', ['X'], { axes: [-2], keepdims: 1 })], [{ name: 'X', shape: ['batch', 'seq', 768] }], 17);
  const r = row(profileSpec(spec), 'ReduceMean');
  assert.deepEqual(dims(r.outputShapes[0].shape), ['batch', 1, 768]);
  assert.equal(r.flops.toString(), '768·batch·seq + 768·batch');
  const bound = row(profileSpec(spec, { dims: { batch: 2, seq: 10 } }), 'ReduceMean');
  assert.equal(num(bound.flops), 768 * 2 * 10 + 768 * 2);
});

test('output dtype is the input dtype (ReduceMax on INT64)', () => {
  const r = row(profileSpec(model([node('ReduceMax', ['X'], { axes: [0], keepdims: 0 })], [{ name: 'X', elemType: DT.INT64, shape: [4, 2] }], 13)), 'ReduceMax');
  assert.equal(r.outputShapes[0].dtype, DT.INT64);
  assert.deepEqual(dims(r.outputShapes[0].shape), [2]);
  assert.equal(num(r.flops), 4 * 2);
});

test('axes from a computed tensor are unknown; repeated or out-of-range axes are unknown', () => {
  const computed = model([node('ReduceSum', ['X', 'axes'])], [{ name: 'X', shape: [2, 3] }, { name: 'axes', elemType: DT.INT64, shape: [1] }], 13);
  const r = row(profileSpec(computed), 'ReduceSum');
  assert.match(r.unknown ?? '', /axes input is not a constant/);
  assert.equal(r.unknownNodes, 1);

  const repeated = model([node('ReduceMin', ['X'], { axes: [1, -1] })], [{ name: 'X', shape: [2, 3] }], 11);
  assert.match(row(profileSpec(repeated), 'ReduceMin').unknown ?? '', /repeat an axis/);

  const outOfRange = model([node('ReduceMin', ['X', 'axes'])], [{ name: 'X', shape: [2, 3] }], 18, [axesTensor('axes', [2])]);
  assert.match(row(profileSpec(outOfRange), 'ReduceMin').unknown ?? '', /axis 2 is out of range for rank 2/);
});

test('axes as an attribute at opset 18 is used, with a note', () => {
  const r = row(profileSpec(model([node('ReduceMean', ['X'], { axes: [1] })], [{ name: 'X', shape: [2, 3] }], 18)), 'ReduceMean');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 1]);
  assert.equal(num(r.flops), 2 * 3 + 2);
  assert.equal(r.notes.length, 1);
  assert.match(r.notes[0], /axes given as an attribute/);
});

test('unknown input shape: unknown with a reason, no cost', () => {
  const report = profileSpec(model([node('ReduceSum', ['X'])], [{ name: 'X' }], 13));
  assert.match(row(report, 'ReduceSum').unknown ?? '', /shape of "X" unknown/);
  assert.equal(num(report.totals.flops), 0);
});
