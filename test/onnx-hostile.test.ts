/**
 * Hostile ONNX files, generated here (none committed): tensors that lie about their data, functions
 * that call themselves, special files, dims past 2^53, deep nesting and huge counts. Each must end
 * as a one-line error naming the file or a report whose gaps carry a reason — never a crash, a
 * hang or a huge allocation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemorySource } from '../src/io/byte-source';
import { profileFile } from '../src/formats/profile-file';
import { profileModel } from '../src/formats/registry';
import { ModelError } from '../src/formats/types';
import type { Report } from '../src/profile/report';
import { DT, encodeModel, writeModelFile, type GraphSpec, type ModelSpec, type TensorSpec } from './helpers/onnx-builder';
import { ProtoWriter } from './helpers/protobuf-writer';
import { allRows, num, row } from './helpers/profile';

const MB = 1 << 20;

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-hostile-'));
}

/** A ModelError of one line naming `file`, whose reason matches. */
function assertModelError(run: () => unknown, file: string, reason: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof ModelError, `expected ModelError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.match(e.reason, reason);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

/** A Reshape whose target shape is the tensor `shape`: the tensor's values are needed. */
function reshapeBy(shape: TensorSpec): ModelSpec {
  return {
    graph: {
      nodes: [{ opType: 'Reshape', inputs: ['x', shape.name], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [2, 3] }],
      outputs: [{ name: 'y' }],
      initializers: [shape],
    },
  };
}

/** Profiles a model written to disk (sparse: zero runs cost no disk) and removes it. */
async function profileWritten(spec: ModelSpec, name = 'model.onnx', setUp?: (dir: string) => void): Promise<{ report?: Report; error?: unknown; rssGrowth: number }> {
  const dir = tmpdir();
  try {
    const file = path.join(dir, name);
    await writeModelFile(file, spec);
    setUp?.(dir);
    const before = process.memoryUsage().rss;
    try {
      const report = profileFile(file);
      return { report, rssGrowth: process.memoryUsage().rss - before };
    } catch (error) {
      return { error, rssGrowth: process.memoryUsage().rss - before };
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function assertErrorReason(error: unknown, reason: RegExp): void {
  assert.ok(error instanceof ModelError, `expected ModelError, got ${String(error)}`);
  assert.equal(error.file, 'model.onnx');
  assert.match(error.reason, reason);
  assert.ok(!error.message.includes('\n'), 'one line');
}

test('a shape tensor with dims [2] and 150 MB of raw_data is refused before any of it is read', async () => {
  const { error, rssGrowth } = await profileWritten(reshapeBy({ name: 'target', dataType: DT.INT64, dims: [2], rawBytes: 150 * MB }));
  assertErrorReason(error, /^tensor "target" has dims \[2\] \(16 bytes of int64\) but its raw_data holds 157286400 bytes$/);
  assert.ok(rssGrowth < 100 * MB, `rss grew ${Math.round(rssGrowth / MB)} MB`);
});

test('a shape tensor with dims [2] and 120 MB of packed int64_data is refused from the field sizes alone', async () => {
  const { error, rssGrowth } = await profileWritten(reshapeBy({ name: 'target', dataType: DT.INT64, dims: [2], lyingData: { field: 'int64_data', packedBytes: 120 * MB } }));
  assertErrorReason(error, /^tensor "target" has dims \[2\] \(2 values\) but its int64_data holds at least 12582912$/);
  assert.ok(rssGrowth < 100 * MB, `rss grew ${Math.round(rssGrowth / MB)} MB`);
});

test('a million unpacked int64_data entries are counted, not kept', async () => {
  const { error } = await profileWritten(reshapeBy({ name: 'target', dataType: DT.INT64, dims: [2], lyingData: { field: 'int64_data', unpacked: 1_000_000 } }));
  assertErrorReason(error, /^tensor "target" has dims \[2\] \(2 values\) but its int64_data holds at least 1000000$/);
});

test('varint data whose size fits the dims but holds more values is caught while reading, one past the dims', () => {
  // 600 dims, 5000 one-byte varints: within the sizes 600 varints may take, too large to decode on the way.
  const spec = reshapeBy({ name: 'target', dataType: DT.INT64, dims: [600], lyingData: { field: 'int64_data', packedBytes: 5000 } });
  assertModelError(() => profileModel('m.onnx', new MemorySource(encodeModel(spec)), undefined), 'm.onnx', /^tensor "target" has dims \[600\] \(600 values\) but its int64_data holds more$/);
});

test('a Constant whose value tensor lies about its size is the file\'s error, naming the tensor', () => {
  const spec: ModelSpec = {
    graph: {
      nodes: [{ opType: 'Constant', inputs: [], outputs: ['s'], attrs: { value: { tensor: { name: 'c', dataType: DT.INT64, dims: [2], rawBytes: 24 } } } }],
      inputs: [],
      outputs: [{ name: 's' }],
    },
  };
  assertModelError(() => profileModel('m.onnx', new MemorySource(encodeModel(spec)), undefined), 'm.onnx', /^tensor "c" has dims \[2\] \(16 bytes of int64\) but its raw_data holds 24 bytes$/);
});

test('a weight that lies about its size is counted from its dims, with a warning', () => {
  const spec: ModelSpec = {
    graph: {
      nodes: [{ opType: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [1, 1000] }],
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'w', dims: [1000, 1000], rawBytes: 16 }],
    },
  };
  const report = profileModel('m.onnx', new MemorySource(encodeModel(spec)), undefined);
  assert.equal(report.totals.params, 1_000_000);
  assert.equal(num(report.totals.macs), 1_000_000);
  assert.deepEqual(report.warnings, ['tensor "w" has dims [1000, 1000] (4000000 bytes of float) but its raw_data holds 16 bytes: counted from its dims']);
});

test('external data without a length: only the bytes the dims need are read, in a 1.9 GB file', async () => {
  const { report, rssGrowth } = await profileWritten(
    reshapeBy({ name: 'target', dataType: DT.INT64, dims: [2], external: { location: 'data.bin', offset: 1000 } }),
    'model.onnx',
    (dir) => {
      const data = path.join(dir, 'data.bin');
      fs.writeFileSync(data, new Uint8Array(0));
      fs.truncateSync(data, 1900 * MB); // sparse: no disk
      const fd = fs.openSync(data, 'r+');
      const target = new DataView(new ArrayBuffer(16));
      target.setBigInt64(0, 3n, true);
      target.setBigInt64(8, 2n, true);
      fs.writeSync(fd, new Uint8Array(target.buffer), 0, 16, 1000);
      fs.closeSync(fd);
    },
  );
  assert.ok(report, 'profiled');
  assert.deepEqual(report.outputs[0].shape?.map(num), [3, 2]);
  assert.deepEqual(report.warnings, []);
  assert.ok(rssGrowth < 100 * MB, `rss grew ${Math.round(rssGrowth / MB)} MB`);
});

test('external data shorter than the dims need, or with a length that disagrees, says so', async () => {
  const short = await profileWritten(reshapeBy({ name: 'target', dataType: DT.INT64, dims: [2], external: { location: 'data.bin', offset: 8 } }), 'model.onnx', (dir) =>
    fs.writeFileSync(path.join(dir, 'data.bin'), new Uint8Array(16)),
  );
  assert.deepEqual(short.report?.warnings, ['could not read constant "target": external data file "data.bin" has 16 bytes, too few for 16 bytes at offset 8']);
  assert.match(row(short.report, 'Reshape').unknown ?? '', /target/);
  const lying = await profileWritten(reshapeBy({ name: 'target', dataType: DT.INT64, dims: [2], external: { location: 'data.bin', length: 1900 * MB } }));
  assertErrorReason(lying.error, /^tensor "target" has dims \[2\] \(16 bytes of int64\) but its external data holds 1992294400 bytes$/);
});

test('a model that is a FIFO, a folder or a device is refused without opening it for reading', () => {
  const dir = tmpdir();
  try {
    const fifo = path.join(dir, 'pipe.onnx');
    execFileSync('mkfifo', [fifo]);
    assertModelError(() => profileFile(fifo), fifo, /^is a FIFO \(named pipe\), not a regular file$/);
    const folder = path.join(dir, 'folder.onnx');
    fs.mkdirSync(folder);
    assertModelError(() => profileFile(folder), folder, /^is a folder, not a regular file$/);
    assertModelError(() => profileFile('/dev/zero'), '/dev/zero', /^is a device, not a regular file$/);
    // Reached through a symbolic link, still refused by what it is.
    const link = path.join(dir, 'link.onnx');
    fs.symlinkSync(fifo, link);
    assertModelError(() => profileFile(link), link, /^is a FIFO \(named pipe\), not a regular file$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('external data in a FIFO is refused without opening it, for shape tensors and weights alike', async () => {
  const fifo = (dir: string): void => void execFileSync('mkfifo', [path.join(dir, 'data.bin')]);
  const shape = await profileWritten(reshapeBy({ name: 'target', dataType: DT.INT64, dims: [2], external: { location: 'data.bin' } }), 'model.onnx', fifo);
  assertErrorReason(shape.error, /^external data file "data.bin" is a FIFO \(named pipe\), not a regular file$/);
  const weight: ModelSpec = {
    graph: {
      nodes: [{ opType: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [1, 8] }],
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'w', dims: [8, 8], external: { location: 'data.bin' } }],
    },
  };
  assertErrorReason((await profileWritten(weight, 'model.onnx', fifo)).error, /^external data file "data.bin" is a FIFO \(named pipe\), not a regular file$/);
});

/** A model whose function `f` calls itself `times` times: the fan-out of the 155-byte file. */
function selfCalling(times: number): ModelSpec {
  const names = ['x', ...Array.from({ length: times - 1 }, (_, i) => `t${i}`), 'y'];
  return {
    opset: [
      { domain: '', version: 17 },
      { domain: 'local', version: 1 },
    ],
    graph: {
      nodes: [{ opType: 'f', domain: 'local', inputs: ['x'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [4] }],
      outputs: [{ name: 'y' }],
    },
    functions: [
      {
        name: 'f',
        domain: 'local',
        inputs: ['x'],
        outputs: ['y'],
        nodes: Array.from({ length: times }, (_, i) => ({ opType: 'f', domain: 'local', inputs: [names[i]], outputs: [names[i + 1]] })),
      },
    ],
  };
}

test('a function calling itself three times is costed per binding and refused past 100,000 listed nodes', () => {
  const bytes = encodeModel(selfCalling(3));
  assert.ok(bytes.length < 200, `${bytes.length} bytes`);
  const report = profileModel('m.onnx', new MemorySource(bytes), undefined);
  const top = report.layers.find((r) => r.op === 'local::f');
  assert.ok(top, 'the call has a row');
  assert.match(top.unknown ?? '', /^function body has ops that cannot be costed: f: .*function calls expand to more than 100,000 nodes \(a function calling itself\?\): not costed/);
  assert.ok((top.unknown ?? '').length < 2000, 'reasons do not nest exponentially');
  assert.deepEqual(report.unknownOps.map((u) => u.reasons), [['function calls expand to more than 100,000 nodes (a function calling itself?): not costed']]);
  assert.ok(allRows(report).length < 200_000);
  // Twice: 2^17 nodes, past the bound too.
  const twice = profileModel('m.onnx', new MemorySource(encodeModel(selfCalling(2))), undefined);
  assert.match(twice.layers.find((r) => r.op === 'local::f')?.unknown ?? '', /expand to more than 100,000 nodes/);
});

test('the bound on listed function nodes is for the whole model: calls past it are unknown, those before exact', () => {
  const body = Array.from({ length: 100 }, (_, i) => ({ opType: 'Relu', inputs: [i === 0 ? 'x' : `h${i - 1}`], outputs: [i === 99 ? 'y' : `h${i}`] }));
  const calls = Array.from({ length: 1500 }, (_, i) => ({ opType: 'block', domain: 'local', inputs: [i === 0 ? 'x' : `v${i - 1}`], outputs: [`v${i}`] }));
  const report = profileModel(
    'm.onnx',
    new MemorySource(
      encodeModel({
        opset: [
          { domain: '', version: 17 },
          { domain: 'local', version: 1 },
        ],
        graph: { nodes: calls, inputs: [{ name: 'x', shape: [4] }], outputs: [{ name: 'v1499' }] },
        functions: [{ name: 'block', domain: 'local', inputs: ['x'], outputs: ['y'], nodes: body }],
      }),
    ),
    undefined,
  );
  // 1,000 calls of 100 nodes fit in 100,000; the 500 after are refused, with the reason.
  assert.equal(num(report.totals.flops), 1000 * 100 * 4);
  assert.deepEqual(
    report.unknownOps.map((u) => [u.op, u.count, u.reasons]),
    [['local::block', 500, ['function calls expand to more than 100,000 nodes (a function calling itself?): not costed']]],
  );
});

test('functions calling functions twice, ten deep: exact MACs through shared bodies', () => {
  const depth = 10;
  const functions = Array.from({ length: depth }, (_, i) => ({
    name: `f${i}`,
    domain: 'local',
    inputs: ['x', 'w'],
    outputs: ['y'],
    nodes:
      i === depth - 1
        ? [{ opType: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }]
        : [
            { opType: `f${i + 1}`, domain: 'local', inputs: ['x', 'w'], outputs: ['a'] },
            { opType: `f${i + 1}`, domain: 'local', inputs: ['a', 'w'], outputs: ['y'] },
          ],
  }));
  const spec: ModelSpec = {
    opset: [
      { domain: '', version: 17 },
      { domain: 'local', version: 1 },
    ],
    graph: {
      nodes: [{ opType: 'f0', domain: 'local', inputs: ['x', 'w'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [1, 8] }],
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'w', dims: [8, 8], rawBytes: 256 }],
    },
    functions,
  };
  const report = profileModel('m.onnx', new MemorySource(encodeModel(spec)), undefined);
  assert.equal(num(report.totals.macs), 2 ** (depth - 1) * 64);
  assert.equal(report.totals.params, 64);
  assert.deepEqual(report.outputs[0].shape?.map(num), [1, 8]);
  assert.equal(allRows(report).filter((r) => r.op === 'MatMul').length, 2 ** (depth - 1));
});

test('dims above 2^53 are refused, not rounded: in value_info, inputs and tensors', () => {
  const big = 2n ** 53n + 3n;
  const encode = (g: GraphSpec): MemorySource => new MemorySource(encodeModel({ graph: g }));
  const relu: GraphSpec = { nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [2] }], outputs: [{ name: 'y' }] };
  assertModelError(() => profileModel('m.onnx', encode({ ...relu, valueInfo: [{ name: 'y', shape: [big] }] }), undefined), 'm.onnx', /^value "y" has a dim above 2\^53$/);
  assertModelError(() => profileModel('m.onnx', encode({ ...relu, inputs: [{ name: 'x', shape: [1, big] }] }), undefined), 'm.onnx', /^value "x" has a dim above 2\^53$/);
  // 2^53 - 1 itself is exact, and kept.
  const max = profileModel('m.onnx', encode({ ...relu, inputs: [{ name: 'x', shape: [Number.MAX_SAFE_INTEGER] }] }), undefined);
  assert.equal(num(max.inputs[0].shape![0]), Number.MAX_SAFE_INTEGER);
  const tensor = new ProtoWriter();
  tensor.int(1, big);
  tensor.int(2, DT.FLOAT);
  tensor.string(8, 'w');
  assertModelError(() => profileModel('m.onnx', new MemorySource(withInitializer(relu, tensor)), undefined), 'm.onnx', /^tensor "w" has a dim above 2\^53$/);
  assertModelError(
    () => profileModel('m.onnx', encode({ ...relu, initializers: [{ name: 'w', dims: [2 ** 30, 2 ** 30, 2 ** 30] }] }), undefined),
    'm.onnx',
    /^tensor "w" has dims \[1073741824,1073741824,1073741824\]: more than 2\^53 elements$/,
  );
});

/** The model of `g` with one more initializer, written by hand. */
function withInitializer(g: GraphSpec, tensor: ProtoWriter): Uint8Array {
  const model = new ProtoWriter();
  model.raw(encodeModel({ graph: g }));
  // A second graph field merges into the first (protobuf semantics): it adds the initializer.
  const graph = new ProtoWriter();
  graph.message(5, tensor);
  model.message(7, graph);
  return model.finish();
}

/**
 * `depth` messages each wrapping the next around `core`, built from the inside out as prefixes
 * (`prefix` gets the length of what it wraps), so 100,000 levels take neither recursion nor copies.
 */
function nested(core: Uint8Array, depth: number, prefix: (innerLength: number) => Uint8Array): Uint8Array {
  const prefixes: Uint8Array[] = [];
  let inner = core.length;
  for (let i = 0; i < depth; i++) {
    const p = prefix(inner);
    prefixes.push(p);
    inner += p.length;
  }
  const out = new Uint8Array(inner);
  let at = 0;
  for (let i = prefixes.length - 1; i >= 0; i--) {
    out.set(prefixes[i], at);
    at += prefixes[i].length;
  }
  out.set(core, at);
  return out;
}

/** The bytes `write` puts in a fresh writer: the fields before a nested one, and its tag and length. */
function fieldHeads(write: (w: ProtoWriter) => void): Uint8Array {
  const w = new ProtoWriter();
  write(w);
  return w.finish();
}

/** A model around `graph`, the bytes of a GraphProto. */
function modelAround(graph: Uint8Array): Uint8Array {
  const model = new ProtoWriter();
  model.int(1, 8);
  model.bytes(7, graph);
  return model.finish();
}

/** A graph nesting `depth` If nodes, each holding the next graph as then_branch. */
function nestedIfs(depth: number): Uint8Array {
  const utf8 = new TextEncoder();
  return nested(new Uint8Array(0), depth, (graphLength) => {
    const attribute = fieldHeads((w) => {
      w.string(1, 'then_branch');
      w.int(20, 5);
      w.tag(6, 2);
      w.varint(graphLength);
    });
    const node = fieldHeads((w) => {
      w.bytes(4, utf8.encode('If'));
      w.tag(5, 2);
      w.varint(attribute.length + graphLength);
    });
    const graph = fieldHeads((w) => {
      w.tag(1, 2);
      w.varint(node.length + attribute.length + graphLength);
    });
    return Uint8Array.from([...graph, ...node, ...attribute]);
  });
}

test('100,000 nested If bodies: a one-line error, no stack overflow', () => {
  const bytes = modelAround(nestedIfs(100_000));
  assertModelError(() => profileModel('m.onnx', new MemorySource(bytes), undefined), 'm.onnx', /^subgraphs nested more than 32 deep$/);
});

test('messages nested 100,000 deep where we do not read them are skipped, not recursed into', () => {
  // An input typed sequence(sequence(...(tensor))): sequence_type is field 4 of TypeProto, elem_type field 1.
  const bytes = nested(Uint8Array.from([0x0a, 0x00]), 100_000, (typeLength) => {
    const elem = fieldHeads((w) => (w.tag(1, 2), w.varint(typeLength)));
    return Uint8Array.from([...fieldHeads((w) => (w.tag(4, 2), w.varint(elem.length + typeLength))), ...elem]);
  });
  const input = new ProtoWriter();
  input.string(1, 'x');
  input.bytes(2, bytes);
  const graph = new ProtoWriter();
  graph.string(2, 'main');
  graph.message(11, input);
  const model = new ProtoWriter();
  model.int(1, 8);
  model.message(7, graph);
  const report = profileModel('m.onnx', new MemorySource(model.finish()), undefined);
  assert.deepEqual(report.inputs.map((i) => [i.name, i.shape]), [['x', undefined]]);
});

test('huge declared counts are refused before they are stored: ranks, attribute lists', () => {
  const relu: GraphSpec = { nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [2] }], outputs: [{ name: 'y' }] };
  const encode = (g: GraphSpec): MemorySource => new MemorySource(encodeModel({ graph: g }));
  assertModelError(() => profileModel('m.onnx', encode({ ...relu, inputs: [{ name: 'x', shape: Array.from({ length: 2000 }, () => 1) }] }), undefined), 'm.onnx', /^value "x" has more than 1024 dims$/);
  assertModelError(
    () => profileModel('m.onnx', encode({ ...relu, nodes: [{ ...relu.nodes[0], attrs: { axes: { packedZeros: 4 * MB } } }] }), undefined),
    'm.onnx',
    /^attribute "axes" has more than 1048576 values$/,
  );
  const dims = new ProtoWriter();
  dims.zeros(1, 100_000);
  dims.int(2, DT.FLOAT);
  dims.string(8, 'w');
  assertModelError(() => profileModel('m.onnx', new MemorySource(withInitializer(relu, dims)), undefined), 'm.onnx', /^a tensor shape has more than 1024 values$/);
  // A 2 MB node name is refused unread; a 100 KB string attribute (an engine blob) is kept as a placeholder.
  assertModelError(() => profileModel('m.onnx', encode({ ...relu, nodes: [{ ...relu.nodes[0], name: 'n'.repeat(2 * MB) }] }), undefined), 'm.onnx', /^a string field at byte \d+ is longer than 1048576 bytes$/);
  const blob = profileModel('m.onnx', encode({ ...relu, nodes: [{ ...relu.nodes[0], attrs: { ep_cache_context: 'b'.repeat(100_000) } }] }), undefined);
  assert.equal(num(row(blob, 'Relu').flops), 2);
});

test('a length past the end of the file, deep inside a tensor, is a truncation', () => {
  const tensor = new ProtoWriter();
  tensor.int(2, DT.INT64);
  tensor.tag(9, 2);
  tensor.varint(2 ** 40);
  const bytes = withInitializer({ nodes: [], inputs: [], outputs: [] }, tensor);
  assertModelError(() => profileModel('m.onnx', new MemorySource(bytes), undefined), 'm.onnx', /truncated|past the end/);
});

test('int64 attributes past 2^53 are sentinels for clamping ops, never exact dims', () => {
  const spec = (target: bigint): ModelSpec => ({
    graph: {
      nodes: [
        { opType: 'Constant', inputs: [], outputs: ['start'], attrs: { value_ints: [1] } },
        { opType: 'Constant', inputs: [], outputs: ['end'], attrs: { value_ints: [2n ** 63n - 1n] } },
        { opType: 'Slice', inputs: ['x', 'start', 'end'], outputs: ['s'] },
        { opType: 'Constant', inputs: [], outputs: ['shape'], attrs: { value_ints: [target] } },
        { opType: 'Reshape', inputs: ['s', 'shape'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [2, 10] }],
      outputs: [{ name: 'y' }],
    },
  });
  const fine = profileModel('m.onnx', new MemorySource(encodeModel(spec(10n))), undefined);
  assert.deepEqual(row(fine, 'Slice').outputShapes[0].shape?.map(num), [1, 10]);
  assert.deepEqual(fine.outputs[0].shape?.map(num), [10]);
  const huge = profileModel('m.onnx', new MemorySource(encodeModel(spec(2n ** 53n + 1n))), undefined);
  assert.equal(huge.outputs[0].shape, undefined);
  assert.match(row(huge, 'Reshape').unknown ?? '', /^cannot reshape 10 elements/);
});
