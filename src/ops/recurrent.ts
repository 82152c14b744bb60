/**
 * Recurrent layers: RNN, GRU, LSTM (opset 7+; `layout` from opset 14).
 *
 * Shapes (layout 0 / layout 1):
 *   X   [seq, batch, input]        / [batch, seq, input]
 *   W   [dirs, gates·hidden, input], R [dirs, gates·hidden, hidden], B [dirs, 2·gates·hidden]
 *   Y   [seq, dirs, batch, hidden] / [batch, seq, dirs, hidden]
 *   Y_h, Y_c [dirs, batch, hidden] / [batch, dirs, hidden]
 * gates: RNN 1, GRU 3, LSTM 4; dirs: 2 for direction="bidirectional", else 1.
 *
 * MACs = seq · dirs · batch · gates·hidden·(input + hidden)   (X·Wᵀ and H·Rᵀ for every gate)
 *        + seq · dirs · batch · 3·hidden                      (LSTM peepholes P ⊙ C, when P is given)
 *
 * FLOPs = 2 × MACs + seq · batch · hidden · Σ_directions (element-wise FLOPs per hidden unit and step):
 *
 * | op   | per hidden unit, per step, per direction                                               |
 * |------|----------------------------------------------------------------------------------------|
 * | all  | bias: 2·gates (Wb + Rb adds) when B is given; clip: 2 per activation input when `clip` |
 * | RNN  | f(·) once                                                                              |
 * | GRU  | f(·) twice (z, r) + g(·) once (h̃) + 1 (r ⊙ H or r ⊙ (H·Rhᵀ + Rbh)) + 4 for             |
 * |      | H = (1 − z) ⊙ h̃ + z ⊙ H (sub, mul, mul, add)                                          |
 * | LSTM | f(·) three times (i, f, o) + g(·) once (c̃) + 3 for C = f ⊙ C + i ⊙ c̃ + h(·) once on C   |
 * |      | + 1 for H = o ⊙ h(C); with input_forget=1 the forget gate is 1 − i (1) instead of f(·)  |
 *
 * Activation costs (the `activations` attribute; defaults RNN [Tanh], GRU [Sigmoid, Tanh],
 * LSTM [Sigmoid, Tanh, Tanh], given per direction): Tanh 1, Relu 1, ThresholdedRelu 1,
 * Affine 2, LeakyRelu 2, ScaledTanh 3, Elu 3, Softsign 3, Softplus 3, Sigmoid 4, HardSigmoid 4
 * — the same per-element costs as the standalone activation ops.
 *
 * With the defaults and a bias: RNN 3, GRU 6 + 8 + 1 + 1 + 4 = 20, LSTM 8 + 12 + 1 + 3 + 1 + 1 = 26.
 * `sequence_lens` can shorten sequences; the cost is that of the full sequence length (noted).
 */
import { DataType } from '../onnx/model';
import { Expr, product } from '../symbolic/expr';
import { defineOps } from './registry';
import { formatProduct } from './shape-utils';
import type { OpContext, OpDef, TensorValue } from './types';

type Kind = 'RNN' | 'GRU' | 'LSTM';

const GATES: Record<Kind, number> = { RNN: 1, GRU: 3, LSTM: 4 };
const DEFAULT_ACTIVATIONS: Record<Kind, string[]> = { RNN: ['Tanh'], GRU: ['Sigmoid', 'Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'] };

/** FLOPs per element of each activation an ONNX recurrent op accepts (lower-cased names). */
const ACTIVATION_FLOPS: Record<string, number> = {
  tanh: 1,
  relu: 1,
  thresholdedrelu: 1,
  affine: 2,
  leakyrelu: 2,
  scaledtanh: 3,
  elu: 3,
  softsign: 3,
  softplus: 3,
  sigmoid: 4,
  hardsigmoid: 4,
};

interface RecurrentPlan {
  seq: Expr;
  batch: Expr;
  input: Expr;
  hidden: Expr;
  dirs: number;
  outputs: TensorValue[];
}

function show(shape: readonly Expr[]): string {
  return `[${shape.join(', ')}]`;
}

function checkDim(ctx: OpContext, got: Expr, want: Expr, what: string): void {
  const a = got.constant;
  const b = want.constant;
  if (a !== undefined && b !== undefined && a !== b) ctx.fail(`${what}: expected ${b}, got ${a}`);
}

function plan(ctx: OpContext, kind: Kind): RecurrentPlan {
  const x = ctx.shapeOf(0);
  if (x.length !== 3) ctx.fail(`${kind} input X must be 3-D, got ${show(x)}`);
  const layout = ctx.attrInt('layout', 0);
  if (layout !== 0 && layout !== 1) ctx.fail(`${kind} layout must be 0 or 1, got ${layout}`);
  const [seq, batch, input] = layout === 0 ? x : [x[1], x[0], x[2]];
  const direction = ctx.attrString('direction', 'forward');
  if (!['forward', 'reverse', 'bidirectional'].includes(direction)) ctx.fail(`${kind} direction "${direction}" is not forward, reverse or bidirectional`);
  const dirs = direction === 'bidirectional' ? 2 : 1;
  const gates = GATES[kind];
  const w = ctx.shapeOf(1);
  const r = ctx.shapeOf(2);
  if (w.length !== 3) ctx.fail(`${kind} W must be 3-D, got ${show(w)}`);
  if (r.length !== 3) ctx.fail(`${kind} R must be 3-D, got ${show(r)}`);
  const attr = ctx.attrInt('hidden_size');
  const hidden = attr !== undefined ? Expr.of(attr) : r[2];
  checkDim(ctx, r[2], hidden, `${kind} R ${show(r)} last dim vs hidden_size`);
  checkDim(ctx, w[0], Expr.of(dirs), `${kind} W ${show(w)} directions`);
  checkDim(ctx, r[0], Expr.of(dirs), `${kind} R ${show(r)} directions`);
  checkDim(ctx, w[1], hidden.scale(gates), `${kind} W ${show(w)} rows (gates × hidden_size)`);
  checkDim(ctx, r[1], hidden.scale(gates), `${kind} R ${show(r)} rows (gates × hidden_size)`);
  checkDim(ctx, w[2], input, `${kind} W ${show(w)} columns vs input size`);
  const d = Expr.of(dirs);
  const dtype = ctx.input(0)?.dtype ?? DataType.UNDEFINED;
  const y = layout === 0 ? [seq, d, batch, hidden] : [batch, seq, d, hidden];
  const state = layout === 0 ? [d, batch, hidden] : [batch, d, hidden];
  const outputs: TensorValue[] = [{ dtype, shape: y }, { dtype, shape: state }];
  if (kind === 'LSTM') outputs.push({ dtype, shape: state });
  return { seq, batch, input, hidden, dirs, outputs };
}

/** The activation names for each direction, validated. */
function activations(ctx: OpContext, kind: Kind, dirs: number): string[][] {
  const a = ctx.node.attributes.get('activations');
  const perDir = DEFAULT_ACTIVATIONS[kind].length;
  const names = a?.kind === 'strings' ? a.value : a?.kind === 'string' ? [a.value] : DEFAULT_ACTIVATIONS[kind];
  let lists: string[][];
  if (names.length === perDir * dirs) lists = Array.from({ length: dirs }, (_, i) => names.slice(i * perDir, (i + 1) * perDir));
  else if (names.length === perDir) lists = Array.from({ length: dirs }, () => names);
  else return ctx.fail(`${kind} needs ${perDir * dirs} activations for ${dirs} direction(s), got ${names.length}`);
  for (const n of names) {
    if (ACTIVATION_FLOPS[n.toLowerCase()] === undefined) ctx.fail(`${kind} activation "${n}" is not one ONNX defines`);
  }
  return lists;
}

/** Element-wise FLOPs per hidden unit of one step of one direction. */
function elementwise(ctx: OpContext, kind: Kind, acts: string[]): number {
  const cost = (i: number): number => ACTIVATION_FLOPS[acts[i].toLowerCase()];
  const gates = GATES[kind];
  let flops = ctx.input(3) ? 2 * gates : 0;
  let activationInputs: number;
  switch (kind) {
    case 'RNN':
      flops += cost(0);
      activationInputs = 1;
      break;
    case 'GRU':
      flops += 2 * cost(0) + cost(1) + 1 + 4;
      activationInputs = 3;
      break;
    case 'LSTM': {
      const coupled = ctx.attrInt('input_forget', 0) !== 0;
      flops += (coupled ? 2 * cost(0) + 1 : 3 * cost(0)) + cost(1) + 3 + cost(2) + 1;
      activationInputs = coupled ? 4 : 5;
      break;
    }
  }
  if (ctx.node.attributes.has('clip')) flops += 2 * activationInputs;
  return flops;
}

function recurrent(kind: Kind): OpDef {
  return {
    infer: (ctx) => plan(ctx, kind).outputs,
    cost(ctx) {
      const p = plan(ctx, kind);
      const gates = GATES[kind];
      const steps = product([p.seq, Expr.of(p.dirs), p.batch]);
      let macs = steps.mul(p.hidden.scale(gates).mul(p.input.add(p.hidden)));
      if (kind === 'LSTM' && ctx.input(7)) macs = macs.add(steps.mul(p.hidden.scale(3)));
      const perUnit = activations(ctx, kind, p.dirs).reduce((s, acts) => s + elementwise(ctx, kind, acts), 0);
      const flops = macs.scale(2).add(product([p.seq, p.batch, p.hidden]).scale(perUnit));
      if (ctx.input(4)) ctx.note('sequence_lens given: costed at the full sequence length');
      return { macs, flops, formula: formatProduct([p.seq, p.dirs, p.batch, gates, p.hidden, p.input.add(p.hidden)]) };
    },
  };
}

defineOps(['RNN'], recurrent('RNN'));
defineOps(['GRU'], recurrent('GRU'));
defineOps(['LSTM'], recurrent('LSTM'));
