/**
 * Static analysis of PyTorch source (src/pytorch) on real, runnable fixtures
 * (test/fixtures/pytorch/*.py), checked against what torch itself counts on the same classes and
 * inputs (facts.json, written by scripts/torch-facts.py with Debian's python3-torch), and against
 * the numbers the seeds and the issue quote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzePython } from '../src/pytorch/analyze';
import type { ClassAnalysis, LayerAnalysis, SourceAnalysis } from '../src/pytorch/types';
import { stopAnalysisClock } from './helpers/analysis-clock';

stopAnalysisClock();

const DIR = path.join(__dirname, 'fixtures', 'pytorch');

interface ModuleFact {
  type: string;
  params: number;
  calls: number;
  outShape: number[] | null;
}

interface CaseFact {
  file: string;
  class: string;
  inputs: number[][];
  params: number;
  buffers: number;
  macs: number;
  outputShapes: number[][];
  modules: Record<string, ModuleFact>;
  unusedParams?: number;
}

const facts: { cases: Record<string, CaseFact> } = JSON.parse(fs.readFileSync(path.join(DIR, 'facts.json'), 'utf8'));

const cache = new Map<string, SourceAnalysis>();
function analyzeFixture(file: string): SourceAnalysis {
  let r = cache.get(file);
  if (!r) {
    r = analyzePython(fs.readFileSync(path.join(DIR, file), 'utf8'));
    cache.set(file, r);
  }
  return r;
}

function cls(r: SourceAnalysis, name: string): ClassAnalysis {
  const c = r.classes.find((k) => k.name === name);
  assert.ok(c, `class ${name} analyzed (have ${r.classes.map((k) => k.name).join(', ')})`);
  return c;
}

function layer(c: ClassAnalysis, p: string): LayerAnalysis {
  const l = c.layers.find((x) => x.path === p);
  assert.ok(l, `layer ${p} in ${c.name}`);
  return l;
}

/** 0-based line of the first line of `file` containing `needle`. */
function lineOf(file: string, needle: string): number {
  const i = fs.readFileSync(path.join(DIR, file), 'utf8').split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `"${needle}" in ${file}`);
  return i;
}

// ---------------------------------------------------------------------------------------------
// Every fixture class against torch

for (const [key, f] of Object.entries(facts.cases)) {
  test(`${key}: params, MACs, shapes and calls equal what torch counts`, () => {
    const c = cls(analyzeFixture(f.file), f.class);
    assert.deepEqual(c.input?.shapes, f.inputs, 'input shapes found in the file');
    assert.equal(c.totals.params, f.params, 'params (model.parameters())');
    assert.deepEqual(c.totals.paramsUnknown, []);
    assert.equal(c.totals.buffers, f.buffers, 'buffers');
    assert.equal(c.totals.macs, f.macs, 'MACs');
    assert.deepEqual(c.totals.costUnknown, []);
    assert.deepEqual(c.outputShapes, f.outputShapes, 'output shapes');
    assert.deepEqual(c.diagnostics.filter((d) => d.code === 'internal' || d.code === 'limit'), []);
    if (f.unusedParams !== undefined) assert.equal(c.totals.unusedParams, f.unusedParams, 'unused params (no gradient in torch)');
    for (const l of c.layers) {
      const m = f.modules[l.path];
      assert.ok(m, `torch has a module ${l.path}`);
      // torch turns a Lazy layer into its plain class after the first forward.
      assert.equal(l.type.replace(/^Lazy/, ''), m.type, `${l.path} type`);
      assert.equal(l.params, m.params, `${l.path} params`);
      assert.equal(l.calls, m.calls, `${l.path} calls`);
      if (m.calls > 0) assert.deepEqual(l.outputShape, m.outShape, `${l.path} output shape`);
    }
    // Modules torch has and we do not: only MultiheadAttention's out_proj (never called as a module).
    const ours = new Set(c.layers.map((l) => l.path));
    const missing = Object.keys(f.modules).filter((p) => !ours.has(p));
    assert.deepEqual(missing.filter((p) => !p.endsWith('.out_proj')), []);
  });
}

// ---------------------------------------------------------------------------------------------
// Seed 002: the VGG11-style MyNet from the issue

test('seed 002 MyNet: conv7 2,359,808 params and 5.55 G MACs out (12, 512, 14, 14); fc3 4,097,000; 132,862,184 total', () => {
  const file = 'seed002_mynet.py';
  const c = cls(analyzeFixture(file), 'MyNet');
  assert.equal(c.input?.source, 'torchinfo');
  assert.deepEqual(c.input?.shapes, [[12, 1, 224, 224]]);
  assert.match(c.input!.description, /^summary\(net, \(12,1,224,224\)\) \(torchinfo\) on line \d+$/);
  assert.equal(c.totals.params, 132_862_184);
  assert.equal((c.totals.params / 1e6).toFixed(2), '132.86');

  const conv7 = layer(c, 'conv7');
  assert.equal(conv7.type, 'Conv2d');
  assert.equal(conv7.params, 2_359_808);
  assert.equal(conv7.paramsFormula, '(3·3·512 + 1)·512 = 2,359,808');
  assert.equal(conv7.macs, 3 * 3 * 512 * 512 * 14 * 14 * 12);
  assert.equal(conv7.macs, 5_549_064_192);
  assert.equal((conv7.macs! / 1e9).toFixed(2), '5.55');
  assert.equal(conv7.macsFormula, '3·3·512 · 512·14·14 · batch 12');
  assert.deepEqual(conv7.outputShape, [12, 512, 14, 14]);
  assert.deepEqual(conv7.inputShapes, [[12, 512, 14, 14]]);
  assert.equal(conv7.calls, 1);
  // The lens sits on `self.conv7 = nn.Conv2d(` and the range spans the whole statement.
  assert.equal(conv7.range?.start.line, lineOf(file, 'self.conv7 = nn.Conv2d('));
  assert.equal(conv7.range?.end.line, lineOf(file, 'self.conv7 = nn.Conv2d(') + 6);
  assert.equal(conv7.definedIn, 'MyNet');

  const fc3 = layer(c, 'fc3');
  assert.equal(fc3.params, 4_097_000);
  assert.equal(fc3.paramsFormula, '(4096 + 1)·1000 = 4,097,000');
  assert.equal(fc3.macsFormula, '4096·1000 · batch 12');
  assert.equal(fc3.range?.start.line, lineOf(file, 'self.fc3 = nn.Linear'));
});

test('seed 002 MyNet: 90.62 G MACs at (12, 1, 224, 224), by hand', () => {
  const c = cls(analyzeFixture('seed002_mynet.py'), 'MyNet');
  // conv k·k·Cin · Cout·H·W per image; VGG11 on a 1-channel 224×224 input.
  const convs: [number, number, number][] = [
    [1, 64, 224],
    [64, 128, 112],
    [128, 256, 56],
    [256, 256, 56],
    [256, 512, 28],
    [512, 512, 28],
    [512, 512, 14],
    [512, 512, 14],
  ];
  const perImage = convs.reduce((s, [cin, cout, hw]) => s + 9 * cin * cout * hw * hw, 0) + 25088 * 4096 + 4096 * 4096 + 4096 * 1000;
  assert.equal(c.totals.macs, 12 * perImage);
  assert.equal(c.totals.macs, 90_615_447_552);
  assert.equal((c.totals.macs! / 1e9).toFixed(2), '90.62');
  // FLOPs = 2·MACs + bias adds + max-pool comparisons (4 per output) + the flatten (0).
  assert.ok(c.totals.flops! > 2 * c.totals.macs!);
  assert.equal(c.range.start.line, lineOf('seed002_mynet.py', 'class MyNet'));
  assert.deepEqual(c.outputShapes, [[12, 1000]]);
  assert.deepEqual(c.diagnostics, []);
});

test('seed 002 variant: torchinfo summary with input_size= (and the profiler wins over net(x) at batch 128)', () => {
  const text = fs.readFileSync(path.join(DIR, 'seed002_mynet.py'), 'utf8').replace('summary(net, (12,1,224,224))', 'summary(net, input_size=(12, 1, 224, 224))');
  const c = cls(analyzePython(text), 'MyNet');
  assert.deepEqual(c.input?.shapes, [[12, 1, 224, 224]]);
  assert.equal(c.totals.macs, 90_615_447_552);
  // Without the profiler call, the file's own net(x) with x = torch.rand(128, 1, 224, 224) is used.
  const plain = cls(analyzePython(text.replace(/^\s*summary\(.*$/m, '')), 'MyNet');
  assert.equal(plain.input?.source, 'call');
  assert.deepEqual(plain.input?.shapes, [[128, 1, 224, 224]]);
  assert.equal(plain.totals.macs, (90_615_447_552 / 12) * 128);
});

test('seed 002 as pasted from the article (non-breaking spaces) still analyzes, with a warning', () => {
  // The article's code indents with U+00A0 and U+0020 alternating, which Python itself rejects.
  const code = fs.readFileSync(path.join(DIR, 'seed002_mynet.py'), 'utf8').replace(/^ +/gm, (sp) => sp.replace(/  /g, '\u00a0 '));
  assert.ok(code.includes('\u00a0'));
  const r = analyzePython(code);
  assert.equal(cls(r, 'MyNet').totals.params, 132_862_184);
  assert.ok(r.diagnostics.some((d) => d.code === 'syntax' && /non-breaking spaces/.test(d.message)));
});

// ---------------------------------------------------------------------------------------------
// Seed 004: BaseNet variants

test('seed 004 case 1: two convs, 18 params; torchsummary input (1, 512, 512) runs at batch 1 (stated)', () => {
  const c = cls(analyzeFixture('seed004_plain.py'), 'BaseNet');
  assert.equal(c.totals.params, 18);
  assert.equal(c.input?.source, 'torchsummary');
  assert.deepEqual(c.input?.shapes, [[1, 1, 512, 512]]);
  assert.match(c.input!.note!, /no batch dimension: batch 1 is used/);
  assert.equal(c.totals.macs, 2 * 9 * 512 * 512);
  assert.equal(c.totals.unusedParams, 0);
});

test('seed 004 case 2: one conv applied twice: 9 params (counted once), called 2×, MACs ×2', () => {
  const c = cls(analyzeFixture('seed004_shared.py'), 'BaseNet');
  assert.equal(c.totals.params, 9);
  const conv1 = layer(c, 'conv1');
  assert.equal(conv1.calls, 2);
  assert.equal(conv1.callsNote, 'called 2× · params counted once · MACs ×2');
  assert.equal(conv1.params, 9);
  assert.equal(conv1.macs, 2 * 3 * 3 * 512 * 512);
  assert.equal(conv1.macsFormula, '3·3·1 · 1·512·512');
  assert.equal(c.totals.macs, 2 * 3 * 3 * 512 * 512);
  assert.equal(c.layers.length, 1);
});

test('seed 004 case 3: unused conv2 is flagged on its line; used and defined params counted apart', () => {
  const file = 'seed004_unused.py';
  const c = cls(analyzeFixture(file), 'BaseNet');
  assert.equal(c.totals.params, 18);
  assert.equal(c.totals.usedParams, 9);
  assert.equal(c.totals.unusedParams, 9);
  const conv2 = layer(c, 'conv2');
  assert.equal(conv2.unused, true);
  assert.equal(conv2.calls, 0);
  assert.equal(layer(c, 'conv1').unused, false);
  const d = c.diagnostics.filter((x) => x.code === 'unused-module');
  assert.equal(d.length, 1);
  assert.equal(d[0].message, 'conv2 is never used in forward(): its 9 parameters are counted by model.parameters() but do no work');
  assert.equal(d[0].severity, 'warning');
  assert.equal(d[0].range.start.line, lineOf(file, 'self.conv2 = nn.Conv2d'));
  assert.equal(conv2.range?.start.line, lineOf(file, 'self.conv2 = nn.Conv2d'));
});

// ---------------------------------------------------------------------------------------------
// VGG16 from a cfg list and ResNet-18 with residual blocks

test('VGG16 from cfgs["D"] and make_layers: 138,357,544 params, 15.47 G MACs at 1×3×224×224', () => {
  const file = 'vgg16_cfg.py';
  const c = cls(analyzeFixture(file), 'VGG');
  assert.equal(c.totals.params, 138_357_544);
  assert.equal(c.totals.macs, 15_470_264_320);
  assert.equal((c.totals.macs! / 1e9).toFixed(2), '15.47');
  assert.equal(c.input?.source, 'call');
  assert.equal(c.instance.source, 'file');
  // The 13 convs of the Sequential were made by one line of make_layers: that is where they point.
  const convs = c.layers.filter((l) => l.path.startsWith('features.') && l.type === 'Conv2d');
  assert.equal(convs.length, 13);
  const convLine = lineOf(file, 'conv2d = nn.Conv2d(in_channels, v');
  assert.ok(convs.every((l) => l.range?.start.line === convLine && l.definedIn === 'make_layers'));
  assert.equal(layer(c, 'features').range?.start.line, lineOf(file, 'self.features = features'));
  assert.equal(layer(c, 'features').macs, 15_346_630_656);
  assert.equal(layer(c, 'classifier.6').paramsFormula, '(4096 + 1)·1000 = 4,097,000');
});

test('ResNet-18 as torchvision writes it: 11,689,512 params, 1,814,073,344 MACs, residual adds followed', () => {
  const file = 'resnet18.py';
  const r = analyzeFixture(file);
  const c = cls(r, 'ResNet');
  assert.equal(c.totals.params, 11_689_512);
  assert.equal(c.totals.macs, 1_814_073_344);
  assert.equal(c.totals.buffers, 9_620);
  assert.deepEqual(c.outputShapes, [[1, 1000]]);
  const down = layer(c, 'layer2.0.downsample.0');
  assert.equal(down.paramsFormula, '1·1·64·128 = 8,192');
  assert.deepEqual(down.outputShape, [1, 128, 28, 28]);
  // BasicBlock's relu is called twice per block.
  assert.equal(layer(c, 'layer1.0.relu').calls, 2);
  // conv1 of every BasicBlock points at `self.conv1 = conv3x3(...)` in BasicBlock.
  const line = lineOf(file, 'self.conv1 = conv3x3(inplanes, planes, stride)');
  assert.equal(layer(c, 'layer3.1.conv1').range?.start.line, line);
  assert.equal(layer(c, 'layer3.1.conv1').definedIn, 'BasicBlock');
});

test('ResNet-18: BasicBlock is analyzed at its first use (layer1.0, 1×64×56×56); Bottleneck, never built, says why', () => {
  const r = analyzeFixture('resnet18.py');
  const block = cls(r, 'BasicBlock');
  assert.equal(block.instance.source, 'first-use');
  assert.match(block.instance.description, /^built by ResNet as layer1\.0/);
  assert.equal(block.input?.source, 'first-use');
  assert.deepEqual(block.input?.shapes, [[1, 64, 56, 56]]);
  const bottleneck = cls(r, 'Bottleneck');
  assert.equal(bottleneck.totals.macs, undefined);
  assert.equal(bottleneck.input, undefined);
  assert.ok(bottleneck.totals.paramsUnknown.some((u) => /inplanes has no default and the file never constructs Bottleneck/.test(u)));
  assert.ok(bottleneck.diagnostics.some((d) => d.code === 'no-input'));
  assert.ok(bottleneck.diagnostics.some((d) => d.code === 'unevaluable' && /^Conv2d: in_channels is unknown/.test(d.message)));
  // Its ReLU is still called three times in forward (the call graph is followed without shapes).
  assert.equal(layer(bottleneck, 'relu').calls, 3);
});

// ---------------------------------------------------------------------------------------------
// Aliases, parameters, lazy layers, nesting

test('aliases: Conv2d as C, torch.nn.BatchNorm2d, tnn.Conv2d, F / Fn; nn.Parameter attributes counted, an unused one flagged', () => {
  const file = 'aliases.py';
  const c = cls(analyzeFixture(file), 'AliasNet');
  assert.equal(c.input?.source, 'comment');
  assert.equal(c.input?.range?.start.line, lineOf(file, '# floplens: input=(2, 3, 32, 32)'));
  assert.equal(layer(c, 'conv1').paramsFormula, '(3·3·3 + 1)·32 = 896');
  assert.equal(layer(c, 'conv1').range?.start.line, lineOf(file, 'self.conv1 = C(3, width, 3, padding=1)'));
  assert.equal(layer(c, 'bn1').type, 'BatchNorm2d');
  assert.equal(layer(c, 'head').paramsFormula, '(64 + 1)·10 = 650');
  const byName = new Map(c.parameters.map((p) => [p.name, p]));
  assert.deepEqual(byName.get('scale')?.shape, [1, 64, 1, 1]);
  assert.equal(byName.get('scale')?.used, true);
  assert.equal(byName.get('cls_bias')?.elements, 10);
  assert.equal(byName.get('unused_token')?.used, false);
  assert.equal(byName.get('unused_token')?.range?.start.line, lineOf(file, 'self.unused_token = nn.Parameter'));
  const d = c.diagnostics.find((x) => x.code === 'unused-parameter');
  assert.equal(d?.message, 'unused_token is never used in forward(): its 64 parameters are counted by model.parameters() but do no work');
  assert.equal(c.totals.params, 20_180);
  assert.equal(c.totals.unusedParams, 64);
  assert.equal(c.totals.buffers, 75);
});

test('which classes are nn.Modules: nn.Module and its containers, through the file\'s classes and imports; LightningModule included', () => {
  const src = [
    'import torch',
    'from torch import nn',
    'from torch.nn import Module as M',
    'import pytorch_lightning as pl',
    'from lightning.pytorch import LightningModule',
    'class A(nn.Module): pass',
    'class B(M): pass',
    'class C(A): pass',
    'class D(torch.nn.Sequential): pass',
    'class E(torch.nn.modules.container.ModuleList): pass',
    'class NotAModule(object): pass',
    'class NotEither(nn.Linear): pass',
    '# floplens: input=(2, 8)',
    'class Lit(pl.LightningModule):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.fc = nn.Linear(8, 4)',
    '    def forward(self, x):',
    '        return self.fc(x)',
    'class Lit2(LightningModule): pass',
    '',
  ].join('\n');
  const r = analyzePython(src);
  assert.deepEqual(
    r.classes.map((c) => [c.name, c.base]),
    [['A', 'Module'], ['B', 'Module'], ['C', 'Module'], ['D', 'Sequential'], ['E', 'ModuleList'], ['Lit', 'Module'], ['Lit2', 'Module']],
  );
  const lit = cls(r, 'Lit');
  assert.equal(lit.totals.params, 36);
  assert.equal(lit.totals.macs, 64);
});

test('LazyLinear takes in_features from the inferred input: (1568 + 1)·10', () => {
  const c = cls(analyzeFixture('aliases.py'), 'LazyHead');
  const fc = layer(c, 'fc');
  assert.equal(fc.type, 'LazyLinear');
  assert.equal(fc.params, 15_690);
  assert.equal(fc.paramsFormula, '(1568 + 1)·10 = 15,690');
  assert.deepEqual(fc.inputShapes, [[4, 1568]]);
  // Without an input shape its parameters are unknown, with the reason.
  const text = fs.readFileSync(path.join(DIR, 'aliases.py'), 'utf8').replace(/if __name__[\s\S]*$/, '');
  const none = cls(analyzePython(text), 'LazyHead');
  assert.ok(none.totals.paramsUnknown.some((u) => /fc \(LazyLinear\) takes its input size from the first input/.test(u)));
  assert.equal(none.totals.params, 224);
});

test('nested classes: shared activation counted once, module under two names listed once, unused Linear in every Stage', () => {
  const file = 'nested.py';
  const c = cls(analyzeFixture(file), 'Net');
  assert.equal(c.instance.description, `Net(widths=(8, 16, 32)) on line ${lineOf(file, 'net = Net(widths=(8, 16, 32))') + 1}`);
  assert.deepEqual(layer(c, 'head').aliases, ['classifier']);
  // One Hardswish shared by the three stages: one entry, called 3×, listed under its other paths.
  assert.equal(layer(c, 'stages.0.act').calls, 3);
  assert.deepEqual(layer(c, 'stages.0.act').aliases, ['stages.1.act', 'stages.2.act']);
  assert.equal(c.layers.filter((l) => l.name === 'act').length, 1);
  const unused = c.diagnostics.filter((d) => d.code === 'unused-module').map((d) => d.message);
  assert.deepEqual(unused, [
    'stages.0.spare is never used in forward(): its 72 parameters are counted by model.parameters() but do no work',
    'stages.1.spare is never used in forward(): its 272 parameters are counted by model.parameters() but do no work',
    'stages.2.spare is never used in forward(): its 1,056 parameters are counted by model.parameters() but do no work',
  ]);
  // The ModuleList is not called; its entry sums what its items did.
  assert.equal(layer(c, 'stages').calls, 0);
  assert.equal(layer(c, 'stages').macs, c.totals.macs! - 640);
  const stage = cls(analyzeFixture(file), 'Stage');
  assert.equal(stage.instance.source, 'first-use');
  assert.equal(cls(analyzeFixture(file), 'ConvBNAct').base, 'Sequential');
});

// ---------------------------------------------------------------------------------------------
// Where the input shape comes from

const SMALL = `
import torch
import torch.nn as nn

class Small(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        self.conv = nn.Conv2d(3, c, 3, padding=1)

    def forward(self, x):
        return self.conv(x)
`;

test('input sources: comment > profiler > call > first use > setting > none', () => {
  const macs = (n: number, hw: number): number => n * 27 * 8 * hw * hw;
  const withComment = SMALL.replace('class Small', '# floplens: input=(2, 3, 16, 16)\nclass Small') + '\nnet = Small()\nnet(torch.rand(1, 3, 8, 8))\n';
  assert.equal(cls(analyzePython(withComment), 'Small').totals.macs, macs(2, 16));
  const onClassLine = SMALL.replace('class Small(nn.Module):', 'class Small(nn.Module):  # floplens: input=(4, 3, 8, 8)');
  assert.equal(cls(analyzePython(onClassLine), 'Small').totals.macs, macs(4, 8));
  const inBody = SMALL.replace('class Small(nn.Module):', 'class Small(nn.Module):\n    # floplens: input=(1, 3, 4, 4)');
  assert.equal(cls(analyzePython(inBody), 'Small').totals.macs, macs(1, 4));

  const thop = `${SMALL}\nfrom thop import profile\nmodel = Small()\nx = torch.randn(3, 3, 10, 10)\nmodel(torch.randn(1, 3, 4, 4))\nflops, params = profile(model, inputs=(x,))\n`;
  const t = cls(analyzePython(thop), 'Small');
  assert.equal(t.input?.source, 'thop');
  assert.equal(t.totals.macs, macs(3, 10));

  const ptflops = `${SMALL}\nfrom ptflops import get_model_complexity_info\nm = Small(c=8)\nget_model_complexity_info(m, (3, 12, 12), as_strings=True)\n`;
  const p = cls(analyzePython(ptflops), 'Small');
  assert.equal(p.input?.source, 'ptflops');
  assert.deepEqual(p.input?.shapes, [[1, 3, 12, 12]]);

  const setting = cls(analyzePython(SMALL, { defaultInput: [1, 3, 6, 6] }), 'Small');
  assert.equal(setting.input?.source, 'setting');
  assert.equal(setting.totals.macs, macs(1, 6));

  const none = cls(analyzePython(SMALL), 'Small');
  assert.equal(none.input, undefined);
  assert.equal(none.totals.macs, undefined);
  assert.equal(none.totals.params, 3 * 9 * 8 + 8);
  assert.equal(layer(none, 'conv').calls, 1);
  assert.ok(none.diagnostics.some((d) => d.code === 'no-input'));
});

test('constructor arguments the file passes (keyword, positional, module constants, main block)', () => {
  const text = `
import torch
from torch import nn
WIDTH = 4 * 4

class Head(nn.Module):
    def __init__(self, in_features, num_classes=1000, hidden=WIDTH):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, num_classes)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())

if __name__ == "__main__":
    head = Head(32, num_classes=10)
    y = head(torch.zeros(5, 32))
`;
  const c = cls(analyzePython(text), 'Head');
  assert.equal(c.totals.params, (32 + 1) * 16 + (16 + 1) * 10);
  assert.equal(c.totals.macs, 5 * (32 * 16 + 16 * 10));
  assert.equal(c.instance.source, 'file');
  assert.match(c.instance.description, /^Head\(32, num_classes=10\) on line 16$/);
});

// ---------------------------------------------------------------------------------------------
// Shapes through forward

test('shape unknown after line N: the reason is given, propagation stops, params still count', () => {
  const text = `
import torch
import torch.nn as nn

# floplens: input=(2, 3, 8, 8)
class Broken(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(100, 10)

    def forward(self, x):
        x = self.conv(x)
        x = x.view(x.size(0), -1)
        return self.fc(x)
`;
  const c = cls(analyzePython(text), 'Broken');
  assert.equal(c.totals.params, 3 * 9 * 4 + 4 + 101 * 10);
  const fc = layer(c, 'fc');
  assert.equal(fc.outputShape, null);
  assert.equal(fc.macs, 0);
  assert.match(fc.costUnknown![0], /Linear: Linear expects 100 input features but the input \(2, 144\) has 144/);
  const d = c.diagnostics.find((x) => x.code === 'shape-unknown');
  assert.ok(d);
  assert.equal(d.message, 'shape unknown after line 15: Linear: Linear expects 100 input features but the input (2, 144) has 144');
  assert.equal(d.range.start.line, 14);
  assert.equal(c.totals.macs, 2 * 27 * 4 * 36);
  assert.ok(c.totals.costUnknown.length > 0);
});

test('forward: F ops, view/-1, permute, cat, chunk, hand-written attention and ModuleList loops match torch', () => {
  const c = cls(analyzeFixture('functional_net.py'), 'FunctionalNet');
  assert.equal(c.totals.macs, facts.cases['functional_net.py:FunctionalNet'].macs);
  // F.conv2d with nn.Parameter weights: the stem's parameters are used (not flagged).
  assert.ok(c.parameters.every((p) => p.used));
  assert.deepEqual(c.diagnostics, []);
});
