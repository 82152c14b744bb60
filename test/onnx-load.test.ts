import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemorySource } from '../src/io/byte-source';
import { FileSource, FolderHost } from '../src/io/file-source';
import { loadOnnx } from '../src/onnx/load';
import { profileModel } from '../src/formats/registry';
import { ModelError } from '../src/formats/types';
import { encodeModel, writeModelFile, DT, type GraphSpec } from './helpers/onnx-builder';

const FIXTURES = path.join(__dirname, 'fixtures', 'models');

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-load-'));
}

/** Profiling must fail with a ModelError: one line, naming the file, matching `reason`. */
function assertBadModel(bytes: Uint8Array, reason: RegExp, name = 'bad.onnx'): void {
  assert.throws(
    () => profileModel(name, new MemorySource(bytes), undefined),
    (e: unknown) => {
      assert.ok(e instanceof ModelError, `expected ModelError, got ${e}`);
      assert.equal(e.file, name);
      assert.match(e.reason, reason);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    },
  );
}

const tiny: GraphSpec = {
  nodes: [{ opType: 'Constant', inputs: [], outputs: ['y'], attrs: { value: { tensor: { name: 'c', dataType: DT.INT64, dims: [2], values: [3, 4] } } } }],
  inputs: [],
  outputs: [{ name: 'y', elemType: DT.INT64, shape: [2] }],
};

test('reads the graph of a real export: nodes, opset, producer, inputs', () => {
  const src = FileSource.open(path.join(FIXTURES, 'resnet18.onnx'));
  const m = loadOnnx(src);
  const facts = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'facts.json'), 'utf8')).models.resnet18;
  assert.equal(m.graph.nodes.length, facts.nodeCount);
  assert.equal(m.opsets.get(''), 13);
  assert.equal(m.producer, 'pytorch');
  assert.deepEqual(m.graph.inputs.map((i) => [i.name, i.shape]), [['input', [1, 3, 224, 224]]]);
  assert.equal(m.graph.initializers.size, facts.initializerCount);
  const histogram: Record<string, number> = {};
  for (const n of m.graph.nodes) histogram[n.opType] = (histogram[n.opType] ?? 0) + 1;
  assert.deepEqual(histogram, facts.opHistogram);
  src.close();
});

test('weights are never read: a model with 64 MB of inline raw_data loads reading a few KB', async () => {
  const dir = tmpdir();
  const file = path.join(dir, 'big.onnx');
  await writeModelFile(file, {
    graph: {
      nodes: [{ opType: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [1, 4096] }],
      outputs: [{ name: 'y', shape: [1, 4096] }],
      initializers: [{ name: 'w', dims: [4096, 4096], rawBytes: 4096 * 4096 * 4 }],
    },
  });
  const src = FileSource.open(file);
  const m = loadOnnx(src);
  assert.equal(m.graph.initializers.get('w')?.data.where, 'raw');
  // One read window (64 KiB) at most, whatever the weights weigh.
  assert.ok(src.bytesRead <= 64 * 1024 + 1024, `read ${src.bytesRead} bytes of ${src.size}`);
  src.close();
  fs.rmSync(dir, { recursive: true });
});

test('files over 2 GB profile: positions and lengths beyond 2^31 are exact', async () => {
  const dir = tmpdir();
  const file = path.join(dir, 'huge.onnx');
  // 2.3 GB of inline weights (a sparse file: no disk, no time); the graph's outputs come after them.
  const n = 24_000;
  await writeModelFile(file, {
    graph: {
      nodes: [{ opType: 'Constant', inputs: [], outputs: ['y'], attrs: { value: { tensor: { name: 'c', dataType: DT.INT64, dims: [1], values: [7] } } } }],
      inputs: [],
      outputs: [{ name: 'y', elemType: DT.INT64, shape: [1] }],
      initializers: [{ name: 'w', dims: [n, n], rawBytes: n * n * 4 }],
    },
  });
  const src = FileSource.open(file);
  assert.ok(src.size > 2 ** 31);
  const report = profileModel(file, src, new FolderHost(file));
  assert.equal(report.totals.storedParams, n * n);
  assert.equal(report.totals.nodes, 1);
  assert.ok(src.bytesRead < 1 << 20, `read ${src.bytesRead} bytes`);
  src.close();
  fs.rmSync(dir, { recursive: true });
});

test('empty, text, zip, pickle, GGUF and safetensors files get a one-line reason', () => {
  assertBadModel(new Uint8Array(0), /empty file/);
  assertBadModel(new TextEncoder().encode('hello, this is not a model\n'), /.+/);
  assertBadModel(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0]), /zip archive/);
  assertBadModel(new Uint8Array([0x80, 0x02, 0x63, 0x5f, 0x5f, 0x62, 0x75, 0x69, 0x6c]), /pickle \(never executed\)/);
  assertBadModel(new TextEncoder().encode('GGUF\x03\0\0\0\0\0\0\0'), /GGUF/);
  const header = new TextEncoder().encode('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
  const st = new Uint8Array(8 + header.length + 4);
  new DataView(st.buffer).setBigUint64(0, BigInt(header.length), true);
  st.set(header, 8);
  assertBadModel(st, /safetensors/);
});

test('truncated files are reported as truncated, at every cut point', () => {
  const bytes = fs.readFileSync(path.join(FIXTURES, 'mobilenet_v2.onnx'));
  for (const cut of [1, 7, 100, 1000, bytes.length >> 1, bytes.length - 1]) {
    assertBadModel(bytes.subarray(0, cut), /truncated|past|no (ir_version|graph)|malformed/);
  }
});

test('random bytes never crash or hang: every outcome is a report or a ModelError', () => {
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const good = encodeModel({ graph: tiny });
  for (let i = 0; i < 300; i++) {
    const bytes = Uint8Array.from(good);
    for (let k = 0; k < 3; k++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
    try {
      profileModel('fuzz.onnx', new MemorySource(bytes), undefined);
    } catch (e) {
      assert.ok(e instanceof ModelError, `mutation ${i}: ${(e as Error).stack}`);
    }
  }
});

test('a length field claiming terabytes is refused, not allocated', () => {
  // field 7 (graph), wire type 2, length 2^40
  const bytes = new Uint8Array([0x08, 0x07, 0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
  assertBadModel(bytes, /truncated/);
});

test('subgraphs nested beyond the limit are refused', () => {
  let g: GraphSpec = tiny;
  for (let i = 0; i < 40; i++) {
    g = {
      nodes: [{ opType: 'If', inputs: ['c'], outputs: ['y'], attrs: { then_branch: { graph: g }, else_branch: { graph: tiny } } }],
      inputs: [{ name: 'c', elemType: DT.BOOL, shape: [] }],
      outputs: [{ name: 'y', elemType: DT.INT64, shape: [2] }],
    };
  }
  assertBadModel(encodeModel({ graph: g }), /nested more than 32 deep/);
});

test('external data outside the model folder is an error; a missing data file only a warning', async () => {
  const dir = tmpdir();
  const inner = path.join(dir, 'models');
  fs.mkdirSync(inner);
  fs.writeFileSync(path.join(dir, 'secret.bin'), 'x'.repeat(64));
  const spec = (location: string): Parameters<typeof writeModelFile>[1] => ({
    graph: {
      nodes: [{ opType: 'Constant', inputs: [], outputs: ['y'], attrs: { value: { tensor: { name: 'c', dataType: DT.INT64, dims: [1], values: [1] } } } }],
      inputs: [],
      outputs: [{ name: 'y', elemType: DT.INT64, shape: [1] }],
      initializers: [{ name: 'w', dims: [16], external: { location, offset: 0, length: 64 } }],
    },
  });
  const run = async (location: string) => {
    const file = path.join(inner, 'm.onnx');
    await writeModelFile(file, spec(location));
    const src = FileSource.open(file);
    try {
      return profileModel(file, src, new FolderHost(file));
    } finally {
      src.close();
    }
  };
  await assert.rejects(run('../secret.bin'), /m\.onnx: external data location "\.\.\/secret\.bin" is outside the model's folder/);
  await assert.rejects(run('/etc/passwd'), /not a relative path/);
  fs.symlinkSync(path.join(dir, 'secret.bin'), path.join(inner, 'link.bin'));
  await assert.rejects(run('link.bin'), /links outside the model's folder/);
  const report = await run('weights.bin');
  assert.match(report.warnings.join('\n'), /external data file "weights.bin" is not there/);
  assert.equal(report.totals.storedParams, 16);
  fs.rmSync(dir, { recursive: true });
});

test('negative tensor dims are refused', () => {
  const bytes = encodeModel({ graph: { ...tiny, initializers: [{ name: 'w', dims: [-3, 2], rawBytes: 0 }] } });
  assertBadModel(bytes, /invalid dims/);
});
