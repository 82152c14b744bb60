/**
 * Recurrent layers: RNN, LSTM, GRU (num_layers, bidirectional, bias, batch_first, LSTM's
 * proj_size) and RNNCell, LSTMCell, GRUCell.
 *
 * Parameters per layer and direction, gates g (RNN 1, GRU 3, LSTM 4), hidden h, layer input `in`
 * (input_size for layer 0, then dirs·h_out), h_out = proj_size or h:
 *   weight_ih g·h·in + weight_hh g·h·h_out + biases 2·g·h (bias=True) + weight_hr proj·h (LSTM proj)
 * so an LSTM layer is 4·(in·h + h·h + 2h) per direction.
 * Forward runs one ONNX RNN/GRU/LSTM op per layer, as the exporter does (MACs = seq·dirs·batch·
 * g·h·(in + h)); LSTM with proj_size has no ONNX form, so its cost is the same convention written
 * out, plus the projection h·proj per step.
 */
import { DataType } from '../onnx/model';
import { Expr, product } from '../symbolic/expr';
import type { TensorValue } from '../ops/types';
import { FACTORY, sig } from './catalogue-args';
import type { LayerEntry } from './catalogue-types';
import type { AttrValue } from './op-runner';
import { dotProduct, shapeText } from './format';
import type { Value } from './values';

type Kind = 'RNN' | 'LSTM' | 'GRU';
const GATES: Record<Kind, number> = { RNN: 1, GRU: 3, LSTM: 4 };

interface RnnConfig {
  kind: Kind;
  input: number;
  hidden: number;
  layers: number;
  bias: boolean;
  batchFirst: boolean;
  dirs: number;
  proj: number;
  relu: boolean;
}

function groupTerms(terms: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < terms.length; ) {
    let j = i;
    while (j < terms.length && terms[j] === terms[i]) j++;
    out.push(j - i > 1 ? `${j - i}·${terms[i]}` : terms[i]);
    i = j;
  }
  return out.join(' + ');
}

function rnnParams(c: RnnConfig): { params: [string, number[]][]; formula: string } {
  const g = GATES[c.kind];
  const hOut = c.proj > 0 ? c.proj : c.hidden;
  const params: [string, number[]][] = [];
  const terms: string[] = [];
  for (let l = 0; l < c.layers; l++) {
    const inL = l === 0 ? c.input : hOut * c.dirs;
    for (let d = 0; d < c.dirs; d++) {
      const s = `_l${l}${d === 1 ? '_reverse' : ''}`;
      params.push([`weight_ih${s}`, [g * c.hidden, inL]], [`weight_hh${s}`, [g * c.hidden, hOut]]);
      if (c.bias) params.push([`bias_ih${s}`, [g * c.hidden]], [`bias_hh${s}`, [g * c.hidden]]);
      if (c.proj > 0) params.push([`weight_hr${s}`, [c.proj, c.hidden]]);
    }
    const inner = `${inL}·${c.hidden} + ${hOut}·${c.hidden}${c.bias ? ` + 2·${c.hidden}` : ''}`;
    let term = `${c.dirs > 1 ? `${c.dirs}·` : ''}${g > 1 ? `${g}·` : ''}(${inner})`;
    if (c.proj > 0) term = `${term} + ${c.dirs > 1 ? `${c.dirs}·` : ''}${c.proj}·${c.hidden}`;
    terms.push(c.layers > 1 && c.proj > 0 ? `(${term})` : term);
  }
  return { params, formula: groupTerms(terms) };
}

function rnnEntry(kind: Kind): LayerEntry {
  const signature =
    kind === 'RNN'
      ? sig('input_size', 'hidden_size', ['num_layers', 1], ['nonlinearity', 'tanh'], ['bias', true], ['batch_first', false], ['dropout', { float: 0 }], ['bidirectional', false], ...FACTORY)
      : kind === 'LSTM'
        ? sig('input_size', 'hidden_size', ['num_layers', 1], ['bias', true], ['batch_first', false], ['dropout', { float: 0 }], ['bidirectional', false], ['proj_size', 0], ...FACTORY)
        : sig('input_size', 'hidden_size', ['num_layers', 1], ['bias', true], ['batch_first', false], ['dropout', { float: 0 }], ['bidirectional', false], ...FACTORY);
  return {
    name: kind,
    signature,
    build(b) {
      const a = b.args;
      const nonlinearity = kind === 'RNN' ? a.str('nonlinearity') : 'tanh';
      if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') a.fail(`unknown nonlinearity '${nonlinearity}'`);
      const c: RnnConfig = {
        kind,
        input: a.positiveInt('input_size'),
        hidden: a.positiveInt('hidden_size'),
        layers: a.positiveInt('num_layers'),
        bias: a.bool('bias'),
        batchFirst: a.bool('batch_first'),
        dirs: a.bool('bidirectional') ? 2 : 1,
        proj: kind === 'LSTM' ? a.int('proj_size') : 0,
        relu: nonlinearity === 'relu',
      };
      if (c.proj < 0) a.fail('proj_size should be a positive integer or zero to disable projections');
      if (c.proj >= c.hidden) a.fail('proj_size has to be smaller than hidden_size');
      const { params, formula } = rnnParams(c);
      return { config: c, params, paramsFormula: formula, attrs: { input_size: c.input, hidden_size: c.hidden, num_layers: c.layers, batch_first: c.batchFirst, bidirectional: c.dirs === 2 } };
    },
    forwardSignature: sig('input', ['hx', null]),
    forward(f) {
      const c = f.config as RnnConfig;
      const x = f.tensor('input');
      const s = x.shape!;
      if (s.length !== 2 && s.length !== 3) f.fail(`${kind} expects a 2-D (unbatched) or 3-D input, got ${shapeText(s)}`);
      const unbatched = s.length === 2;
      const [seq, batch, feat] = unbatched ? [s[0], Expr.ONE, s[1]] : c.batchFirst ? [s[1], s[0], s[2]] : s;
      const fc = feat.constant;
      if (fc !== undefined && fc !== c.input) f.fail(`${kind} expects input_size ${c.input} but the input ${shapeText(s)} has ${fc} features`);
      const g = GATES[kind];
      const hOut = c.proj > 0 ? c.proj : c.hidden;
      const d = Expr.of(c.dirs);
      const formulas: string[] = [];
      for (let l = 0; l < c.layers; l++) {
        const inL = l === 0 ? c.input : hOut * c.dirs;
        const X: TensorValue = { dtype: x.dtype, shape: [seq, batch, Expr.of(inL)] };
        if (c.proj > 0) {
          // LSTM with projections: the gate products read the projected state (h_out), then h·proj per step.
          const steps = product([seq, d, batch]);
          const gatesMacs = steps.mul(Expr.of(g * c.hidden * (inL + c.proj)));
          const projMacs = steps.mul(Expr.of(c.hidden * c.proj));
          const perUnit = c.bias ? 26 : 18;
          const macs = gatesMacs.add(projMacs);
          f.addCost(macs, macs.scale(2).add(product([seq, batch, Expr.of(c.hidden)]).scale(perUnit * c.dirs)));
          formulas.push(`${dotProduct([seq, c.dirs, batch])}·(${g}·${c.hidden}·(${inL} + ${c.proj}) + ${c.hidden}·${c.proj})`);
          continue;
        }
        const W: TensorValue = { dtype: DataType.FLOAT, shape: [d, Expr.of(g * c.hidden), Expr.of(inL)] };
        const R: TensorValue = { dtype: DataType.FLOAT, shape: [d, Expr.of(g * c.hidden), Expr.of(c.hidden)] };
        const B: TensorValue | undefined = c.bias ? { dtype: DataType.FLOAT, shape: [d, Expr.of(2 * g * c.hidden)] } : undefined;
        const attrs: Record<string, AttrValue> = { hidden_size: c.hidden, direction: c.dirs === 2 ? 'bidirectional' : 'forward' };
        if (kind === 'RNN') attrs.activations = { strings: new Array<string>(c.dirs).fill(c.relu ? 'Relu' : 'Tanh') };
        f.op(kind, [X, W, R, B], attrs, kind === 'LSTM' ? 3 : 2);
        formulas.push(`${dotProduct([seq, c.dirs, batch, g, c.hidden])}·(${inL} + ${c.hidden})`);
      }
      if (formulas.length) f.formula(formulas.join(' + '));
      const outFeat = Expr.of(c.dirs * hOut);
      const outShape = unbatched ? [seq, outFeat] : c.batchFirst ? [batch, seq, outFeat] : [seq, batch, outFeat];
      const stateShape = (h: number): Expr[] => (unbatched ? [Expr.of(c.dirs * c.layers), Expr.of(h)] : [Expr.of(c.dirs * c.layers), batch, Expr.of(h)]);
      const out = f.tensorValue({ dtype: x.dtype, shape: outShape });
      const hN = f.tensorValue({ dtype: x.dtype, shape: stateShape(hOut) });
      if (kind !== 'LSTM') return { t: 'tuple', items: [out, hN] } satisfies Value;
      const cN = f.tensorValue({ dtype: x.dtype, shape: stateShape(c.hidden) });
      return { t: 'tuple', items: [out, { t: 'tuple', items: [hN, cN] }] } satisfies Value;
    },
  };
}

function cellEntry(kind: Kind): LayerEntry {
  const name = `${kind}Cell`;
  return {
    name,
    signature: kind === 'RNN' ? sig('input_size', 'hidden_size', ['bias', true], ['nonlinearity', 'tanh'], ...FACTORY) : sig('input_size', 'hidden_size', ['bias', true], ...FACTORY),
    build(b) {
      const a = b.args;
      const g = GATES[kind];
      const input = a.positiveInt('input_size');
      const hidden = a.positiveInt('hidden_size');
      const bias = a.bool('bias');
      const relu = kind === 'RNN' && a.str('nonlinearity') === 'relu';
      const params: [string, number[]][] = [['weight_ih', [g * hidden, input]], ['weight_hh', [g * hidden, hidden]]];
      if (bias) params.push(['bias_ih', [g * hidden]], ['bias_hh', [g * hidden]]);
      const formula = `${g > 1 ? `${g}·` : ''}(${input}·${hidden} + ${hidden}·${hidden}${bias ? ` + 2·${hidden}` : ''})`;
      return { config: { input, hidden, bias, relu }, params, paramsFormula: formula, attrs: { input_size: input, hidden_size: hidden } };
    },
    forwardSignature: sig('input', ['hx', null]),
    forward(f) {
      const c = f.config as { input: number; hidden: number; bias: boolean; relu: boolean };
      const x = f.tensor('input');
      const s = x.shape!;
      if (s.length !== 1 && s.length !== 2) f.fail(`${name} expects a 1-D or 2-D input, got ${shapeText(s)}`);
      const batch = s.length === 2 ? s[0] : Expr.ONE;
      const g = GATES[kind];
      const X: TensorValue = { dtype: x.dtype, shape: [Expr.ONE, batch, Expr.of(c.input)] };
      const W: TensorValue = { dtype: DataType.FLOAT, shape: [Expr.ONE, Expr.of(g * c.hidden), Expr.of(c.input)] };
      const R: TensorValue = { dtype: DataType.FLOAT, shape: [Expr.ONE, Expr.of(g * c.hidden), Expr.of(c.hidden)] };
      const B: TensorValue | undefined = c.bias ? { dtype: DataType.FLOAT, shape: [Expr.ONE, Expr.of(2 * g * c.hidden)] } : undefined;
      const attrs: Record<string, AttrValue> = { hidden_size: c.hidden };
      if (kind === 'RNN' && c.relu) attrs.activations = { strings: ['Relu'] };
      f.op(kind, [X, W, R, B], attrs, kind === 'LSTM' ? 3 : 2);
      const h = f.tensorValue({ dtype: x.dtype, shape: s.length === 2 ? [batch, Expr.of(c.hidden)] : [Expr.of(c.hidden)] });
      if (kind !== 'LSTM') return h;
      return { t: 'tuple', items: [h, f.tensorValue({ dtype: x.dtype, shape: s.length === 2 ? [batch, Expr.of(c.hidden)] : [Expr.of(c.hidden)] })] } satisfies Value;
    },
  };
}

export const RECURRENT_LAYERS: LayerEntry[] = [rnnEntry('RNN'), rnnEntry('LSTM'), rnnEntry('GRU'), cellEntry('RNN'), cellEntry('LSTM'), cellEntry('GRU')];
