/** The extension's texts that need no VS Code: the Set Input Shape… box and the summaries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBindingsText, modelNames, parseBindingsText } from '../client/bindings-text';
import { budgetLines, statusText, statusTooltipLines, summaryLine } from '../client/summary';
import type { ProfileResult } from '../common/protocol';
import { toReportDoc } from '../src/report/json';
import { profileFixture } from './helpers/fixtures';

const resnet = toReportDoc(profileFixture('resnet18'));
const mobilenetDyn = toReportDoc(profileFixture('mobilenet_v2_dyn'));

function result(report = resnet, budget: ProfileResult['budget'] = { violations: [] }): ProfileResult {
  return { uri: 'file:///w/m.onnx', bindings: {}, report, budget, profileMs: 1 };
}

test('model names: inputs, and symbols from totals and input shapes', () => {
  assert.deepEqual(modelNames(mobilenetDyn), { inputs: ['input'], symbols: ['batch', 'height', 'width'] });
  assert.deepEqual(modelNames(resnet), { inputs: ['input'], symbols: [] });
  // A bound symbol can be bound again: it is gone from the totals but named in the bindings.
  const bound = toReportDoc(profileFixture('mobilenet_v2_dyn', { dims: { batch: 2, height: 64, width: 64 } }));
  assert.deepEqual(modelNames(bound).symbols, ['batch', 'height', 'width']);
});

test('parses dims and input shapes in the forms the box suggests', () => {
  const names = modelNames(mobilenetDyn);
  assert.deepEqual(parseBindingsText('batch=8, height = 224;width=224', names), { bindings: { dims: { batch: 8, height: 224, width: 224 } } });
  assert.deepEqual(parseBindingsText('input=1x3x320x320', names), { bindings: { inputShapes: { input: [1, 3, 320, 320] } } });
  assert.deepEqual(parseBindingsText('batchx3×224x224 batch=2', names), { bindings: { dims: { batch: 2 }, inputShapes: { '': ['batch', 3, 224, 224] } } });
  assert.deepEqual(parseBindingsText('  ', names), { bindings: {} });
  // Without the model (it failed to profile) only the syntax is checked.
  assert.deepEqual(parseBindingsText('seq=2048'), { bindings: { dims: { seq: 2048 } } });
});

test('rejects what the model cannot take, naming what it can', () => {
  const names = modelNames(mobilenetDyn);
  assert.match(parseBindingsText('seq=8', names).error!, /no symbolic dim or input named "seq" \(inputs: input; symbolic dims: batch, height, width\)/);
  assert.match(parseBindingsText('images=1x3x8x8', names).error!, /no input named "images"/);
  assert.match(parseBindingsText('batch=0', names).error!, /positive whole number/);
  assert.match(parseBindingsText('batch=8.5', names).error!, /positive whole number/);
  assert.match(parseBindingsText('batch=', names).error!, /give a value/);
  assert.match(parseBindingsText('8', names).error!, /use NAME=N/);
  assert.match(parseBindingsText('input=1x3xx8', names).error!, /bad shape/);
  assert.match(parseBindingsText('input=1x3x-8x8', names).error!, /bad dimension "-8"/);
  assert.match(parseBindingsText('batch=1, batch=2', names).error!, /"batch" is given twice/);
  assert.match(parseBindingsText('1x3x8x8', { inputs: ['a', 'b'], symbols: [] }).error!, /2 inputs \(a, b\): name one/);
  assert.match(parseBindingsText('3d=1').error!, /"3d" is not a name/);
});

test('bindings round-trip through the box text', () => {
  const bindings = { dims: { batch: 8 }, inputShapes: { input: [8, 3, 'h', 'w'] } };
  assert.equal(formatBindingsText(bindings), 'batch=8, input=8x3xhxw');
  assert.equal(formatBindingsText({ inputShapes: { '': [1, 3, 224, 224] } }), '1x3x224x224');
  assert.deepEqual(parseBindingsText(formatBindingsText(bindings)), { bindings });
});

test('status text: MACs and params, a warning when over budget, symbols when unbound', () => {
  assert.equal(statusText(result()), '$(pulse) 1.814 G MACs · 11.68 M params');
  const over = result(resnet, { limits: { macs: 1e9 }, source: '**/resnet18.onnx', violations: [{ metric: 'macs', budget: 1e9, value: 1814073344, top: [] }] });
  assert.equal(statusText(over), '$(pulse) 1.814 G MACs · 11.68 M params $(warning)');
  assert.equal(statusText(result(mobilenetDyn)), '$(pulse) MACs depend on batch, height, width · 3.488 M params');
  assert.equal(statusText({ ...result(), report: undefined, error: 'm.onnx: truncated' }), '$(error) FlopLens');
});

test('budget lines say where the limits come from and by how much a model is over', () => {
  assert.deepEqual(budgetLines({ violations: [] }), ['No budget applies (settings floplens.budgets, floplens.defaultBudget).']);
  assert.deepEqual(
    budgetLines({
      limits: { macs: 1e9, params: 20e6 },
      source: '**/resnet18.onnx',
      violations: [{ metric: 'macs', budget: 1e9, value: 1814073344, top: [] }],
    }),
    ['Budget from floplens.budgets "**/resnet18.onnx":', '⚠ MACs 1.814 G over the 1 G budget (+81.4%)', '✓ params within 20 M'],
  );
  assert.deepEqual(
    budgetLines({ limits: { activations: 2 ** 20 }, source: 'default', violations: [{ metric: 'activations', budget: 2 ** 20, value: '768·batch', top: [] }] }),
    ['Budget from floplens.defaultBudget:', '⚠ peak activations depend on unbound dims: bind them to check the 1 MiB budget'],
  );
  assert.deepEqual(budgetLines({ limits: { params: 0 }, violations: [{ metric: 'params', budget: 0, value: 5, top: [] }] })[1], '⚠ params 5 over the 0 budget');
});

test('summary line for the clipboard', () => {
  const over = result(resnet, { limits: { macs: 1e9 }, violations: [{ metric: 'macs', budget: 1e9, value: 1814073344, top: [] }] });
  assert.equal(
    summaryLine('resnet18.onnx', over),
    'resnet18.onnx: 11.68 M params · 1.814 G MACs · 3.636 G FLOPs · 44.57 MiB weights · peak activations 6.125 MiB ' +
      '(input 1×3×224×224) · over budget: MACs 1.814 G > 1 G',
  );
  assert.match(summaryLine('m.onnx', result(mobilenetDyn)), /^m\.onnx: 3\.488 M params · [^·]+·batch·.* MACs · .* \(input batch×3×height×width\)$/);
  assert.equal(summaryLine('bad.onnx', { ...result(), report: undefined, error: 'bad.onnx: not an ONNX model' }), 'bad.onnx: not an ONNX model');
  assert.deepEqual(statusTooltipLines('resnet18.onnx', result()).slice(0, 3), [
    'resnet18.onnx',
    '11.68 M params · 1.814 G MACs · 3.636 G FLOPs · peak activations 6.125 MiB',
    'inputs: input 1×3×224×224',
  ]);
});
