import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES } from './helpers/fixtures';

const CLI = path.join(__dirname, '..', 'src', 'cli', 'main.ts');

function floplens(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const model = (name: string): string => path.join(FIXTURES, `${name}.onnx`);

test('profile prints a table and the totals', () => {
  const r = floplens('profile', model('resnet18'), '--depth', '1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Layer +Op +Input shape +Output shape +Params +MACs +FLOPs/m);
  assert.match(r.stdout, /^layer1 +Conv×4 /m);
  assert.match(r.stdout, /^MACs: +1\.814 G \(1,814,073,344\)$/m);
  assert.match(r.stdout, /^Params: +11\.68 M \(11,684,712\)$/m);
  // depth 1: no indented rows
  assert.doesNotMatch(r.stdout, /^ {2}\S/m);
});

test('--json follows the documented schema with exact integers', () => {
  const r = floplens('profile', model('resnet18'), '--json');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.schemaVersion, 1);
  assert.equal(doc.totals.macs, 1_814_073_344);
  assert.equal(doc.totals.params, 11_684_712);
  assert.equal(typeof doc.totals.activationBytes, 'number');
  const conv1 = doc.layers.find((l: { path: string }) => l.path === 'conv1/Conv');
  assert.deepEqual(conv1.outputShapes[0].shape, [1, 64, 112, 112]);
  assert.equal(conv1.params, 64 * 3 * 7 * 7 + 64);
  assert.equal(conv1.macs, 7 * 7 * 3 * 64 * 112 * 112);
  assert.equal(conv1.flops, 2 * conv1.macs + 64 * 112 * 112);
  for (const key of ['name', 'op', 'inputShapes', 'outputShapes', 'params', 'macs', 'flops']) assert.ok(key in conv1, key);
});

test('symbolic totals are strings with a machine form; --dim binds them', () => {
  const sym = JSON.parse(floplens('profile', model('tiny_transformer'), '--json').stdout);
  assert.equal(sym.totals.macs, '256·batch·seq^2 + 129536·batch·seq');
  assert.deepEqual(sym.totals.macsPoly, [[129536, { batch: 1, seq: 1 }], [256, { batch: 1, seq: 2 }]]);
  assert.deepEqual(sym.symbols, ['batch', 'seq']);
  const bound = JSON.parse(floplens('profile', model('tiny_transformer'), '--json', '--dim', 'batch=1', '--dim', 'seq=2048').stdout);
  assert.equal(bound.totals.macs, 256 * 2048 * 2048 + 129536 * 2048);
  assert.deepEqual(bound.bindings, { batch: 1, seq: 2048 });
});

test('--input reshapes the only input and the report shows what it did (seed 003)', () => {
  const r = floplens('profile', model('mobilenet_v2'), '--input', '32x3x320x320', '--depth', '1');
  assert.equal(r.code, 0, r.stderr);
  // 19,599,769,600 / 300,774,272 = 65.16
  assert.match(r.stdout, /vs\. the file's own inputs \(input 1×3×224×224\): MACs ×65\.16, .*params unchanged \(3\.488 M\)/);
  const named = floplens('profile', model('mobilenet_v2'), '--input', 'input=8x3x320x320', '--json');
  assert.equal(JSON.parse(named.stdout).inputs[0].shape.join('x'), '8x3x320x320');
});

test('--csv and --md render every row', () => {
  const csv = floplens('profile', model('shared_conv'), '--csv');
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\r\n');
  assert.equal(lines[0], 'depth,Layer,Op,Input shape,Output shape,Params,MACs,FLOPs,% MACs,Activations,Notes');
  assert.ok(lines.some((l) => l.startsWith('1,conv1/Conv,Conv,1×1×512×512,1×1×512×512,9,2359296,4718592,50.0000')));
  const md = floplens('profile', model('shared_conv'), '--md');
  assert.match(md.stdout, /^\| Layer \| Op \|/m);
  assert.match(md.stdout, /shared by several layers, counted once/);
});

test('budgets: exit 3 naming the figure, the budget and the top layers', () => {
  const over = floplens('profile', model('resnet18'), '--budget-macs', '1G', '--budget-params', '20M', '--depth', '1');
  assert.equal(over.code, 3);
  assert.match(over.stderr, /resnet18\.onnx: MACs 1\.814 G exceed the budget of 1 G; largest: conv1\/Conv 118 M, layer1\/layer1\.0\/conv1\/Conv 115\.6 M, layer1\/layer1\.0\/conv2\/Conv 115\.6 M/);
  assert.doesNotMatch(over.stderr, /parameters/);
  assert.equal(floplens('profile', model('resnet18'), '--budget-macs', '2G').code, 0);
  const symbolic = floplens('profile', model('tiny_transformer'), '--budget-macs', '1G');
  assert.equal(symbolic.code, 3);
  assert.equal(
    symbolic.stderr,
    'floplens: tiny_transformer.onnx: the MACs budget of 1 G cannot be checked: MACs = 256·batch·seq² + 129.5 K·batch·seq depends on unbound symbols; bind batch, seq with --dim\n',
  );
});

test('bindings the model does not have are bad arguments (exit 1), said in one line naming what it has', () => {
  const input = floplens('profile', model('mobilenet_v2'), '--input', 'foo=1x3x224x224');
  assert.equal(input.code, 1);
  assert.equal(input.stderr, 'floplens: unknown input "foo": the model\'s only input is input\n');
  assert.equal(input.stdout, '');
  const dim = floplens('profile', model('tiny_transformer'), '--dim', 'seq-len=3');
  assert.equal(dim.code, 1);
  assert.equal(dim.stderr, 'floplens: unknown dim "seq-len": the model\'s symbols are batch, seq\n');
  assert.equal(dim.stdout, '');
});

test('bad arguments exit 1 with the usage', () => {
  const bad = [
    ['profile'], ['profile', 'a.onnx', '--json', '--csv'], ['profile', 'a.onnx', '--depth', 'x'], ['frobnicate'], ['profile', 'a.onnx', '--budget-macs', 'lots'],
    ['profile', 'a.onnx', '--dim', 'batch'], ['profile', 'a.onnx', '--dim', 'batch=0'], ['profile', 'a.onnx', '--dim', 'batch=1', '--dim', 'batch=2'],
    ['profile', 'a.onnx', '--input', '1x0x3'],
  ];
  for (const args of bad) {
    const r = floplens(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^floplens: .+\nusage: floplens profile/);
  }
  assert.match(floplens('profile', 'a.onnx', '--dim', 'batch=0').stderr, /^floplens: --dim: dim "batch" needs a whole number ≥ 1, not "0"\n/);
});

test('unreadable and malformed models exit 2 with one line naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-cli-'));
  const cases: [string, Uint8Array | string, RegExp][] = [
    ['truncated.onnx', fs.readFileSync(model('resnet18')).subarray(0, 5000), /truncated\.onnx: truncated/],
    ['notes.onnx', 'just some text\n', /notes\.onnx: /],
    ['ckpt.onnx', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6]), /ckpt\.onnx: not an ONNX model: a zip archive/],
  ];
  for (const [name, bytes, reason] of cases) {
    fs.writeFileSync(path.join(dir, name), bytes);
    const r = floplens('profile', path.join(dir, name));
    assert.equal(r.code, 2, name);
    assert.match(r.stderr, reason);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  }
  const missing = floplens('profile', path.join(dir, 'nope.onnx'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^floplens: nope\.onnx: no such file\n$|nope\.onnx: no such file/);
  fs.rmSync(dir, { recursive: true });
});

test('names from the file cannot drive the terminal', async () => {
  const { encodeModel } = await import('./helpers/onnx-builder');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-cli-'));
  const file = path.join(dir, 'evil.onnx');
  fs.writeFileSync(file, encodeModel({
    graph: {
      nodes: [{ opType: 'Relu', name: '\u001b[31m<img src=x onerror=alert(1)>\u001b[0m', inputs: ['x'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'y', shape: [1, 4] }],
    },
  }));
  const r = floplens('profile', file);
  assert.equal(r.code, 0, r.stderr);
  // eslint-disable-next-line no-control-regex -- an ESC character is exactly what must not reach the terminal
  assert.doesNotMatch(r.stdout, /\u001b/);
  assert.match(r.stdout, /\\x1b\[31m<img src=x onerror=alert\(1\)>\\x1b\[0m/);
  fs.rmSync(dir, { recursive: true });
});

test('a dim_param that clears the screen and a name with U+202E: escaped in text and Markdown, exact in JSON', async () => {
  const { encodeModel } = await import('./helpers/onnx-builder');
  const { CLEAR_SCREEN, deceptiveModel, INVISIBLE, REVERSED } = await import('./helpers/deceptive-names');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-cli-'));
  const file = path.join(dir, 'deceptive.onnx');
  fs.writeFileSync(file, encodeModel(deceptiveModel()));
  const text = floplens('profile', file);
  assert.equal(text.code, 0, text.stderr);
  assert.doesNotMatch(text.stdout, INVISIBLE);
  assert.match(text.stdout, /^invoice<U\+202E>gnp\.exe +Relu +\(\\x1b\[2J\)×8 /m);
  assert.match(text.stdout, /opset 17, evil\\x1b\]0;pwned\\x07 1$/m);
  const md = floplens('profile', file, '--md');
  assert.equal(md.code, 0, md.stderr);
  assert.doesNotMatch(md.stdout, INVISIBLE);
  assert.match(md.stdout, /^\| invoice&lt;U\+202E&gt;gnp\.exe \| Relu \| \(\\\\x1b\\\[2J\)×8 \|/m);
  const json = floplens('profile', file, '--json');
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.layers[0].name, REVERSED);
  assert.deepEqual(doc.symbols, [CLEAR_SCREEN]);
  // A binding error names the symbol the model has: visibly.
  const unknown = floplens('profile', file, '--dim', 'batch=2');
  assert.equal(unknown.code, 1);
  assert.doesNotMatch(unknown.stderr, INVISIBLE);
  assert.match(unknown.stderr, /\\x1b\[2J/);
  fs.rmSync(dir, { recursive: true });
});
