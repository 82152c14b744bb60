/**
 * The attention ops whose cost is dominated by their products: com.microsoft Attention and
 * MultiHeadAttention, ONNX Attention from opset 23.
 *
 * A MAC is one multiply-accumulate of a product; FLOPs = 2 × MACs + the element-wise work below.
 *
 * | op                     | MACs                                  | element-wise FLOPs on top of 2 × MACs                      |
 * |------------------------|---------------------------------------|------------------------------------------------------------|
 * | Attention family       | Q·Kᵀ: B·heads·Sq·T·d, attn·V:        | + B·heads·Sq·T × (1 scale + 5 softmax + 1 per mask/bias    |
 * |                        | B·heads·Sq·T·dv (T = past + kv len);  |   input added, + 3 for softcap) + 1 per projection bias    |
 * |                        | com.microsoft Attention adds the QKV  |   element (com.microsoft ops)                              |
 * |                        | projection B·S·Hin·(H + H + Hv)       |                                                            |
 *
 * Causal / unidirectional masking is costed as the full score matrix (what a naive kernel does).
 * No output projection is part of any attention op here.
 */
import { Expr, product } from '../symbolic/expr';
import { defineOps } from './registry';
import { formatProduct } from './shape-utils';
import type { OpContext, OpDef, TensorValue } from './types';
import { dtypeOf, matchDims, show } from './matmul';

const MS = 'com.microsoft';

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
