/**
 * The PyTorch source analysis on code as users have it mid-edit, on hostile code, and where it
 * must say "unknown" with a reason instead of guessing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzePython } from '../src/pytorch/analyze';
import { capBrackets, parsePython } from '../src/pytorch/parse';
import type { ClassAnalysis, SourceAnalysis } from '../src/pytorch/types';
import { stopAnalysisClock } from './helpers/analysis-clock';
import { HOSTILE_CASES, hostileSource, PROBE_MODEL, type HostileCase } from './helpers/hostile-python';
import { PythonDocument } from '../src/pytorch/document';

stopAnalysisClock();

function cls(r: SourceAnalysis, name: string): ClassAnalysis {
  const c = r.classes.find((k) => k.name === name);
  assert.ok(c, `class ${name} analyzed (have ${r.classes.map((k) => k.name).join(', ')})`);
  return c;
}

const HEADER = 'import torch\nimport torch.nn as nn\n';

test('half-typed code: a syntax error mid-file; the classes before and after still analyze', () => {
  const text = `${HEADER}
# floplens: input=(1, 10)
class Before(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 20)

    def forward(self, x):
        return self.fc(x)


class Typing(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(4096,
    def forward(self, x):
        return self.fc(self.conv(x))


# floplens: input=(2, 5)
class After(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 5)

    def forward(self, x):
        return self.fc(x) +
`;
  const r = analyzePython(text);
  assert.equal(cls(r, 'Before').totals.params, 220);
  assert.equal(cls(r, 'Before').totals.macs, 200);
  const typing = cls(r, 'Typing');
  assert.equal(typing.layers.find((l) => l.path === 'conv')?.params, 3 * 9 * 8 + 8);
  assert.ok(typing.totals.paramsUnknown.some((u) => /^fc: syntax error on line 19$/.test(u)), typing.totals.paramsUnknown.join('; '));
  assert.equal(cls(r, 'After').totals.params, 30);
  assert.ok(r.diagnostics.some((d) => d.code === 'syntax' && d.severity === 'error'));
});

test('an unfinished file (last line being typed) still gives the classes above it', () => {
  const text = `${HEADER}
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(8, 8)
        self.b = nn.Linear(8, `;
  const c = cls(analyzePython(text), 'Net');
  assert.equal(c.layers.find((l) => l.path === 'a')?.params, 72);
  assert.deepEqual(c.totals.paramsUnknown, ['b: syntax error on line 8']);
  // A name being typed (`self.c = nn.Lin`) is a class reference, not a module: nothing to count.
  const typing = cls(analyzePython(text.replace(/nn\.Linear\(8, $/, 'nn.Lin')), 'Net');
  assert.deepEqual(typing.totals.paramsUnknown, []);
  assert.equal(typing.totals.params, 72);
});

test('hostile code ends fast, with reasons: while True, deep and exponential recursion, huge ranges and lists', () => {
  const text = `${HEADER}
while True:
    pass

def f(n):
    return f(n + 1)

def g(n):
    return g(n - 1) + g(n - 1)

x = f(0)
y = g(40)
big = [0] * 10**9
z = 2 ** 100000
s = "a" * 10**9
for i in range(10**9):
    pass
k = 0
while k < 10**9:
    k += 1
(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))

class Loop(nn.Module):
    def __init__(self, n=10**9):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(n)])
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        while True:
            x = self.fc(x)
        return x


class Rec(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return self.forward(self.fc(x))


net = Loop()
net(torch.zeros(2, 4))
r = Rec()
r(torch.zeros(3, 8))
`;
  // No deadline: the step and loop limits alone end it (else the test would hang), on any machine.
  const result = analyzePython(text, { timeBudgetMs: Infinity });
  const notes = result.diagnostics.map((d) => d.message);
  assert.ok(notes.includes('loop on line 4 not followed: it ran 10,000 times without ending'), notes.join('\n'));
  assert.ok(notes.some((m) => /^loop on line 18 not followed: it would run 1,000,000,000 times/.test(m)));
  assert.ok(notes.some((m) => /^line 14 not followed: it stopped after/.test(m)));
  const loop = cls(result, 'Loop');
  assert.equal(loop.layers.find((l) => l.path === 'fc')?.params, 20);
  assert.ok(loop.totals.paramsUnknown.some((u) => /layers: a comprehension over 1,000,000,000 items is not followed/.test(u)));
  assert.ok(loop.totals.costUnknown.some((u) => /forward\(\) was not followed to its end: the loop on line 32/.test(u)));
  // Nothing is flagged unused when forward() was not followed to its end.
  assert.deepEqual(loop.diagnostics.filter((d) => d.code === 'unused-module'), []);
  const rec = cls(result, 'Rec');
  assert.ok(rec.totals.costUnknown.some((u) => /calls nest more than 48 deep/.test(u)));
});

test('a deadline: a file of many hostile classes stops within the time budget', (t) => {
  const one = (i: number): string => `
class H${i}(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        n = 0
        while n >= 0:
            n = n + 1 if n < 5000 else 0

    def forward(self, x):
        return self.fc(x)
`;
  const text = HEADER + Array.from({ length: 40 }, (_, i) => one(i)).join('\n');
  // A clock that moves 1 ms each time it is read (every 1,024 steps): the deadline passes at the
  // same step on any machine. Unhindered, the file reads it about 360 times.
  let now = 0;
  t.mock.method(Date, 'now', () => now++);
  const r = analyzePython(text, { timeBudgetMs: 100 });
  t.mock.restoreAll();
  assert.ok(now <= 100 + 45, `the clock read ${now} times: every class after the deadline stops at its first check`);
  assert.equal(r.classes.length, 40);
  const cut = r.classes.filter((c) => c.diagnostics.some((d) => /time budget ran out/.test(d.message)));
  assert.ok(cut.length > 0 && cut.length < 40, `${cut.length} classes cut by the deadline`);
});

test('unknown stays unknown, with the reason: other files, torchvision, missing arguments, data-dependent shapes', () => {
  const text = `${HEADER}import torchvision
from .blocks import ResBlock

# floplens: input=(1, 3, 64, 64)
class Mixed(nn.Module):
    def __init__(self, depth):
        super().__init__()
        self.backbone = torchvision.models.resnet50()
        self.block = ResBlock(64)
        self.layers = nn.Sequential(*[nn.Linear(8, 8) for _ in range(depth)])
        self.head = nn.Linear(1000, 10)

    def forward(self, x):
        f = self.backbone(x)
        n = int(x.sum().item())
        return self.head(f)[:, :n]
`;
  const c = cls(analyzePython(text), 'Mixed');
  const pu = c.totals.paramsUnknown.join('\n');
  assert.match(pu, /backbone: torchvision\.models\.resnet50 is not analyzed \(only torch\.nn and this file are\)/);
  assert.match(pu, /block: blocks\.ResBlock comes from another file of the project, which is not analyzed/);
  assert.match(pu, /layers: depth has no default and the file never constructs Mixed/);
  assert.equal(c.layers.find((l) => l.path === 'head')?.params, 10_010);
  // The head is still called (and its parameters used), but its input shape is unknown.
  const head = c.layers.find((l) => l.path === 'head')!;
  assert.equal(head.calls, 1);
  assert.equal(head.unused, false);
  assert.match(head.costUnknown?.[0] ?? '', /torchvision\.models\.resnet50 is not analyzed/);
});

test('unknown conditions: the if branch is followed and said so; modules of the other branch (or training-only code) are not "unused"', () => {
  const text = `${HEADER}
# floplens: input=(2, 16)
class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 16)
        self.b = nn.Linear(16, 16)
        self.drop = nn.Dropout()

    def forward(self, x):
        if x.sum() > 0:
            x = self.a(x)
        else:
            x = self.b(x)
        if self.training:
            x = self.drop(x)
        return x
`;
  const c = cls(analyzePython(text), 'Branchy');
  assert.equal(c.totals.macs, 2 * 256);
  // Inference: self.training is False, so the dropout is not run, but it is the model's code.
  assert.equal(c.layers.find((l) => l.path === 'drop')?.calls, 0);
  assert.deepEqual(c.diagnostics.filter((d) => d.code === 'unused-module'), []);
  assert.ok(c.diagnostics.some((d) => d.code === 'note' && /condition on line 13 is unknown .*the if branch was followed/.test(d.message)));
  assert.equal(c.layers.find((l) => l.path === 'b')?.unused, false);
});

test('Python the evaluator follows: closures, *args/**kwargs, comprehensions, class attributes, inheritance, super(), partial', () => {
  const text = `${HEADER}from functools import partial
import math

def make(width, *extra, act=nn.ReLU, **kw):
    layers = [nn.Linear(width, width, **kw), act()]
    for e in extra:
        layers.append(nn.Linear(width, e))
        width = e
    return nn.Sequential(*layers)

class Base(nn.Module):
    expansion = 2
    def __init__(self, c):
        super().__init__()
        self.c = c * self.expansion

class Child(Base):
    expansion = 4
    def __init__(self, c=3):
        super(Child, self).__init__(c)
        norm = partial(nn.LayerNorm, eps=1e-6)
        widths = {k: v for k, v in zip("ab", [self.c, self.c // 2])}
        self.mlp = make(widths["a"], widths["b"], 3, bias=False)
        self.norm = norm(3)
        self.scale = math.sqrt(self.c)
        self.cells = nn.ModuleList(nn.Linear(3, 3) for i in range(10) if i % 3 == 0 and not i > 6)

    def forward(self, x):
        y = self.norm(self.mlp(x))
        for cell in self.cells:
            y = cell(y)
        return y * self.scale

if __name__ == "__main__":
    m = Child()
    m(torch.zeros(1, 12))
`;
  const c = cls(analyzePython(text), 'Child');
  assert.equal(c.totals.params, 12 * 12 + 12 * 6 + 6 + 6 * 3 + 3 + 6 + 3 * 12);
  assert.deepEqual(c.outputShapes, [[1, 3]]);
  assert.equal(c.layers.filter((l) => l.path.startsWith('cells.')).length, 3);
  assert.deepEqual(c.totals.costUnknown, []);
});

test('parse: ranges are 0-based; imports with aliases; chained comparisons; decorators, async, match do not break', () => {
  const m = parsePython(`import torch.nn as nn
from torch.nn import Conv2d as C, Linear
from . import sibling
@decorator(1)
class A(nn.Module):
    x: int = 3
    async def run(self):
        await thing()
    def f(self, a, b=2, *args, c=3, **kw):
        match a:
            case 1:
                pass
        return 1 < a <= 3
`);
  assert.deepEqual(m.body[0], { kind: 'import', names: [{ module: 'torch.nn', alias: 'nn' }], range: { start: { line: 0, character: 0 }, end: { line: 0, character: 21 } } });
  assert.deepEqual((m.body[1] as { names: unknown }).names, [{ name: 'Conv2d', alias: 'C' }, { name: 'Linear' }]);
  assert.equal((m.body[2] as { level: number }).level, 1);
  const a = m.body[3];
  assert.equal(a.kind, 'class');
  if (a.kind !== 'class') return;
  assert.equal(a.range.start.line, 4);
  assert.deepEqual(a.nameRange, { start: { line: 4, character: 6 }, end: { line: 4, character: 7 } });
  const f = a.body.find((s) => s.kind === 'def' && s.name === 'f');
  assert.ok(f && f.kind === 'def');
  assert.deepEqual(f.params.map((p) => `${p.kind}:${p.name}${p.default ? '=' : ''}`), ['normal:self', 'normal:a', 'normal:b=', 'star:args', 'kwonly:c=', 'dstar:kw']);
  const ret = f.body[f.body.length - 1];
  assert.equal(ret.kind, 'return');
  if (ret.kind === 'return') assert.equal(ret.value?.kind, 'boolop');
  assert.deepEqual(m.errors, []);
});

test('sizes computed by running a submodule (in __init__ or at module level) are followed', () => {
  const text = `${HEADER}
features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten())
flat = features(torch.zeros(size=(1, 3, 10, 10))).shape[1]

class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = features
        self.fc = nn.Linear(flat, 10)
        self.conv = nn.Conv2d(3, 4, 5, stride=2)
        with torch.no_grad():
            n = self.conv(torch.zeros(1, 3, 32, 32)).numel()
        self.fc2 = nn.Linear(n, 2)

    def forward(self, x):
        return self.fc(self.features(x)) + self.fc2(self.conv(x).flatten(1)).sum(1, keepdim=True)

if __name__ == "__main__":
    print(Head()(torch.rand(2, 3, 10, 10)))
`;
  const c = cls(analyzePython(text), 'Head');
  assert.equal(c.layers.find((l) => l.path === 'fc')?.params, (8 * 8 * 8 + 1) * 10);
  assert.equal(c.layers.find((l) => l.path === 'fc2')?.params, (4 * 14 * 14 + 1) * 2);
  // forward at (2, 3, 10, 10): conv out 3×3, so fc2 expects 784 but gets 36.
  assert.ok(c.diagnostics.some((d) => d.code === 'shape-unknown' && /expects 784 input features but the input \(2, 36\) has 36/.test(d.message)));
  assert.equal(c.input?.source, 'call');
});

test('modules kept in a plain list are not registered (torch does not count them): said on the line', () => {
  const text = `${HEADER}
# floplens: input=(2, 8)
class PlainList(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [nn.Linear(8, 8) for _ in range(3)]
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        for l in self.layers:
            x = l(x)
        return self.out(x)
`;
  const c = cls(analyzePython(text), 'PlainList');
  // As torch: sum(p.numel() for p in PlainList().parameters()) == 18.
  assert.equal(c.totals.params, 18);
  // Their work is still done (and counted) in forward.
  assert.equal(c.totals.macs, 2 * (3 * 64 + 16));
  const d = c.diagnostics.find((x) => x.code === 'unregistered');
  assert.equal(d?.message, 'layers is a plain list of 3 modules: they are not registered, so model.parameters() does not count their 216 parameters (use nn.ModuleList)');
  assert.equal(d?.range.start.line, 7);
});

test('module names built with f-strings, % and str.format; guards that raise on unknown values are assumed to pass', () => {
  const text = `${HEADER}
class Stack(nn.Module):
    def __init__(self, depth, width=8):
        super().__init__()
        if depth not in (2, 3):
            raise ValueError(f"depth {depth} is not supported")
        self.body = nn.Sequential()
        for i in range(3):
            self.body.add_module(f"conv{i + 1}_{width:03d}", nn.Conv2d(width, width, 3, padding=1))
        self.add_module("head%d" % 1, nn.Linear(width, 2))
        self.add_module("{}_{name}".format("aux", name=str(width * 1.0)), nn.Identity())

    def forward(self, x):
        x = self.body(x).mean((2, 3))
        return self.head1(x)
`;
  const c = cls(analyzePython(text, { defaultInput: [1, 8, 4, 4] }), 'Stack');
  assert.deepEqual(c.layers.map((l) => l.path), ['body', 'body.conv1_008', 'body.conv2_008', 'body.conv3_008', 'head1', 'aux_8.0']);
  assert.equal(c.totals.params, 3 * (9 * 64 + 8) + 18);
  assert.ok(c.diagnostics.some((d) => /condition on line 7 is unknown .*assumed it does not raise/.test(d.message)));
  assert.deepEqual(c.totals.paramsUnknown, []);
});

test('a block fed a list that grows after the call (DenseNet) is re-analyzed with the list as it was', () => {
  const text = `${HEADER}
class Layer(nn.Module):
    def __init__(self, cin, growth):
        super().__init__()
        self.conv = nn.Conv2d(cin, growth, 3, padding=1)

    def forward(self, feats):
        return self.conv(torch.cat(feats, 1))


class Dense(nn.Module):
    def __init__(self, c=4, growth=2, n=3):
        super().__init__()
        self.layers = nn.ModuleList([Layer(c + i * growth, growth) for i in range(n)])

    def forward(self, x):
        feats = [x]
        for layer in self.layers:
            feats.append(layer(feats))
        return torch.cat(feats, 1)
`;
  const r = analyzePython(text, { defaultInput: [1, 4, 5, 5] });
  assert.deepEqual(cls(r, 'Dense').outputShapes, [[1, 10, 5, 5]]);
  const layer = cls(r, 'Layer');
  assert.equal(layer.input?.source, 'first-use');
  assert.deepEqual(layer.input?.shapes, [[1, 4, 5, 5]]);
  assert.equal(layer.totals.macs, 9 * 4 * 2 * 25);
});

test('@property, @staticmethod and @classmethod on module classes', () => {
  const text = `${HEADER}
class Net(nn.Module):
    scale = 2

    def __init__(self, width=4):
        super().__init__()
        self.width = width
        self.fc = nn.Linear(self.features, self.make(self.width))

    @property
    def features(self):
        return self.width * self.scale

    @features.setter
    def features(self, value):
        self.width = value

    @staticmethod
    def make(n):
        return n + 1

    @classmethod
    def build(cls):
        return cls(width=8)

    def forward(self, x):
        return self.fc(x)

if __name__ == "__main__":
    net = Net.build()
    net(torch.ones(3, 16))
`;
  const c = cls(analyzePython(text), 'Net');
  assert.equal(c.totals.params, (16 + 1) * 9);
  assert.equal(c.totals.macs, 3 * 16 * 9);
  assert.equal(c.instance.source, 'file');
});

// ---------------------------------------------------------------------------------------------
// Hostile values and nesting (test/helpers/hostile-python.ts): every case returns, says why, and
// leaves the figure it touched unknown. No deadline: the step, size and nesting limits alone
// stop each one, so the outcome is the same on any machine.

function saysWhy(r: SourceAnalysis, c: HostileCase): void {
  const net = cls(r, 'Net');
  const said = [...r.diagnostics.map((d) => d.message), ...net.totals.paramsUnknown];
  assert.ok(said.some((m) => c.reason.test(m)), `${c.reason} in:\n${said.join('\n')}`);
  // The layer sized by what the hostile code computed has no exact figure (a lower bound, and why).
  assert.ok(net.layers.find((l) => l.path === 'fc')?.paramsUnknown?.length);
  assert.ok(net.totals.paramsUnknown.some((u) => u.startsWith('fc ')), net.totals.paramsUnknown.join('\n'));
}

for (const c of HOSTILE_CASES) {
  test(`hostile: ${c.name}`, () => {
    saysWhy(analyzePython(hostileSource(c), { timeBudgetMs: Infinity }), c);
    // As the language server has it: a document (its parse cache, the slices of its statements),
    // opened, then edited below the hostile code (the edit's slice is analyzed alone).
    const doc = new PythonDocument(hostileSource(c));
    saysWhy(doc.analysis(), c);
    doc.update(hostileSource(c).replace('nn.Linear(PROBE, 4)', 'nn.Linear(PROBE, 5)'));
    saysWhy(doc.analysis(), c);
  });
}

test('values up to the limits are built and counted exactly; wrapping and appending loops stay within the budget', () => {
  const text = `${HEADER}
big = [0] * 1000000
s = "a" * 1000000
x = []
for i in range(10000):
    x = [x]
rows = []
for i in range(1000):
    rows.append(list(range(100)))
wide = [[0] * 999] * 1000
depth = 0
while x:
    x = x[0]
    depth += 1
PROBE = len(big) + len(s) + len(rows) + len(wide) + depth - 2011992
${PROBE_MODEL}`;
  const r = analyzePython(text, { timeBudgetMs: Infinity });
  assert.deepEqual(r.diagnostics.map((d) => d.message), []);
  assert.equal(cls(r, 'Net').totals.params, 8 * 4 + 4);
});

test('the deadline is read inside builtins: == over 9·10^9 elements stops at the time budget', (t) => {
  const c = HOSTILE_CASES.find((k) => k.name.startsWith('== of two structures'))!;
  // A clock that moves 1 ms each time it is read (every 1,024 steps, however they are counted).
  let now = 0;
  t.mock.method(Date, 'now', () => now++);
  const r = analyzePython(hostileSource(c), { timeBudgetMs: 20 });
  t.mock.restoreAll();
  assert.ok(now < 60, `the clock read ${now} times`);
  assert.ok(r.diagnostics.some((d) => /module-level code stopped: the analysis time budget ran out/.test(d.message)), r.diagnostics.map((d) => d.message).join('\n'));
});

test('brackets past Python\'s 200 are blanked before lezer reads them: strings, comments and lines kept', () => {
  const deepLine = `x = ${'('.repeat(201)}1${')'.repeat(201)}`;
  const capped = capBrackets(`a = "(((" # [[[\n${deepLine}\ny = f"{${'['.repeat(200)}1${']'.repeat(200)}}"\n`);
  assert.equal(capped.deep.length, 2);
  assert.deepEqual(capped.text.split('\n'), [
    'a = "(((" # [[[',
    `x = ${'('.repeat(200)}   ${')'.repeat(200)}`,
    // f-string fields are code to lezer: their brackets count, the field's brace too.
    `y = f"{${'['.repeat(199)}   ${']'.repeat(199)}}"`,
    '',
  ]);
  assert.deepEqual(capBrackets(`x = ${'('.repeat(200)}1${')'.repeat(200)}\n`).deep, []);
  // The statement is skipped with the reason; the rest of the file is analyzed.
  const r = analyzePython(`${HEADER}PROBE = 4\n${deepLine}\nPROBE = 6\n${PROBE_MODEL}`);
  assert.ok(r.diagnostics.some((d) => d.message === "brackets nested more than 200 deep on line 4 (Python's own limit): the statement is skipped, the rest of the file is analyzed"));
  assert.equal(cls(r, 'Net').totals.params, 6 * 4 + 4);
});
