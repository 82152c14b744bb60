import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DT, type AttrValue, type ModelSpec } from './helpers/onnx-builder';
import { ortDims } from './helpers/ort';
import { allRows, dims, num, profileSpec, row } from './helpers/profile';
import { profileModel } from '../src/formats/registry';
import { FileSource, FolderHost } from '../src/io/file-source';

const FIXTURES = new URL('./fixtures/models/', import.meta.url).pathname;

type Kind = 'RNN' | 'GRU' | 'LSTM';
const GATES: Record<Kind, number> = { RNN: 1, GRU: 3, LSTM: 4 };

interface Layer {
  kind: Kind;
  /** X as given (layout 0: [seq, batch, input]; layout 1: [batch, seq, input]). */
  x: (number | string)[];
  input: number;
  hidden: number;
  dirs?: number;
  attrs?: Record<string, AttrValue>;
  bias?: boolean;
  peepholes?: boolean;
  opset?: number;
}

/** One recurrent node with W, R (and B, P) as graph inputs, so onnxruntime can run it on zeros. */
function layer(l: Layer): ModelSpec {
  const dirs = l.dirs ?? 1;
  const g = GATES[l.kind] * l.hidden;
  const inputs = [
    { name: 'X', shape: l.x },
    { name: 'W', shape: [dirs, g, l.input] },
    { name: 'R', shape: [dirs, g, l.hidden] },
  ];
  const names = ['X', 'W', 'R'];
  if (l.bias || l.peepholes) {
    names.push(l.bias ? 'B' : '');
    if (l.bias) inputs.push({ name: 'B', shape: [dirs, 2 * g] });
  }
  if (l.peepholes) {
    names.push('', '', '', 'P');
    inputs.push({ name: 'P', shape: [dirs, 3 * l.hidden] });
  }
  const outputs = l.kind === 'LSTM' ? ['Y', 'Y_h', 'Y_c'] : ['Y', 'Y_h'];
  const direction: Record<string, AttrValue> = dirs === 2 ? { direction: 'bidirectional' } : {};
  return {
    opset: l.opset ?? 14,
    graph: {
      nodes: [{ opType: l.kind, inputs: names, outputs, attrs: { hidden_size: l.hidden, ...direction, ...l.attrs } }],
      inputs,
      outputs: outputs.map((name) => ({ name })),
    },
  };
}

test('LSTM forward with bias: shapes, MACs = seq·batch·4·h·(in+h), 26 element-wise FLOPs per unit', async () => {
  const spec = layer({ kind: 'LSTM', x: [5, 3, 10], input: 10, hidden: 20, bias: true });
  const r = row(profileSpec(spec), 'LSTM');
  assert.deepEqual(r.outputShapes.map((o) => dims(o.shape)), [[5, 1, 3, 20], [1, 3, 20], [1, 3, 20]]);
  const macs = 5 * 3 * 4 * 20 * (10 + 20);
  assert.equal(num(r.macs), macs);
  // bias 8 + sigmoid 3·4 + tanh 1 + cell update 3 + tanh(C) 1 + o⊙ 1 = 26 per hidden unit per step
  assert.equal(num(r.flops), 2 * macs + 5 * 3 * 20 * 26);
  assert.equal(r.formula, '5·1·3·4·20·30');
  const o = await ortDims(spec);
  assert.deepEqual([o.Y, o.Y_h, o.Y_c], [[5, 1, 3, 20], [1, 3, 20], [1, 3, 20]]);
});

test('LSTM bidirectional with peepholes: peepholes add 3·h MACs per step and direction', async () => {
  const spec = layer({ kind: 'LSTM', x: [5, 3, 10], input: 10, hidden: 20, dirs: 2, bias: true, peepholes: true });
  const r = row(profileSpec(spec), 'LSTM');
  assert.deepEqual(r.outputShapes.map((o) => dims(o.shape)), [[5, 2, 3, 20], [2, 3, 20], [2, 3, 20]]);
  const macs = 5 * 2 * 3 * (4 * 20 * (10 + 20) + 3 * 20);
  assert.equal(num(r.macs), macs);
  assert.equal(num(r.flops), 2 * macs + 5 * 3 * 20 * 26 * 2);
  const o = await ortDims(spec);
  assert.deepEqual([o.Y, o.Y_h, o.Y_c], [[5, 2, 3, 20], [2, 3, 20], [2, 3, 20]]);
});

test('LSTM input_forget and clip change the element-wise count', () => {
  const spec = layer({ kind: 'LSTM', x: [5, 3, 10], input: 10, hidden: 20, attrs: { input_forget: 1, clip: { f: 3 } } });
  const r = row(profileSpec(spec), 'LSTM');
  const macs = 5 * 3 * 4 * 20 * 30;
  // no bias; sigmoid on i and o (2·4) + 1 − i (1) + tanh 1 + update 3 + tanh(C) 1 + o⊙ 1, clip 2 on 4 activation inputs
  assert.equal(num(r.flops), 2 * macs + 5 * 3 * 20 * (2 * 4 + 1 + 1 + 3 + 1 + 1 + 2 * 4));
});

test('GRU layout 1 (opset 14): batch-first shapes, 20 element-wise FLOPs per unit with bias', () => {
  const spec = layer({ kind: 'GRU', x: [3, 5, 10], input: 10, hidden: 20, bias: true, attrs: { layout: 1, linear_before_reset: 1 } });
  const r = row(profileSpec(spec), 'GRU');
  assert.deepEqual(r.outputShapes.map((o) => dims(o.shape)), [[3, 5, 1, 20], [3, 1, 20]]);
  const macs = 5 * 3 * 3 * 20 * (10 + 20);
  assert.equal(num(r.macs), macs);
  // bias 6 + sigmoid 2·4 + tanh 1 + r⊙ 1 + (1−z)⊙h̃ + z⊙H 4 = 20
  assert.equal(num(r.flops), 2 * macs + 5 * 3 * 20 * 20);
  // onnxruntime's CPU kernels refuse layout 1, so the cross-check uses layout 0.
});

test('GRU layout 0 matches onnxruntime', async () => {
  const spec = layer({ kind: 'GRU', x: [5, 3, 10], input: 10, hidden: 20, dirs: 2 });
  const r = row(profileSpec(spec), 'GRU');
  assert.deepEqual(r.outputShapes.map((o) => dims(o.shape)), [[5, 2, 3, 20], [2, 3, 20]]);
  assert.equal(num(r.macs), 5 * 2 * 3 * 3 * 20 * 30);
  assert.equal(num(r.flops), 2 * (5 * 2 * 3 * 3 * 20 * 30) + 5 * 3 * 20 * 14 * 2); // no bias: 20 − 6
  const o = await ortDims(spec);
  assert.deepEqual([o.Y, o.Y_h], [[5, 2, 3, 20], [2, 3, 20]]);
});

test('RNN reverse, no bias; activations attribute sets the per-element cost', async () => {
  const spec = layer({ kind: 'RNN', x: [7, 2, 4], input: 4, hidden: 6, attrs: { direction: 'reverse' } });
  const r = row(profileSpec(spec), 'RNN');
  assert.deepEqual(r.outputShapes.map((o) => dims(o.shape)), [[7, 1, 2, 6], [1, 2, 6]]);
  const macs = 7 * 2 * 6 * (4 + 6);
  assert.equal(num(r.macs), macs);
  assert.equal(num(r.flops), 2 * macs + 7 * 2 * 6 * 1); // tanh
  const o = await ortDims(spec);
  assert.deepEqual([o.Y, o.Y_h], [[7, 1, 2, 6], [1, 2, 6]]);
  const sigmoid = layer({ kind: 'RNN', x: [7, 2, 4], input: 4, hidden: 6, bias: true, attrs: { activations: { strings: ['Sigmoid'] } } });
  assert.equal(num(row(profileSpec(sigmoid), 'RNN').flops), 2 * macs + 7 * 2 * 6 * (2 + 4)); // bias 2 + sigmoid 4
  // Bidirectional with one activation per direction.
  const both = layer({ kind: 'RNN', x: [7, 2, 4], input: 4, hidden: 6, dirs: 2, attrs: { activations: { strings: ['Relu', 'Sigmoid'] } } });
  assert.equal(num(row(profileSpec(both), 'RNN').flops), 2 * (2 * macs) + 7 * 2 * 6 * (1 + 4));
});

test('recurrent costs stay polynomials over symbolic seq and batch', () => {
  const spec = layer({ kind: 'LSTM', x: ['seq', 'batch', 16], input: 16, hidden: 32 });
  const r = row(profileSpec(spec), 'LSTM');
  assert.deepEqual(dims(r.outputShapes[0].shape), ['seq', 1, 'batch', 32]);
  assert.equal(r.macs.toString(), `${4 * 32 * (16 + 32)}·batch·seq`);
  assert.equal(r.flops.toString(), `${2 * 4 * 32 * 48 + 32 * 18}·batch·seq`); // no bias: 26 − 8
  const bound = row(profileSpec(spec, { dims: { batch: 2, seq: 10 } }), 'LSTM');
  assert.equal(num(bound.macs), 2 * 10 * 4 * 32 * 48);
});

test('hidden_size may be omitted (taken from R); sequence_lens is noted', () => {
  const spec = layer({ kind: 'GRU', x: [5, 3, 10], input: 10, hidden: 20 });
  delete spec.graph.nodes[0].attrs!.hidden_size;
  spec.graph.nodes[0].inputs = ['X', 'W', 'R', '', 'lens'];
  spec.graph.inputs.push({ name: 'lens', elemType: DT.INT32, shape: [3] });
  const r = row(profileSpec(spec), 'GRU');
  assert.deepEqual(dims(r.outputShapes[0].shape), [5, 1, 3, 20]);
  assert.equal(num(r.macs), 5 * 3 * 3 * 20 * 30);
  assert.deepEqual(r.notes, ['sequence_lens given: costed at the full sequence length']);
});

test('recurrent failures: W rows vs hidden_size, wrong activation count, unknown X', () => {
  const rows = layer({ kind: 'LSTM', x: [5, 3, 10], input: 10, hidden: 20 });
  rows.graph.inputs[1].shape = [1, 60, 10];
  assert.match(row(profileSpec(rows), 'LSTM').unknown ?? '', /W \[1, 60, 10\] rows \(gates × hidden_size\): expected 80, got 60/);
  const acts = layer({ kind: 'GRU', x: [5, 3, 10], input: 10, hidden: 20, dirs: 2, attrs: { activations: { strings: ['Sigmoid', 'Tanh', 'Tanh'] } } });
  assert.match(row(profileSpec(acts), 'GRU').unknown ?? '', /needs 4 activations for 2 direction\(s\), got 3/);
  const x = layer({ kind: 'RNN', x: [5, 3, 10], input: 10, hidden: 4 });
  delete x.graph.inputs[0].shape;
  const r = row(profileSpec(x), 'RNN');
  assert.match(r.unknown ?? '', /shape of "X" unknown/);
  assert.equal(num(r.macs), 0);
});

test('lstm.onnx fixture: per-module MACs match PyTorch (facts.json rnnMacsByModule)', () => {
  const facts = JSON.parse(readFileSync(`${FIXTURES}facts.json`, 'utf8')).models.lstm;
  const file = `${FIXTURES}lstm.onnx`;
  const [batch, seq] = facts.macsInputShapes.x as number[];
  const report = profileModel(file, FileSource.open(file), new FolderHost(file), { dims: { batch, seq } });
  const rows = allRows(report).filter((r) => r.kind === 'node');
  const sum = (op: string) => rows.filter((r) => r.op === op).reduce((s, r) => s + num(r.macs), 0);
  // LSTM(16→32, 2 layers, bidirectional): per layer 2 dirs · seq · 4·32·(in + 32), in = 16 then 64.
  assert.equal(sum('LSTM'), 2 * 12 * 4 * 32 * (16 + 32) + 2 * 12 * 4 * 32 * (64 + 32));
  assert.equal(sum('LSTM'), facts.rnnMacsByModule.lstm);
  assert.equal(sum('GRU'), 12 * 3 * 24 * (64 + 24));
  assert.equal(sum('GRU'), facts.rnnMacsByModule.gru);
  assert.equal(sum('RNN'), 12 * 1 * 8 * (24 + 8));
  assert.equal(sum('RNN'), facts.rnnMacsByModule.rnn);
  assert.ok(rows.filter((r) => /LSTM|GRU|RNN/.test(r.op)).every((r) => r.unknown === undefined));

  // Symbolic: the first LSTM layer is a polynomial in batch and seq.
  const symbolic = profileModel(file, FileSource.open(file), new FolderHost(file));
  const lstm0 = allRows(symbolic).find((r) => r.op === 'LSTM')!;
  assert.equal(lstm0.macs.toString(), `${2 * 4 * 32 * (16 + 32)}·batch·seq`);
  assert.deepEqual(dims(lstm0.outputShapes[0].shape), ['seq', 2, 'batch', 32]);
});
