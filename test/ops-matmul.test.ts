import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DT, type ModelSpec, type NodeSpec, type TensorSpec, type ValueSpec } from './helpers/onnx-builder';
import { ortDims } from './helpers/ort';
import { dims, num, profileSpec, row } from './helpers/profile';
import { DataType } from '../src/onnx/model';

const MS_OPSET = [
  { domain: '', version: 17 },
  { domain: 'com.microsoft', version: 1 },
];

/** A one-node model; every input is a graph input unless listed as an initializer. */
function model(node: NodeSpec, inputs: ValueSpec[], opts: { initializers?: TensorSpec[]; opset?: ModelSpec['opset']; outputs?: ValueSpec[] } = {}): ModelSpec {
  return {
    opset: opts.opset ?? 17,
    graph: {
      nodes: [node],
      inputs,
      outputs: opts.outputs ?? node.outputs.map((name) => ({ name })),
      initializers: opts.initializers,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Gemm

test('Gemm with transB and a bias: [8,32] x [16,32]^T + [16]', async () => {
  const spec = model({ opType: 'Gemm', inputs: ['A', 'B', 'C'], outputs: ['Y'], attrs: { transB: 1 } }, [
    { name: 'A', shape: [8, 32] },
    { name: 'B', shape: [16, 32] },
    { name: 'C', shape: [16] },
  ]);
  const r = row(profileSpec(spec), 'Gemm');
  assert.deepEqual(dims(r.outputShapes[0].shape), [8, 16]);
  assert.equal(num(r.macs), 8 * 32 * 16);
  assert.equal(num(r.flops), 2 * 8 * 32 * 16 + 8 * 16);
  assert.equal(r.formula, '8·32·16');
  assert.deepEqual((await ortDims(spec)).Y, [8, 16]);
});

test('Gemm transA, alpha and beta != 1 each add M·N multiplies; no C: no add', () => {
  const withC = model({ opType: 'Gemm', inputs: ['A', 'B', 'C'], outputs: ['Y'], attrs: { transA: 1, alpha: { f: 0.5 }, beta: { f: 2 } } }, [
    { name: 'A', shape: [32, 8] },
    { name: 'B', shape: [32, 16] },
    { name: 'C', shape: [8, 1] },
  ]);
  const r = row(profileSpec(withC), 'Gemm');
  assert.deepEqual(dims(r.outputShapes[0].shape), [8, 16]);
  assert.equal(num(r.macs), 8 * 32 * 16);
  assert.equal(num(r.flops), 2 * 8 * 32 * 16 + 8 * 16 /* C add */ + 8 * 16 /* alpha */ + 8 * 16 /* beta */);

  const noC = model({ opType: 'Gemm', inputs: ['A', 'B'], outputs: ['Y'], attrs: { beta: { f: 2 } } }, [
    { name: 'A', shape: [8, 32] },
    { name: 'B', shape: [32, 16] },
  ]);
  const r2 = row(profileSpec(noC), 'Gemm');
  assert.equal(num(r2.flops), 2 * 8 * 32 * 16); // beta scales C, which is absent
});

test('Gemm with a symbolic batch: MACs are a polynomial', () => {
  const spec = model({ opType: 'Gemm', inputs: ['A', 'W', 'b'], outputs: ['Y'], attrs: { transB: 1 } }, [{ name: 'A', shape: ['batch', 512] }], {
    initializers: [
      { name: 'W', dims: [1000, 512], rawBytes: 1000 * 512 * 4 },
      { name: 'b', dims: [1000], rawBytes: 4000 },
    ],
  });
  const r = row(profileSpec(spec), 'Gemm');
  assert.equal(r.macs.toString(), `${512 * 1000}·batch`);
  assert.equal(r.flops.toString(), `${2 * 512 * 1000 + 1000}·batch`);
  assert.equal(r.params, 1000 * 512 + 1000);
  const bound = row(profileSpec(spec, { dims: { batch: 8 } }), 'Gemm');
  assert.equal(num(bound.macs), 8 * 512 * 1000);
});

test('Gemm failures: inner dims differ, C does not broadcast', () => {
  const inner = model({ opType: 'Gemm', inputs: ['A', 'B'], outputs: ['Y'] }, [
    { name: 'A', shape: [8, 32] },
    { name: 'B', shape: [31, 16] },
  ]);
  const r = row(profileSpec(inner), 'Gemm');
  assert.match(r.unknown ?? '', /inner dimensions differ/);
  assert.equal(num(r.macs), 0);
  const badC = model({ opType: 'Gemm', inputs: ['A', 'B', 'C'], outputs: ['Y'] }, [
    { name: 'A', shape: [8, 32] },
    { name: 'B', shape: [32, 16] },
    { name: 'C', shape: [7] },
  ]);
  assert.match(row(profileSpec(badC), 'Gemm').unknown ?? '', /does not broadcast/);
});

// ---------------------------------------------------------------------------------------------
// MatMul

test('MatMul broadcasts batch dims: [2,1,4,8] @ [3,8,5] -> [2,3,4,5]', async () => {
  const spec = model({ opType: 'MatMul', inputs: ['A', 'B'], outputs: ['Y'] }, [
    { name: 'A', shape: [2, 1, 4, 8] },
    { name: 'B', shape: [3, 8, 5] },
  ]);
  const r = row(profileSpec(spec), 'MatMul');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 3, 4, 5]);
  assert.equal(num(r.macs), 2 * 3 * 4 * 8 * 5);
  assert.equal(num(r.flops), 2 * (2 * 3 * 4 * 8 * 5));
  assert.equal(r.formula, '2·3·4·8·5');
  assert.deepEqual((await ortDims(spec)).Y, [2, 3, 4, 5]);
});

test('MatMul on [batch, seq, 64] @ [64, 256]: MACs = 16384·batch·seq', () => {
  const spec = model({ opType: 'MatMul', inputs: ['X', 'W'], outputs: ['Y'] }, [{ name: 'X', shape: ['batch', 'seq', 64] }], {
    initializers: [{ name: 'W', dims: [64, 256], rawBytes: 64 * 256 * 4 }],
  });
  const r = row(profileSpec(spec), 'MatMul');
  assert.deepEqual(dims(r.outputShapes[0].shape), ['batch', 'seq', 256]);
  assert.equal(r.macs.toString(), `${64 * 256}·batch·seq`);
  assert.equal(r.flops.toString(), `${2 * 64 * 256}·batch·seq`);
  const bound = row(profileSpec(spec, { dims: { batch: 8 } }), 'MatMul');
  assert.equal(bound.macs.toString(), `${8 * 64 * 256}·seq`);
});

test('MatMul 1-D operands are promoted and the added dim dropped', async () => {
  const cases: [number[], number[], number[], number][] = [
    [[8], [8, 5], [5], 8 * 5],
    [[3, 4, 8], [8], [3, 4], 3 * 4 * 8],
    [[8], [8], [], 8],
    [[8], [2, 8, 5], [2, 5], 2 * 8 * 5],
  ];
  for (const [a, b, out, macs] of cases) {
    const spec = model({ opType: 'MatMul', inputs: ['A', 'B'], outputs: ['Y'] }, [
      { name: 'A', shape: a },
      { name: 'B', shape: b },
    ]);
    const r = row(profileSpec(spec), 'MatMul');
    assert.deepEqual(dims(r.outputShapes[0].shape), out, `[${a}] @ [${b}]`);
    assert.equal(num(r.macs), macs);
    assert.deepEqual((await ortDims(spec)).Y, out);
  }
});

test('MatMul failures: inner dims differ, batch dims do not broadcast, unknown shape', () => {
  const inner = model({ opType: 'MatMul', inputs: ['A', 'B'], outputs: ['Y'] }, [
    { name: 'A', shape: [4, 8] },
    { name: 'B', shape: [9, 5] },
  ]);
  const r = row(profileSpec(inner), 'MatMul');
  assert.match(r.unknown ?? '', /inner dimensions differ \(\[4, 8\] @ \[9, 5\]\): 8 vs 9/);
  assert.equal(num(r.macs), 0);
  const batch = model({ opType: 'MatMul', inputs: ['A', 'B'], outputs: ['Y'] }, [
    { name: 'A', shape: [2, 4, 8] },
    { name: 'B', shape: [3, 8, 5] },
  ]);
  assert.match(row(profileSpec(batch), 'MatMul').unknown ?? '', /cannot broadcast dims 2 and 3/);
  const unknown = model({ opType: 'MatMul', inputs: ['A', 'B'], outputs: ['Y'] }, [{ name: 'A' }, { name: 'B', shape: [8, 5] }]);
  const u = profileSpec(unknown);
  assert.match(row(u, 'MatMul').unknown ?? '', /shape of "A" unknown/);
  assert.deepEqual(u.unknownOps.map((o) => o.op), ['MatMul']);
});

test('MatMulInteger: int32 output, zero-point subtractions counted', async () => {
  const spec = model({ opType: 'MatMulInteger', inputs: ['A', 'B', 'az'], outputs: ['Y'] }, [
    { name: 'A', elemType: DT.UINT8, shape: [4, 8] },
    { name: 'B', elemType: DT.UINT8, shape: [8, 3] },
  ], { initializers: [{ name: 'az', dataType: DT.UINT8, dims: [], values: [3] }], outputs: [{ name: 'Y', elemType: DT.INT32 }] });
  const r = row(profileSpec(spec), 'MatMulInteger');
  assert.deepEqual(dims(r.outputShapes[0].shape), [4, 3]);
  assert.equal(r.outputShapes[0].dtype, DataType.INT32);
  assert.equal(num(r.macs), 4 * 8 * 3);
  assert.equal(num(r.flops), 2 * 4 * 8 * 3 + 4 * 8 /* A - a_zero_point */);
  assert.deepEqual((await ortDims(spec)).Y, [4, 3]);
});

test('QLinearMatMul: output type of y_zero_point, requantize 4 per output', async () => {
  const scalar = (name: string, dataType: number, v: number): TensorSpec => ({ name, dataType, dims: [], values: [v] });
  const spec = model({ opType: 'QLinearMatMul', inputs: ['A', 'as', 'az', 'B', 'bs', 'bz', 'ys', 'yz'], outputs: ['Y'] }, [
    { name: 'A', elemType: DT.UINT8, shape: [2, 4, 8] },
    { name: 'B', elemType: DT.UINT8, shape: [8, 3] },
  ], {
    initializers: [
      scalar('as', DT.FLOAT, 0.1), scalar('az', DT.UINT8, 1),
      scalar('bs', DT.FLOAT, 0.2), scalar('bz', DT.UINT8, 2),
      scalar('ys', DT.FLOAT, 0.3), scalar('yz', DT.UINT8, 3),
    ],
    outputs: [{ name: 'Y', elemType: DT.UINT8 }],
  });
  const r = row(profileSpec(spec), 'QLinearMatMul');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 4, 3]);
  assert.equal(r.outputShapes[0].dtype, DataType.UINT8);
  assert.equal(num(r.macs), 2 * 4 * 8 * 3);
  assert.equal(num(r.flops), 2 * (2 * 4 * 8 * 3) + 2 * 4 * 8 + 8 * 3 + 4 * (2 * 4 * 3));
  assert.deepEqual((await ortDims(spec)).Y, [2, 4, 3]);
});

test('com.microsoft FusedMatMul: transB, transBatchA, alpha', async () => {
  const spec = model({ opType: 'FusedMatMul', domain: 'com.microsoft', inputs: ['A', 'B'], outputs: ['Y'], attrs: { transB: 1, alpha: { f: 0.125 } } }, [
    { name: 'A', shape: [2, 4, 6, 16] },
    { name: 'B', shape: [2, 4, 10, 16] },
  ], { opset: MS_OPSET });
  const r = row(profileSpec(spec), 'com.microsoft::FusedMatMul');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 4, 6, 10]);
  assert.equal(num(r.macs), 2 * 4 * 6 * 16 * 10);
  assert.equal(num(r.flops), 2 * (2 * 4 * 6 * 16 * 10) + 2 * 4 * 6 * 10 /* alpha */);
  assert.deepEqual((await ortDims(spec)).Y, [2, 4, 6, 10]);

  // transBatchA reads A [b, m, k] as [m, b, k]: [3, 5, 8] -> batch [5], rows 3.
  const batch = model({ opType: 'FusedMatMul', domain: 'com.microsoft', inputs: ['A', 'B'], outputs: ['Y'], attrs: { transBatchA: 1 } }, [
    { name: 'A', shape: [3, 5, 8] },
    { name: 'B', shape: [5, 8, 2] },
  ], { opset: MS_OPSET });
  const rb = row(profileSpec(batch), 'com.microsoft::FusedMatMul');
  assert.deepEqual(dims(rb.outputShapes[0].shape), [5, 3, 2]);
  assert.equal(num(rb.macs), 5 * 3 * 8 * 2);
  assert.equal(num(rb.flops), 2 * 5 * 3 * 8 * 2);
  assert.deepEqual((await ortDims(batch)).Y, [5, 3, 2]);
});

// ---------------------------------------------------------------------------------------------
// Einsum

function einsum(equation: string, shapes: (number | string)[][]): ModelSpec {
  const names = shapes.map((_, i) => `x${i}`);
  return model({ opType: 'Einsum', inputs: names, outputs: ['Y'], attrs: { equation } }, shapes.map((shape, i) => ({ name: names[i], shape })), { opset: 12 });
}

test('Einsum batched matmul bij,bjk->bik', async () => {
  const spec = einsum('bij,bjk->bik', [[2, 3, 4], [2, 4, 5]]);
  const r = row(profileSpec(spec), 'Einsum');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 3, 5]);
  assert.equal(num(r.macs), 2 * 3 * 4 * 5);
  assert.equal(num(r.flops), 2 * (2 * 3 * 4 * 5));
  assert.deepEqual((await ortDims(spec)).Y, [2, 3, 5]);
});

test('Einsum attention scores bhqd,bhkd->bhqk, also symbolic', async () => {
  const spec = einsum('bhqd,bhkd->bhqk', [[2, 4, 8, 16], [2, 4, 10, 16]]);
  const r = row(profileSpec(spec), 'Einsum');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 4, 8, 10]);
  assert.equal(num(r.macs), 2 * 4 * 8 * 16 * 10);
  assert.deepEqual((await ortDims(spec)).Y, [2, 4, 8, 10]);
  const sym = row(profileSpec(einsum('bhqd,bhkd->bhqk', [['batch', 4, 'seq', 16], ['batch', 4, 'seq', 16]])), 'Einsum');
  assert.deepEqual(dims(sym.outputShapes[0].shape), ['batch', 4, 'seq', 'seq']);
  assert.equal(sym.macs.toString(), `${4 * 16}·batch·seq^2`);
});

test('Einsum with an ellipsis broadcasting batch dims, explicit and implicit output', async () => {
  const spec = einsum('...ij,...jk->...ik', [[2, 3, 4, 5], [1, 3, 5, 6]]);
  const r = row(profileSpec(spec), 'Einsum');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 3, 4, 6]);
  assert.equal(num(r.macs), 2 * 3 * 4 * 5 * 6);
  assert.deepEqual((await ortDims(spec)).Y, [2, 3, 4, 6]);
  // numpy also lets the ellipses cover different ranks (ONNX shape inference does not).
  const ragged = row(profileSpec(einsum('...ij,...jk->...ik', [[2, 3, 4, 5], [5, 6]])), 'Einsum');
  assert.deepEqual(dims(ragged.outputShapes[0].shape), [2, 3, 4, 6]);
  assert.equal(num(ragged.macs), 2 * 3 * 4 * 5 * 6);
  // An ellipsis dropped from an explicit output is summed over.
  const dropped = row(profileSpec(einsum('...ij->ij', [[7, 4, 5]])), 'Einsum');
  assert.deepEqual(dims(dropped.outputShapes[0].shape), [4, 5]);
  assert.equal(num(dropped.flops), 7 * 4 * 5);
  // Implicit output: broadcast dims first, then the indices used once, alphabetically (k before m).
  const implicit = einsum('...mj,...jk', [[2, 4, 5], [1, 5, 6]]);
  const ri = row(profileSpec(implicit), 'Einsum');
  assert.deepEqual(dims(ri.outputShapes[0].shape), [2, 6, 4]);
  assert.equal(num(ri.macs), 2 * 4 * 5 * 6);
  assert.deepEqual((await ortDims(implicit)).Y, [2, 6, 4]);
});

test('Einsum single operand: transpose is data movement, sum and trace add', async () => {
  const t = row(profileSpec(einsum('ij->ji', [[3, 5]])), 'Einsum');
  assert.deepEqual(dims(t.outputShapes[0].shape), [5, 3]);
  assert.equal(num(t.macs), 0);
  assert.equal(num(t.flops), 0);
  const s = einsum('ij->i', [[3, 5]]);
  const rs = row(profileSpec(s), 'Einsum');
  assert.deepEqual(dims(rs.outputShapes[0].shape), [3]);
  assert.equal(num(rs.macs), 0);
  assert.equal(num(rs.flops), 3 * 5);
  assert.deepEqual((await ortDims(s)).Y, [3]);
  const trace = einsum('ii', [[4, 4]]); // implicit: i is used twice, so summed -> scalar
  const rt = row(profileSpec(trace), 'Einsum');
  assert.deepEqual(dims(rt.outputShapes[0].shape), []);
  assert.equal(num(rt.flops), 4); // the diagonal elements visited
  assert.deepEqual((await ortDims(trace)).Y, []);
});

test('Einsum with 3 operands counts the direct loop; without a summed index only products', () => {
  const chain = row(profileSpec(einsum('ij,jk,kl->il', [[2, 3], [3, 4], [4, 5]])), 'Einsum');
  assert.deepEqual(dims(chain.outputShapes[0].shape), [2, 5]);
  assert.equal(num(chain.macs), 2 * 3 * 4 * 5);
  assert.equal(num(chain.flops), 3 * (2 * 3 * 4 * 5)); // 2 multiplies + 1 add per loop iteration
  const outer = row(profileSpec(einsum('i,j->ij', [[3], [4]])), 'Einsum');
  assert.deepEqual(dims(outer.outputShapes[0].shape), [3, 4]);
  assert.equal(num(outer.macs), 0);
  assert.equal(num(outer.flops), 3 * 4);
});

test('Einsum failures: operand count, rank vs subscripts, size mismatch', () => {
  assert.match(row(profileSpec(einsum('ij,jk->ik', [[2, 3]])), 'Einsum').unknown ?? '', /names 2 operands but the node has 1/);
  assert.match(row(profileSpec(einsum('ij->i', [[2, 3, 4]])), 'Einsum').unknown ?? '', /does not fit subscripts "ij"/);
  assert.match(row(profileSpec(einsum('ij,jk->ik', [[2, 3], [4, 5]])), 'Einsum').unknown ?? '', /index "j" has different sizes: 3 vs 4/);
});

// ---------------------------------------------------------------------------------------------
// Attention

test('com.microsoft Attention: QKV projection + Q·Kᵀ + attn·V, no output projection', async () => {
  const spec = model({ opType: 'Attention', domain: 'com.microsoft', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { num_heads: 4 } }, [
    { name: 'x', shape: [2, 8, 32] },
    { name: 'w', shape: [32, 96] },
    { name: 'b', shape: [96] },
  ], { opset: MS_OPSET });
  const r = row(profileSpec(spec), 'com.microsoft::Attention');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 8, 32]);
  const [B, S, H, heads, d] = [2, 8, 32, 4, 8];
  const macs = B * S * H * 3 * H + B * heads * S * S * d + B * heads * S * S * d;
  assert.equal(num(r.macs), macs);
  const scores = B * heads * S * S;
  assert.equal(num(r.flops), 2 * macs + scores * (1 + 5) /* scale, softmax */ + B * S * 3 * H /* bias */);
  assert.deepEqual((await ortDims(spec)).y, [2, 8, 32]);
});

test('com.microsoft Attention with past state: present grows, scores span past + S', async () => {
  const spec = model({ opType: 'Attention', domain: 'com.microsoft', inputs: ['x', 'w', 'b', '', 'past'], outputs: ['y', 'present'], attrs: { num_heads: 4, unidirectional: 1 } }, [
    { name: 'x', shape: [2, 1, 32] },
    { name: 'w', shape: [32, 96] },
    { name: 'b', shape: [96] },
    { name: 'past', shape: [2, 2, 4, 5, 8] },
  ], { opset: MS_OPSET });
  const r = row(profileSpec(spec), 'com.microsoft::Attention');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 1, 32]);
  assert.deepEqual(dims(r.outputShapes[1].shape), [2, 2, 4, 6, 8]);
  const [B, S, H, T] = [2, 1, 32, 5 + 1];
  assert.equal(num(r.macs), B * S * H * 3 * H + 2 * (B * S * T * H));
  const ort = await ortDims(spec);
  assert.deepEqual(ort.y, [2, 1, 32]);
  assert.deepEqual(ort.present, [2, 2, 4, 6, 8]);
});

test('com.microsoft MultiHeadAttention: cross attention with separate K/V, symbolic seq', async () => {
  const spec = model({ opType: 'MultiHeadAttention', domain: 'com.microsoft', inputs: ['q', 'k', 'v'], outputs: ['y'], attrs: { num_heads: 4 } }, [
    { name: 'q', shape: [2, 8, 32] },
    { name: 'k', shape: [2, 10, 32] },
    { name: 'v', shape: [2, 10, 32] },
  ], { opset: MS_OPSET });
  const r = row(profileSpec(spec), 'com.microsoft::MultiHeadAttention');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 8, 32]);
  const [B, heads, S, L, d] = [2, 4, 8, 10, 8];
  const macs = 2 * (B * heads * S * L * d);
  assert.equal(num(r.macs), macs);
  assert.equal(num(r.flops), 2 * macs + 6 * (B * heads * S * L));
  assert.deepEqual((await ortDims(spec)).y, [2, 8, 32]);

  const sym = model({ opType: 'MultiHeadAttention', domain: 'com.microsoft', inputs: ['q', 'q', 'q'], outputs: ['y'], attrs: { num_heads: 2 } }, [{ name: 'q', shape: ['batch', 'seq', 64] }], { opset: MS_OPSET });
  assert.equal(row(profileSpec(sym), 'com.microsoft::MultiHeadAttention').macs.toString(), `${2 * 64}·batch·seq^2`);
});

test('ONNX Attention (opset 23): grouped-query 4-D and 3-D forms', async () => {
  const four: ModelSpec = model({ opType: 'Attention', inputs: ['Q', 'K', 'V'], outputs: ['Y'] }, [
    { name: 'Q', shape: [2, 4, 8, 16] },
    { name: 'K', shape: [2, 2, 10, 16] },
    { name: 'V', shape: [2, 2, 10, 12] },
  ], { opset: 23 });
  const r = row(profileSpec(four), 'Attention');
  assert.deepEqual(dims(r.outputShapes[0].shape), [2, 4, 8, 12]);
  const [B, Nq, Sq, T] = [2, 4, 8, 10];
  const macs = B * Nq * Sq * T * 16 + B * Nq * Sq * T * 12;
  assert.equal(num(r.macs), macs);
  assert.equal(num(r.flops), 2 * macs + 6 * (B * Nq * Sq * T));
  assert.deepEqual((await ortDims(four)).Y, [2, 4, 8, 12]);

  const three: ModelSpec = model({ opType: 'Attention', inputs: ['Q', 'K', 'V'], outputs: ['Y'], attrs: { q_num_heads: 4, kv_num_heads: 2, is_causal: 1 } }, [
    { name: 'Q', shape: [2, 8, 64] },
    { name: 'K', shape: [2, 10, 32] },
    { name: 'V', shape: [2, 10, 32] },
  ], { opset: 23 });
  const r3 = row(profileSpec(three), 'Attention');
  assert.deepEqual(dims(r3.outputShapes[0].shape), [2, 8, 64]);
  const macs3 = 2 * (B * Nq * Sq * T * 16);
  assert.equal(num(r3.macs), macs3);
  assert.equal(num(r3.flops), 2 * macs3 + 7 * (B * Nq * Sq * T)); // + causal mask
  assert.deepEqual((await ortDims(three)).Y, [2, 8, 64]);
});

test('Attention failures: heads do not divide the hidden size, missing num_heads', () => {
  const bad = model({ opType: 'MultiHeadAttention', domain: 'com.microsoft', inputs: ['q', 'q', 'q'], outputs: ['y'], attrs: { num_heads: 5 } }, [{ name: 'q', shape: [1, 4, 32] }], { opset: MS_OPSET });
  assert.match(row(profileSpec(bad), 'com.microsoft::MultiHeadAttention').unknown ?? '', /not divisible by num_heads 5/);
  const none = model({ opType: 'Attention', domain: 'com.microsoft', inputs: ['x', 'w'], outputs: ['y'] }, [
    { name: 'x', shape: [1, 4, 32] },
    { name: 'w', shape: [32, 96] },
  ], { opset: MS_OPSET });
  assert.match(row(profileSpec(none), 'com.microsoft::Attention').unknown ?? '', /needs the num_heads attribute/);
});
