/** The extension's texts that need no VS Code: the summaries (the Set Input Shape… box is src/bindings', test/bindings.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetLines, statusText, statusTooltipLines, summaryLine } from '../client/summary';
import type { ProfileResult } from '../common/protocol';
import { toReportDoc } from '../src/report/json';
import { deceptiveModel, INVISIBLE } from './helpers/deceptive-names';
import { profileFixture } from './helpers/fixtures';
import { profileSpec } from './helpers/profile';

const resnet = toReportDoc(profileFixture('resnet18'));
const mobilenetDyn = toReportDoc(profileFixture('mobilenet_v2_dyn'));

function result(report = resnet, budget: ProfileResult['budget'] = { violations: [] }): ProfileResult {
  return { uri: 'file:///w/m.onnx', bindings: {}, report, budget, profileMs: 1 };
}

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

test('status bar, tooltip and clipboard show control and bidi characters in names as escapes', () => {
  const d = toReportDoc(profileSpec(deceptiveModel()));
  const r = result(d);
  assert.equal(statusText(result({ ...d, totals: { ...d.totals, macs: '8·\u001b[2J' } })), '$(pulse) MACs depend on \\x1b[2J · 0 params');
  // Its custom-domain node cannot be costed: MACs and FLOPs are lower bounds, and say so.
  assert.equal(summaryLine('deceptive.onnx', r), 'deceptive.onnx: 0 params · ≥ 0 MACs · ≥ 8·\\x1b[2J FLOPs · 0 B weights · peak activations 64 B·\\x1b[2J (x<U+2066> \\x1b[2J×8)');
  const lines = statusTooltipLines('photo\u202Egnp.onnx', r);
  assert.equal(lines[0], 'photo<U+202E>gnp.onnx');
  for (const l of [...lines, summaryLine('photo\u202Egnp.onnx', r)]) assert.doesNotMatch(l, INVISIBLE);
});
