import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemorySource } from '../src/io/byte-source';
import { profileModel } from '../src/formats/registry';
import type { ProfileOptions } from '../src/formats/types';
import type { Report } from '../src/profile/report';
import { DT, encodeModel, type ModelSpec, type NodeSpec, type TensorSpec, type ValueSpec } from './helpers/onnx-builder';
import { crossCheckOutputs } from './helpers/ort';
import { dims, num, profileSpec, row } from './helpers/profile';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const i64 = (name: string, values: number[], shape: number[] = [values.length]): TensorSpec => ({ name, dataType: DT.INT64, dims: shape, values });

function spec(nodes: NodeSpec[], inputs: ValueSpec[], outputs: (string | ValueSpec)[], initializers: TensorSpec[] = [], opset = 17): ModelSpec {
  return { opset, graph: { nodes, inputs, outputs: outputs.map((o) => (typeof o === 'string' ? { name: o } : o)), initializers } };
}

/** Output shapes of the single node with that op type (or name). */
function shapes(report: Report, op: string): ((number | string)[] | undefined)[] {
  return row(report, op).outputShapes.map((o) => dims(o.shape));
}

/**
 * Runs the model in onnxruntime on zeros and checks every graph output's dims against ours. The
 * outputs are declared with the element types we inferred, which onnxruntime checks too.
 */
const crossCheck = (s: ModelSpec, patch?: (b: Uint8Array) => Uint8Array): Promise<void> => crossCheckOutputs(s, { patch });

// INT64_MAX / INT64_MIN are not safe JS integers, so the builder cannot write them: write a
// placeholder into raw_data and patch its 8 bytes.
const MAX_MARK = 0x0badcafe;
const MIN_MARK = 0x0badcaf0;
function withInt64Extremes(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const patch = (mark: number, value: bigint) => {
    const needle = new Uint8Array(8);
    new DataView(needle.buffer).setBigInt64(0, BigInt(mark), true);
    const replacement = new Uint8Array(8);
    new DataView(replacement.buffer).setBigInt64(0, value, true);
    for (let i = 0; i + 8 <= out.length; i++) {
      if (needle.every((b, k) => out[i + k] === b)) out.set(replacement, i);
    }
  };
  patch(MAX_MARK, 2n ** 63n - 1n);
  patch(MIN_MARK, -(2n ** 63n));
  return out;
}

const profileBytes = (bytes: Uint8Array, options: ProfileOptions = {}) => profileModel('test.onnx', new MemorySource(bytes), undefined, options);

// ---------------------------------------------------------------------------------------------
// The HF-transformers chain: Shape → Gather → Unsqueeze → Concat → Reshape
// ---------------------------------------------------------------------------------------------

function hfChain(opset: number, x: (number | string)[]): ModelSpec {
  const unsqueeze = (input: string, output: string): NodeSpec =>
    opset >= 13 ? { opType: 'Unsqueeze', inputs: [input, 'zero_axis'], outputs: [output] } : { opType: 'Unsqueeze', inputs: [input], outputs: [output], attrs: { axes: [0] } };
  return spec(
    [
      { opType: 'Shape', name: 'shape', inputs: ['X'], outputs: ['s'] },
      { opType: 'Gather', name: 'g0', inputs: ['s', 'i0'], outputs: ['b'], attrs: { axis: 0 } },
      { opType: 'Gather', name: 'g1', inputs: ['s', 'i1'], outputs: ['n'], attrs: { axis: 0 } },
      { ...unsqueeze('b', 'b1'), name: 'u0' },
      { ...unsqueeze('n', 'n1'), name: 'u1' },
      { opType: 'Concat', name: 'concat', inputs: ['b1', 'n1', 'heads'], outputs: ['target'], attrs: { axis: 0 } },
      { opType: 'Reshape', name: 'reshape', inputs: ['X', 'target'], outputs: ['Y'] },
    ],
    [{ name: 'X', shape: x }],
    ['Y'],
    [i64('i0', [0], []), i64('i1', [1], []), i64('zero_axis', [0]), i64('heads', [4, 16])],
    opset,
  );
}

test('Shape → Gather → Unsqueeze → Concat → Reshape resolves to [batch, seq, 4, 16] (opset 13 and 11)', () => {
  for (const opset of [13, 11]) {
    const r = profileSpec(hfChain(opset, ['batch', 'seq', 64]));
    assert.deepEqual(shapes(r, 'shape'), [[3]]);
    assert.equal(row(r, 'shape').outputShapes[0].dtype, DT.INT64);
    assert.deepEqual(shapes(r, 'g0'), [[]]);
    assert.deepEqual(shapes(r, 'u0'), [[1]]);
    assert.deepEqual(shapes(r, 'concat'), [[4]]);
    assert.deepEqual(shapes(r, 'reshape'), [['batch', 'seq', 4, 16]]);
    const reshape = row(r, 'reshape');
    assert.equal(reshape.unknown, undefined);
    assert.equal(num(reshape.macs), 0);
    assert.equal(num(reshape.flops), 0);
    assert.equal(num(r.totals.flops), 0);
    // Bound dims flow through the same chain.
    const bound = profileSpec(hfChain(opset, ['batch', 'seq', 64]), { dims: { batch: 2, seq: 7 } });
    assert.deepEqual(shapes(bound, 'reshape'), [[2, 7, 4, 16]]);
  }
});

test('static chain matches onnxruntime', async () => {
  await crossCheck(hfChain(13, [2, 7, 64]));
  await crossCheck(hfChain(11, [3, 5, 64]));
});

// ---------------------------------------------------------------------------------------------
// Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Shape, Size
// ---------------------------------------------------------------------------------------------

const reshapeSpec = (x: (number | string)[], target: number[], attrs: NodeSpec['attrs'] = {}, opset = 17) =>
  spec([{ opType: 'Reshape', inputs: ['X', 't'], outputs: ['Y'], attrs }], [{ name: 'X', shape: x }], ['Y'], [i64('t', target)], opset);

test('Reshape: 0 copies a dim, -1 is inferred exactly on symbolic shapes', () => {
  assert.deepEqual(shapes(profileSpec(reshapeSpec(['batch', 'seq', 64], [0, 0, -1, 16])), 'Reshape'), [['batch', 'seq', 64 / 16, 16]]);
  const flat = profileSpec(reshapeSpec(['batch', 'seq', 64], [-1, 64]));
  assert.equal(row(flat, 'Reshape').outputShapes[0].shape![0].toString(), 'batch·seq');
  assert.deepEqual(shapes(profileSpec(reshapeSpec(['batch', 'seq', 64], [0, -1])), 'Reshape'), [['batch', '64·seq']]);
  assert.deepEqual(shapes(profileSpec(reshapeSpec([6, 4, 64], [0, -1, 32])), 'Reshape'), [[6, (4 * 64) / 32, 32]]);
  // allowzero = 1 (opset 14): a 0 is a zero-sized dim, not a copy.
  assert.deepEqual(shapes(profileSpec(reshapeSpec([0, 4], [4, 0], { allowzero: 1 }, 14)), 'Reshape'), [[4, 0]]);
  assert.deepEqual(shapes(profileSpec(reshapeSpec([3, 4], [0, 2, 2], {}, 14)), 'Reshape'), [[3, 2, 2]]);
});

test('Reshape fails with a reason when -1 is not exact or the target is unknown', () => {
  const r = row(profileSpec(reshapeSpec(['batch', 'seq', 64], [-1, 7])), 'Reshape');
  assert.match(r.unknown!, /cannot infer the -1 dim/);
  assert.equal(r.unknownNodes, 1);
  const dyn = profileSpec(spec([{ opType: 'Reshape', inputs: ['X', 'T'], outputs: ['Y'] }], [{ name: 'X', shape: [2, 3] }, { name: 'T', elemType: DT.INT64, shape: [2] }], ['Y']));
  assert.match(row(dyn, 'Reshape').unknown!, /target shape is not statically known/);
  assert.equal(dyn.unknownOps[0].op, 'Reshape');
  assert.equal(row(profileSpec(reshapeSpec([3, 4], [5, -1])), 'Reshape').unknown !== undefined, true);
  assert.match(row(profileSpec(reshapeSpec([3, 4], [5, 2])), 'Reshape').unknown!, /cannot reshape 12 elements into 10/);
});

test('Reshape-5 with 0 and -1 matches onnxruntime', async () => {
  await crossCheck(reshapeSpec([2, 3, 64], [0, -1]));
  await crossCheck(reshapeSpec([2, 3, 64], [0, 0, -1, 16]));
  await crossCheck(reshapeSpec([2, 3, 64], [-1, 8, 4], {}, 13));
});

test('Flatten: default axis 1, axis 0, negative axis', () => {
  const flatten = (axis?: number) =>
    shapes(profileSpec(spec([{ opType: 'Flatten', inputs: ['X'], outputs: ['Y'], attrs: axis === undefined ? {} : { axis } }], [{ name: 'X', shape: ['batch', 3, 4, 5] }], ['Y'])), 'Flatten')[0];
  assert.deepEqual(flatten(), ['batch', 3 * 4 * 5]);
  assert.deepEqual(flatten(0), [1, '60·batch']);
  assert.deepEqual(flatten(-1), ['12·batch', 5]);
  assert.deepEqual(flatten(4), ['60·batch', 1]);
});

function squeezeSpec(op: 'Squeeze' | 'Unsqueeze', x: (number | string)[], axes: number[] | undefined, opset: number): ModelSpec {
  const asInput = opset >= 13;
  const node: NodeSpec = { opType: op, inputs: asInput && axes ? ['X', 'axes'] : ['X'], outputs: ['Y'], attrs: !asInput && axes ? { axes } : {} };
  return spec([node], [{ name: 'X', shape: x }], ['Y'], asInput && axes ? [i64('axes', axes)] : [], opset);
}

test('Squeeze and Unsqueeze: axes attribute (opset 11) and input (opset 13), negative axes', () => {
  for (const opset of [11, 13]) {
    const sq = (x: (number | string)[], axes?: number[]) => shapes(profileSpec(squeezeSpec('Squeeze', x, axes, opset)), 'Squeeze')[0];
    const unsq = (x: (number | string)[], axes: number[]) => shapes(profileSpec(squeezeSpec('Unsqueeze', x, axes, opset)), 'Unsqueeze')[0];
    assert.deepEqual(sq(['batch', 1, 'seq', 1], [1]), ['batch', 'seq', 1]);
    assert.deepEqual(sq(['batch', 1, 'seq', 1], [-1, 1]), ['batch', 'seq']);
    assert.deepEqual(sq([1, 3, 1, 5]), [3, 5]);
    assert.deepEqual(unsq(['batch', 'seq'], [0]), [1, 'batch', 'seq']);
    assert.deepEqual(unsq(['batch', 'seq'], [1, -1]), ['batch', 1, 'seq', 1]);
    assert.deepEqual(unsq([], [0]), [1]);
  }
});

test('Squeeze fails without axes on a symbolic dim and on a dim that is not 1', () => {
  assert.match(row(profileSpec(squeezeSpec('Squeeze', ['batch', 1], undefined, 13)), 'Squeeze').unknown!, /symbolic dim \(batch\)/);
  assert.match(row(profileSpec(squeezeSpec('Squeeze', [2, 3], [1], 13)), 'Squeeze').unknown!, /cannot squeeze axis 1 of size 3/);
});

test('Squeeze/Unsqueeze static variants match onnxruntime', async () => {
  await crossCheck(squeezeSpec('Squeeze', [1, 3, 1, 5], undefined, 13));
  await crossCheck(squeezeSpec('Squeeze', [2, 1, 3, 1], [-1, 1], 13));
  await crossCheck(squeezeSpec('Squeeze', [2, 1, 3, 1], [3], 11));
  await crossCheck(squeezeSpec('Unsqueeze', [2, 3], [1, -1], 13));
  await crossCheck(squeezeSpec('Unsqueeze', [2, 3], [0, 3], 11));
});

test('Transpose: default reverses, perm permutes', async () => {
  const t = (perm?: number[], x: (number | string)[] = ['batch', 'seq', 8, 64]) =>
    spec([{ opType: 'Transpose', inputs: ['X'], outputs: ['Y'], attrs: perm ? { perm } : {} }], [{ name: 'X', shape: x }], ['Y']);
  assert.deepEqual(shapes(profileSpec(t()), 'Transpose'), [[64, 8, 'seq', 'batch']]);
  assert.deepEqual(shapes(profileSpec(t([0, 2, 1, 3])), 'Transpose'), [['batch', 8, 'seq', 64]]);
  assert.match(row(profileSpec(t([0, 1])), 'Transpose').unknown!, /not a permutation/);
  await crossCheck(t([0, 2, 3, 1], [2, 3, 4, 5]));
  await crossCheck(t(undefined, [2, 3, 4]));
});

test('Shape with start/end (opset 15) and Size carry the dims as values', () => {
  // Shape(start=1, end=-1) of [batch, seq, 64] is [seq]; ConstantOfShape turns it back into a shape.
  const s = spec(
    [
      { opType: 'Shape', name: 'shape', inputs: ['X'], outputs: ['s'], attrs: { start: 1, end: -1 } },
      { opType: 'ConstantOfShape', name: 'fill', inputs: ['s'], outputs: ['F'], attrs: { value: { tensor: i64('v', [1], [1]) } } },
      { opType: 'Size', name: 'size', inputs: ['X'], outputs: ['n'] },
      { opType: 'Unsqueeze', name: 'u', inputs: ['n', 'ax'], outputs: ['n1'] },
      { opType: 'ConstantOfShape', name: 'fill2', inputs: ['n1'], outputs: ['G'] },
    ],
    [{ name: 'X', shape: ['batch', 'seq', 64] }],
    ['F', 'G'],
    [i64('ax', [0])],
  );
  const r = profileSpec(s);
  assert.deepEqual(shapes(r, 'shape'), [[1]]);
  assert.deepEqual(shapes(r, 'fill'), [['seq']]);
  assert.equal(row(r, 'fill').outputShapes[0].dtype, DT.INT64);
  assert.deepEqual(shapes(r, 'size'), [[]]);
  assert.deepEqual(shapes(r, 'fill2'), [['64·batch·seq']]);
  assert.equal(row(r, 'fill2').outputShapes[0].dtype, DT.FLOAT);
  const before = profileSpec({ ...s, opset: 14 });
  assert.deepEqual(shapes(before, 'shape'), [[3]]);
});

// ---------------------------------------------------------------------------------------------
// Slice
// ---------------------------------------------------------------------------------------------

function sliceSpec(x: (number | string)[], starts: number[], ends: number[], axes?: number[], steps?: number[], raw = false): ModelSpec {
  const t = (name: string, v: number[]): TensorSpec => ({ ...i64(name, v), rawValues: raw });
  const inits = [t('starts', starts), t('ends', ends), ...(axes ? [t('axes', axes)] : []), ...(steps ? [t('steps', steps)] : [])];
  const inputs = ['X', 'starts', 'ends', axes ? 'axes' : '', steps ? 'steps' : ''];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  return spec([{ opType: 'Slice', inputs, outputs: ['Y'] }], [{ name: 'X', shape: x }], ['Y'], inits);
}

test('Slice: INT64_MAX end and a negative start on a symbolic dim', () => {
  const tail = withInt64Extremes(encodeModel(sliceSpec(['batch', 'seq', 64], [-3], [MAX_MARK], [1], undefined, true)));
  assert.deepEqual(dims(row(profileBytes(tail), 'Slice').outputShapes[0].shape), ['batch', 3, 64]);
  // x[:, 1:] on a symbolic dim: min(1, seq) is exact for every seq, including seq = 0.
  const fromOne = withInt64Extremes(encodeModel(sliceSpec(['batch', 'seq', 64], [1], [MAX_MARK], [1], undefined, true)));
  const len = row(profileBytes(fromOne), 'Slice').outputShapes[0].shape![1];
  assert.equal(len.toString(), '-min(1, seq) + seq');
  assert.equal(len.evaluate(new Map([['seq', 10]])), 10 - 1);
  assert.equal(len.evaluate(new Map([['seq', 0]])), 0);
  assert.deepEqual(dims(row(profileBytes(fromOne, { dims: { seq: 10 } }), 'Slice').outputShapes[0].shape), ['batch', 9, 64]);
  // INT_MAX (older exporters) and x[:, :-1].
  assert.deepEqual(dims(row(profileSpec(sliceSpec(['batch', 'seq'], [0], [2 ** 31 - 1], [-1])), 'Slice').outputShapes[0].shape), ['batch', 'seq']);
  assert.deepEqual(dims(row(profileSpec(sliceSpec(['batch', 'seq'], [0], [-1], [1])), 'Slice').outputShapes[0].shape), ['batch', 'seq - 1']);
  // Reversal with INT64_MIN end and step -1.
  const rev = withInt64Extremes(encodeModel(sliceSpec(['batch', 'seq'], [-1], [MIN_MARK], [1], [-1], true)));
  assert.deepEqual(dims(row(profileBytes(rev), 'Slice').outputShapes[0].shape), ['batch', 'seq']);
});

test('Slice: clamping, steps and negative steps on constant dims', () => {
  const out = (...a: Parameters<typeof sliceSpec>) => dims(row(profileSpec(sliceSpec(...a)), 'Slice').outputShapes[0].shape);
  assert.deepEqual(out([10, 20], [2, 3], [8, 100]), [8 - 2, 20 - 3]);
  assert.deepEqual(out([10, 20], [-100], [4], [1], [3]), [10, Math.ceil(4 / 3)]);
  assert.deepEqual(out([10, 20], [8], [1], [0], [-2]), [Math.ceil((8 - 1) / 2), 20]);
  assert.deepEqual(out([10, 20], [100], [-100], [0], [-1]), [10, 20]);
  assert.deepEqual(out([10, 20], [5], [2], [1]), [10, 0]);
  assert.match(row(profileSpec(sliceSpec([10], [0], [5], [0], [0])), 'Slice').unknown!, /step is 0/);
});

test('Slice-1 attributes (opset 9) and static Slice-10 variants match onnxruntime', async () => {
  const v1 = spec([{ opType: 'Slice', inputs: ['X'], outputs: ['Y'], attrs: { starts: [1, -4], ends: [1000, -1], axes: [0, 2] } }], [{ name: 'X', shape: [5, 6, 7] }], ['Y'], [], 9);
  assert.deepEqual(dims(profileSpec(v1).outputs[0].shape), [4, 6, 3]);
  await crossCheck(v1);
  await crossCheck(sliceSpec([10, 20], [2, 3], [8, 100]));
  await crossCheck(sliceSpec([10, 20], [-100], [4], [1], [3]));
  await crossCheck(sliceSpec([10, 20], [8], [1], [0], [-2]));
  await crossCheck(sliceSpec([10, 20], [100], [-100], [0], [-1]));
  await crossCheck(sliceSpec([4, 9, 5], [-3], [2 ** 31 - 1], [1]));
  const tail = sliceSpec([4, 9, 5], [-3], [MAX_MARK], [1], undefined, true);
  await crossCheck(tail, withInt64Extremes);
  const rev = sliceSpec([4, 9, 5], [-1], [MIN_MARK], [1], [-2], true);
  await crossCheck(rev, withInt64Extremes);
});

test('Shape → Slice → Concat → Expand resolves the target from sliced dims', async () => {
  const s = (x: (number | string)[]) =>
    spec(
      [
        { opType: 'Shape', inputs: ['X'], outputs: ['s'] },
        { opType: 'Slice', name: 'slice', inputs: ['s', 'zero', 'two'], outputs: ['bs'] },
        { opType: 'Concat', inputs: ['bs', 'last'], outputs: ['target'], attrs: { axis: 0 } },
        { opType: 'Expand', name: 'expand', inputs: ['bias', 'target'], outputs: ['Y'] },
      ],
      [{ name: 'X', shape: x }],
      ['Y'],
      [i64('zero', [0]), i64('two', [2]), i64('last', [64]), { name: 'bias', dims: [64], values: new Array(64).fill(0) }],
    );
  const r = profileSpec(s(['batch', 'seq', 32]));
  assert.deepEqual(shapes(r, 'slice'), [[2]]);
  assert.deepEqual(shapes(r, 'expand'), [['batch', 'seq', 64]]);
  assert.equal(num(row(r, 'expand').flops), 0);
  await crossCheck(s([2, 3, 32]));
});

// ---------------------------------------------------------------------------------------------
// Concat, Split
// ---------------------------------------------------------------------------------------------

test('Concat adds the axis dims (symbolic too), negative axis', async () => {
  const c = (a: (number | string)[], b: (number | string)[], axis: number) =>
    spec([{ opType: 'Concat', inputs: ['A', 'B'], outputs: ['Y'], attrs: { axis } }], [{ name: 'A', shape: a }, { name: 'B', shape: b }], ['Y']);
  assert.deepEqual(dims(profileSpec(c(['batch', 'past', 64], ['batch', 'seq', 64], 1)).outputs[0].shape), ['batch', 'past + seq', 64]);
  assert.deepEqual(dims(profileSpec(c(['batch', 3], [2, 5], -1)).outputs[0].shape), [2, 8]);
  assert.match(row(profileSpec(c([2, 3], [4, 5], 1)), 'Concat').unknown!, /dim 0 differs/);
  await crossCheck(c([2, 3, 4], [2, 5, 4], -2));
});

function splitSpec(x: (number | string)[], outs: number, opset: number, opts: { attr?: number[]; input?: number[]; numOutputs?: number; axis?: number }): ModelSpec {
  const attrs: NodeSpec['attrs'] = { axis: opts.axis ?? 1 };
  if (opts.attr) attrs.split = opts.attr;
  if (opts.numOutputs) attrs.num_outputs = opts.numOutputs;
  const outputs = Array.from({ length: outs }, (_, i) => `Y${i}`);
  return spec(
    [{ opType: 'Split', inputs: opts.input ? ['X', 'split'] : ['X'], outputs, attrs }],
    [{ name: 'X', shape: x }],
    outputs,
    opts.input ? [i64('split', opts.input)] : [],
    opset,
  );
}

test('Split into unequal parts: attribute (opset 11) and input (opset 13)', () => {
  const a = profileSpec(splitSpec(['batch', 8, 'seq'], 2, 11, { attr: [2, 6] }));
  assert.deepEqual(shapes(a, 'Split'), [['batch', 2, 'seq'], ['batch', 6, 'seq']]);
  const b = profileSpec(splitSpec(['batch', 8, 'seq'], 3, 13, { input: [1, 3, 4] }));
  assert.deepEqual(shapes(b, 'Split'), [['batch', 1, 'seq'], ['batch', 3, 'seq'], ['batch', 4, 'seq']]);
  assert.equal(num(row(b, 'Split').flops), 0);
  // Equal split by output count, num_outputs with a smaller last chunk (opset 18), negative axis.
  assert.deepEqual(shapes(profileSpec(splitSpec([2, 12], 3, 13, { axis: -1 })), 'Split'), [[2, 4], [2, 4], [2, 4]]);
  assert.deepEqual(shapes(profileSpec(splitSpec([2, 10], 3, 18, { numOutputs: 3 })), 'Split'), [[2, 4], [2, 4], [2, 10 - 2 * 4]]);
  // A symbolic dim does not split evenly into a known count: a reason, not a guess.
  const q = profileSpec(splitSpec(['batch', 'seq'], 2, 13, { axis: 0 }));
  assert.match(row(q, 'Split').unknown!, /does not split evenly/);
  assert.match(row(profileSpec(splitSpec([2, 8], 2, 11, { attr: [3, 4] })), 'Split').unknown!, /add up to 7/);
});

test('Split static variants match onnxruntime', async () => {
  await crossCheck(splitSpec([2, 8, 3], 2, 11, { attr: [2, 6] }));
  await crossCheck(splitSpec([2, 8, 3], 3, 13, { input: [1, 3, 4] }));
  await crossCheck(splitSpec([2, 12], 3, 13, { axis: -1 }));
  await crossCheck(splitSpec([2, 10], 3, 18, { numOutputs: 3 }));
});

// ---------------------------------------------------------------------------------------------
// Gather family, scatters, Expand, Tile
// ---------------------------------------------------------------------------------------------

test('Gather, GatherElements, GatherND shapes', async () => {
  const g = (op: string, data: (number | string)[], idx: number[], idxValues: number[], attrs: NodeSpec['attrs'] = {}) =>
    spec([{ opType: op, inputs: ['X', 'I'], outputs: ['Y'], attrs }], [{ name: 'X', shape: data }], ['Y'], [i64('I', idxValues, idx)]);
  // Embedding lookup: [vocab, hidden] gathered by [2, 3] ids.
  assert.deepEqual(dims(profileSpec(g('Gather', [1000, 'hidden'], [2, 3], [0, 1, 2, 3, 4, 5])).outputs[0].shape), [2, 3, 'hidden']);
  assert.deepEqual(dims(profileSpec(g('Gather', ['batch', 'seq', 64], [], [-1], { axis: 1 })).outputs[0].shape), ['batch', 64]);
  assert.deepEqual(dims(profileSpec(g('GatherElements', [4, 5], [4, 2], [0, 1, 2, 3, 0, 1, 2, 3], { axis: 1 })).outputs[0].shape), [4, 2]);
  assert.deepEqual(dims(profileSpec(g('GatherND', [2, 3, 4], [5, 2], [0, 0, 1, 1, 0, 2, 1, 0, 1, 2])).outputs[0].shape), [5, 4]);
  assert.deepEqual(dims(profileSpec(g('GatherND', [2, 3, 4], [2, 1], [0, 2], { batch_dims: 1 })).outputs[0].shape), [2, 4]);
  await crossCheck(g('Gather', [10, 6], [2, 3], [0, 1, 2, 3, 4, 5]));
  await crossCheck(g('Gather', [3, 7, 6], [], [-1], { axis: 1 }));
  await crossCheck(g('GatherElements', [4, 5], [4, 2], [0, 1, 2, 3, 0, 1, 2, 3], { axis: 1 }));
  await crossCheck(g('GatherND', [2, 3, 4], [5, 2], [0, 0, 1, 1, 0, 2, 1, 0, 1, 2]));
  await crossCheck(g('GatherND', [2, 3, 4], [2, 1], [0, 2], { batch_dims: 1 }));
});

test('Gather on a shape tensor with a negative index propagates the value', () => {
  // Reshape(X, [Gather(Shape(X), [-1, 0])]): [batch, 64] → [64, batch].
  const s = spec(
    [
      { opType: 'Shape', inputs: ['X'], outputs: ['s'] },
      { opType: 'Gather', inputs: ['s', 'idx'], outputs: ['t'] },
      { opType: 'Reshape', inputs: ['X', 't'], outputs: ['Y'] },
    ],
    [{ name: 'X', shape: ['batch', 64] }],
    ['Y'],
    [i64('idx', [-1, 0])],
  );
  assert.deepEqual(dims(profileSpec(s).outputs[0].shape), [64, 'batch']);
});

test('Scatter ops keep the data shape; a reduction costs one op per update', () => {
  const sc = (op: string, attrs: NodeSpec['attrs'], idxShape: number[], updShape: number[]) =>
    spec(
      [{ opType: op, inputs: ['X', 'I', 'U'], outputs: ['Y'], attrs }],
      [{ name: 'X', shape: ['batch', 16] }, { name: 'U', shape: updShape }],
      ['Y'],
      [i64('I', new Array(idxShape.reduce((a, b) => a * b, 1)).fill(0), idxShape)],
      18,
    );
  const none = profileSpec(sc('ScatterND', {}, [3, 1], [3, 16]));
  assert.deepEqual(shapes(none, 'ScatterND'), [['batch', 16]]);
  assert.equal(num(row(none, 'ScatterND').flops), 0);
  const add = profileSpec(sc('ScatterND', { reduction: 'add' }, [3, 1], [3, 16]));
  assert.equal(num(row(add, 'ScatterND').flops), 3 * 16);
  assert.equal(num(row(add, 'ScatterND').macs), 0);
  const el = profileSpec(sc('ScatterElements', { axis: 1, reduction: 'max' }, [2, 5], [2, 5]));
  assert.deepEqual(shapes(el, 'ScatterElements'), [['batch', 16]]);
  assert.equal(num(row(el, 'ScatterElements').flops), 2 * 5);
});

test('Expand broadcasts the input shape with the target values; Tile multiplies', async () => {
  const ex = (x: (number | string)[], target: number[]) =>
    spec([{ opType: 'Expand', inputs: ['X', 't'], outputs: ['Y'] }], [{ name: 'X', shape: x }], ['Y'], [i64('t', target)]);
  assert.deepEqual(dims(profileSpec(ex(['batch', 1, 'seq'], [1, 8, 1])).outputs[0].shape), ['batch', 8, 'seq']);
  assert.deepEqual(dims(profileSpec(ex([3, 1], [2, 1, 6])).outputs[0].shape), [2, 3, 6]);
  assert.match(row(profileSpec(ex([3, 2], [3, 4])), 'Expand').unknown!, /cannot broadcast dims 2 and 4/);
  await crossCheck(ex([3, 1], [2, 1, 6]));
  await crossCheck(ex([1, 4], [5, 1]));
  const tile = (x: (number | string)[], reps: number[]) =>
    spec([{ opType: 'Tile', inputs: ['X', 'r'], outputs: ['Y'] }], [{ name: 'X', shape: x }], ['Y'], [i64('r', reps)]);
  assert.deepEqual(dims(profileSpec(tile(['batch', 3], [2, 4])).outputs[0].shape), ['2·batch', 12]);
  await crossCheck(tile([2, 3], [3, 1]));
});

// ---------------------------------------------------------------------------------------------
// Range, ConstantOfShape, Cast, Where
// ---------------------------------------------------------------------------------------------

function rangeSpec(delta: number, limitFromShape: boolean, x: (number | string)[] = ['batch', 'seq']): ModelSpec {
  const nodes: NodeSpec[] = limitFromShape
    ? [
        { opType: 'Shape', inputs: ['X'], outputs: ['s'] },
        { opType: 'Gather', inputs: ['s', 'one'], outputs: ['limit'] },
      ]
    : [];
  nodes.push({ opType: 'Range', name: 'range', inputs: ['start', limitFromShape ? 'limit' : 'limit_c', 'delta'], outputs: ['Y'] });
  return spec(nodes, [{ name: 'X', shape: x }], ['Y'], [i64('start', [0], []), i64('one', [1], []), i64('limit_c', [10], []), i64('delta', [delta], [])]);
}

test('Range with a symbolic limit: length ceil((limit - start) / delta)', () => {
  const r = profileSpec(rangeSpec(1, true));
  assert.deepEqual(shapes(r, 'range'), [['seq']]);
  assert.equal(row(r, 'range').outputShapes[0].dtype, DT.INT64);
  assert.equal(row(r, 'range').flops.toString(), 'seq');
  const two = row(profileSpec(rangeSpec(2, true)), 'range').outputShapes[0].shape![0];
  assert.equal(two.evaluate(new Map([['seq', 7]])), Math.ceil(7 / 2));
  assert.equal(two.evaluate(new Map([['seq', 8]])), 8 / 2);
  assert.deepEqual(shapes(profileSpec(rangeSpec(3, false)), 'range'), [[Math.ceil(10 / 3)]]);
  assert.deepEqual(shapes(profileSpec(rangeSpec(-1, false)), 'range'), [[0]]);
});

test('Range static variants match onnxruntime', async () => {
  await crossCheck(rangeSpec(1, true, [2, 9]));
  await crossCheck(rangeSpec(2, true, [2, 9]));
  await crossCheck(rangeSpec(3, false, [1]));
});

test('Range output feeds a Reshape through Unsqueeze', () => {
  // position_ids = Unsqueeze(Range(0, seq, 1), 0) → [1, seq]; Expand to [batch, seq].
  const s = spec(
    [
      { opType: 'Shape', inputs: ['X'], outputs: ['s'] },
      { opType: 'Gather', inputs: ['s', 'one'], outputs: ['n'] },
      { opType: 'Range', inputs: ['zero', 'n', 'one'], outputs: ['r'] },
      { opType: 'Unsqueeze', name: 'u', inputs: ['r', 'ax'], outputs: ['p'] },
      { opType: 'Expand', name: 'expand', inputs: ['p', 's'], outputs: ['Y'] },
    ],
    [{ name: 'X', elemType: DT.INT64, shape: ['batch', 'seq'] }],
    ['Y'],
    [i64('zero', [0], []), i64('one', [1], []), i64('ax', [0])],
  );
  const r = profileSpec(s);
  assert.deepEqual(shapes(r, 'u'), [[1, 'seq']]);
  assert.deepEqual(shapes(r, 'expand'), [['batch', 'seq']]);
});

test('Cast sets the dtype and keeps values; CastLike follows its second input', () => {
  const s = spec(
    [
      { opType: 'Shape', inputs: ['X'], outputs: ['s'] },
      { opType: 'Cast', name: 'tofloat', inputs: ['s'], outputs: ['f'], attrs: { to: DT.FLOAT } },
      { opType: 'Cast', name: 'toint', inputs: ['f'], outputs: ['i'], attrs: { to: DT.INT64 } },
      { opType: 'CastLike', name: 'like', inputs: ['X', 'i'], outputs: ['L'] },
      { opType: 'Reshape', name: 'reshape', inputs: ['X', 'i'], outputs: ['Y'] },
    ],
    [{ name: 'X', shape: ['batch', 3] }],
    ['Y', 'L'],
  );
  const r = profileSpec(s);
  assert.equal(row(r, 'tofloat').outputShapes[0].dtype, DT.FLOAT);
  assert.equal(row(r, 'toint').outputShapes[0].dtype, DT.INT64);
  assert.equal(row(r, 'like').outputShapes[0].dtype, DT.INT64);
  assert.deepEqual(shapes(r, 'like'), [['batch', 3]]);
  assert.deepEqual(shapes(r, 'reshape'), [['batch', 3]]);
});

test('Where broadcasts its three inputs and takes the dtype of X', async () => {
  const w = (c: (number | string)[], x: (number | string)[], y: (number | string)[]) =>
    spec(
      [{ opType: 'Where', inputs: ['C', 'X', 'Y'], outputs: ['Z'] }],
      [{ name: 'C', elemType: DT.BOOL, shape: c }, { name: 'X', shape: x }, { name: 'Y', shape: y }],
      ['Z'],
    );
  const r = profileSpec(w([1, 1, 'seq', 'seq'], ['batch', 8, 'seq', 'seq'], []));
  assert.deepEqual(shapes(r, 'Where'), [['batch', 8, 'seq', 'seq']]);
  assert.equal(row(r, 'Where').outputShapes[0].dtype, DT.FLOAT);
  assert.equal(num(row(r, 'Where').flops), 0);
  await crossCheck(w([1, 1, 4, 4], [2, 8, 4, 4], []));
  await crossCheck(w([3, 1], [1, 5], [2, 1, 1]));
});

test('Where on known values picks per element (Expand target)', () => {
  // Where([1, 0], [seq, 7], [5, batch]) = [seq, batch].
  const s = spec(
    [
      { opType: 'Shape', inputs: ['X'], outputs: ['s'] },
      { opType: 'Gather', inputs: ['s', 'perm'], outputs: ['sb'] },
      { opType: 'Where', inputs: ['cond', 'a', 'sb'], outputs: ['w'] },
      { opType: 'Where', inputs: ['cond', 'sb', 'a'], outputs: ['w2'] },
      { opType: 'Concat', inputs: ['w', 'w2'], outputs: ['t'], attrs: { axis: 0 } },
      { opType: 'ConstantOfShape', name: 'fill', inputs: ['t'], outputs: ['Y'] },
    ],
    [{ name: 'X', shape: ['batch', 'seq'] }],
    ['Y'],
    [{ name: 'cond', dataType: DT.BOOL, dims: [2], values: [1, 0] }, i64('a', [5, 7]), i64('perm', [1, 0])],
  );
  assert.deepEqual(dims(profileSpec(s).outputs[0].shape), [5, 'batch', 'seq', 7]);
});

// ---------------------------------------------------------------------------------------------
// Data-dependent sizes, comparisons, and the rest
// ---------------------------------------------------------------------------------------------

test('NonZero, Compress and Unique introduce a named data-dependent symbol', () => {
  const s = spec(
    [
      { opType: 'NonZero', name: 'nz', inputs: ['X'], outputs: ['N'] },
      { opType: 'Compress', name: 'cmp', inputs: ['X', 'C'], outputs: ['K'], attrs: { axis: 1 } },
      { opType: 'Compress', name: 'cmpk', inputs: ['X', 'Ck'], outputs: ['K2'], attrs: { axis: 1 } },
      { opType: 'Unique', name: 'uq', inputs: ['X'], outputs: ['U', 'UI', 'UV', 'UC'] },
    ],
    [{ name: 'X', shape: ['batch', 6] }, { name: 'C', elemType: DT.BOOL, shape: [6] }],
    ['N', 'K', 'K2', 'U', 'UI', 'UV', 'UC'],
    [{ name: 'Ck', dataType: DT.BOOL, dims: [6], values: [1, 0, 1, 1, 0, 0] }],
  );
  const r = profileSpec(s);
  assert.deepEqual(shapes(r, 'nz'), [[2, 'nz.count']]);
  assert.equal(row(r, 'nz').outputShapes[0].dtype, DT.INT64);
  assert.match(row(r, 'nz').notes.join(), /nz\.count/);
  assert.equal(row(r, 'nz').flops.toString(), '6·batch');
  assert.deepEqual(shapes(r, 'cmp'), [['batch', 'cmp.count']]);
  assert.deepEqual(shapes(r, 'cmpk'), [['batch', 3]]);
  assert.equal(num(row(r, 'cmp').flops), 0);
  assert.deepEqual(shapes(r, 'uq'), [['uq.count'], ['uq.count'], ['6·batch'], ['uq.count']]);
  assert.equal(row(r, 'uq').flops.toString(), '6·batch');
});

test('NonZero of a known constant counts exactly', () => {
  const s = spec(
    [{ opType: 'NonZero', inputs: ['K'], outputs: ['N'] }],
    [],
    ['N'],
    [i64('K', [0, 3, 0, 1, 2, 0], [2, 3])],
  );
  assert.deepEqual(dims(profileSpec(s).outputs[0].shape), [2, 3]);
});

test('TopK, ArgMax/ArgMin and CumSum cost one op per input element', async () => {
  const topk = (x: (number | string)[], k: number, axis: number, opset = 17) =>
    spec(
      [opset >= 10 ? { opType: 'TopK', inputs: ['X', 'k'], outputs: ['V', 'I'], attrs: { axis } } : { opType: 'TopK', inputs: ['X'], outputs: ['V', 'I'], attrs: { axis, k } }],
      [{ name: 'X', shape: x }],
      ['V', 'I'],
      opset >= 10 ? [i64('k', [k])] : [],
      opset,
    );
  const r = profileSpec(topk(['batch', 1000], 5, -1));
  assert.deepEqual(shapes(r, 'TopK'), [['batch', 5], ['batch', 5]]);
  assert.equal(row(r, 'TopK').outputShapes[1].dtype, DT.INT64);
  assert.equal(row(r, 'TopK').flops.toString(), '1000·batch');
  assert.equal(row(r, 'TopK').flops.evaluate(new Map([['batch', 8]])), 8 * 1000);
  assert.equal(num(row(r, 'TopK').macs), 0);
  assert.deepEqual(shapes(profileSpec(topk([4, 10], 3, 0, 9)), 'TopK'), [[3, 10], [3, 10]]);
  await crossCheck(topk([4, 10], 3, -1));
  await crossCheck(topk([4, 10], 3, 0, 9));

  const arg = (op: string, attrs: NodeSpec['attrs']) => spec([{ opType: op, inputs: ['X'], outputs: ['Y'], attrs }], [{ name: 'X', shape: [2, 3, 4] }], ['Y']);
  const am = profileSpec(arg('ArgMax', { axis: 1 }));
  assert.deepEqual(shapes(am, 'ArgMax'), [[2, 1, 4]]);
  assert.equal(row(am, 'ArgMax').outputShapes[0].dtype, DT.INT64);
  assert.equal(num(row(am, 'ArgMax').flops), 2 * 3 * 4);
  assert.deepEqual(shapes(profileSpec(arg('ArgMin', { axis: -1, keepdims: 0, select_last_index: 1 })), 'ArgMin'), [[2, 3]]);
  await crossCheck(arg('ArgMax', { axis: 1 }));
  await crossCheck(arg('ArgMin', { axis: -1, keepdims: 0, select_last_index: 1 }));

  const cs = profileSpec(spec([{ opType: 'CumSum', inputs: ['X', 'ax'], outputs: ['Y'] }], [{ name: 'X', shape: ['batch', 'seq'] }], ['Y'], [i64('ax', [1], [])]));
  assert.deepEqual(shapes(cs, 'CumSum'), [['batch', 'seq']]);
  assert.equal(row(cs, 'CumSum').flops.toString(), 'batch·seq');
});

test('OneHot, Trilu, Dropout, EyeLike, ReverseSequence, Identity', async () => {
  const s = spec(
    [
      { opType: 'OneHot', name: 'onehot', inputs: ['I', 'depth', 'vals'], outputs: ['O'], attrs: { axis: 1 } },
      { opType: 'Trilu', name: 'trilu', inputs: ['M'], outputs: ['T'] },
      { opType: 'Dropout', name: 'dropout', inputs: ['M'], outputs: ['D', 'mask'] },
      { opType: 'EyeLike', name: 'eye', inputs: ['E'], outputs: ['Ey'], attrs: { dtype: DT.INT64 } },
      { opType: 'ReverseSequence', name: 'rev', inputs: ['M', 'lens'], outputs: ['R'], attrs: { batch_axis: 0, time_axis: 1 } },
      { opType: 'Identity', name: 'id', inputs: ['M'], outputs: ['Id'] },
    ],
    [{ name: 'I', elemType: DT.INT64, shape: [2, 3] }, { name: 'M', shape: [4, 5] }, { name: 'E', shape: [3, 6] }],
    ['O', 'T', 'D', 'mask', 'Ey', 'R', 'Id'],
    [i64('depth', [10], []), { name: 'vals', dims: [2], values: [0, 1] }, i64('lens', [1, 2, 3, 4])],
  );
  const r = profileSpec(s);
  assert.deepEqual(shapes(r, 'onehot'), [[2, 10, 3]]);
  assert.equal(row(r, 'onehot').outputShapes[0].dtype, DT.FLOAT);
  assert.deepEqual(shapes(r, 'trilu'), [[4, 5]]);
  assert.deepEqual(shapes(r, 'dropout'), [[4, 5], [4, 5]]);
  assert.equal(row(r, 'dropout').outputShapes[1].dtype, DT.BOOL);
  assert.deepEqual(shapes(r, 'eye'), [[3, 6]]);
  assert.equal(row(r, 'eye').outputShapes[0].dtype, DT.INT64);
  assert.deepEqual(shapes(r, 'rev'), [[4, 5]]);
  assert.deepEqual(shapes(r, 'id'), [[4, 5]]);
  for (const op of ['onehot', 'trilu', 'dropout', 'eye', 'rev', 'id']) assert.equal(num(row(r, op).flops), 0, op);
  await crossCheck(s);
});

test('an unknown input shape propagates as a failure with a reason', () => {
  const s = spec(
    [
      { opType: 'Transpose', name: 't', inputs: ['X'], outputs: ['T'] },
      { opType: 'Concat', name: 'c', inputs: ['T', 'T'], outputs: ['Y'], attrs: { axis: 0 } },
    ],
    [{ name: 'X' }],
    ['Y'],
  );
  const r = profileSpec(s);
  assert.match(row(r, 't').unknown!, /shape of "X" unknown/);
  assert.equal(row(r, 't').outputShapes[0].shape, undefined);
  assert.match(row(r, 'c').unknown!, /producer t could not be inferred/);
});
