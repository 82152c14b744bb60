/** src/bindings: one parser, one set of rules and one sentence per mistake, for every front end. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bindingsMessage, BindingsError, checkAgainst, checkValues, formatBindingsText, modelNames, parseBindingsText, parseDimArg, parseInputArg, parseShape,
  resolveBindings, type BindingsProblem,
} from '../src/bindings';
import { toReportDoc } from '../src/report/json';
import { profileFixture } from './helpers/fixtures';
import { profileSpec } from './helpers/profile';

const mobilenetDyn = toReportDoc(profileFixture('mobilenet_v2_dyn'));
const transformer = { inputs: ['input_ids', 'attention_mask'], symbols: ['batch', 'seq'] };

/** The problem a call throws. */
function problem(run: () => unknown): BindingsProblem {
  try {
    run();
  } catch (e) {
    if (e instanceof BindingsError) return e.problem;
    throw e;
  }
  assert.fail('no BindingsError');
}

/** The sentence a call throws. */
const sentence = (run: () => unknown): string => bindingsMessage(problem(run));

test('the sentences the issue asks for', () => {
  assert.equal(sentence(() => checkAgainst({ inputShapes: { foo: [1, 3] } }, transformer)), 'unknown input "foo": the model\'s inputs are input_ids, attention_mask');
  assert.equal(sentence(() => checkAgainst({ dims: { 'seq-len': 3 } }, transformer)), 'unknown dim "seq-len": the model\'s symbols are batch, seq');
  assert.equal(sentence(() => checkAgainst({ dims: { n: 3 } }, { inputs: ['x'], symbols: [] })), 'unknown dim "n": the model has no symbolic dims');
  assert.equal(sentence(() => checkAgainst({ inputShapes: { y: [3] } }, { inputs: ['x'], symbols: ['b'] })), 'unknown input "y": the model\'s only input is x');
  assert.equal(sentence(() => checkAgainst({ inputShapes: { '': [3] } }, transformer)), 'the model has 2 inputs (input_ids, attention_mask): name the one to reshape, e.g. input_ids=1x3x224x224');
});

test('model names: inputs, and the symbols of their shapes, bound or not', () => {
  assert.deepEqual(modelNames(mobilenetDyn), { inputs: ['input'], symbols: ['batch', 'height', 'width'] });
  assert.deepEqual(modelNames(toReportDoc(profileFixture('resnet18'))), { inputs: ['input'], symbols: [] });
  const bound = toReportDoc(profileFixture('mobilenet_v2_dyn', { dims: { batch: 2, height: 64, width: 64 } }));
  assert.deepEqual(modelNames(bound).symbols, ['batch', 'height', 'width']);
});

test('shapes: numbers and symbols in the forms people type', () => {
  assert.deepEqual(parseShape('batchx3x224x224'), ['batch', 3, 224, 224]);
  assert.deepEqual(parseShape('batchxseq'), ['batch', 'seq']);
  assert.deepEqual(parseShape('8×3×224×224'), [8, 3, 224, 224]);
  assert.deepEqual(parseShape('batchx3×224x224'), ['batch', 3, 224, 224]);
  assert.deepEqual(parseShape('max_len, 4'), ['max_len', 4]);
  assert.equal(sentence(() => parseShape('1x(h+1)', 'x')), 'bad dim "(h+1)" in the shape "1x(h+1)" of input "x": use whole numbers ≥ 1 or symbol names');
  assert.equal(sentence(() => parseShape('0x3')), 'bad dim "0" in the shape "0x3": use whole numbers ≥ 1 or symbol names');
  assert.equal(sentence(() => parseShape('')), 'bad shape "": use e.g. 1x3x224x224');
});

test('--input and --dim arguments: ONNX input names, NAME=N', () => {
  assert.deepEqual(parseInputArg('8x3x320x320'), { name: '', shape: [8, 3, 320, 320] });
  assert.deepEqual(parseInputArg('input:0=1x3'), { name: 'input:0', shape: [1, 3] });
  assert.deepEqual(parseInputArg('serving/in-0.1=batchx3'), { name: 'serving/in-0.1', shape: ['batch', 3] });
  assert.deepEqual(parseDimArg('batch=8'), { name: 'batch', value: 8 });
  assert.deepEqual(parseDimArg('seq-len=3'), { name: 'seq-len', value: 3 });
  assert.equal(sentence(() => parseDimArg('batch=0')), 'dim "batch" needs a whole number ≥ 1, not "0"');
  assert.equal(sentence(() => parseDimArg('batch')), '"batch" has no value: e.g. batch=8');
  assert.equal(sentence(() => parseDimArg('a b=1')), '"a b" is not a name');
});

test('the Set Input Shape… box: dims and input shapes in the forms it suggests', () => {
  const names = modelNames(mobilenetDyn);
  assert.deepEqual(parseBindingsText('batch=8, height = 224;width=224', names), { dims: { batch: 8, height: 224, width: 224 } });
  assert.deepEqual(parseBindingsText('input=1x3x320x320', names), { inputShapes: { input: [1, 3, 320, 320] } });
  assert.deepEqual(parseBindingsText('batchx3×224x224 batch=2', names), { dims: { batch: 2 }, inputShapes: { '': ['batch', 3, 224, 224] } });
  assert.deepEqual(parseBindingsText('  ', names), {});
  // Without the model (it failed to profile) only the syntax is checked.
  assert.deepEqual(parseBindingsText('seq=2048'), { dims: { seq: 2048 } });
  // A name the model has twice over: `__proto__` is a plain key.
  assert.deepEqual(Object.keys(parseBindingsText('__proto__=2').dims!), ['__proto__']);
});

test('the box refuses what the model cannot take, in the rules\' own sentences', () => {
  const names = modelNames(mobilenetDyn);
  assert.equal(sentence(() => parseBindingsText('seq=8', names)), 'unknown dim "seq": the model\'s symbols are batch, height, width');
  assert.equal(sentence(() => parseBindingsText('images=1x3x8x8', names)), 'unknown input "images": the model\'s only input is input');
  assert.equal(sentence(() => parseBindingsText('batch=0', names)), 'dim "batch" needs a whole number ≥ 1, not "0"');
  assert.equal(sentence(() => parseBindingsText('batch=8.5', names)), 'dim "batch" needs a whole number ≥ 1, not "8.5"');
  assert.equal(sentence(() => parseBindingsText('batch=', names)), '"batch" has no value: e.g. batch=8');
  assert.match(sentence(() => parseBindingsText('8', names)), /^"8": use NAME=N for a dim/);
  assert.match(sentence(() => parseBindingsText('input=1x3xx8', names)), /^bad shape "1x3xx8" of input "input"/);
  assert.match(sentence(() => parseBindingsText('input=1x3x-8x8', names)), /^bad dim "-8"/);
  assert.equal(sentence(() => parseBindingsText('batch=1, batch=2', names)), '"batch" is given twice');
  assert.match(sentence(() => parseBindingsText('1x3x8x8', { inputs: ['a', 'b'], symbols: [] })), /^the model has 2 inputs \(a, b\): name the one/);
  assert.equal(sentence(() => parseBindingsText('@x=1')), '"@x" is not a name');
});

test('bindings round-trip through the box text', () => {
  const bindings = { dims: { batch: 8 }, inputShapes: { input: [8, 3, 'h', 'w'] } };
  assert.equal(formatBindingsText(bindings), 'batch=8, input=8x3xhxw');
  assert.equal(formatBindingsText({ inputShapes: { '': [1, 3, 224, 224] } }), '1x3x224x224');
  assert.deepEqual(parseBindingsText(formatBindingsText(bindings)), bindings);
});

test('values from a request or the settings: whole numbers ≥ 1 everywhere, symbol names in shapes', () => {
  assert.equal(sentence(() => checkValues({ dims: { batch: 0 } })), 'dim "batch" needs a whole number ≥ 1, not 0');
  assert.equal(sentence(() => checkValues({ dims: { batch: 1.5 } })), 'dim "batch" needs a whole number ≥ 1, not 1.5');
  assert.equal(sentence(() => checkValues({ inputShapes: { x: [1, 0] } })), 'bad dim "0" in the shape "1x0" of input "x": use whole numbers ≥ 1 or symbol names');
  assert.equal(sentence(() => checkValues({ inputShapes: { x: [1, 'a b'] } })), 'bad dim "a b" in the shape "1xa b" of input "x": use whole numbers ≥ 1 or symbol names');
  checkValues({ dims: { batch: 1 }, inputShapes: { x: ['batch', 3] } });
});

test('resolving: defaults bind the symbols the model has, the bindings win, a new shape brings its symbols', () => {
  const model = { inputs: ['x'], symbols: ['batch'] };
  assert.deepEqual(resolveBindings({}, model, { batch: 4, seq: 9 }), { dims: { batch: 4 }, inputShapes: {} });
  assert.deepEqual(resolveBindings({ dims: { batch: 2 } }, model, { batch: 4 }), { dims: { batch: 2 }, inputShapes: {} });
  assert.deepEqual(resolveBindings({ inputShapes: { x: ['n', 3] }, dims: { n: 5 } }, model, { seq: 9 }), { dims: { n: 5 }, inputShapes: { x: ['n', 3] } });
  assert.equal(sentence(() => resolveBindings({ dims: { seq: 2 } }, model, { seq: 9 })), 'unknown dim "seq": the model\'s only symbol is batch');
});

test('the engine checks bindings against the ONNX model: unnamed dims have names too', () => {
  const spec = {
    graph: {
      nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: ['batch', null, 4] }],
      outputs: [{ name: 'y' }],
    },
  };
  assert.deepEqual(profileSpec(spec, { dims: { batch: 2, 'x.1': 3 } }).bindings, { batch: 2, 'x.1': 3 });
  assert.equal(sentence(() => profileSpec(spec, { dims: { seq: 2 } })), 'unknown dim "seq": the model\'s symbols are batch, x.1');
  assert.equal(sentence(() => profileSpec(spec, { inputShapes: { nope: [1, 3] } })), 'unknown input "nope": the model\'s only input is x');
  // Defaults: only those the model has, and the report says which bound.
  assert.deepEqual(profileSpec(spec, { defaultDims: { batch: 2, seq: 7 } }).bindings, { batch: 2 });
});
