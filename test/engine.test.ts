/** Graph-level behaviour of the engine: functions, hints, unknown ops, ordering, naming. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelError } from '../src/formats/types';
import { DT, type GraphSpec } from './helpers/onnx-builder';
import { allRows, dims, num, profileSpec, row } from './helpers/profile';

const W = (name: string, d: number[]) => ({ name, dims: d, rawBytes: d.reduce((a, b) => a * b, 1) * 4 });

test('model-local functions are expanded: body costs with caller shapes and bound attributes', () => {
  const report = profileSpec({
    opset: [{ domain: '', version: 17 }, { domain: 'local', version: 1 }],
    functions: [{
      name: 'LinearAct', domain: 'local', inputs: ['x', 'w'], outputs: ['y'], attributes: ['slope'],
      nodes: [
        { opType: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] },
        { opType: 'LeakyRelu', inputs: ['m'], outputs: ['y'], attrs: { alpha: { ref: 'slope', type: 'float' } } },
      ],
    }],
    graph: {
      nodes: [
        { opType: 'LinearAct', domain: 'local', name: '/block1/LinearAct', inputs: ['in', 'w1'], outputs: ['h'], attrs: { slope: { f: 0.1 } } },
        { opType: 'LinearAct', domain: 'local', name: '/block2/LinearAct', inputs: ['h', 'w2'], outputs: ['out'], attrs: { slope: { f: 0.2 } } },
      ],
      inputs: [{ name: 'in', shape: ['batch', 16] }],
      outputs: [{ name: 'out', shape: ['batch', 4] }],
      initializers: [W('w1', [16, 32]), W('w2', [32, 4])],
    },
  });
  // MatMul MACs batch·16·32 and batch·32·4; LeakyRelu 2 FLOPs per element.
  assert.equal(report.totals.macs.toString(), `${16 * 32 + 32 * 4}·batch`);
  assert.equal(report.totals.flops.toString(), `${2 * (16 * 32 + 32 * 4) + 2 * 32 + 2 * 4}·batch`);
  assert.equal(report.totals.params, 16 * 32 + 32 * 4);
  const call = allRows(report).find((r) => r.path === 'block2/LinearAct')!;
  assert.deepEqual(dims(call.outputShapes[0].shape), ['batch', 4]);
  assert.deepEqual(call.children.map((c) => c.op), ['MatMul', 'LeakyRelu']);
});

test('an op without a rule is listed as unknown, never a silent zero; value_info carries shapes on as a hint', () => {
  const graph: GraphSpec = {
    nodes: [
      { opType: 'MysteryOp', domain: 'com.example', name: 'mystery', inputs: ['x'], outputs: ['m'] },
      { opType: 'Relu', name: 'after', inputs: ['m'], outputs: ['y'] },
    ],
    inputs: [{ name: 'x', shape: [2, 8] }],
    outputs: [{ name: 'y', shape: [2, 8] }],
    valueInfo: [{ name: 'm', shape: [2, 8] }],
  };
  const report = profileSpec({ opset: [{ domain: '', version: 17 }, { domain: 'com.example', version: 1 }], graph });
  assert.deepEqual(report.unknownOps, [{ op: 'com.example::MysteryOp', count: 1, reasons: ['no shape or cost rule for op com.example::MysteryOp'] }]);
  const mystery = row(report, 'com.example::MysteryOp');
  assert.equal(mystery.unknown, 'no shape or cost rule for op com.example::MysteryOp');
  assert.equal(mystery.outputShapes[0].hinted, true);
  const after = row(report, 'Relu');
  assert.equal(num(after.flops), 16);
  assert.deepEqual(dims(after.outputShapes[0].shape), [2, 8]);
  // Without the hint, the consumer is unknown too, and says why.
  const bare = profileSpec({ opset: [{ domain: '', version: 17 }, { domain: 'com.example', version: 1 }], graph: { ...graph, valueInfo: [] } });
  assert.match(row(bare, 'Relu').unknown!, /shape of "m" unknown: its producer mystery could not be inferred/);
  assert.equal(bare.unknownOps.reduce((s, u) => s + u.count, 0), 2);
});

test('value_info never overrides inference', () => {
  const report = profileSpec({
    graph: {
      nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [3, 5] }],
      outputs: [{ name: 'y', shape: [3, 5] }],
      valueInfo: [{ name: 'y', shape: [99, 99] }],
    },
  });
  assert.deepEqual(dims(row(report, 'Relu').outputShapes[0].shape), [3, 5]);
});

test('nodes out of topological order are sorted; a cycle is a malformed model', () => {
  const sorted = profileSpec({
    graph: {
      nodes: [
        { opType: 'Relu', name: 'second', inputs: ['a'], outputs: ['y'] },
        { opType: 'Neg', name: 'first', inputs: ['x'], outputs: ['a'] },
      ],
      inputs: [{ name: 'x', shape: [4] }],
      outputs: [{ name: 'y', shape: [4] }],
    },
  });
  assert.equal(num(sorted.totals.flops), 8);
  assert.deepEqual(sorted.unknownOps, []);
  assert.throws(
    () => profileSpec({
      graph: {
        nodes: [
          { opType: 'Relu', name: 'a', inputs: ['q'], outputs: ['p'] },
          { opType: 'Relu', name: 'b', inputs: ['p'], outputs: ['q'] },
        ],
        inputs: [],
        outputs: [{ name: 'q' }],
      },
    }),
    (e: unknown) => e instanceof ModelError && /graph has a cycle/.test(e.reason),
  );
});

test('flat exporter names (paddle2onnx p2o.Conv.3) give one row per node; scoped names nest', () => {
  const report = profileSpec({
    graph: {
      nodes: [
        { opType: 'Relu', name: 'p2o.Relu.0', inputs: ['x'], outputs: ['a'] },
        { opType: 'Relu', name: 'p2o.Relu.1', inputs: ['a'], outputs: ['b'] },
        { opType: 'Relu', name: '/encoder/layer.0/act/Relu', inputs: ['b'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'y', shape: [1, 4] }],
    },
  });
  assert.deepEqual(report.layers.map((l) => [l.name, l.kind]), [['p2o.Relu.0', 'node'], ['p2o.Relu.1', 'node'], ['encoder', 'module']]);
  assert.deepEqual(allRows(report).map((r) => r.path), ['p2o.Relu.0', 'p2o.Relu.1', 'encoder', 'encoder/layer.0', 'encoder/layer.0/act', 'encoder/layer.0/act/Relu']);
  assert.equal(num(report.layers[2].flops), 4);
});

test('initializers listed among the inputs (IR < 4) are weights, not inputs; --input must name a real input', () => {
  const spec = {
    irVersion: 3,
    opset: 8,
    graph: {
      nodes: [{ opType: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [2, 3] }, { name: 'w', shape: [3, 4] }],
      outputs: [{ name: 'y', shape: [2, 4] }],
      initializers: [W('w', [3, 4])],
    },
  };
  const report = profileSpec(spec);
  assert.deepEqual(report.inputs.map((i) => i.name), ['x']);
  assert.equal(report.totals.params, 12);
  assert.equal(num(profileSpec(spec, { inputShapes: { '': [5, 3] } }).totals.macs), 5 * 3 * 4);
  assert.throws(() => profileSpec(spec, { inputShapes: { nope: [1, 3] } }), { message: 'unknown input "nope": the model\'s only input is x' });
});

test('a weight read by two nodes counts once and is marked shared on both rows', () => {
  const report = profileSpec({
    graph: {
      nodes: [
        { opType: 'MatMul', name: 'first', inputs: ['x', 'w'], outputs: ['a'] },
        { opType: 'MatMul', name: 'second', inputs: ['a', 'w'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [1, 8] }],
      outputs: [{ name: 'y', shape: [1, 8] }],
      initializers: [W('w', [8, 8])],
    },
  });
  assert.equal(report.totals.params, 64);
  assert.equal(report.totals.sharedParams, 64);
  assert.equal(num(report.totals.macs), 2 * 64);
  for (const r of report.layers) assert.equal(r.sharedParams, 64);
  assert.deepEqual(report.shared, [{ name: 'w', elements: 64, users: ['first', 'second'] }]);
});

test('peak activation memory frees values after their last reader', () => {
  // x (4 KiB) → a (4 KiB) → b (4 KiB) → y: at most two 1024-float tensors are alive at once,
  // plus the graph input, which the caller owns until a is computed.
  const report = profileSpec({
    graph: {
      nodes: [
        { opType: 'Relu', inputs: ['x'], outputs: ['a'] },
        { opType: 'Relu', inputs: ['a'], outputs: ['b'] },
        { opType: 'Relu', inputs: ['b'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', elemType: DT.FLOAT, shape: [1024] }],
      outputs: [{ name: 'y', shape: [1024] }],
    },
  });
  assert.equal(num(report.totals.peakActivationBytes), 2 * 4096);
  assert.equal(num(report.totals.activationBytes), 3 * 4096);
});
