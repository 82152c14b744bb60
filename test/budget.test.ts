/**
 * src/budget: the figures of a report (ONNX model, PyTorch class, a params-only format), the one
 * check and the one wording, with the CLI's and the editor's hint for binding symbols.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { diagnosticsOf, stateOf } from '../server/budgets';
import {
  budgetMessage, checkBudget, classFigures, CLI_BIND_HINT, EDITOR_BIND_HINT, figureOf, parseBudget, reportFigures, violationBrief, violationDocs,
  type BudgetFigures,
} from '../src/budget';
import { analyzePython } from '../src/pytorch';
import { deceptiveModel } from './helpers/deceptive-names';
import { profileFixture } from './helpers/fixtures';
import { profileSpec } from './helpers/profile';
import { PYTORCH_FIXTURES } from './helpers/python-source';

const resnet = reportFigures(profileFixture('resnet18'));
const tiny = reportFigures(profileFixture('tiny_transformer'));

test('ONNX figures: totals in their units, the three largest leaf layers', () => {
  assert.deepEqual(resnet.macs, {
    value: 1_814_073_344,
    text: '1.814 G',
    symbols: [],
    top: [
      { path: 'conv1/Conv', value: 118_013_952 },
      { path: 'layer1/layer1.0/conv1/Conv', value: 115_605_504 },
      { path: 'layer1/layer1.0/conv2/Conv', value: 115_605_504 },
    ],
  });
  assert.equal((resnet.activations as { text: string }).text, '6.125 MiB');
  assert.deepEqual(tiny.macs, { ...tiny.macs, value: '256·batch·seq^2 + 129536·batch·seq', symbols: ['batch', 'seq'] });
});

test('the check: over, holds, or cannot be checked with the symbols to bind', () => {
  const checks = checkBudget(parseBudget({ macs: '1G', params: '20M' }), resnet);
  assert.deepEqual(checks.map((c) => [c.metric, c.verdict]), [['macs', 'over'], ['params', 'holds']]);
  const [symbolic] = checkBudget({ macs: 1e9 }, tiny);
  assert.equal(symbolic.verdict, 'unchecked');
  assert.deepEqual(symbolic.unbound, ['batch', 'seq']);
  assert.deepEqual(violationDocs(checks).map(violationBrief), ['MACs 1.814 G > 1 G']);
  assert.deepEqual(violationDocs([symbolic]).map(violationBrief), ['MACs unbound (budget 1 G)']);
});

test('one wording: the CLI and the editor differ only in how to bind and where the limit is set', () => {
  const [over] = checkBudget({ macs: 1e9 }, resnet);
  const [symbolic] = checkBudget({ macs: 1e9 }, tiny);
  assert.equal(
    budgetMessage(over, { subject: 'resnet18.onnx', bindHint: CLI_BIND_HINT }),
    'resnet18.onnx: MACs 1.814 G exceed the budget of 1 G; largest: conv1/Conv 118 M, layer1/layer1.0/conv1/Conv 115.6 M, layer1/layer1.0/conv2/Conv 115.6 M',
  );
  assert.equal(
    budgetMessage(symbolic, { subject: 'tiny_transformer.onnx', bindHint: CLI_BIND_HINT }),
    'tiny_transformer.onnx: the MACs budget of 1 G cannot be checked: MACs = 256·batch·seq² + 129.5 K·batch·seq depends on unbound symbols; bind batch, seq with --dim',
  );
  assert.equal(
    budgetMessage(symbolic, { setting: 'floplens.defaultBudget', bindHint: EDITOR_BIND_HINT }),
    'the MACs budget of 1 G (floplens.defaultBudget) cannot be checked: MACs = 256·batch·seq² + 129.5 K·batch·seq depends on unbound symbols; bind batch, seq in floplens.dims or with Set Input Shape…',
  );
});

test('a PyTorch class feeds the same check: parameters always, MACs with an input shape, no activation memory', () => {
  const classes = analyzePython(fs.readFileSync(path.join(PYTORCH_FIXTURES, 'seed002_mynet.py'), 'utf8')).classes;
  const myNet = classFigures(classes.find((c) => c.name === 'MyNet')!);
  const budget = { setting: 'floplens.budgets "**/budgeted.py" class "MyNet"', source: '**/budgeted.py MyNet', limits: parseBudget({ macs: '50G', params: '1G', activations: '1GiB' }) };
  const { over, findings } = diagnosticsOf(budget, myNet, 'error', 'MyNet');
  assert.equal(over, true);
  assert.deepEqual(findings, [
    {
      severity: DiagnosticSeverity.Error,
      message: 'MyNet: MACs 90.62 G exceed the budget of 50 G (floplens.budgets "**/budgeted.py" class "MyNet"); largest: conv4 22.2 G, conv6 22.2 G, conv2 11.1 G',
    },
    {
      severity: DiagnosticSeverity.Warning,
      message: 'MyNet: the peak activation memory budget of 1 GiB (floplens.budgets "**/budgeted.py" class "MyNet") cannot be checked: peak activation memory is not computed from source code',
    },
  ]);
  assert.deepEqual(stateOf(budget, myNet).violations.map((v) => v.metric), ['macs']);
});

test('a figure that is a lower bound cannot be shown to fit, but can be shown not to', () => {
  const lower = (value: number): BudgetFigures => ({
    params: figureOf('params', value, [], 'a layer of unknown type'),
    macs: { missing: 'no input shape' },
    flops: { missing: 'no input shape' },
    activations: { missing: 'not computed' },
  });
  const [within] = checkBudget({ params: 100 }, lower(50));
  assert.equal(within.verdict, 'unchecked');
  assert.equal(budgetMessage(within, { bindHint: CLI_BIND_HINT }), 'the parameters budget of 100 cannot be checked: 50 is a lower bound (a layer of unknown type)');
  assert.equal(checkBudget({ params: 100 }, lower(500))[0].verdict, 'over');
  // A figure the report lacks cannot be checked either; only over (or symbolic) is a violation the views show.
  const checks = checkBudget({ macs: 5, params: 100 }, lower(50));
  assert.deepEqual(checks.map((c) => [c.metric, c.verdict, c.reason]), [['macs', 'unchecked', 'no input shape'], ['params', 'unchecked', '50 is a lower bound (a layer of unknown type)']]);
  assert.deepEqual(violationDocs(checks), []);
  assert.equal(violationDocs(checkBudget({ params: 100 }, lower(500))).length, 1);
});

test('the editor\'s diagnostics: the chosen severity when over, a warning when unchecked, an error for a bad setting', () => {
  const budget = { setting: 'floplens.defaultBudget', source: 'default', limits: { macs: 1e9 } };
  assert.deepEqual(diagnosticsOf(budget, resnet, 'hint').findings.map((f) => f.severity), [DiagnosticSeverity.Hint]);
  assert.deepEqual(diagnosticsOf(budget, tiny, 'hint').findings.map((f) => f.severity), [DiagnosticSeverity.Warning]);
  assert.equal(diagnosticsOf(budget, tiny, 'hint').over, true);
  const invalid = { setting: 'floplens.defaultBudget', source: 'default', error: 'floplens.defaultBudget: invalid macs budget "lots"' };
  assert.deepEqual(diagnosticsOf(invalid, undefined, 'hint'), { over: false, findings: [{ severity: DiagnosticSeverity.Error, message: invalid.error }] });
});

test('an ONNX model with uncosted nodes: its MACs and FLOPs are lower bounds, so a budget they fit cannot be shown to hold', () => {
  const figures = reportFigures(profileSpec(deceptiveModel()));
  const [macs, params] = checkBudget({ macs: 1e9, params: 1e6 }, figures);
  assert.equal(macs.verdict, 'unchecked');
  assert.equal(macs.reason, '0 is a lower bound (1 node not counted)');
  assert.equal(params.verdict, 'holds', 'parameters do not depend on costing');
});
