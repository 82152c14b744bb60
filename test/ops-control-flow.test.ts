import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DT, type GraphSpec, type ModelSpec, type NodeSpec, type TensorSpec, type ValueSpec } from './helpers/onnx-builder';
import { ortDims, ortTensor } from './helpers/ort';
import { allRows, dims, num, profileSpec, row } from './helpers/profile';
import { profileModel } from '../src/formats/registry';
import { FileSource, FolderHost } from '../src/io/file-source';

const FIXTURES = new URL('./fixtures/models/', import.meta.url).pathname;

const weight = (name: string, shape: number[]): TensorSpec => ({ name, dims: shape, rawBytes: shape.reduce((a, b) => a * b, 1) * 4 });
const bool = (name: string, v: boolean): TensorSpec => ({ name, dataType: DT.BOOL, dims: [], values: [v ? 1 : 0] });
const int64 = (name: string, v: number): TensorSpec => ({ name, dataType: DT.INT64, dims: [], values: [v] });
const trueConst = (output: string): NodeSpec => ({ opType: 'Constant', inputs: [], outputs: [output], attrs: { value: { tensor: bool('t', true) } } });

function spec(nodes: NodeSpec[], inputs: ValueSpec[], outputs: string[], initializers: TensorSpec[], opset = 13): ModelSpec {
  return { opset, graph: { nodes, inputs, outputs: outputs.map((name) => ({ name })), initializers } };
}

// ---------------------------------------------------------------------------------------------
// If

/** then: X·W1 (16→16); else: X·W2·W3 (16→64→16). */
function ifModel(cond: { input: true } | { value: boolean }, x: (number | string)[] = [4, 16], elseOut: 'matrix' | 'vector' = 'matrix'): ModelSpec {
  const thenBranch: GraphSpec = { name: 'then', nodes: [{ opType: 'MatMul', inputs: ['X', 'W1'], outputs: ['T'] }], inputs: [], outputs: [{ name: 'T' }] };
  const elseBranch: GraphSpec =
    elseOut === 'matrix'
      ? {
          name: 'else',
          nodes: [
            { opType: 'MatMul', inputs: ['X', 'W2'], outputs: ['E1'] },
            { opType: 'MatMul', inputs: ['E1', 'W3'], outputs: ['E'] },
          ],
          inputs: [],
          outputs: [{ name: 'E' }],
        }
      : { name: 'else', nodes: [{ opType: 'MatMul', inputs: ['X', 'w'], outputs: ['E'] }], inputs: [], outputs: [{ name: 'E' }] };
  const inputs: ValueSpec[] = [{ name: 'X', shape: x }];
  const initializers = [weight('W1', [16, 16]), weight('W2', [16, 64]), weight('W3', [64, 16]), weight('w', [16])];
  if ('input' in cond) inputs.push({ name: 'C', elemType: DT.BOOL, shape: [] });
  else initializers.push(bool('C', cond.value));
  return spec([{ opType: 'If', name: 'branch', inputs: ['C'], outputs: ['Y'], attrs: { then_branch: { graph: thenBranch }, else_branch: { graph: elseBranch } } }], inputs, ['Y'], initializers);
}

test('If with a known condition costs the taken branch only', () => {
  const t = profileSpec(ifModel({ value: true }));
  const r = row(t, 'If');
  assert.deepEqual(dims(r.outputShapes[0].shape), [4, 16]);
  assert.equal(num(r.macs), 4 * 16 * 16);
  assert.equal(num(r.flops), 2 * 4 * 16 * 16);
  assert.deepEqual(r.notes, []);
  assert.deepEqual(r.children.map((c) => c.op), ['MatMul']);

  const f = row(profileSpec(ifModel({ value: false })), 'If');
  assert.equal(num(f.macs), 4 * 16 * 64 + 4 * 64 * 16);
  assert.deepEqual(f.children.map((c) => c.op), ['MatMul', 'MatMul']);
});

test('If with an unknown condition costs the more expensive branch, also symbolically', async () => {
  const model = ifModel({ input: true });
  const r = row(profileSpec(model), 'If');
  assert.deepEqual(dims(r.outputShapes[0].shape), [4, 16]);
  assert.equal(num(r.macs), Math.max(4 * 16 * 16, 4 * 16 * 64 + 4 * 64 * 16));
  assert.deepEqual(r.notes, ['condition unknown: costed as the more expensive branch']);
  assert.equal(r.children.length, 3); // both branches are shown
  const feeds = { C: ortTensor(DT.BOOL, [], 0) };
  assert.deepEqual((await ortDims(model, feeds)).Y, [4, 16]);

  const sym = row(profileSpec(ifModel({ input: true }, ['batch', 16])), 'If');
  assert.deepEqual(dims(sym.outputShapes[0].shape), ['batch', 16]);
  assert.equal(sym.macs.toString(), `${16 * 64 + 64 * 16}·batch`);
  assert.equal(sym.flops.toString(), `${2 * (16 * 64 + 64 * 16)}·batch`);
});

test('If branches of different ranks: fine when the condition is known, a failure when not', () => {
  const known = row(profileSpec(ifModel({ value: false }, [4, 16], 'vector')), 'If');
  assert.deepEqual(dims(known.outputShapes[0].shape), [4]);
  assert.equal(num(known.macs), 4 * 16);
  const unknown = row(profileSpec(ifModel({ input: true }, [4, 16], 'vector')), 'If');
  assert.match(unknown.unknown ?? '', /output 0 has rank 2 in the then-branch and 1 in the else-branch/);
});

// ---------------------------------------------------------------------------------------------
// Loop

interface LoopOptions {
  /** Initializer value for M, 'input' for a graph input, undefined for no M. */
  m?: number | 'input';
  /** Initializer value for cond, undefined for no cond. */
  cond?: boolean;
  /** The body's cond output: a constant true, or the body's cond input passed through. */
  bodyCond?: 'true' | 'passthrough';
  name?: string;
  /** Columns of the loop weight: 16 keeps the carried shape. */
  cols?: number;
  extraBodyNodes?: NodeSpec[];
  scanOutput?: string;
}

/** Loop(M, cond, X): x ← x·W each iteration; the scan output collects x before the product. */
function loopModel(o: LoopOptions = {}): ModelSpec {
  const bodyNodes: NodeSpec[] = [{ opType: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] }, ...(o.extraBodyNodes ?? [])];
  if ((o.bodyCond ?? 'true') === 'true') bodyNodes.push(trueConst('c_out'));
  const body: GraphSpec = {
    name: 'body',
    nodes: bodyNodes,
    inputs: [
      { name: 'i', elemType: DT.INT64, shape: [] },
      { name: 'c', elemType: DT.BOOL, shape: [] },
      { name: 'x', shape: [4, 16] },
    ],
    outputs: [{ name: o.bodyCond === 'passthrough' ? 'c' : 'c_out', elemType: DT.BOOL, shape: [] }, { name: 'y' }, { name: o.scanOutput ?? 'x' }],
  };
  const inputs: ValueSpec[] = [{ name: 'X', shape: [4, 16] }];
  const initializers = [weight('W', [16, o.cols ?? 16])];
  if (typeof o.m === 'number') initializers.push(int64('M', o.m));
  if (o.m === 'input') inputs.push({ name: 'M', elemType: DT.INT64, shape: [] });
  if (o.cond !== undefined) initializers.push(bool('cond', o.cond));
  const loop: NodeSpec = { opType: 'Loop', inputs: [o.m === undefined ? '' : 'M', o.cond === undefined ? '' : 'cond', 'X'], outputs: ['final', 'scan'], attrs: { body: { graph: body } } };
  if (o.name) loop.name = o.name;
  return spec([loop], inputs, ['final', 'scan'], initializers);
}

const BODY_MACS = 4 * 16 * 16;

test('Loop with a constant trip count: body × 5, scan output [5, ...]', async () => {
  const model = loopModel({ m: 5, cond: true });
  const r = row(profileSpec(model), 'Loop');
  assert.deepEqual(r.outputShapes.map((o) => dims(o.shape)), [[4, 16], [5, 4, 16]]);
  assert.equal(num(r.macs), 5 * BODY_MACS);
  assert.equal(num(r.flops), 5 * 2 * BODY_MACS);
  assert.deepEqual(r.notes, []);
  assert.equal(r.formula, `5 × ${BODY_MACS}`);
  const o = await ortDims(model);
  assert.deepEqual([o.final, o.scan], [[4, 16], [5, 4, 16]]);
  // No cond input: a plain for loop.
  const forLoop = row(profileSpec(loopModel({ m: 3 })), 'Loop');
  assert.equal(num(forLoop.macs), 3 * BODY_MACS);
  assert.deepEqual(forLoop.notes, []);
});

test('Loop with an unknown trip count: costs in `<name>.trips`', async () => {
  const model = loopModel({ m: 'input', cond: true, name: 'decode' });
  const r = row(profileSpec(model), 'Loop');
  assert.equal(r.macs.toString(), `${BODY_MACS}·decode.trips`);
  assert.equal(r.macs.evaluate(new Map([['decode.trips', 7]])), 7 * BODY_MACS);
  assert.deepEqual(r.outputShapes.map((o) => dims(o.shape)), [[4, 16], ['decode.trips', 4, 16]]);
  assert.deepEqual(r.notes, ['trip count unknown: costs are per `decode.trips`']);
  const feeds = { M: ortTensor(DT.INT64, [], 3) };
  const o = await ortDims(model, feeds);
  assert.deepEqual([o.final, o.scan], [[4, 16], [3, 4, 16]]);

  // Unnamed, no M, cond true: a while loop only the body's cond can end.
  const w = row(profileSpec(loopModel({ cond: true, bodyCond: 'passthrough' })), 'Loop');
  assert.equal(w.macs.toString(), `${BODY_MACS}·Loop.trips`);
  // A huge M is the exporters' "while" idiom, not a bound.
  const huge = row(profileSpec(loopModel({ m: 2 ** 40, cond: true, bodyCond: 'passthrough', name: 'w' })), 'Loop');
  assert.equal(huge.macs.toString(), `${BODY_MACS}·w.trips`);
});

test('Loop whose condition is computed: M is an upper bound, noted', () => {
  const r = row(profileSpec(loopModel({ m: 5, cond: true, bodyCond: 'passthrough' })), 'Loop');
  assert.equal(num(r.macs), 5 * BODY_MACS);
  assert.deepEqual(r.notes, ['the loop condition can end the loop early: costed at the trip-count bound M = 5']);
});

test('Loop whose condition is false on entry never runs', async () => {
  const model = loopModel({ m: 5, cond: false });
  const r = row(profileSpec(model), 'Loop');
  assert.equal(num(r.macs), 0);
  assert.equal(num(r.flops), 0);
  assert.deepEqual(r.outputShapes.map((o) => dims(o.shape)), [[4, 16], [0, 4, 16]]);
  const o = await ortDims(model);
  assert.deepEqual([o.final, o.scan], [[4, 16], [0, 4, 16]]);
});

test('Loop-carried value changing shape: output shape and cost unknown', () => {
  const r = row(profileSpec(loopModel({ m: 5, cond: true, cols: 8 })), 'Loop');
  assert.match(r.unknown ?? '', /loop-carried "X" changes shape across iterations \(\[4, 16\] → \[4, 8\]\)/);
  assert.equal(r.outputShapes[0].shape, undefined);
  assert.deepEqual(dims(r.outputShapes[1].shape), [5, 4, 16]);
});

test('Loop body with an op we cannot cost: the Loop is unknown, its known outputs still flow', () => {
  const model = loopModel({ m: 5, cond: true, extraBodyNodes: [{ opType: 'Mystery', inputs: ['x'], outputs: ['m'] }], scanOutput: 'm' });
  model.graph.nodes.push({ opType: 'MatMul', name: 'after', inputs: ['final', 'W'], outputs: ['Z'] });
  model.graph.outputs.push({ name: 'Z' });
  const report = profileSpec(model);
  const r = row(report, 'Loop');
  assert.match(r.unknown ?? '', /the loop body has ops that cannot be costed: Mystery: no shape or cost rule for op Mystery/);
  assert.deepEqual(dims(r.outputShapes[0].shape), [4, 16]);
  assert.equal(r.outputShapes[1].shape, undefined);
  const after = row(report, 'after');
  assert.equal(num(after.macs), 4 * 16 * 16);
  assert.deepEqual(report.unknownOps.map((u) => u.op), ['Mystery']);
});

// ---------------------------------------------------------------------------------------------
// Scan

/** Scan over xs: s ← s·x_t; the scan output collects s before each product. */
function scanModel(opset: number, xs: (number | string)[], attrs: Record<string, number[] | number> = {}): ModelSpec {
  const body: GraphSpec = {
    name: 'body',
    nodes: [{ opType: 'MatMul', inputs: ['s', 'x_t'], outputs: ['s_next'] }],
    inputs: [{ name: 's' }, { name: 'x_t' }],
    outputs: [{ name: 's_next' }, { name: 's' }],
  };
  const s = opset >= 9 ? [1, 8] : [xs[0] as number, 1, 8];
  const inputs = opset >= 9 ? ['S', 'XS'] : ['', 'S', 'XS'];
  return spec(
    [{ opType: 'Scan', inputs, outputs: ['final', 'scan'], attrs: { body: { graph: body }, num_scan_inputs: 1, ...attrs } }],
    [{ name: 'S', shape: s }, { name: 'XS', shape: xs }],
    ['final', 'scan'],
    [],
    opset,
  );
}

test('Scan (opset 9+): body × scan length, input and output axes', async () => {
  const model = scanModel(11, [5, 8, 8]);
  const r = row(profileSpec(model), 'Scan');
  assert.deepEqual(r.outputShapes.map((o) => dims(o.shape)), [[1, 8], [5, 1, 8]]);
  assert.equal(num(r.macs), 5 * 1 * 8 * 8);
  assert.equal(num(r.flops), 2 * 5 * 1 * 8 * 8);
  const o = await ortDims(model);
  assert.deepEqual([o.final, o.scan], [[1, 8], [5, 1, 8]]);

  const axes = scanModel(11, [8, 8, 5], { scan_input_axes: [-1], scan_output_axes: [1] });
  const ra = row(profileSpec(axes), 'Scan');
  assert.deepEqual(ra.outputShapes.map((x) => dims(x.shape)), [[1, 8], [1, 5, 8]]);
  assert.equal(num(ra.macs), 5 * 1 * 8 * 8);
  const oa = await ortDims(axes);
  assert.deepEqual([oa.final, oa.scan], [[1, 8], [1, 5, 8]]);

  const sym = row(profileSpec(scanModel(11, ['T', 8, 8])), 'Scan');
  assert.equal(sym.macs.toString(), `${8 * 8}·T`);
  assert.deepEqual(dims(sym.outputShapes[1].shape), ['T', 1, 8]);
});

test('Scan-8: leading batch axis, the body runs batch × sequence times', async () => {
  const model = scanModel(8, [2, 5, 8, 8]);
  const r = row(profileSpec(model), 'Scan');
  assert.deepEqual(r.outputShapes.map((o) => dims(o.shape)), [[2, 1, 8], [2, 5, 1, 8]]);
  assert.equal(num(r.macs), 2 * 5 * 1 * 8 * 8);
  const o = await ortDims(model);
  assert.deepEqual([o.final, o.scan], [[2, 1, 8], [2, 5, 1, 8]]);
});

test('Scan failure: scan inputs of different lengths', () => {
  const model = scanModel(11, [5, 8, 8]);
  const body = (model.graph.nodes[0].attrs!.body as { graph: GraphSpec }).graph;
  body.inputs.push({ name: 'y_t' });
  model.graph.nodes[0].inputs.push('YS');
  model.graph.nodes[0].attrs!.num_scan_inputs = 2;
  model.graph.inputs.push({ name: 'YS', shape: [6, 3] });
  assert.match(row(profileSpec(model), 'Scan').unknown ?? '', /different lengths along their scan axes \(5 and 6\)/);
});

// ---------------------------------------------------------------------------------------------
// The exported fixture

test('control_flow.onnx: If on x.sum() > 0, a 5-trip Loop, and a Loop over rows', () => {
  const facts = JSON.parse(readFileSync(`${FIXTURES}facts.json`, 'utf8')).models.control_flow;
  const cf = facts.controlFlowMacs;
  const file = `${FIXTURES}control_flow.onnx`;
  const report = profileModel(file, FileSource.open(file), new FolderHost(file));
  const rows = allRows(report).filter((r) => r.kind === 'node' && r.depth === 0);
  const ifRow = rows.find((r) => r.op === 'If')!;
  const [constLoop, dynLoop] = rows.filter((r) => r.op === 'Loop');
  // If: the condition depends on x, so the larger branch (16→64→16) is costed.
  assert.equal(ifRow.macs.toString(), `${16 * 64 + 64 * 16}·rows`);
  assert.deepEqual(ifRow.notes, ['condition unknown: costed as the more expensive branch']);
  assert.deepEqual(dims(ifRow.outputShapes[0].shape), ['rows', 16]);
  // Loop with M = n_iter = 5 over MatMul [rows,16]x[16,16].
  assert.equal(constLoop.macs.toString(), `${5 * 16 * 16}·rows`);
  // Loop with M = Shape(x)[0]: rows trips of Gemm 16→16 (+ bias) and Tanh.
  assert.equal(dynLoop.macs.toString(), `${16 * 16}·rows^2`);
  assert.equal(dynLoop.flops.toString(), `${2 * 16 * 16 + 16 + 16}·rows^2`);
  assert.deepEqual(dims(dynLoop.outputShapes[0].shape), ['rows', 16]);

  // With rows = 1 (facts.macsInputShapes) the numbers are PyTorch's.
  const one = profileModel(file, FileSource.open(file), new FolderHost(file), { dims: { rows: 1 } });
  const top = allRows(one).filter((r) => r.kind === 'node' && r.depth === 0);
  assert.equal(num(top.find((r) => r.op === 'If')!.macs), cf.elseBranch);
  assert.equal(num(top.find((r) => r.op === 'If')!.macs), Math.max(cf.thenBranch, cf.elseBranch));
  const loops = top.filter((r) => r.op === 'Loop');
  assert.equal(num(loops[0].macs), facts.otherMatmulMacs); // 5 × 256
  assert.equal(num(loops[0].macs), cf.constLoopTripCount * cf.constLoopBody);
  assert.equal(num(loops[1].macs), cf.dynLoopBody * 1);
  // then-branch + dynamic loop = hookMacs (x.sum() > 0); else-branch + dynamic loop = the else figure.
  assert.equal(cf.elseBranch + num(loops[1].macs), facts.hookMacsByBranch.else);
});
