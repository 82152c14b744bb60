import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DT, type AttrValue, type ModelSpec, type NodeSpec, type TensorSpec, type ValueSpec } from './helpers/onnx-builder';
import { ortShapes } from './helpers/ort';
import { dims, num, profileSpec, row } from './helpers/profile';
import type { LayerRow } from '../src/profile/report';
import { floatToFraction } from '../src/ops/resize';

/** A graph with one node `op` (named after it); graph outputs = the node's outputs, no shapes. */
function model(n: NodeSpec, inputs: ValueSpec[], initializers: TensorSpec[] = [], opset = 17, outputTypes: number[] = []): ModelSpec {
  return {
    opset,
    graph: {
      nodes: [n],
      inputs,
      outputs: n.outputs.filter((o) => o !== '').map((name, i) => ({ name, elemType: outputTypes[i] ?? DT.FLOAT })),
      initializers,
    },
  };
}

function node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs = ['Y']): NodeSpec {
  return { opType, inputs, outputs, name: opType, attrs };
}

/** A weight of zeros (never read by the engine, fine for ORT). */
function zeros(name: string, d: number[], dataType: number = DT.FLOAT): TensorSpec {
  const bytes = dataType === DT.FLOAT ? 4 : dataType === DT.INT64 ? 8 : 1;
  return { name, dims: d, dataType, rawBytes: d.reduce((a, b) => a * b, 1) * bytes };
}

const floats = (name: string, values: number[]): TensorSpec => ({ name, dims: [values.length], values });
const int64s = (name: string, values: number[]): TensorSpec => ({ name, dims: [values.length], dataType: DT.INT64, values });

/** Profiles `spec`, returns the single node row, and checks our output shapes against ORT's. */
async function checked(spec: ModelSpec, opType: string): Promise<LayerRow> {
  const r = row(profileSpec(spec), opType);
  assert.equal(r.unknown, undefined, `${opType} unexpectedly unknown: ${r.unknown}`);
  const ours = r.outputShapes.map((o) => dims(o.shape));
  assert.deepEqual(ours, await ortShapes(spec), `${opType}: our shapes vs onnxruntime`);
  return r;
}

const shapeOf = (r: LayerRow, i = 0) => dims(r.outputShapes[i].shape);

// ---------------------------------------------------------------- Conv

test('Conv 512→512 k3 p1 on 14×14: the seed numbers', () => {
  const spec = model(node('Conv', ['X', 'W', 'B'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), [{ name: 'X', shape: [1, 512, 14, 14] }], [
    zeros('W', [512, 512, 3, 3]),
    zeros('B', [512]),
  ]);
  const r = row(profileSpec(spec), 'Conv');
  assert.deepEqual(shapeOf(r), [1, 512, 14, 14]);
  assert.equal(num(r.macs), 3 * 3 * 512 * 512 * 14 * 14);
  assert.equal(num(r.macs), 462_422_016);
  assert.equal(num(r.flops), 2 * 462_422_016 + 512 * 14 * 14);
  assert.equal(r.params, 512 * 512 * 3 * 3 + 512);
  assert.equal(r.params, 2_359_808);
  assert.equal(r.formula, '3·3·512 · 512·14·14');
});

test('Conv: small version of the seed cross-checked with onnxruntime; kernel_shape inferred from W', async () => {
  const spec = model(node('Conv', ['X', 'W', 'B'], { pads: [1, 1, 1, 1] }), [{ name: 'X', shape: [2, 8, 14, 14] }], [zeros('W', [16, 8, 3, 3]), zeros('B', [16])]);
  const r = await checked(spec, 'Conv');
  assert.deepEqual(shapeOf(r), [2, 16, 14, 14]);
  assert.equal(num(r.macs), 2 * 3 * 3 * 8 * 16 * 14 * 14);
  assert.equal(num(r.flops), 2 * (2 * 3 * 3 * 8 * 16 * 14 * 14) + 2 * 16 * 14 * 14);
  assert.equal(r.formula, '3·3·8 · 16·14·14 · 2');
});

test('Conv depthwise (group = C), stride 1 and 2', async () => {
  const dw = (stride: number) =>
    model(node('Conv', ['X', 'W'], { group: 32, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [stride, stride] }), [{ name: 'X', shape: [1, 32, 112, 112] }], [
      zeros('W', [32, 1, 3, 3]),
    ]);
  const r1 = await checked(dw(1), 'Conv');
  assert.deepEqual(shapeOf(r1), [1, 32, 112, 112]);
  assert.equal(num(r1.macs), 32 * 112 * 112 * 1 * 3 * 3);
  assert.equal(num(r1.flops), 2 * 32 * 112 * 112 * 3 * 3);
  assert.equal(r1.formula, '3·3·1 · 32·112·112');
  const r2 = await checked(dw(2), 'Conv');
  // floor((112 + 2 − 3) / 2) + 1 = 56
  assert.deepEqual(shapeOf(r2), [1, 32, 56, 56]);
  assert.equal(num(r2.macs), 32 * 56 * 56 * 3 * 3);
});

test('Conv strided, dilated, grouped, asymmetric pads', async () => {
  // H: dk = (3−1)·2+1 = 5, floor((31 + 1 + 3 − 5) / 2) + 1 = 16; W: dk = 3, floor((29 + 2 + 0 − 3) / 3) + 1 = 10
  const spec = model(node('Conv', ['X', 'W'], { group: 2, strides: [2, 3], dilations: [2, 1], pads: [1, 2, 3, 0] }), [{ name: 'X', shape: [2, 8, 31, 29] }], [
    zeros('W', [16, 4, 3, 3]),
  ]);
  const r = await checked(spec, 'Conv');
  assert.deepEqual(shapeOf(r), [2, 16, 16, 10]);
  assert.equal(num(r.macs), 2 * 16 * 16 * 10 * 4 * 3 * 3);
  assert.equal(num(r.flops), 2 * (2 * 16 * 16 * 10 * 4 * 3 * 3));
  assert.equal(r.formula, '3·3·4 · 16·16·10 · 2');
});

test('Conv auto_pad SAME_UPPER / SAME_LOWER / VALID, 1D and 3D', async () => {
  const conv1d = (autoPad: string, dilation: number) =>
    model(node('Conv', ['X', 'W', 'B'], { auto_pad: autoPad, strides: [2], dilations: [dilation] }), [{ name: 'X', shape: [1, 4, 50] }], [zeros('W', [8, 4, 5]), zeros('B', [8])]);
  for (const autoPad of ['SAME_UPPER', 'SAME_LOWER']) {
    // onnxruntime refuses dilation with SAME padding; the ONNX rule is ceil(in / stride) regardless.
    for (const r of [await checked(conv1d(autoPad, 1), 'Conv'), row(profileSpec(conv1d(autoPad, 2)), 'Conv')]) {
      // ceil(50 / 2) = 25
      assert.deepEqual(shapeOf(r), [1, 8, 25]);
      assert.equal(num(r.macs), 8 * 25 * 4 * 5);
      assert.equal(num(r.flops), 2 * 8 * 25 * 4 * 5 + 8 * 25);
    }
  }
  const valid = await checked(conv1d('VALID', 2), 'Conv');
  // dk = 9: floor((50 − 9) / 2) + 1 = 21
  assert.deepEqual(shapeOf(valid), [1, 8, 21]);
  assert.equal(num(valid.macs), 8 * 21 * 4 * 5);

  const conv3d = model(node('Conv', ['X', 'W'], { kernel_shape: [3, 3, 3] }), [{ name: 'X', shape: [1, 2, 8, 9, 10] }], [zeros('W', [4, 2, 3, 3, 3])]);
  const r3 = await checked(conv3d, 'Conv');
  assert.deepEqual(shapeOf(r3), [1, 4, 6, 7, 8]);
  assert.equal(num(r3.macs), 4 * 6 * 7 * 8 * 2 * 3 * 3 * 3);
  assert.equal(r3.formula, '3·3·3·2 · 4·6·7·8');
});

test('Conv with symbolic [batch, 3, h, w]: polynomial MACs with floor atoms, equal to the bound result', () => {
  // ResNet stem: 7×7 stride 2 pad 3: out = floor((h + 6 − 7) / 2) + 1 = floor((h + 1) / 2)
  const spec = model(node('Conv', ['X', 'W', 'B'], { kernel_shape: [7, 7], strides: [2, 2], pads: [3, 3, 3, 3] }), [{ name: 'X', shape: ['batch', 3, 'h', 'w'] }], [
    zeros('W', [64, 3, 7, 7]),
    zeros('B', [64]),
  ]);
  const r = row(profileSpec(spec), 'Conv');
  assert.deepEqual(shapeOf(r), ['batch', 64, 'floor((h + 1)/2)', 'floor((w + 1)/2)']);
  assert.equal(r.macs.toString(), `${64 * 7 * 7 * 3}·batch·floor((h + 1)/2)·floor((w + 1)/2)`);
  assert.equal(r.flops.toString(), `${2 * 64 * 7 * 7 * 3 + 64}·batch·floor((h + 1)/2)·floor((w + 1)/2)`);
  const bind = new Map([
    ['batch', 2],
    ['h', 224],
    ['w', 224],
  ]);
  const macs = 2 * 64 * 112 * 112 * 3 * 7 * 7;
  assert.equal(r.macs.evaluate(bind), macs);
  assert.equal(macs, 236_027_904);
  const bound = row(profileSpec(spec, { dims: { batch: 2, h: 224, w: 224 } }), 'Conv');
  assert.equal(num(bound.macs), macs);
  assert.equal(num(bound.flops), r.flops.evaluate(bind));
  assert.deepEqual(shapeOf(bound), [2, 64, 112, 112]);
  // Odd size: floor((225 + 1) / 2) = 113.
  assert.equal(r.macs.evaluate(new Map([['batch', 1], ['h', 225], ['w', 224]])), 64 * 113 * 112 * 3 * 7 * 7);
});

test('Conv SAME_UPPER with symbolic dims: ceil(h / s)', () => {
  const spec = model(node('Conv', ['X', 'W'], { auto_pad: 'SAME_UPPER', strides: [2, 2] }), [{ name: 'X', shape: [1, 3, 'h', 'w'] }], [zeros('W', [8, 3, 3, 3])]);
  const r = row(profileSpec(spec), 'Conv');
  assert.deepEqual(shapeOf(r), [1, 8, 'floor((h + 1)/2)', 'floor((w + 1)/2)']);
  assert.equal(r.macs.evaluate(new Map([['h', 15], ['w', 16]])), 8 * 8 * 8 * 3 * 3 * 3);
});

test('Conv failures: unknown input shape, channel mismatch', () => {
  const unknown = row(profileSpec(model(node('Conv', ['X', 'W']), [{ name: 'X' }], [zeros('W', [8, 3, 3, 3])])), 'Conv');
  assert.match(unknown.unknown ?? '', /shape of "X" unknown/);
  assert.equal(unknown.unknownNodes, 1);
  assert.equal(num(unknown.macs), 0);
  assert.deepEqual(unknown.outputShapes.map((o) => o.shape), [undefined]);
  const mismatch = row(profileSpec(model(node('Conv', ['X', 'W']), [{ name: 'X', shape: [1, 4, 9, 9] }], [zeros('W', [8, 3, 3, 3])])), 'Conv');
  assert.match(mismatch.unknown ?? '', /4 channels/);
  const tooSmall = row(profileSpec(model(node('Conv', ['X', 'W']), [{ name: 'X', shape: [1, 3, 2, 9] }], [zeros('W', [8, 3, 3, 3])])), 'Conv');
  assert.match(tooSmall.unknown ?? '', /does not fit/);
  const kernel = row(profileSpec(model(node('Conv', ['X', 'W'], { kernel_shape: [5, 5] }), [{ name: 'X', shape: [1, 3, 9, 9] }], [zeros('W', [8, 3, 3, 3])])), 'Conv');
  assert.match(kernel.unknown ?? '', /does not match the weight/);
});

// ---------------------------------------------------------------- ConvTranspose

test('ConvTranspose k4 s2 p1 doubles the size; MACs counted from the input side', async () => {
  const spec = model(node('ConvTranspose', ['X', 'W', 'B'], { kernel_shape: [4, 4], strides: [2, 2], pads: [1, 1, 1, 1] }), [{ name: 'X', shape: [1, 16, 7, 7] }], [
    zeros('W', [16, 8, 4, 4]),
    zeros('B', [8]),
  ]);
  const r = await checked(spec, 'ConvTranspose');
  // 2·(7 − 1) + 4 − 1 − 1 = 14
  assert.deepEqual(shapeOf(r), [1, 8, 14, 14]);
  // N·Cin·∏in·(Cout/g)·∏k
  assert.equal(num(r.macs), 1 * 16 * 7 * 7 * 8 * 4 * 4);
  assert.equal(num(r.flops), 2 * (16 * 7 * 7 * 8 * 4 * 4) + 8 * 14 * 14);
  assert.equal(r.formula, '4·4·8 · 16·7·7');
  assert.equal(r.params, 16 * 8 * 4 * 4 + 8);
});

test('ConvTranspose group, dilations, output_padding, asymmetric pads', async () => {
  // H: 2·(5−1) + 1 + 3 − 1 − 1 = 10; W: 3·(6−1) + 0 + ((3−1)·2+1) − 0 − 2 = 18; Cout = 3·2
  const spec = model(
    node('ConvTranspose', ['X', 'W'], { group: 2, strides: [2, 3], dilations: [1, 2], pads: [1, 0, 1, 2], output_padding: [1, 0] }),
    [{ name: 'X', shape: [2, 4, 5, 6] }],
    [zeros('W', [4, 3, 3, 3])],
  );
  const r = await checked(spec, 'ConvTranspose');
  assert.deepEqual(shapeOf(r), [2, 6, 10, 18]);
  assert.equal(num(r.macs), 2 * 4 * 5 * 6 * 3 * 3 * 3);
  assert.equal(num(r.flops), 2 * (2 * 4 * 5 * 6 * 3 * 3 * 3));
  assert.equal(r.formula, '3·3·3 · 4·5·6 · 2');
});

test('ConvTranspose output_shape and auto_pad', async () => {
  const withShape = model(node('ConvTranspose', ['X', 'W'], { strides: [2, 2], output_shape: [15, 15] }), [{ name: 'X', shape: [1, 16, 7, 7] }], [zeros('W', [16, 8, 4, 4])]);
  const r = await checked(withShape, 'ConvTranspose');
  assert.deepEqual(shapeOf(r), [1, 8, 15, 15]);
  assert.equal(num(r.macs), 16 * 7 * 7 * 8 * 4 * 4);
  const same = model(node('ConvTranspose', ['X', 'W'], { strides: [2, 2], auto_pad: 'SAME_UPPER' }), [{ name: 'X', shape: [1, 16, 7, 7] }], [zeros('W', [16, 8, 3, 3])]);
  assert.deepEqual(shapeOf(await checked(same, 'ConvTranspose')), [1, 8, 14, 14]);
  const valid = model(node('ConvTranspose', ['X', 'W'], { strides: [2, 2], auto_pad: 'VALID' }), [{ name: 'X', shape: [1, 16, 7, 7] }], [zeros('W', [16, 8, 3, 3])]);
  // 2·6 + 3 = 15
  assert.deepEqual(shapeOf(row(profileSpec(valid), 'ConvTranspose')), [1, 8, 15, 15]);
});

test('ConvTranspose with symbolic spatial dims: 2h', () => {
  const spec = model(node('ConvTranspose', ['X', 'W'], { strides: [2, 2], pads: [1, 1, 1, 1] }), [{ name: 'X', shape: ['n', 16, 'h', 'w'] }], [zeros('W', [16, 8, 4, 4])]);
  const r = row(profileSpec(spec), 'ConvTranspose');
  assert.deepEqual(shapeOf(r), ['n', 8, '2·h', '2·w']);
  assert.equal(r.macs.toString(), `${16 * 8 * 4 * 4}·h·n·w`);
});

// ---------------------------------------------------------------- ConvInteger, QLinearConv

test('ConvInteger: int32 output, MACs as Conv, FLOPs 2·MACs', async () => {
  const spec = model(node('ConvInteger', ['X', 'W']), [{ name: 'X', elemType: DT.UINT8, shape: [1, 3, 10, 10] }], [zeros('W', [4, 3, 3, 3], DT.UINT8)], 17, [DT.INT32]);
  const r = await checked(spec, 'ConvInteger');
  assert.equal(r.outputShapes[0].dtype, DT.INT32);
  assert.deepEqual(shapeOf(r), [1, 4, 8, 8]);
  assert.equal(num(r.macs), 4 * 8 * 8 * 3 * 3 * 3);
  assert.equal(num(r.flops), 2 * 4 * 8 * 8 * 3 * 3 * 3);
});

test('QLinearConv: output type of y_zero_point, bias adds', async () => {
  const scalar = (name: string, dataType: number, value: number): TensorSpec => ({ name, dims: [], dataType, values: [value] });
  const spec = model(
    node('QLinearConv', ['X', 'xs', 'xz', 'W', 'ws', 'wz', 'ys', 'yz', 'B'], { pads: [1, 1, 1, 1], strides: [2, 2] }),
    [{ name: 'X', elemType: DT.UINT8, shape: [1, 3, 10, 10] }],
    [
      scalar('xs', DT.FLOAT, 1),
      scalar('xz', DT.UINT8, 0),
      zeros('W', [4, 3, 3, 3], DT.UINT8),
      scalar('ws', DT.FLOAT, 1),
      scalar('wz', DT.UINT8, 0),
      scalar('ys', DT.FLOAT, 1),
      scalar('yz', DT.UINT8, 0),
      { name: 'B', dims: [4], dataType: DT.INT32, values: [0, 0, 0, 0] },
    ],
    17,
    [DT.UINT8],
  );
  const r = await checked(spec, 'QLinearConv');
  assert.equal(r.outputShapes[0].dtype, DT.UINT8);
  // floor((10 + 2 − 3) / 2) + 1 = 5
  assert.deepEqual(shapeOf(r), [1, 4, 5, 5]);
  assert.equal(num(r.macs), 4 * 5 * 5 * 3 * 3 * 3);
  assert.equal(num(r.flops), 2 * 4 * 5 * 5 * 3 * 3 * 3 + 4 * 5 * 5);
});

// ---------------------------------------------------------------- Pooling

test('MaxPool k3 s2 p1 and ceil_mode; Indices output is int64', async () => {
  const pool = (attrs: Record<string, AttrValue>, outputs = ['Y']) =>
    model(node('MaxPool', ['X'], { kernel_shape: [3, 3], strides: [2, 2], ...attrs }, outputs), [{ name: 'X', shape: [1, 64, 112, 112] }], [], 17, [DT.FLOAT, DT.INT64]);
  const r = await checked(pool({ pads: [1, 1, 1, 1] }, ['Y', 'I']), 'MaxPool');
  // floor((112 + 2 − 3) / 2) + 1 = 56
  assert.deepEqual(shapeOf(r), [1, 64, 56, 56]);
  assert.deepEqual(shapeOf(r, 1), [1, 64, 56, 56]);
  assert.equal(r.outputShapes[1].dtype, DT.INT64);
  assert.equal(num(r.macs), 0);
  assert.equal(num(r.flops), 64 * 56 * 56 * 3 * 3);
  assert.equal(r.formula, '1·64·56·56 · 3·3');
  // ceil((112 − 3) / 2) + 1 = 56 against floor: 55
  assert.deepEqual(shapeOf(await checked(pool({ ceil_mode: 1 }), 'MaxPool')), [1, 64, 56, 56]);
  assert.deepEqual(shapeOf(await checked(pool({}), 'MaxPool')), [1, 64, 55, 55]);
});

test('pool ceil_mode drops a last window that would start in the right padding', async () => {
  // in 4, k 2, s 2, pad_end 1: ceil((4 + 1 − 2) / 2) + 1 = 3, but window 3 would start at 4 = in + pad_begin: 2
  const spec = model(node('MaxPool', ['X'], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1], ceil_mode: 1 }), [{ name: 'X', shape: [1, 1, 4, 5] }]);
  const r = await checked(spec, 'MaxPool');
  // W: ceil((5 + 1 − 2) / 2) + 1 = 3, last start 4 < 5: kept
  assert.deepEqual(shapeOf(r), [1, 1, 2, 3]);
  assert.equal(num(r.flops), 1 * 2 * 3 * 2 * 2);
});

test('pool ceil_mode with symbolic dims agrees with the concrete shape', () => {
  const spec = model(node('MaxPool', ['X'], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1], ceil_mode: 1 }), [{ name: 'X', shape: [1, 1, 'h', 'w'] }]);
  const r = row(profileSpec(spec), 'MaxPool');
  // min(ceil((h + 1 − 2) / 2), floor((h − 1) / 2)) + 1 = floor((h + 1) / 2): no min atom needed
  assert.deepEqual(shapeOf(r), [1, 1, 'floor((h + 1)/2)', 'floor((w + 1)/2)']);
  for (const [h, w, oh, ow] of [
    [4, 5, 2, 3],
    [7, 8, 4, 4],
  ]) {
    const bind = new Map([['h', h], ['w', w]]);
    assert.equal(r.outputShapes[0].shape![2].evaluate(bind), oh);
    assert.equal(r.outputShapes[0].shape![3].evaluate(bind), ow);
    assert.equal(r.flops.evaluate(bind), oh * ow * 2 * 2);
    assert.deepEqual(shapeOf(row(profileSpec(spec, { dims: { h, w } }), 'MaxPool')), [1, 1, oh, ow]);
  }
  // GoogLeNet-style k3 s2 ceil without pads never drops a window: ceil((h − 3) / 2) + 1 = floor(h / 2).
  const plain = model(node('MaxPool', ['X'], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }), [{ name: 'X', shape: [1, 1, 'h', 'h'] }]);
  assert.deepEqual(shapeOf(row(profileSpec(plain), 'MaxPool')), [1, 1, 'floor((h)/2)', 'floor((h)/2)']);
});

test('pool and conv geometry sweep against onnxruntime (ceil_mode, pads, strides, dilations)', async () => {
  const cases: [number, number, number, number, number, number][] = [];
  // in, kernel, stride, dilation, pad_begin, pad_end
  for (const size of [5, 6, 7, 8]) for (const k of [2, 3]) for (const s of [1, 2, 3]) for (const [pb, pe] of [[0, 0], [0, 1], [1, 1]]) cases.push([size, k, s, 1, pb, pe]);
  cases.push([9, 3, 2, 2, 1, 1], [10, 2, 3, 2, 0, 1]);
  const pooled = cases.filter(([size, k, , d, pb, pe]) => size + pb + pe >= (k - 1) * d + 1);
  const spec: ModelSpec = {
    opset: 17,
    graph: {
      nodes: pooled.flatMap(([size, k, s, d, pb, pe], i): NodeSpec[] => [
        { opType: 'MaxPool', name: `max${i}`, inputs: [`X${size}`], outputs: [`M${i}`], attrs: { kernel_shape: [k], strides: [s], dilations: [d], pads: [pb, pe], ceil_mode: 1 } },
        { opType: 'AveragePool', name: `avg${i}`, inputs: [`X${size}`], outputs: [`A${i}`], attrs: { kernel_shape: [k], strides: [s], pads: [pb, pe], ceil_mode: 1 } },
        { opType: 'Conv', name: `conv${i}`, inputs: [`X${size}`, 'W' + k], outputs: [`C${i}`], attrs: { strides: [s], dilations: [d], pads: [pb, pe] } },
      ]),
      inputs: [5, 6, 7, 8, 9, 10].map((size) => ({ name: `X${size}`, shape: [1, 1, size] })),
      outputs: pooled.flatMap((_, i) => [`M${i}`, `A${i}`, `C${i}`].map((name) => ({ name }))),
      initializers: [zeros('W2', [1, 1, 2]), zeros('W3', [1, 1, 3])],
    },
  };
  const expected = await ortShapes(spec);
  const report = profileSpec(spec);
  const ours = spec.graph.outputs.map((o) => dims(report.layers.flatMap((l) => l.outputShapes).find((v) => v.name === o.name)?.shape));
  assert.deepEqual(ours, expected);
});

test('MaxPool dilations, 1D and 3D; AveragePool auto_pad, count_include_pad, dilations (opset 19)', async () => {
  // dk = (3−1)·2+1 = 5: floor((20 − 5) / 1) + 1 = 16
  const dil = await checked(model(node('MaxPool', ['X'], { kernel_shape: [3], dilations: [2] }), [{ name: 'X', shape: [2, 3, 20] }]), 'MaxPool');
  assert.deepEqual(shapeOf(dil), [2, 3, 16]);
  assert.equal(num(dil.flops), 2 * 3 * 16 * 3);
  const pool3d = await checked(model(node('MaxPool', ['X'], { kernel_shape: [2, 2, 2], strides: [2, 2, 2] }), [{ name: 'X', shape: [1, 2, 8, 9, 10] }]), 'MaxPool');
  assert.deepEqual(shapeOf(pool3d), [1, 2, 4, 4, 5]);
  assert.equal(num(pool3d.flops), 2 * 4 * 4 * 5 * 8);

  const avg = (attrs: Record<string, AttrValue>, opset = 17) => model(node('AveragePool', ['X'], { kernel_shape: [3, 3], strides: [2, 2], ...attrs }), [{ name: 'X', shape: [1, 8, 15, 16] }], [], opset);
  const same = await checked(avg({ auto_pad: 'SAME_UPPER' }), 'AveragePool');
  // ceil(15 / 2) = 8, ceil(16 / 2) = 8
  assert.deepEqual(shapeOf(same), [1, 8, 8, 8]);
  assert.equal(num(same.flops), 8 * 8 * 8 * 3 * 3);
  assert.deepEqual(shapeOf(await checked(avg({ auto_pad: 'SAME_LOWER' }), 'AveragePool')), [1, 8, 8, 8]);
  // floor((15 − 3) / 2) + 1 = 7, floor((16 − 3) / 2) + 1 = 7
  assert.deepEqual(shapeOf(await checked(avg({ auto_pad: 'VALID' }), 'AveragePool')), [1, 8, 7, 7]);
  const incl = await checked(avg({ pads: [1, 1, 1, 1], count_include_pad: 1 }), 'AveragePool');
  const excl = await checked(avg({ pads: [1, 1, 1, 1] }), 'AveragePool');
  assert.deepEqual(shapeOf(incl), [1, 8, 8, 8]);
  assert.equal(num(incl.flops), num(excl.flops));
  // opset 19 dilations: dk = 5: floor((15 − 5) / 2) + 1 = 6, floor((16 − 5) / 2) + 1 = 6
  const dilated = await checked(avg({ dilations: [2, 2] }, 19), 'AveragePool');
  assert.deepEqual(shapeOf(dilated), [1, 8, 6, 6]);
  assert.equal(num(dilated.flops), 8 * 6 * 6 * 3 * 3);
});

test('LpPool: 2 FLOPs per window element', async () => {
  const r = await checked(model(node('LpPool', ['X'], { kernel_shape: [2, 2], strides: [2, 2], p: 2 }), [{ name: 'X', shape: [1, 4, 8, 8] }]), 'LpPool');
  assert.deepEqual(shapeOf(r), [1, 4, 4, 4]);
  assert.equal(num(r.flops), 2 * 4 * 4 * 4 * 2 * 2);
  assert.equal(r.formula, '2 · 1·4·4·4 · 2·2');
});

test('Global pools: one (Lp: two) FLOPs per input element', async () => {
  for (const [op, k] of [
    ['GlobalAveragePool', 1],
    ['GlobalMaxPool', 1],
    ['GlobalLpPool', 2],
  ] as const) {
    const r = await checked(model(node(op, ['X']), [{ name: 'X', shape: [2, 512, 7, 7] }]), op);
    assert.deepEqual(shapeOf(r), [2, 512, 1, 1]);
    assert.equal(num(r.flops), k * 2 * 512 * 7 * 7);
    assert.equal(num(r.macs), 0);
  }
  const sym = row(profileSpec(model(node('GlobalAveragePool', ['X']), [{ name: 'X', shape: ['batch', 512, 't'] }])), 'GlobalAveragePool');
  assert.deepEqual(shapeOf(sym), ['batch', 512, 1]);
  assert.equal(sym.flops.toString(), '512·batch·t');
});

test('pool failures: missing kernel_shape, unknown input', () => {
  assert.match(row(profileSpec(model(node('MaxPool', ['X']), [{ name: 'X', shape: [1, 1, 4, 4] }])), 'MaxPool').unknown ?? '', /kernel_shape is required/);
  assert.match(row(profileSpec(model(node('AveragePool', ['X'], { kernel_shape: [2, 2] }), [{ name: 'X' }])), 'AveragePool').unknown ?? '', /shape of "X" unknown/);
});

test('RoiAlign and MaxRoiPool', async () => {
  const spec = model(node('RoiAlign', ['X', 'rois', 'idx'], { output_height: 7, output_width: 7, sampling_ratio: 2 }), [
    { name: 'X', shape: [1, 256, 50, 50] },
    { name: 'rois', shape: ['r', 4] },
    { name: 'idx', elemType: DT.INT64, shape: ['r'] },
  ]);
  const r = row(profileSpec(spec), 'RoiAlign');
  assert.deepEqual(shapeOf(r), ['r', 256, 7, 7]);
  assert.equal(r.flops.toString(), `${8 * 2 * 2 * 256 * 7 * 7}·r`);
  const adaptive = model(node('RoiAlign', ['X', 'rois', 'idx']), spec.graph.inputs);
  assert.match(row(profileSpec(adaptive), 'RoiAlign').unknown ?? '', /sampling_ratio 0/);
  const maxRoi = model(node('MaxRoiPool', ['X', 'rois'], { pooled_shape: [7, 7] }), [
    { name: 'X', shape: [1, 256, 50, 50] },
    { name: 'rois', shape: [10, 5] },
  ]);
  assert.match(row(profileSpec(maxRoi), 'MaxRoiPool').unknown ?? '', /not static/);
});

// ---------------------------------------------------------------- Resize, Upsample

const X4 = (shape: (number | string)[]): ValueSpec[] => [{ name: 'X', shape }];

test('floatToFraction reads float32 scales as the fractions they encode', () => {
  assert.deepEqual(floatToFraction(2), [2, 1]);
  assert.deepEqual(floatToFraction(0.5), [1, 2]);
  assert.deepEqual(floatToFraction(Math.fround(0.7)), [7, 10]);
  assert.deepEqual(floatToFraction(Math.fround(1 / 3)), [1, 3]);
  assert.deepEqual(floatToFraction(Math.fround(1.25)), [5, 4]);
});

test('Resize by scales: nearest is data movement; linear 3 FLOPs per interpolated axis', async () => {
  const byScales = (scales: number[], mode: string) => model(node('Resize', ['X', '', 'scales'], { mode }), X4([1, 3, 10, 12]), [floats('scales', scales)], 13);
  const nearest = await checked(byScales([1, 1, 2, 2], 'nearest'), 'Resize');
  assert.deepEqual(shapeOf(nearest), [1, 3, 20, 24]);
  assert.equal(num(nearest.flops), 0);
  assert.equal(num(nearest.macs), 0);
  // floor(10 · 0.5) = 5; 12 · 0.7f = 8.4 → 8
  const linear = await checked(byScales([1, 1, 0.5, 0.7], 'linear'), 'Resize');
  assert.deepEqual(shapeOf(linear), [1, 3, 5, 8]);
  assert.equal(num(linear.flops), (3 + 3) * 3 * 5 * 8);
  assert.equal(linear.formula, '3+3 · 1·3·5·8');
  // 10 · 0.7f gives 7 in float32 (and 7/10 exactly), not floor(6.99999988)
  const seven = await checked(model(node('Resize', ['X', '', 'scales'], { mode: 'linear' }), X4([1, 1, 10]), [floats('scales', [1, 1, 0.7])], 13), 'Resize');
  assert.deepEqual(shapeOf(seven), [1, 1, 7]);
  assert.equal(num(seven.flops), 3 * 7);
});

test('Resize by sizes (cubic), opset 11 empty scales, opset 10 scales input', async () => {
  const cubic = await checked(model(node('Resize', ['X', '', '', 'sizes'], { mode: 'cubic' }), X4([1, 3, 10, 12]), [int64s('sizes', [1, 3, 7, 9])], 13), 'Resize');
  assert.deepEqual(shapeOf(cubic), [1, 3, 7, 9]);
  assert.equal(num(cubic.flops), (7 + 7) * 3 * 7 * 9);
  // Only W changes: one interpolated axis.
  const oneAxis = await checked(model(node('Resize', ['X', '', '', 'sizes'], { mode: 'linear' }), X4([1, 3, 10, 12]), [int64s('sizes', [1, 3, 10, 24])], 13), 'Resize');
  assert.equal(num(oneAxis.flops), 3 * 3 * 10 * 24);
  const opset11 = model(node('Resize', ['X', 'roi', 'scales', 'sizes'], { mode: 'linear' }), X4([1, 3, 10, 12]), [floats('roi', []), floats('scales', []), int64s('sizes', [1, 3, 20, 6])], 11);
  const r11 = await checked(opset11, 'Resize');
  assert.deepEqual(shapeOf(r11), [1, 3, 20, 6]);
  assert.equal(num(r11.flops), 6 * 3 * 20 * 6);
  const opset10 = await checked(model(node('Resize', ['X', 'scales']), X4([1, 3, 10, 12]), [floats('scales', [1, 1, 1.5, 2])], 10), 'Resize');
  assert.deepEqual(shapeOf(opset10), [1, 3, 15, 24]);
  assert.equal(num(opset10.flops), 0);
});

test('Resize opset 18/19: axes, keep_aspect_ratio_policy, antialias', async () => {
  const aspect = (policy: string) =>
    model(node('Resize', ['X', '', '', 'sizes'], { axes: [2, 3], keep_aspect_ratio_policy: policy, mode: 'linear' }), X4([1, 3, 10, 20]), [int64s('sizes', [5, 5])], 18);
  // not_larger: scale = min(5/10, 5/20) = 0.25 → round(2.5) = 3, 5
  const small = await checked(aspect('not_larger'), 'Resize');
  assert.deepEqual(shapeOf(small), [1, 3, 3, 5]);
  assert.equal(num(small.flops), 6 * 3 * 3 * 5);
  // not_smaller: scale = 0.5 → 5, 10
  assert.deepEqual(shapeOf(await checked(aspect('not_smaller'), 'Resize')), [1, 3, 5, 10]);
  assert.deepEqual(shapeOf(await checked(aspect('stretch'), 'Resize')), [1, 3, 5, 5]);
  const negAxes = await checked(model(node('Resize', ['X', '', 'scales'], { axes: [-1, -2] }), X4([1, 3, 10, 20]), [floats('scales', [0.5, 3])], 19), 'Resize');
  assert.deepEqual(shapeOf(negAxes), [1, 3, 30, 10]);
  // antialias halving: taps = ceil(2 / 0.5) = 4 → 7 FLOPs per axis
  const aa = await checked(model(node('Resize', ['X', '', 'scales'], { mode: 'linear', antialias: 1 }), X4([1, 3, 16, 16]), [floats('scales', [1, 1, 0.5, 0.5])], 18), 'Resize');
  assert.deepEqual(shapeOf(aa), [1, 3, 8, 8]);
  assert.equal(num(aa.flops), (7 + 7) * 3 * 8 * 8);
});

test('Resize with symbolic dims: 2h, floor(h/2), polynomial cost', () => {
  const up = row(profileSpec(model(node('Resize', ['X', '', 'scales'], { mode: 'linear' }), X4(['batch', 3, 'h', 'w']), [floats('scales', [1, 1, 2, 0.5])], 13)), 'Resize');
  assert.deepEqual(shapeOf(up), ['batch', 3, '2·h', 'floor((w)/2)']);
  assert.equal(up.flops.toString(), `${6 * 3 * 2}·batch·floor((w)/2)·h`);
  assert.equal(up.flops.evaluate(new Map([['batch', 2], ['h', 5], ['w', 9]])), 6 * 2 * 3 * 10 * 4);
  // sizes from the graph (symbolic values) resize to them exactly
  const sized = row(
    profileSpec({
      opset: 13,
      graph: {
        nodes: [node('Resize', ['X', '', '', 'sizes'], { mode: 'nearest' })],
        inputs: X4(['batch', 3, 'h', 'w']),
        outputs: [{ name: 'Y' }],
        initializers: [int64s('sizes', [1, 3, 64, 64])],
      },
    }),
    'Resize',
  );
  assert.deepEqual(shapeOf(sized), [1, 3, 64, 64]);
});

test('Upsample opset 7 (attribute) and 9 (input)', async () => {
  const v7 = await checked(model(node('Upsample', ['X'], { scales: { floats: [1, 1, 2, 3] }, mode: 'nearest' }), X4([1, 2, 4, 5]), [], 7), 'Upsample');
  assert.deepEqual(shapeOf(v7), [1, 2, 8, 15]);
  assert.equal(num(v7.flops), 0);
  const v9 = await checked(model(node('Upsample', ['X', 'scales'], { mode: 'linear' }), X4([1, 2, 4, 5]), [floats('scales', [1, 1, 2, 2])], 9), 'Upsample');
  assert.deepEqual(shapeOf(v9), [1, 2, 8, 10]);
  assert.equal(num(v9.flops), (3 + 3) * 2 * 8 * 10);
});

test('Resize failures: scales not static, both scales and sizes', () => {
  const dynamic = model(node('Resize', ['X', '', 'S']), [...X4([1, 3, 4, 4]), { name: 'S', shape: [4] }], [], 13);
  assert.match(row(profileSpec(dynamic), 'Resize').unknown ?? '', /scales \(input 2\) are not known/);
  const both = model(node('Resize', ['X', '', 'scales', 'sizes']), X4([1, 3, 4, 4]), [floats('scales', [1, 1, 2, 2]), int64s('sizes', [1, 3, 8, 8])], 13);
  assert.match(row(profileSpec(both), 'Resize').unknown ?? '', /both scales and sizes/);
});

// ---------------------------------------------------------------- Pad, DepthToSpace, SpaceToDepth

test('Pad: opset 2 attribute, opset 11 input (negative crops), opset 18 axes, modes', async () => {
  const v2 = await checked(model(node('Pad', ['X'], { pads: [0, 0, 1, 2, 0, 0, 3, 4], mode: 'reflect' }), X4([1, 2, 5, 6]), [], 2), 'Pad');
  assert.deepEqual(shapeOf(v2), [1, 2, 9, 12]);
  assert.equal(num(v2.flops), 0);
  const v11 = await checked(model(node('Pad', ['X', 'pads']), X4([1, 2, 5, 6]), [int64s('pads', [0, 1, 2, -1, 0, 0, 1, -2])], 11), 'Pad');
  assert.deepEqual(shapeOf(v11), [1, 3, 8, 3]);
  const v18 = await checked(model(node('Pad', ['X', 'pads', '', 'axes'], { mode: 'edge' }), X4([1, 2, 5, 6]), [int64s('pads', [1, 2, 3, 4]), int64s('axes', [-1, 2])], 18), 'Pad');
  // axis 3: 6 + 1 + 3 = 10; axis 2: 5 + 2 + 4 = 11
  assert.deepEqual(shapeOf(v18), [1, 2, 11, 10]);
  const wrap = await checked(model(node('Pad', ['X', 'pads'], { mode: 'wrap' }), X4([1, 2, 5, 6]), [int64s('pads', [0, 0, 1, 1, 0, 0, 1, 1])], 19), 'Pad');
  assert.deepEqual(shapeOf(wrap), [1, 2, 7, 8]);
  const sym = row(profileSpec(model(node('Pad', ['X', 'pads']), X4(['n', 3, 'h', 'w']), [int64s('pads', [0, 0, 1, 1, 0, 0, 1, 1])], 13)), 'Pad');
  assert.deepEqual(shapeOf(sym), ['n', 3, 'h + 2', 'w + 2']);
  const dynamic = model(node('Pad', ['X', 'P']), [...X4([1, 2, 5, 6]), { name: 'P', elemType: DT.INT64, shape: [8] }], [], 13);
  assert.match(row(profileSpec(dynamic), 'Pad').unknown ?? '', /pads \(input 1\) are not known/);
});

test('DepthToSpace and SpaceToDepth', async () => {
  for (const mode of ['DCR', 'CRD']) {
    const r = await checked(model(node('DepthToSpace', ['X'], { blocksize: 2, mode }), X4([1, 12, 5, 6]), [], 13), 'DepthToSpace');
    assert.deepEqual(shapeOf(r), [1, 3, 10, 12]);
    assert.equal(num(r.flops), 0);
  }
  const s2d = await checked(model(node('SpaceToDepth', ['X'], { blocksize: 2 }), X4([2, 3, 10, 12]), [], 13), 'SpaceToDepth');
  assert.deepEqual(shapeOf(s2d), [2, 12, 5, 6]);
  const sym = row(profileSpec(model(node('SpaceToDepth', ['X'], { blocksize: 2 }), X4(['n', 3, 'h', 'w']), [], 13)), 'SpaceToDepth');
  assert.deepEqual(shapeOf(sym), ['n', 12, 'floor((h)/2)', 'floor((w)/2)']);
  const bad = row(profileSpec(model(node('DepthToSpace', ['X'], { blocksize: 2 }), X4([1, 6, 5, 6]), [], 13)), 'DepthToSpace');
  assert.match(bad.unknown ?? '', /not divisible by 4/);
});
