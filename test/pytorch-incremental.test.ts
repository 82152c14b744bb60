/**
 * The PyTorch source analyzer between edits: only the classes an edit can reach are analyzed
 * again (server/analyzers/pytorch-slices.ts), and its lenses must be those of an analysis of the
 * whole file, whatever the edit (numbers, lines added and removed, half-typed code, new
 * statements, input shapes). Also the parse cache the analyses share, and how diagnostics of
 * several owners are published together.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parser } from '@lezer/python';
import type { Tree } from '@lezer/common';
import type { CodeLens, Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzePython, ParseCache } from '../src/pytorch';
import { PytorchSource } from '../server/analyzers/pytorch-source';
import { buildGraph } from '../server/analyzers/pytorch-slices';
import type { AnalyzerContext } from '../server/analyzers/registry';
import { DiagnosticsHub } from '../server/diagnostics';
import { DEFAULT_SETTINGS } from '../server/protocol';
import { stopAnalysisClock } from './helpers/analysis-clock';
import { generatedPythonFile } from './helpers/python-source';

stopAnalysisClock();

const ctx: AnalyzerContext = {
  folderOf: () => undefined,
  modelExtensions: ['.onnx'],
  profile: () => Promise.reject(new Error('no models here')),
  exactModeAvailable: () => false,
  settings: () => DEFAULT_SETTINGS,
};

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** One edit of the kinds people make while writing a model, somewhere in the text. */
function randomEdit(text: string, rnd: () => number): Edit {
  const lines = text.split('\n');
  for (;;) {
    const li = Math.floor(rnd() * lines.length);
    const line = lines[li];
    const at = lines.slice(0, li).reduce((n, l) => n + l.length + 1, 0);
    switch (Math.floor(rnd() * 7)) {
      case 0: {
        const m = /\d+/.exec(line);
        if (m) return { start: at + m.index, end: at + m.index + m[0].length, text: String(Number(m[0]) + 1) };
        break;
      }
      case 1:
        return { start: at, end: at, text: `${/^\s*/.exec(line)![0]}# note\n` };
      case 2:
        return { start: at, end: at + line.length + 1, text: '' };
      case 3:
        return { start: at + line.length, end: at + line.length, text: '(' };
      case 4: {
        const m = /input=\((\d+)|rand\((\d+)|\((\d+),/.exec(line);
        const n = m?.[1] ?? m?.[2] ?? m?.[3];
        if (m && n) return { start: at + m.index + m[0].length - n.length, end: at + m.index + m[0].length, text: String(Number(n) * 2) };
        break;
      }
      case 5: {
        const start = at + Math.floor(rnd() * (line.length + 1));
        return { start, end: Math.min(text.length, start + Math.floor(rnd() * 40)), text: '' };
      }
      default:
        return { start: at, end: at, text: 'WIDTH = 3\n' };
    }
  }
}

const titles = (ls: CodeLens[]): string[] => ls.map((l) => `${l.range.start.line + 1}: ${l.command?.title}`);

test('incremental lenses equal whole-file lenses after every kind of edit', async () => {
  for (const seed of [1, 2, 3]) {
    const rnd = random(seed);
    let doc = TextDocument.create('file:///ws/models.py', 'python', 1, generatedPythonFile(700));
    const analyzer = new PytorchSource();
    await analyzer.codeLenses(doc, ctx);
    for (let i = 0; i < 25; i++) {
      const e = randomEdit(doc.getText(), rnd);
      doc = TextDocument.update(doc, [{ range: { start: doc.positionAt(e.start), end: doc.positionAt(e.end) }, text: e.text }], doc.version + 1);
      analyzer.changed(doc, ctx);
      const got = await analyzer.codeLenses(doc, ctx);
      const whole = new PytorchSource();
      const expected = await whole.codeLenses(doc, ctx);
      whole.dispose();
      assert.deepEqual(titles(got), titles(expected), `seed ${seed}, edit ${i}: ${JSON.stringify(e)}`);
    }
    analyzer.dispose();
  }
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

test('DiagnosticsHub: each owner replaces its own diagnostics of a URI, the client gets them all', () => {
  const sent: [string, string[]][] = [];
  const hub = new DiagnosticsHub((uri, ds) => sent.push([uri, ds.map((d) => d.message)]));
  const d = (message: string): Diagnostic => ({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message });
  hub.publish('models', 'file:///a.py', [d('model')]);
  hub.publish('pytorch-source', 'file:///a.py', [d('unused'), d('budget')]);
  hub.publish('models', 'file:///a.py', []);
  hub.publish('pytorch-source', 'file:///a.py', []);
  assert.deepEqual(sent, [
    ['file:///a.py', ['model']],
    ['file:///a.py', ['model', 'unused', 'budget']],
    ['file:///a.py', ['unused', 'budget']],
    ['file:///a.py', []],
  ]);
});
