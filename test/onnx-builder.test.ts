import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DT, appendGraphOutputs, encodeModel, writeModelFile, type AttrValue, type ModelSpec, type NodeSpec } from './helpers/onnx-builder';
import { ProtoWriter } from './helpers/protobuf-writer';

const dir = mkdtempSync(join(tmpdir(), 'floplens-builder-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(model: Uint8Array | string, feeds: Record<string, ort.Tensor> = {}) {
  // create() has separate path and bytes overloads, so the union has to be narrowed first.
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

const floats = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => Math.fround(f(i)));

const X = floats(3 * 8 * 8, (i) => Math.sin(i));
const W = floats(4 * 3 * 3 * 3, (i) => ((i * 7) % 11) / 10 - 0.5);
const B = [0.1, -0.2, 0.3, -0.4];

/** Conv(X, W, B) -> C, Relu(C) -> Y, with symbolic batch and unknown output spatial dims. */
const convRelu: ModelSpec = {
  producerName: 'floplens-test',
  graph: {
    nodes: [
      { opType: 'Conv', name: 'conv', inputs: ['X', 'W', 'B'], outputs: ['C'], attrs: { kernel_shape: [3, 3], strides: [1, 1] } },
      { opType: 'Relu', name: 'relu', inputs: ['C'], outputs: ['Y'] },
    ],
    inputs: [{ name: 'X', shape: ['N', 3, 8, 8] }],
    outputs: [{ name: 'Y', shape: ['N', 4, null, null] }],
    initializers: [
      { name: 'W', dims: [4, 3, 3, 3], values: W },
      { name: 'B', dims: [4], values: B, rawValues: true },
    ],
    valueInfo: [{ name: 'C', shape: ['N', 4, 6, 6] }],
  },
};

function referenceConv(): number[] {
  const out: number[] = [];
  for (let oc = 0; oc < 4; oc++)
    for (let oy = 0; oy < 6; oy++)
      for (let ox = 0; ox < 6; ox++) {
        let sum = B[oc];
        for (let ic = 0; ic < 3; ic++)
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) sum += X[ic * 64 + (oy + ky) * 8 + ox + kx] * W[((oc * 3 + ic) * 3 + ky) * 3 + kx];
        out.push(sum);
      }
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: number[]): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) < 1e-4, `element ${i}: ${actual[i]} vs ${expected[i]}`);
}

const xFeed = () => ({ X: new ort.Tensor('float32', Float32Array.from(X), [1, 3, 8, 8]) });

test('varints: small, 64-bit, negative and bigint', () => {
  const bytes = (v: number | bigint) => {
    const w = new ProtoWriter();
    w.varint(v);
    return [...w.finish()];
  };
  assert.deepEqual(bytes(0), [0]);
  assert.deepEqual(bytes(300), [0xac, 0x02]);
  assert.deepEqual(bytes(2 ** 32), [0x80, 0x80, 0x80, 0x80, 0x10]);
  assert.deepEqual(bytes(2 ** 53 - 1), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
  assert.deepEqual(bytes(-1), [...Array(9).fill(0xff), 0x01]);
  assert.deepEqual(bytes(-1n), bytes(2n ** 64n - 1n));
  assert.throws(() => bytes(0.5), RangeError);
  assert.throws(() => bytes(2n ** 64n), RangeError);
});

test('Conv+Relu runs in onnxruntime with the encoded weights', async () => {
  const { Y } = await run(encodeModel(convRelu), xFeed());
  assert.deepEqual(Y.dims, [1, 4, 6, 6]);
  assertClose(Y.data as Float32Array, referenceConv().map((v) => Math.max(0, v)));
});

test('appendGraphOutputs exposes an intermediate value', async () => {
  const model = appendGraphOutputs(encodeModel(convRelu), [{ name: 'C', elemType: DT.FLOAT }]);
  const { Y, C } = await run(model, xFeed());
  assert.deepEqual(Y.dims, [1, 4, 6, 6]);
  assert.deepEqual(C.dims, [1, 4, 6, 6]);
  assertClose(C.data as Float32Array, referenceConv());
});

test('int64 Reshape targets, typed (with -1) and raw', async () => {
  const model = encodeModel({
    graph: {
      nodes: [
        { opType: 'Reshape', inputs: ['X', 'typed'], outputs: ['T'] },
        { opType: 'Reshape', inputs: ['T', 'raw'], outputs: ['Y'] },
      ],
      inputs: [{ name: 'X', shape: [2, 3, 4] }],
      outputs: [{ name: 'Y' }],
      initializers: [
        { name: 'typed', dataType: DT.INT64, dims: [2], values: [4, -1] },
        { name: 'raw', dataType: DT.INT64, dims: [2], values: [-1, 12], rawValues: true },
      ],
    },
  });
  const x = Float32Array.from({ length: 24 }, (_, i) => i);
  const { Y } = await run(model, { X: new ort.Tensor('float32', x, [2, 3, 4]) });
  assert.deepEqual(Y.dims, [2, 12]);
  assert.deepEqual([...(Y.data as Float32Array)], [...x]);
});

test('writeModelFile streams rawBytes weights and matches encodeModel', async () => {
  const spec: ModelSpec = {
    graph: {
      nodes: [{ opType: 'Gemm', inputs: ['A', 'B'], outputs: ['Y'] }],
      inputs: [{ name: 'A', shape: [1, 768] }],
      outputs: [{ name: 'Y', shape: [1, 1024] }],
      initializers: [{ name: 'B', dims: [768, 1024], rawBytes: 768 * 1024 * 4 }],
    },
  };
  const path = join(dir, 'gemm.onnx');
  const written = await writeModelFile(path, spec);
  assert.equal(statSync(path).size, written);
  assert.ok(written > 3 * 2 ** 20 && written < 3 * 2 ** 20 + 1024, `${written} bytes`);
  assert.deepEqual(readFileSync(path), Buffer.from(encodeModel(spec)));
  const { Y } = await run(path, { A: new ort.Tensor('float32', new Float32Array(768).fill(1), [1, 768]) });
  assert.deepEqual(Y.dims, [1, 1024]);
  assert.ok((Y.data as Float32Array).every((v) => v === 0));
});

test('external data is found by onnxruntime', async () => {
  const weights = Float32Array.of(0, 0, 1, 2, 3, 4); // two floats of padding before the tensor
  writeFileSync(join(dir, 'ext.bin'), new Uint8Array(weights.buffer));
  const path = join(dir, 'ext.onnx');
  await writeModelFile(path, {
    graph: {
      nodes: [{ opType: 'Add', inputs: ['X', 'K'], outputs: ['Y'] }],
      inputs: [{ name: 'X', shape: [4] }],
      outputs: [{ name: 'Y', shape: [4] }],
      initializers: [{ name: 'K', dims: [4], external: { location: 'ext.bin', offset: 8, length: 16 } }],
    },
  });
  const { Y } = await run(path, { X: new ort.Tensor('float32', Float32Array.of(10, 10, 10, 10), [4]) });
  assert.deepEqual([...(Y.data as Float32Array)], [11, 12, 13, 14]);
});

test('every attribute kind reaches onnxruntime intact', async () => {
  const STRING = 8; // TensorProto.STRING; not in DT
  const constant = (out: string, attrs: Record<string, AttrValue>): NodeSpec => ({ opType: 'Constant', inputs: [], outputs: [out], attrs });
  const model = encodeModel({
    graph: {
      nodes: [
        constant('i', { value_int: -7 }),
        constant('f', { value_float: { f: 2.5 } }),
        constant('s', { value_string: 'héllo' }),
        constant('is', { value_ints: [1, -2, 2 ** 40] }),
        constant('fs', { value_floats: { floats: [0.5, -1.5] } }),
        constant('ss', { value_strings: { strings: ['a', 'bc'] } }),
        constant('t', { value: { tensor: { name: 'tv', dataType: DT.INT32, dims: [2, 2], values: [1, -2, 3, -4] } } }),
        {
          opType: 'If',
          inputs: ['cond'],
          outputs: ['branch'],
          attrs: {
            then_branch: { graph: { name: 'then', nodes: [constant('one', { value_floats: { floats: [1] } })], inputs: [], outputs: [{ name: 'one', shape: [1] }] } },
            else_branch: { graph: { name: 'else', nodes: [constant('two', { value_floats: { floats: [2] } })], inputs: [], outputs: [{ name: 'two', shape: [1] }] } },
          },
        },
      ],
      inputs: [{ name: 'cond', elemType: DT.BOOL, shape: [] }],
      outputs: [
        { name: 'i', elemType: DT.INT64, shape: [] },
        { name: 'f', shape: [] },
        { name: 's', elemType: STRING, shape: [] },
        { name: 'is', elemType: DT.INT64, shape: [3] },
        { name: 'fs', shape: [2] },
        { name: 'ss', elemType: STRING, shape: [2] },
        { name: 't', elemType: DT.INT32, shape: [2, 2] },
        { name: 'branch', shape: [1] },
      ],
    },
  });
  const out = await run(model, { cond: new ort.Tensor('bool', [false], []) });
  assert.deepEqual([...(out.i.data as BigInt64Array)], [-7n]);
  assert.deepEqual([...(out.f.data as Float32Array)], [2.5]);
  assert.deepEqual(out.s.data, ['héllo']);
  assert.deepEqual([...(out.is.data as BigInt64Array)], [1n, -2n, 2n ** 40n]);
  assert.deepEqual([...(out.fs.data as Float32Array)], [0.5, -1.5]);
  assert.deepEqual(out.ss.data, ['a', 'bc']);
  assert.deepEqual(out.t.dims, [2, 2]);
  assert.deepEqual([...(out.t.data as Int32Array)], [1, -2, 3, -4]);
  assert.deepEqual([...(out.branch.data as Float32Array)], [2]);
});

test('model-local functions are callable', async () => {
  const model = encodeModel({
    opset: [
      { domain: '', version: 17 },
      { domain: 'local', version: 1 },
    ],
    functions: [
      {
        name: 'AddRelu',
        domain: 'local',
        inputs: ['a', 'b'],
        outputs: ['y'],
        nodes: [
          { opType: 'Add', inputs: ['a', 'b'], outputs: ['s'] },
          { opType: 'Relu', inputs: ['s'], outputs: ['y'] },
        ],
      },
    ],
    graph: {
      nodes: [{ opType: 'AddRelu', domain: 'local', inputs: ['X', 'X'], outputs: ['Y'] }],
      inputs: [{ name: 'X', shape: [3] }],
      outputs: [{ name: 'Y', shape: [3] }],
    },
  });
  const { Y } = await run(model, { X: new ort.Tensor('float32', Float32Array.of(-1, 0, 2), [3]) });
  assert.deepEqual([...(Y.data as Float32Array)], [0, 0, 4]);
});
