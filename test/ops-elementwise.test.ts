import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DT, type ModelSpec, type NodeSpec, type TensorSpec, type ValueSpec } from './helpers/onnx-builder';
import { crossCheckOutputs } from './helpers/ort';
import { dims, num, profileSpec, row } from './helpers/profile';

const i64 = (name: string, values: number[], shape: number[] = [values.length]): TensorSpec => ({ name, dataType: DT.INT64, dims: shape, values });

function spec(nodes: NodeSpec[], inputs: ValueSpec[], outputs: string[], initializers: TensorSpec[] = [], opset = 17): ModelSpec {
  return { opset, graph: { nodes, inputs, outputs: outputs.map((name) => ({ name })), initializers } };
}

/** One op over graph inputs of the given shapes (all FLOAT unless elemType says otherwise). */
function opSpec(op: string, shapes: (number | string)[][], attrs: NodeSpec['attrs'] = {}, elemType: number = DT.FLOAT, opset = 17): ModelSpec {
  const names = shapes.map((_, i) => `X${i}`);
  return spec([{ opType: op, inputs: names, outputs: ['Y'], attrs }], shapes.map((shape, i) => ({ name: names[i], shape, elemType })), ['Y'], [], opset);
}

/** Runs the model in onnxruntime on ones (zeros would trip integer Div/Mod) and checks dims and dtypes against ours. */
const crossCheck = (s: ModelSpec): Promise<void> => crossCheckOutputs(s, { fill: 1, types: true });

// ---------------------------------------------------------------------------------------------
// Broadcasting and costs
// ---------------------------------------------------------------------------------------------

test('broadcasting Add of [batch,1,seq] + [1,8,1] → [batch,8,seq], FLOPs = batch·8·seq', () => {
  const r = profileSpec(opSpec('Add', [['batch', 1, 'seq'], [1, 8, 1]]));
  const add = row(r, 'Add');
  assert.deepEqual(dims(add.outputShapes[0].shape), ['batch', 8, 'seq']);
  assert.equal(add.outputShapes[0].dtype, DT.FLOAT);
  assert.equal(num(add.macs), 0);
  assert.equal(add.flops.toString(), '8·batch·seq');
  assert.equal(add.flops.evaluate(new Map([['batch', 2], ['seq', 128]])), 2 * 8 * 128);
  assert.equal(add.formula, 'batch·8·seq');
  const bound = profileSpec(opSpec('Add', [['batch', 1, 'seq'], [1, 8, 1]]), { dims: { batch: 4, seq: 16 } });
  assert.equal(num(row(bound, 'Add').flops), 4 * 8 * 16);
});

test('binary arithmetic: 1 FLOP per output element, rank-extending broadcast, scalars', () => {
  for (const op of ['Sub', 'Mul', 'Div', 'Pow']) {
    const r = row(profileSpec(opSpec(op, [['batch', 'seq', 768], [768]])), op);
    assert.deepEqual(dims(r.outputShapes[0].shape), ['batch', 'seq', 768], op);
    assert.equal(r.flops.toString(), '768·batch·seq', op);
    assert.equal(num(r.macs), 0, op);
  }
  const scalar = row(profileSpec(opSpec('Mul', [[], []])), 'Mul');
  assert.deepEqual(dims(scalar.outputShapes[0].shape), []);
  assert.equal(num(scalar.flops), 1);
  const mod = row(profileSpec(opSpec('Mod', [[4, 5], [5]], { fmod: 0 }, DT.INT64)), 'Mod');
  assert.equal(num(mod.flops), 4 * 5);
  assert.equal(mod.outputShapes[0].dtype, DT.INT64);
});

test('Sum/Max/Min of n inputs cost n−1 per element, Mean costs n', () => {
  const shapes: (number | string)[][] = [['batch', 16], [1, 16], [16]];
  for (const [op, perElement] of [['Sum', 3 - 1], ['Max', 3 - 1], ['Min', 3 - 1], ['Mean', 3]] as const) {
    const r = row(profileSpec(opSpec(op, shapes)), op);
    assert.deepEqual(dims(r.outputShapes[0].shape), ['batch', 16], op);
    assert.equal(r.flops.evaluate(new Map([['batch', 5]])), perElement * 5 * 16, op);
    assert.equal(num(r.macs), 0);
  }
  // One input: Sum is a copy (0 FLOPs), Mean still divides by 1 (1 per element).
  assert.equal(num(row(profileSpec(opSpec('Sum', [[3, 4]])), 'Sum').flops), 0);
  assert.equal(num(row(profileSpec(opSpec('Mean', [[3, 4]])), 'Mean').flops), 3 * 4);
  assert.equal(num(row(profileSpec(opSpec('Max', [[3, 4], [3, 1]])), 'Max').flops), 3 * 4);
});

test('comparisons and logic produce BOOL, 1 FLOP per element', () => {
  for (const op of ['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual']) {
    const r = row(profileSpec(opSpec(op, [['batch', 1, 'seq'], [1, 'seq', 1]])), op);
    assert.equal(r.outputShapes[0].dtype, DT.BOOL, op);
    assert.deepEqual(dims(r.outputShapes[0].shape), ['batch', 'seq', 'seq'], op);
    assert.equal(r.flops.toString(), 'batch·seq^2', op);
  }
  for (const op of ['And', 'Or', 'Xor']) {
    const r = row(profileSpec(opSpec(op, [[2, 3], [3]], {}, DT.BOOL)), op);
    assert.equal(r.outputShapes[0].dtype, DT.BOOL, op);
    assert.equal(num(r.flops), 2 * 3, op);
  }
  for (const op of ['Not', 'IsNaN', 'IsInf']) {
    const r = row(profileSpec(opSpec(op, [['batch', 7]], {}, op === 'Not' ? DT.BOOL : DT.FLOAT)), op);
    assert.equal(r.outputShapes[0].dtype, DT.BOOL, op);
    assert.equal(r.flops.toString(), '7·batch', op);
  }
  const sign = row(profileSpec(opSpec('Sign', [['batch', 7]])), 'Sign');
  assert.equal(sign.outputShapes[0].dtype, DT.FLOAT);
  assert.equal(sign.flops.toString(), '7·batch');
});

test('bitwise ops and BitShift keep the integer type', () => {
  for (const op of ['BitwiseAnd', 'BitwiseOr', 'BitwiseXor']) {
    const r = row(profileSpec(opSpec(op, [[2, 3], [2, 1]], {}, DT.INT32, 18)), op);
    assert.equal(r.outputShapes[0].dtype, DT.INT32, op);
    assert.equal(num(r.flops), 2 * 3, op);
  }
  const not = row(profileSpec(opSpec('BitwiseNot', [[4]], {}, DT.INT32, 18)), 'BitwiseNot');
  assert.equal(num(not.flops), 4);
  const shift = row(profileSpec(opSpec('BitShift', [[4, 2], [2]], { direction: 'LEFT' }, DT.INT64)), 'BitShift');
  assert.deepEqual(dims(shift.outputShapes[0].shape), [4, 2]);
  assert.equal(num(shift.flops), 4 * 2);
});

test('incompatible broadcast and unknown shapes fail with a reason', () => {
  const bad = row(profileSpec(opSpec('Add', [[3], [4]])), 'Add');
  assert.match(bad.unknown!, /cannot broadcast dims 3 and 4/);
  assert.equal(bad.unknownNodes, 1);
  const unknown = profileSpec(spec([{ opType: 'Mul', inputs: ['A', 'B'], outputs: ['Y'] }], [{ name: 'A' }, { name: 'B', shape: [3] }], ['Y']));
  assert.match(row(unknown, 'Mul').unknown!, /shape of "A" unknown/);
  assert.equal(num(unknown.totals.flops), 0);
  assert.equal(unknown.unknownOps[0].op, 'Mul');
});

test('legacy broadcast (opset 6, broadcast=1 with axis) aligns B at axis', () => {
  const r = row(profileSpec(opSpec('Add', [[2, 3, 4, 5], [3, 4]], { broadcast: 1, axis: 1 }, DT.FLOAT, 6)), 'Add');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 3, 4, 5]);
  assert.equal(num(r.flops), 2 * 3 * 4 * 5);
});

test('static variants match onnxruntime (dims and dtypes)', async () => {
  await crossCheck(opSpec('Add', [[2, 1, 5], [1, 8, 1]]));
  await crossCheck(opSpec('Div', [[3, 4], [4]], {}, DT.INT64));
  await crossCheck(opSpec('Pow', [[3, 4], []]));
  await crossCheck(opSpec('Mod', [[3, 4], [4]], { fmod: 0 }, DT.INT64));
  await crossCheck(opSpec('Sum', [[2, 16], [1, 16], [16]]));
  await crossCheck(opSpec('Mean', [[2, 16], [1, 16], [16]]));
  await crossCheck(opSpec('Max', [[3, 1], [1, 4]]));
  await crossCheck(opSpec('Less', [[3, 1], [1, 4]]));
  await crossCheck(opSpec('GreaterOrEqual', [[3, 1], [4]]));
  await crossCheck(opSpec('Equal', [[3, 1], [4]], {}, DT.INT64));
  await crossCheck(opSpec('Xor', [[2, 3], [3]], {}, DT.BOOL));
  await crossCheck(opSpec('Not', [[2, 3]], {}, DT.BOOL));
  await crossCheck(opSpec('IsNaN', [[2, 3]]));
  await crossCheck(opSpec('Sign', [[2, 3]]));
});

// ---------------------------------------------------------------------------------------------
// Data propagation through arithmetic on shape values
// ---------------------------------------------------------------------------------------------

/** Shape(X) → Gather(i) for each listed index, as scalars named d<i>. */
function dimsOf(indices: number[]): { nodes: NodeSpec[]; inits: TensorSpec[] } {
  return {
    nodes: [
      { opType: 'Shape', inputs: ['X'], outputs: ['s'] },
      ...indices.map((i): NodeSpec => ({ opType: 'Gather', inputs: ['s', `i${i}`], outputs: [`d${i}`] })),
    ],
    inits: indices.map((i) => i64(`i${i}`, [i], [])),
  };
}

/** ConstantOfShape(Concat(Unsqueeze(each))) — makes a shape from scalar values so the test can read it. */
function shapeFrom(values: string[]): NodeSpec[] {
  return [
    ...values.map((v): NodeSpec => ({ opType: 'Unsqueeze', inputs: [v, 'ax0'], outputs: [`${v}_1`] })),
    { opType: 'Concat', inputs: values.map((v) => `${v}_1`), outputs: ['target'], attrs: { axis: 0 } },
    { opType: 'ConstantOfShape', name: 'fill', inputs: ['target'], outputs: ['Y'] },
  ];
}

test('Mul/Div/Add/Sub on shape values: Reshape to [batch·seq, heads, 64/heads]', () => {
  const { nodes, inits } = dimsOf([0, 1, 2]);
  const s = spec(
    [
      ...nodes,
      { opType: 'Mul', inputs: ['d0', 'd1'], outputs: ['bs'] },
      { opType: 'Div', inputs: ['d2', 'heads'], outputs: ['hd'] },
      { opType: 'Unsqueeze', inputs: ['bs', 'ax0'], outputs: ['bs1'] },
      { opType: 'Unsqueeze', inputs: ['hd', 'ax0'], outputs: ['hd1'] },
      { opType: 'Concat', inputs: ['bs1', 'heads1', 'hd1'], outputs: ['t'], attrs: { axis: 0 } },
      { opType: 'Reshape', name: 'reshape', inputs: ['X', 't'], outputs: ['Y'] },
    ],
    [{ name: 'X', shape: ['batch', 'seq', 64] }],
    ['Y'],
    [...inits, i64('heads', [4], []), i64('heads1', [4]), i64('ax0', [0])],
  );
  const r = profileSpec(s);
  assert.deepEqual(dims(row(r, 'reshape').outputShapes[0].shape), ['batch·seq', 4, 64 / 4]);
});

test('Sub/Add/Div with symbolic values: seq − 1, past + seq, seq / 2 (floor for non-negative ints)', () => {
  const { nodes, inits } = dimsOf([0, 1]);
  const s = spec(
    [
      ...nodes,
      { opType: 'Sub', inputs: ['d1', 'one'], outputs: ['a'] },
      { opType: 'Add', inputs: ['d0', 'd1'], outputs: ['b'] },
      { opType: 'Div', inputs: ['d1', 'two'], outputs: ['c'] },
      { opType: 'Max', inputs: ['d1', 'one'], outputs: ['m'] },
      ...shapeFrom(['a', 'b', 'c', 'm']),
    ],
    [{ name: 'X', shape: ['past', 'seq'] }],
    ['Y'],
    [...inits, i64('one', [1], []), i64('two', [2], []), i64('ax0', [0])],
  );
  const shape = row(profileSpec(s), 'fill').outputShapes[0].shape!;
  assert.equal(shape[0].toString(), 'seq - 1');
  assert.equal(shape[1].toString(), 'past + seq');
  for (const seq of [7, 8]) assert.equal(shape[2].evaluate(new Map([['seq', seq]])), Math.trunc(seq / 2));
  assert.equal(shape[3].evaluate(new Map([['seq', 5]])), Math.max(5, 1));
});

test('Div: truncation toward zero on int constants; float Div keeps only exact quotients', () => {
  const s = spec(
    [
      { opType: 'Div', inputs: ['a', 'b'], outputs: ['q'] },
      { opType: 'Div', inputs: ['fa', 'fb'], outputs: ['fq'] },
      { opType: 'Cast', inputs: ['fq'], outputs: ['fqi'], attrs: { to: DT.INT64 } },
      { opType: 'Concat', inputs: ['q', 'fqi'], outputs: ['t0'], attrs: { axis: 0 } },
      { opType: 'Add', inputs: ['t0', 'shift'], outputs: ['target'] },
      { opType: 'ConstantOfShape', name: 'fill', inputs: ['target'], outputs: ['Y'] },
    ],
    [],
    ['Y'],
    // -7 / 2 truncates to -3; shift by 5 → 2. Float 7 / 2 = 3.5 → Cast truncates to 3; shift 0 → 3.
    [i64('a', [-7]), i64('b', [2]), { name: 'fa', dims: [1], values: [7] }, { name: 'fb', dims: [1], values: [2] }, i64('shift', [5, 0])],
  );
  assert.deepEqual(dims(row(profileSpec(s), 'fill').outputShapes[0].shape), [Math.trunc(-7 / 2) + 5, Math.trunc(7 / 2)]);
});

test('Equal/Where on symbolic shape values (HF Expand target pattern)', () => {
  // target = Where(Equal(c, -1), ones, c) with c = [batch, -1, seq]: -1 becomes 1, dims stay.
  const { nodes, inits } = dimsOf([0, 1]);
  const s = spec(
    [
      ...nodes,
      { opType: 'Unsqueeze', inputs: ['d0', 'ax0'], outputs: ['b1'] },
      { opType: 'Unsqueeze', inputs: ['d1', 'ax0'], outputs: ['s1'] },
      { opType: 'Concat', inputs: ['b1', 'minus1', 's1'], outputs: ['c'], attrs: { axis: 0 } },
      { opType: 'Equal', name: 'eq', inputs: ['c', 'minus1'], outputs: ['isneg'] },
      { opType: 'Where', inputs: ['isneg', 'ones', 'c'], outputs: ['target'] },
      { opType: 'Expand', name: 'expand', inputs: ['Z', 'target'], outputs: ['Y'] },
    ],
    [{ name: 'X', shape: ['batch', 'seq'] }, { name: 'Z', shape: [1, 8, 1] }],
    ['Y'],
    [...inits, i64('ax0', [0]), i64('minus1', [-1]), i64('ones', [1, 1, 1])],
  );
  const r = profileSpec(s);
  assert.equal(row(r, 'eq').outputShapes[0].dtype, DT.BOOL);
  assert.deepEqual(dims(row(r, 'expand').outputShapes[0].shape), ['batch', 8, 'seq']);
});

test('comparisons, Not and Min on constants feed shapes', () => {
  const s = spec(
    [
      { opType: 'Less', inputs: ['a', 'b'], outputs: ['lt'] },
      { opType: 'Not', inputs: ['lt'], outputs: ['ge'] },
      { opType: 'Cast', inputs: ['ge'], outputs: ['gei'], attrs: { to: DT.INT64 } },
      { opType: 'Min', inputs: ['a', 'b', 'c'], outputs: ['mn'] },
      { opType: 'Mod', inputs: ['a', 'c'], outputs: ['md'], attrs: { fmod: 0 } },
      { opType: 'Sum', inputs: ['gei', 'mn', 'md'], outputs: ['target'] },
      { opType: 'ConstantOfShape', name: 'fill', inputs: ['target'], outputs: ['Y'] },
    ],
    [],
    ['Y'],
    [i64('a', [3, 9]), i64('b', [5, 2]), i64('c', [4, 4])],
  );
  // a<b = [1,0] → not = [0,1]; min = [3,2]; mod = [3,1]; sum = [6, 4].
  const expected = [0 + 3 + (3 % 4), 1 + 2 + (9 % 4)];
  assert.deepEqual(dims(row(profileSpec(s), 'fill').outputShapes[0].shape), expected);
});
