/**
 * A PythonDocument between edits: only the classes an edit can reach are analyzed again
 * (src/pytorch/incremental), and the result must be that of an analysis of the whole file,
 * whatever the edit (numbers, lines added and removed, half-typed code, new statements, input
 * shapes). Also the parse cache the analyses share and the slices. Plain data, no editor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parser } from '@lezer/python';
import type { Tree } from '@lezer/common';
import { analyzePython, PythonDocument, type ClassAnalysis, type SourceAnalysis } from '../src/pytorch';
import { buildGraph } from '../src/pytorch/incremental/slices';
import { ParseCache } from '../src/pytorch/parse';
import { generatedPythonFile, randomEdit, random } from './helpers/python-source';
import { stopAnalysisClock } from './helpers/analysis-clock';

stopAnalysisClock();

test('PythonDocument: incremental analyses equal whole-file analyses after every kind of edit', () => {
  for (const seed of [1, 2, 3]) {
    const rnd = random(seed);
    let text = generatedPythonFile(700);
    const doc = new PythonDocument(text);
    doc.analysis();
    for (let i = 0; i < 25; i++) {
      const e = randomEdit(text, rnd);
      text = text.slice(0, e.start) + e.text + text.slice(e.end);
      doc.update(text);
      const got = doc.analysis();
      const whole = new PythonDocument(text).analysis();
      assert.deepEqual(got.classes, whole.classes, `seed ${seed}, edit ${i}: ${JSON.stringify(e)}`);
    }
  }
});

test('PythonDocument: the same text is analyzed once; a whole-file analysis when asked, and for a new input', () => {
  const text = generatedPythonFile(200);
  const doc = new PythonDocument(text);
  const first = doc.analysis();
  assert.equal(doc.analysis(), first);
  assert.equal(doc.analysis({ whole: true }), first, 'the first analysis is of the whole file');
  doc.update(text.replace(/nn\.Linear\(\d+/, 'nn.Linear(7'));
  const edited = doc.analysis();
  assert.notEqual(edited, first);
  assert.deepEqual(edited.diagnostics, [], 'merged analyses leave file-level diagnostics to whole ones');
  const settled = doc.analysis({ whole: true });
  assert.notEqual(settled, edited);
  assert.equal(doc.analysis(), settled);
  const other = doc.analysis({ defaultInput: [1, 3, 32, 32] });
  assert.notEqual(other, settled);
  assert.deepEqual(other.classes, analyzePython(doc.getText(), { defaultInput: [1, 3, 32, 32] }).classes);
});

test('PythonDocument: a class an edit does not reach keeps its results, the lines its texts quote moved with its ranges', () => {
  const text = [
    'import torch.nn as nn',
    '',
    'class Head(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.fc = nn.Linear(8, 2)',
    '',
    '    def forward(self, x):',
    '        return self.fc(x)',
    '',
    '# floplens: input=(1, 4)',
    'class Net(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.a = nn.Linear(4, 8)',
    '        self.b = nn.Linear(5, 2)',
    '',
    '    def forward(self, x):',
    '        return self.b(self.a(x))',
    '',
  ].join('\n');
  const doc = new PythonDocument(text);
  const net = (a: SourceAnalysis): ClassAnalysis => a.classes.find((c) => c.name === 'Net')!;
  const before = net(doc.analysis());
  assert.equal(before.input?.description, '# floplens: input=(1, 4) on line 11');
  assert.deepEqual(before.totals.costUnknown, ['line 19: Linear: Linear expects 5 input features but the input (1, 8) has 8']);
  // Two lines more in Head: Net is not analyzed again, it moves.
  const edited = text.replace('        self.fc = nn.Linear(8, 2)', '        # the head\n        # of the model\n        self.fc = nn.Linear(8, 2)');
  doc.update(edited);
  const after = net(doc.analysis());
  assert.equal(after.input?.description, '# floplens: input=(1, 4) on line 13');
  assert.deepEqual(after.totals.costUnknown, ['line 21: Linear: Linear expects 5 input features but the input (1, 8) has 8']);
  assert.equal(after.layers.find((l) => l.path === 'b')?.outputUnknown, 'after line 21: Linear: Linear expects 5 input features but the input (1, 8) has 8');
  assert.deepEqual(
    after.diagnostics.map((d) => [d.range.start.line, d.message]),
    [[20, 'shape unknown after line 21: Linear: Linear expects 5 input features but the input (1, 8) has 8']],
  );
  assert.deepEqual(after, net(analyzePython(edited)));
});

test('PythonDocument: one AST per text', () => {
  const doc = new PythonDocument('import torch\n');
  const m = doc.module();
  assert.equal(doc.module(), m);
  doc.update('import torch\nimport torch.nn as nn\n');
  assert.notEqual(doc.module(), m);
  assert.equal(doc.module().body.length, 2);
});

function topLevel(tree: Tree): string[] {
  const out: string[] = [];
  for (let c = tree.topNode.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') out.push(`${c.name}@${c.from}-${c.to}`);
  return out;
}

test('ParseCache: after edits of broken code the tree is the one a fresh parse gives', () => {
  // @lezer/python's incremental parse alone gets some of these wrong (a class swallowing the
  // rest of the file after an unclosed bracket elsewhere was closed or moved).
  for (let seed = 1; seed <= 60; seed++) {
    const rnd = random(seed);
    const cache = new ParseCache();
    let text = generatedPythonFile(300);
    cache.parse(text);
    for (let i = 0; i < 3; i++) {
      const e = randomEdit(text, rnd);
      text = text.slice(0, e.start) + e.text + text.slice(e.end);
      assert.deepEqual(topLevel(cache.parse(text)), topLevel(parser.parse(text)), `seed ${seed}, edit ${i}`);
    }
  }
});

const SMALL = `import torch
import torch.nn as nn

C = 16


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3), nn.ReLU())


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = block(3, C)

    def forward(self, x):
        return self.body(x)


class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc(x)


if __name__ == '__main__':
    net = Small()
    x = torch.rand(1, 3, 32, 32)
    out = net(x)
    other = Other()
    y = other(torch.rand(2, 4))
`;

test("slices: a class's slice holds what builds and feeds it, not the other classes", () => {
  const graph = buildGraph(SMALL, new ParseCache(), new Map());
  const lines = SMALL.split('\n');
  const first = (i: number): string => lines[graph.segments[i].startLine].trim();
  const small = graph.classSegments().find((i) => first(i).startsWith('class Small'))!;
  const kept = [...graph.slice(small)].sort((a, b) => a - b).map(first);
  assert.deepEqual(kept, [
    'import torch',
    'import torch.nn as nn',
    'C = 16',
    'def block(cin, cout):',
    'class Small(nn.Module):',
    "if __name__ == '__main__':",
    'net = Small()',
    'x = torch.rand(1, 3, 32, 32)',
    'out = net(x)',
  ]);
  // The slice analyzes Small exactly as the whole file does, on the same lines.
  const part = analyzePython(graph.sliceText(SMALL, graph.slice(small)));
  const whole = analyzePython(SMALL);
  assert.deepEqual(part.classes.map((c) => c.name), ['Small']);
  assert.deepEqual(part.classes[0], whole.classes[0]);
});

test('slices: files that can bind names out of sight are marked dynamic', () => {
  for (const code of ['from torch.nn import *\n', "globals()['Net'] = object\n", 'exec("x = 1")\n']) {
    assert.equal(buildGraph(SMALL + code, new ParseCache(), new Map()).dynamic, true, code);
  }
  assert.equal(buildGraph(SMALL, new ParseCache(), new Map()).dynamic, false);
});
