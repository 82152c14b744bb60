/**
 * Matrix products: Gemm, MatMul (numpy semantics), the quantized MatMuls, Einsum, and the
 * attention ops whose cost is dominated by their products (com.microsoft Attention,
 * MultiHeadAttention, FusedMatMul; ONNX Attention from opset 23).
 *
 * A MAC is one multiply-accumulate of a product; FLOPs = 2 × MACs + the element-wise work below.
 *
 * | op                     | MACs                                  | element-wise FLOPs on top of 2 × MACs                      |
 * |------------------------|---------------------------------------|------------------------------------------------------------|
 * | Gemm                   | M·K·N                                 | + M·N for the C add (when C is given), + M·N for alpha ≠ 1, |
 * |                        |                                       |   + M·N for beta ≠ 1 (when C is given)                     |
 * | MatMul                 | ∏batch·M·K·N (broadcast batch dims)   | none                                                       |
 * | MatMulInteger          | as MatMul                             | + numel(A) when a_zero_point is given, + numel(B) for b's  |
 * |                        |                                       |   (one zero-point subtraction per operand element)         |
 * | QLinearMatMul          | as MatMul                             | + numel(A) + numel(B) (zero points) + 4 per output element |
 * |                        |                                       |   (requantize: scale multiply, zero-point add, clip (2))   |
 * | com.microsoft          | as MatMul on the transposed operands  | + numel(Y) for alpha ≠ 1                                   |
 * | FusedMatMul            |                                       |                                                            |
 * | Einsum, ≥ 2 operands   | ∏ sizes of every distinct index       | + (operands − 2) × MACs: the naive loop multiplies all     |
 * | with a summed index    | (kept, summed and `...` dims): the    |   operands in each iteration                               |
 * |                        | direct loop, no contraction-path      |                                                            |
 * |                        | optimization even for ≥ 3 operands    |                                                            |
 * | Einsum, ≥ 2 operands,  | 0 (nothing accumulates)               | (operands − 1) × ∏ index sizes (products only)            |
 * | nothing summed         |                                       |                                                            |
 * | Einsum, 1 operand      | 0                                     | ∏ index sizes (one add per element visited) when an index |
 * |                        |                                       | is summed (sum, trace); transpose/diagonal: no arithmetic  |
 * | Attention family       | Q·Kᵀ: B·heads·Sq·T·d, attn·V:        | + B·heads·Sq·T × (1 scale + 5 softmax + 1 per mask/bias    |
 * |                        | B·heads·Sq·T·dv (T = past + kv len);  |   input added, + 3 for softcap) + 1 per projection bias    |
 * |                        | com.microsoft Attention adds the QKV  |   element (com.microsoft ops)                              |
 * |                        | projection B·S·Hin·(H + H + Hv)       |                                                            |
 *
 * Causal / unidirectional masking is costed as the full score matrix (what a naive kernel does).
 * No output projection is part of any attention op here.
 */
import { Expr, product } from '../symbolic/expr';
import { DataType } from '../onnx/model';
import { defineOps } from './registry';
import { broadcast, formatProduct, noArithmetic, numel } from './shape-utils';
import type { Cost, OpContext, OpDef, TensorValue } from './types';

const MS = 'com.microsoft';

/** Fails when two dims that must match are known to differ; returns the more informative one. */
export function matchDims(ctx: OpContext, a: Expr, b: Expr, what: string): Expr {
  const x = a.constant;
  const y = b.constant;
  if (x !== undefined && y !== undefined && x !== y) ctx.fail(`${what}: ${x} vs ${y}`);
  return x !== undefined ? a : b.constant !== undefined ? b : a;
}

function show(shape: readonly Expr[]): string {
  return `[${shape.join(', ')}]`;
}

interface MatMulShapes {
  out: Expr[];
  batch: Expr[];
  m: Expr;
  k: Expr;
  n: Expr;
}

/** numpy matmul: 1-D operands are promoted (and the added dim removed), batch dims broadcast. */
export function matmulShapes(ctx: OpContext, a: readonly Expr[], b: readonly Expr[]): MatMulShapes {
  if (a.length === 0 || b.length === 0) ctx.fail('MatMul operands must have rank ≥ 1 (a scalar was given)');
  const aP = a.length === 1 ? [Expr.ONE, a[0]] : [...a];
  const bP = b.length === 1 ? [b[0], Expr.ONE] : [...b];
  const m = aP[aP.length - 2];
  const k = matchDims(ctx, aP[aP.length - 1], bP[bP.length - 2], `inner dimensions differ (${show(a)} @ ${show(b)})`);
  const n = bP[bP.length - 1];
  const batch = broadcast(ctx, [aP.slice(0, -2), bP.slice(0, -2)]);
  const out = [...batch, ...(a.length > 1 ? [m] : []), ...(b.length > 1 ? [n] : [])];
  return { out, batch, m, k, n };
}

function matmulCost(s: MatMulShapes, extraFlops: Expr = Expr.ZERO): Cost {
  const macs = product([...s.batch, s.m, s.k, s.n]);
  return { macs, flops: macs.scale(2).add(extraFlops), formula: formatProduct([...s.batch, s.m, s.k, s.n]) };
}

function dtypeOf(ctx: OpContext, i: number): number {
  return ctx.input(i)?.dtype ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Gemm

interface GemmShapes {
  m: Expr;
  k: Expr;
  n: Expr;
}

function gemmShapes(ctx: OpContext): GemmShapes {
  const a = ctx.shapeOf(0);
  const b = ctx.shapeOf(1);
  if (a.length !== 2) ctx.fail(`Gemm input A must be 2-D, got ${show(a)}`);
  if (b.length !== 2) ctx.fail(`Gemm input B must be 2-D, got ${show(b)}`);
  const [m, ka] = ctx.attrInt('transA', 0) ? [a[1], a[0]] : [a[0], a[1]];
  const [kb, n] = ctx.attrInt('transB', 0) ? [b[1], b[0]] : [b[0], b[1]];
  const k = matchDims(ctx, ka, kb, `Gemm inner dimensions differ (A ${show(a)}, B ${show(b)})`);
  if (ctx.input(2)) {
    const c = ctx.shapeOf(2);
    if (c.length > 2) ctx.fail(`Gemm input C ${show(c)} has rank > 2`);
    // Unidirectional: C broadcasts to [M, N], never the other way.
    const target = [m, n];
    c.forEach((d, i) => {
      const t = target[i + 2 - c.length];
      if (d.constant !== 1) matchDims(ctx, d, t, `Gemm input C ${show(c)} does not broadcast to [${m}, ${n}]`);
    });
  }
  return { m, k, n };
}

defineOps(['Gemm'], {
  infer(ctx) {
    const { m, n } = gemmShapes(ctx);
    return [{ dtype: dtypeOf(ctx, 0), shape: [m, n] }];
  },
  cost(ctx) {
    const { m, k, n } = gemmShapes(ctx);
    const macs = product([m, k, n]);
    const mn = m.mul(n);
    const hasC = ctx.input(2) !== undefined;
    let flops = macs.scale(2);
    if (hasC) flops = flops.add(mn);
    if (ctx.attrFloat('alpha', 1) !== 1) flops = flops.add(mn);
    if (hasC && ctx.attrFloat('beta', 1) !== 1) flops = flops.add(mn);
    return { macs, flops, formula: formatProduct([m, k, n]) };
  },
});

// ---------------------------------------------------------------------------------------------
// MatMul family

defineOps(['MatMul'], {
  infer: (ctx) => [{ dtype: dtypeOf(ctx, 0), shape: matmulShapes(ctx, ctx.shapeOf(0), ctx.shapeOf(1)).out }],
  cost: (ctx) => matmulCost(matmulShapes(ctx, ctx.shapeOf(0), ctx.shapeOf(1))),
});

/** MatMulInteger(A, B, a_zero_point?, b_zero_point?) → int32. */
defineOps(['MatMulInteger'], {
  infer: (ctx) => [{ dtype: DataType.INT32, shape: matmulShapes(ctx, ctx.shapeOf(0), ctx.shapeOf(1)).out }],
  cost(ctx) {
    const a = ctx.shapeOf(0);
    const b = ctx.shapeOf(1);
    let zeroPoints = Expr.ZERO;
    if (ctx.input(2)) zeroPoints = zeroPoints.add(numel(a));
    if (ctx.input(3)) zeroPoints = zeroPoints.add(numel(b));
    return matmulCost(matmulShapes(ctx, a, b), zeroPoints);
  },
});

/** QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp) → y_zero_point's type. */
defineOps(['QLinearMatMul'], {
  infer(ctx) {
    const dtype = ctx.input(7)?.dtype ?? dtypeOf(ctx, 0);
    return [{ dtype, shape: matmulShapes(ctx, ctx.shapeOf(0), ctx.shapeOf(3)).out }];
  },
  cost(ctx, outputs) {
    const a = ctx.shapeOf(0);
    const b = ctx.shapeOf(3);
    const s = matmulShapes(ctx, a, b);
    const requantize = numel(outputs[0].shape ?? s.out).scale(4);
    return matmulCost(s, numel(a).add(numel(b)).add(requantize));
  },
});

/**
 * com.microsoft FusedMatMul (and its older name TransposeMatMul): MatMul of op(A) and op(B),
 * where transA/transB swap the last two dims and transBatchA/B move dim 0 to just before the
 * last one ([b, m, k] read as [m, b, k]), as onnxruntime's FusedMatMulShapeInference does.
 */
function fusedOperand(ctx: OpContext, shape: readonly Expr[], trans: boolean, transBatch: boolean, name: string): Expr[] {
  const r = shape.length;
  if (r === 0) ctx.fail(`FusedMatMul input ${name} is a scalar`);
  if (r === 1) return [...shape];
  if (transBatch && r < 3) ctx.fail(`FusedMatMul transBatch${name} needs rank ≥ 3, got ${show(shape)}`);
  const batch = transBatch ? shape.slice(1, r - 1) : shape.slice(0, r - 2);
  const row = transBatch ? shape[0] : shape[r - 2];
  const col = shape[r - 1];
  return trans ? [...batch, col, row] : [...batch, row, col];
}

function fusedShapes(ctx: OpContext): MatMulShapes {
  const a = fusedOperand(ctx, ctx.shapeOf(0), ctx.attrInt('transA', 0) !== 0, ctx.attrInt('transBatchA', 0) !== 0, 'A');
  const b = fusedOperand(ctx, ctx.shapeOf(1), ctx.attrInt('transB', 0) !== 0, ctx.attrInt('transBatchB', 0) !== 0, 'B');
  return matmulShapes(ctx, a, b);
}

defineOps(
  ['FusedMatMul', 'TransposeMatMul'],
  {
    infer: (ctx) => [{ dtype: dtypeOf(ctx, 0), shape: fusedShapes(ctx).out }],
    cost(ctx) {
      const s = fusedShapes(ctx);
      return matmulCost(s, ctx.attrFloat('alpha', 1) !== 1 ? numel(s.out) : Expr.ZERO);
    },
  },
  MS,
);

// ---------------------------------------------------------------------------------------------
// Einsum

const ELLIPSIS = '...';

interface EinsumPlan {
  out: Expr[];
  /** Sizes of every loop index: distinct letters, then the broadcast `...` dims. */
  loop: Expr[];
  summed: boolean;
  operands: number;
}

/** Splits one subscript term into letters and at most one ellipsis. */
function einsumTerm(ctx: OpContext, term: string): string[] {
  const tokens: string[] = [];
  for (let i = 0; i < term.length; ) {
    if (term.startsWith(ELLIPSIS, i)) {
      if (tokens.includes(ELLIPSIS)) ctx.fail(`Einsum term "${term}" has more than one ellipsis`);
      tokens.push(ELLIPSIS);
      i += 3;
    } else if (/[A-Za-z]/.test(term[i])) {
      tokens.push(term[i++]);
    } else {
      ctx.fail(`Einsum term "${term}" has an invalid character "${term[i]}"`);
    }
  }
  return tokens;
}

function einsumPlan(ctx: OpContext): EinsumPlan {
  const equation = (ctx.attrString('equation') ?? ctx.fail('Einsum has no equation')).replace(/\s+/g, '');
  const arrow = equation.indexOf('->');
  const lhs = arrow < 0 ? equation : equation.slice(0, arrow);
  const terms = lhs.split(',').map((t) => einsumTerm(ctx, t));
  if (terms.length !== ctx.inputCount) ctx.fail(`Einsum "${equation}" names ${terms.length} operands but the node has ${ctx.inputCount} inputs`);
  const sizes = new Map<string, Expr>();
  const ellipsisShapes: Expr[][] = [];
  const counts = new Map<string, number>();
  terms.forEach((tokens, i) => {
    const shape = ctx.shapeOf(i);
    const letters = tokens.filter((t) => t !== ELLIPSIS).length;
    const hasEllipsis = tokens.includes(ELLIPSIS);
    const ellRank = shape.length - letters;
    if (ellRank < 0 || (!hasEllipsis && ellRank !== 0)) {
      ctx.fail(`Einsum operand ${i} has shape ${show(shape)}, which does not fit subscripts "${tokens.join('')}"`);
    }
    let axis = 0;
    for (const t of tokens) {
      if (t === ELLIPSIS) {
        ellipsisShapes.push(shape.slice(axis, axis + ellRank));
        axis += ellRank;
        continue;
      }
      const d = shape[axis++];
      counts.set(t, (counts.get(t) ?? 0) + 1);
      const have = sizes.get(t);
      if (!have || have.constant === 1) sizes.set(t, d);
      else if (d.constant !== 1) sizes.set(t, matchDims(ctx, have, d, `Einsum index "${t}" has different sizes`));
    }
  });
  const anyEllipsis = terms.some((t) => t.includes(ELLIPSIS));
  const ellShape = broadcast(ctx, ellipsisShapes);
  let outTokens: string[];
  if (arrow >= 0) {
    outTokens = einsumTerm(ctx, equation.slice(arrow + 2));
    for (const t of outTokens) {
      if (t !== ELLIPSIS && !sizes.has(t)) ctx.fail(`Einsum output index "${t}" is not in any input`);
    }
    const letters = outTokens.filter((t) => t !== ELLIPSIS);
    if (new Set(letters).size !== letters.length) ctx.fail(`Einsum output "${equation.slice(arrow + 2)}" repeats an index`);
  } else {
    // Implicit output: the broadcast dims, then the indices used once, in alphabetical order.
    const once = [...counts].filter(([, c]) => c === 1).map(([t]) => t).sort();
    outTokens = [...(anyEllipsis ? [ELLIPSIS] : []), ...once];
  }
  const out = outTokens.flatMap((t) => (t === ELLIPSIS ? ellShape : [sizes.get(t)!]));
  const kept = new Set(outTokens);
  const summed = [...sizes.keys()].some((t) => !kept.has(t)) || (ellShape.length > 0 && !kept.has(ELLIPSIS));
  return { out, loop: [...sizes.values(), ...ellShape], summed, operands: terms.length };
}

defineOps(['Einsum'], {
  infer: (ctx) => [{ dtype: dtypeOf(ctx, 0), shape: einsumPlan(ctx).out }],
  cost(ctx) {
    const plan = einsumPlan(ctx);
    const loop = product(plan.loop);
    if (plan.operands >= 2 && plan.summed) {
      return { macs: loop, flops: loop.scale(plan.operands), formula: formatProduct(plan.loop) };
    }
    if (plan.operands >= 2) return { macs: Expr.ZERO, flops: loop.scale(plan.operands - 1), formula: formatProduct(plan.loop) };
    if (plan.summed) return { macs: Expr.ZERO, flops: loop, formula: formatProduct(plan.loop) };
    return noArithmetic();
  },
});

// ---------------------------------------------------------------------------------------------
// Attention

interface AttentionPlan {
  outputs: TensorValue[];
  macs: Expr;
  /** Element-wise FLOPs (scale, softmax, masks, biases). */
  extra: Expr;
  formula: string;
}

/** Per score element: scale 1 + softmax 5, + 1 per additive mask/bias input, + 3 for softcap. */
function scoreFlops(scores: Expr, masks: number, softcap: boolean): Expr {
  return scores.scale(1 + 5 + masks + (softcap ? 3 : 0));
}

function divideHeads(ctx: OpContext, hidden: Expr, heads: number, what: string): Expr {
  return hidden.divExact(Expr.of(heads)) ?? ctx.fail(`${what} ${hidden} is not divisible by num_heads ${heads}`);
}

function attrHeads(ctx: OpContext, name: string): number {
  const n = ctx.attrInt(name) ?? ctx.fail(`${ctx.node.opType} needs the ${name} attribute`);
  if (n <= 0) ctx.fail(`${name} must be positive, got ${n}`);
  return n;
}

function rankOf(ctx: OpContext, i: number, ranks: number[], name: string): Expr[] {
  const s = ctx.shapeOf(i);
  if (!ranks.includes(s.length)) ctx.fail(`${name} must have rank ${ranks.join(' or ')}, got ${show(s)}`);
  return s;
}

/**
 * com.microsoft Attention: input [B, S, Hin] × weights [Hin, H + H + Hv] (+ bias) gives Q, K, V;
 * optional past [2, B, N, P, h]; output [B, S, Hv], present [2, B, N, P + S, h].
 */
function msAttention(ctx: OpContext): AttentionPlan {
  const heads = attrHeads(ctx, 'num_heads');
  const [b, s, hin] = rankOf(ctx, 0, [3], 'Attention input');
  const w = rankOf(ctx, 1, [2], 'Attention weights');
  matchDims(ctx, w[0], hin, 'Attention weights rows differ from the input hidden size');
  const sizes = ctx.attrInts('qkv_hidden_sizes');
  let h: Expr;
  let hv: Expr;
  if (sizes) {
    if (sizes.length !== 3) ctx.fail(`qkv_hidden_sizes must have 3 values, got ${sizes.length}`);
    if (sizes[0] !== sizes[1]) ctx.fail(`qkv_hidden_sizes: Q and K sizes differ (${sizes[0]}, ${sizes[1]})`);
    [h, hv] = [Expr.of(sizes[0]), Expr.of(sizes[2])];
    matchDims(ctx, w[1], Expr.of(sizes[0] + sizes[1] + sizes[2]), 'Attention weights columns differ from qkv_hidden_sizes');
  } else {
    h = w[1].divExact(Expr.of(3)) ?? ctx.fail(`Attention weights have ${w[1]} columns, not 3 × hidden`);
    hv = h;
  }
  const d = divideHeads(ctx, h, heads, 'Attention hidden size');
  divideHeads(ctx, hv, heads, 'Attention v hidden size');
  let total = s;
  let presentLen = s;
  if (ctx.input(4)) {
    const past = rankOf(ctx, 4, [5], 'Attention past');
    const pastLen = past[3];
    if (ctx.attrInt('past_present_share_buffer', 0)) {
      // The buffer holds max_sequence_length; the work covers past_sequence_length + S.
      presentLen = pastLen;
      const given = ctx.values(6)?.[0];
      if (given) total = given.add(s);
      else {
        total = pastLen;
        ctx.note('past_sequence_length unknown: attention costed over the whole max_sequence_length buffer');
      }
    } else {
      total = pastLen.add(s);
      presentLen = total;
    }
  }
  const dtype = dtypeOf(ctx, 0);
  const outputs: TensorValue[] = [
    { dtype, shape: [b, s, hv] },
    { dtype, shape: [Expr.of(2), b, Expr.of(heads), presentLen, d] },
  ];
  const projection = product([b, s, hin, h.scale(2).add(hv)]);
  const scores = product([b, Expr.of(heads), s, total]);
  const products = product([b, s, total, h]).add(product([b, s, total, hv]));
  let extra = scoreFlops(scores, (ctx.input(3) ? 1 : 0) + (ctx.input(5) ? 1 : 0), false);
  if (ctx.input(2)) extra = extra.add(product([b, s, h.scale(2).add(hv)]));
  return {
    outputs,
    macs: projection.add(products),
    extra,
    formula: `${formatProduct([b, s, hin, h.scale(2).add(hv)])} + ${formatProduct([b, s, total, h])} + ${formatProduct([b, s, total, hv])}`,
  };
}

defineOps(['Attention'], attentionDef(msAttention), MS);

/**
 * com.microsoft MultiHeadAttention: query [B, S, H] (or packed QKV [B, S, N, 3, h] with no key),
 * key [B, L, H] (or packed KV [B, L, N, 2, h] with no value, or [B, N, L, h]), value [B, L, Hv]
 * (or [B, N, L, hv]); past_key/past_value [B, N, P, h]. Output [B, S, Hv], present_key/value
 * [B, N, P + L, h], qk [B, N, S, P + L].
 */
function msMultiHeadAttention(ctx: OpContext): AttentionPlan {
  const heads = attrHeads(ctx, 'num_heads');
  const n = Expr.of(heads);
  const q = rankOf(ctx, 0, [3, 5], 'MultiHeadAttention query');
  const b = q[0];
  const s = q[1];
  let h: Expr;
  let hv: Expr;
  let kvLen: Expr;
  let biasElems: Expr;
  if (q.length === 5) {
    // Packed QKV [B, S, N, 3, h].
    if (ctx.input(1) || ctx.input(2)) ctx.fail('MultiHeadAttention: packed QKV query cannot come with key or value');
    matchDims(ctx, q[3], Expr.of(3), 'MultiHeadAttention packed QKV must have 3 at axis 3');
    matchDims(ctx, q[2], n, 'MultiHeadAttention packed QKV heads differ from num_heads');
    h = n.mul(q[4]);
    hv = h;
    kvLen = s;
    biasElems = product([b, s, h.scale(3)]);
  } else {
    h = q[2];
    const k = ctx.input(1) ? rankOf(ctx, 1, [3, 4, 5], 'MultiHeadAttention key') : ctx.fail('MultiHeadAttention needs key or a packed QKV query');
    if (k.length === 5) {
      if (ctx.input(2)) ctx.fail('MultiHeadAttention: packed KV key cannot come with value');
      matchDims(ctx, k[3], Expr.of(2), 'MultiHeadAttention packed KV must have 2 at axis 3');
      kvLen = k[1];
      matchDims(ctx, n.mul(k[4]), h, 'MultiHeadAttention key hidden size differs from the query');
      hv = h;
    } else {
      const v = ctx.input(2) ? rankOf(ctx, 2, [3, 4], 'MultiHeadAttention value') : ctx.fail('MultiHeadAttention needs value');
      if (k.length === 4) {
        kvLen = k[2];
        matchDims(ctx, n.mul(k[3]), h, 'MultiHeadAttention key head size × num_heads differs from the query hidden size');
      } else {
        kvLen = k[1];
        matchDims(ctx, k[2], h, 'MultiHeadAttention key hidden size differs from the query');
      }
      hv = v.length === 4 ? n.mul(v[3]) : v[2];
    }
    biasElems = product([b, s, h]).add(product([b, kvLen, h.add(hv)]));
  }
  const d = divideHeads(ctx, h, heads, 'MultiHeadAttention hidden size');
  const dv = divideHeads(ctx, hv, heads, 'MultiHeadAttention v hidden size');
  let total = kvLen;
  if (ctx.input(6)) {
    const pk = rankOf(ctx, 6, [4], 'MultiHeadAttention past_key');
    total = pk[2].add(kvLen);
  }
  const dtype = dtypeOf(ctx, 0);
  const outputs: TensorValue[] = [
    { dtype, shape: [b, s, hv] },
    { dtype, shape: [b, n, total, d] },
    { dtype, shape: [b, n, total, dv] },
    { dtype, shape: [b, n, s, total] },
  ];
  const scores = product([b, n, s, total]);
  let extra = scoreFlops(scores, (ctx.input(4) ? 1 : 0) + (ctx.input(5) ? 1 : 0), false);
  if (ctx.input(3)) extra = extra.add(biasElems);
  return {
    outputs,
    macs: product([b, s, total, h]).add(product([b, s, total, hv])),
    extra,
    formula: `${formatProduct([b, s, total, h])} + ${formatProduct([b, s, total, hv])}`,
  };
}

defineOps(['MultiHeadAttention'], attentionDef(msMultiHeadAttention), MS);

/**
 * ONNX Attention (opset 23): Q [B, Nq, Sq, h] or [B, Sq, Nq·h] (3-D needs q_num_heads and
 * kv_num_heads), K [B, Nkv, Skv, h], V [B, Nkv, Skv, hv]; past_key/past_value [B, Nkv, P, ·].
 * Y [B, Nq, Sq, hv] (or [B, Sq, Nq·hv]), present_key/value [B, Nkv, P + Skv, ·],
 * qk_matmul_output [B, Nq, Sq, P + Skv]. K/V heads are shared by Nq / Nkv query heads (GQA).
 */
function onnxAttention(ctx: OpContext): AttentionPlan {
  const q = rankOf(ctx, 0, [3, 4], 'Attention Q');
  const k = rankOf(ctx, 1, [3, 4], 'Attention K');
  const v = rankOf(ctx, 2, [3, 4], 'Attention V');
  if (q.length !== k.length || q.length !== v.length) ctx.fail('Attention Q, K and V must all be 3-D or all 4-D');
  let b: Expr, nq: Expr, nkv: Expr, sq: Expr, skv: Expr, d: Expr, dv: Expr;
  if (q.length === 4) {
    [b, nq, sq, d] = q;
    nkv = k[1];
    skv = k[2];
    matchDims(ctx, k[3], d, 'Attention K head size differs from Q');
    dv = v[3];
  } else {
    const qh = attrHeads(ctx, 'q_num_heads');
    const kvh = attrHeads(ctx, 'kv_num_heads');
    [nq, nkv] = [Expr.of(qh), Expr.of(kvh)];
    [b, sq] = q;
    skv = k[1];
    d = divideHeads(ctx, q[2], qh, 'Attention Q hidden size');
    matchDims(ctx, divideHeads(ctx, k[2], kvh, 'Attention K hidden size'), d, 'Attention K head size differs from Q');
    dv = divideHeads(ctx, v[2], kvh, 'Attention V hidden size');
  }
  const nqc = nq.constant;
  const nkvc = nkv.constant;
  if (nqc !== undefined && nkvc !== undefined && nkvc > 0 && nqc % nkvc !== 0) ctx.fail(`Attention: q heads ${nqc} are not a multiple of kv heads ${nkvc}`);
  let total = skv;
  if (ctx.input(4)) total = rankOf(ctx, 4, [4], 'Attention past_key')[2].add(skv);
  const dtype = dtypeOf(ctx, 0);
  const y = q.length === 4 ? [b, nq, sq, dv] : [b, sq, nq.mul(dv)];
  const outputs: TensorValue[] = [
    { dtype, shape: y },
    { dtype, shape: [b, nkv, total, d] },
    { dtype: dtypeOf(ctx, 2), shape: [b, nkv, total, dv] },
    { dtype, shape: [b, nq, sq, total] },
  ];
  const scores = product([b, nq, sq, total]);
  const masks = (ctx.input(3) ? 1 : 0) + (ctx.attrInt('is_causal', 0) ? 1 : 0);
  return {
    outputs,
    macs: product([b, nq, sq, total, d]).add(product([b, nq, sq, total, dv])),
    extra: scoreFlops(scores, masks, ctx.attrFloat('softcap', 0) !== 0),
    formula: `${formatProduct([b, nq, sq, total, d])} + ${formatProduct([b, nq, sq, total, dv])}`,
  };
}

defineOps(['Attention'], attentionDef(onnxAttention));

/** infer and cost share one plan per node, so notes are recorded once. */
function attentionDef(makePlan: (ctx: OpContext) => AttentionPlan): OpDef {
  const plans = new WeakMap<OpContext, AttentionPlan>();
  const plan = (ctx: OpContext): AttentionPlan => {
    let p = plans.get(ctx);
    if (!p) plans.set(ctx, (p = makePlan(ctx)));
    return p;
  };
  return {
    infer: (ctx) => plan(ctx).outputs,
    cost(ctx) {
      const p = plan(ctx);
      return { macs: p.macs, flops: p.macs.scale(2).add(p.extra), formula: p.formula };
    },
  };
}
