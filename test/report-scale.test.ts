/**
 * Reports of graphs too big for one string or one call's arguments, through the CLI: a
 * 130,000-node chain (text, JSON), a 1,000,000-node chain (JSON, streamed and checked piece by
 * piece) and a node with 1,000,000 inputs. Each ends with its exit code and a report or one line,
 * never a stack trace. Models are generated once per run in a temporary folder; times are not
 * asserted (`npm run bench:scale` prints them).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeFailure, failureKind } from '../src/formats/profile-file';
import { profileModel } from '../src/formats/registry';
import { ModelError } from '../src/formats/types';
import { MemorySource } from '../src/io/byte-source';
import { bigModel, reluChain, wideSum } from './helpers/big-graphs';
import { SUITE_MS } from './helpers/limits';
import { encodeModel } from './helpers/onnx-builder';

const CLI = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
let dir: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-scale-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function floplens(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const NO_STACK = /^\s+at /m;

test('130,000 nodes: the text table and the JSON report', { timeout: SUITE_MS }, async () => {
  const file = await bigModel(dir, 'chain-130k', () => reluChain(130_000));
  const text = floplens('profile', file);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.stderr, '');
  const lines = text.stdout.split('\n');
  assert.match(lines[3], /^Layer +Op +Input shape/);
  assert.match(text.stdout, /^relu129999 +Relu +batch×16 +batch×16 /m);
  assert.match(text.stdout, /^FLOPs: +2\.08 M·batch$/m);
  // header, inputs, blank, column names, rule, 130,000 rows, rule, blank
  assert.equal(lines.indexOf('', 3), 3 + 1 + 1 + 130_000 + 1);

  const json = floplens('profile', file, '--json');
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.layers.length, 130_000);
  assert.equal(doc.totals.nodes, 130_000);
  assert.equal(doc.totals.flops, '2080000·batch');
  assert.equal(doc.layers[129_999].path, 'relu129999');
});

/**
 * The 1,000,000-layer JSON report is larger than any string V8 can hold (it cannot be parsed in
 * one piece): read as it comes, each layer parsed alone, the rest as a document without layers.
 * A layer opens with `    {` and closes with `    }` (its own lines are indented deeper, and
 * strings never hold a raw line break), so the pieces and their separators check the syntax.
 */
async function checkStreamedJson(file: string): Promise<{ code: number; stderr: string; head: Record<string, unknown>; layers: number; last: { path: string; flops: string } }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'profile', file, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  const OPEN = '\n  "layers": [\n';
  let state: 'head' | 'layers' | 'tail' = 'head';
  let buf = '';
  let head = '';
  let layers = 0;
  let last = { path: '', flops: '' };
  for await (const chunk of child.stdout.setEncoding('utf8') as AsyncIterable<string>) {
    buf += chunk;
    if (state === 'head') {
      const at = buf.indexOf(OPEN);
      if (at < 0) continue;
      head = `${buf.slice(0, at)}\n  "layers": []\n}`;
      buf = buf.slice(at + OPEN.length);
      state = 'layers';
    }
    let pos = 0;
    while (state === 'layers') {
      assert.ok(buf.startsWith('    {\n', pos) || buf.length - pos < 6, `a layer starts at ${JSON.stringify(buf.slice(pos, pos + 20))}`);
      const end = buf.indexOf('\n    }', pos);
      if (end < 0 || end + 8 > buf.length) break;
      const l = JSON.parse(buf.slice(pos, end + 6)) as { path: string; flops: string };
      layers++;
      last = { path: l.path, flops: l.flops };
      const sep = buf.slice(end + 6, end + 8);
      if (sep === ',\n') pos = end + 8;
      else {
        assert.equal(sep, '\n ');
        pos = end + 6;
        state = 'tail';
      }
    }
    buf = buf.slice(pos);
  }
  const code = await exited;
  assert.equal(code, 0, stderr);
  assert.equal(state, 'tail');
  assert.equal(buf, '\n  ]\n}\n');
  return { code, stderr, head: JSON.parse(head) as Record<string, unknown>, layers, last };
}

test('1,000,000 nodes: the JSON report is streamed whole and valid', { timeout: SUITE_MS }, async () => {
  const file = await bigModel(dir, 'chain-1m', () => reluChain(1_000_000));
  const r = await checkStreamedJson(file);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.layers, 1_000_000);
  assert.deepEqual(r.last, { path: 'relu999999', flops: '16·batch' });
  assert.deepEqual((r.head.totals as { flops: string }).flops, '16000000·batch');
  assert.equal((r.head.totals as { nodes: number }).nodes, 1_000_000);
});

test('a node with 1,000,000 inputs broadcasts without a stack overflow', { timeout: SUITE_MS }, async () => {
  const file = await bigModel(dir, 'wide-1m', () => wideSum(1_000_000));
  const r = floplens('profile', file, '--json');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc.outputs[0].shape, [2, 3]);
  assert.equal(doc.layers[0].inputShapes.length, 1_000_000);
  assert.equal(doc.totals.flops, 6 * 999_999);
});

test('our failures are never the file\'s: a stack overflow is "FlopLens failed", exit 70', () => {
  const overflow = new RangeError('Maximum call stack size exceeded');
  assert.equal(failureKind(overflow), 'internal');
  assert.equal(describeFailure('/m/x.onnx', overflow), 'x.onnx: FlopLens failed (internal error, please report it): Maximum call stack size exceeded');

  // Through the CLI: the JSON writer made to overflow (a stand-in for any bug of ours).
  const model = path.join(dir, 'small.onnx');
  fs.writeFileSync(model, encodeModel(reluChain(3)));
  // Only the report's indented stringify fails: tsx, loading the CLI, stringifies too.
  const hook = 'data:text/javascript,const s=JSON.stringify;JSON.stringify=(v,r,i)=>{if(i===2)throw new RangeError("Maximum call stack size exceeded");return s(v,r,i)}';
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', hook, CLI, 'profile', model, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 70, r.stderr);
  assert.equal(r.stderr, 'floplens: small.onnx: FlopLens failed (internal error, please report it): Maximum call stack size exceeded\n');
  assert.doesNotMatch(r.stderr, NO_STACK);
});

test('a read past the end is the file\'s fault: ModelError, exit 2', () => {
  const bytes = encodeModel(reluChain(3));
  const truncated = new MemorySource(bytes.subarray(0, bytes.length - 5));
  assert.throws(() => profileModel('cut.onnx', truncated, undefined), (e: unknown) => e instanceof ModelError && /^cut\.onnx: /.test(e.message));
  const file = path.join(dir, 'cut.onnx');
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 5));
  const r = floplens('profile', file);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^floplens: cut\.onnx: \S.*\n$/);
});
