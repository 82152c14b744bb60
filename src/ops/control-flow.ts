/**
 * Control flow: If, Loop, Scan. Their bodies are profiled as subgraphs (the body nodes appear as
 * the node's children); the node's own cost is the body's, times the number of iterations.
 *
 * | op   | cost                                                                                   |
 * |------|----------------------------------------------------------------------------------------|
 * | If   | the taken branch when the condition is known statically; otherwise the larger of the   |
 * |      | two branches (Expr.max of MACs and of FLOPs, each taken separately), noted             |
 * | Loop | body × trips. trips = M when M is known and the condition cannot stop the loop early;  |
 * |      | when the condition is computed, M is an upper bound (noted); with no usable M a symbol |
 * |      | `<node name>.trips` stands for the count (noted). A huge M (> 2³¹ − 1, the "while"     |
 * |      | idiom of exporters) counts as no M. A condition known to be false gives 0 trips.       |
 * | Scan | body × the scan axis length (× batch for the opset-8 form, which has a batch axis)     |
 *
 * The loop/scan bookkeeping itself (counter increments, comparisons, slicing) is not counted.
 * Loop-carried values enter the body with their initial shape and without their contents (the
 * contents change from one iteration to the next). A carried value whose shape changes between
 * iterations makes the output shape and the cost unknown. A body holding ops that cannot be
 * costed makes the node's cost unknown (its outputs stay known when the body gives them).
 */
import { Expr } from '../symbolic/expr';
import { DataType } from '../onnx/model';
import { defineOps } from './registry';
import { normalizeAxis } from './shape-utils';
import type { Cost, OpContext, SubgraphRun, TensorValue } from './types';

/** Loop counts above this are the "while (cond)" idiom (INT64_MAX / INT32_MAX), not a bound. */
const MAX_TRIP_BOUND = 2 ** 31 - 1;

/** What infer found, kept for cost (the same ctx object serves both for one node). */
interface Plan {
  /** Body cost multiplier (1 for If). */
  trips: Expr;
  runs: SubgraphRun[];
  /** If with an unknown condition: cost the larger branch. */
  larger: boolean;
  /** Reasons the cost is unknown beyond the body's own unknown nodes. */
  problems: string[];
}

const plans = new WeakMap<OpContext, Plan>();

function planOf(ctx: OpContext): Plan {
  return plans.get(ctx) ?? ctx.fail('internal: control-flow cost without inference');
}

function show(shape: readonly Expr[] | undefined): string {
  return shape ? `[${shape.join(', ')}]` : 'unknown';
}

function sameShape(a: readonly Expr[] | undefined, b: readonly Expr[] | undefined): boolean {
  return !!a && !!b && a.length === b.length && a.every((d, i) => d.equals(b[i]));
}

function sameValues(a: readonly Expr[] | undefined, b: readonly Expr[] | undefined): boolean {
  return sameShape(a, b);
}

/** A loop-carried value as the body sees it: shape and type, not its (changing) contents. */
function carried(v: TensorValue | undefined): TensorValue | undefined {
  return v && { dtype: v.dtype, ...(v.shape ? { shape: v.shape } : {}) };
}

/** A statically known scalar condition: true, false, or undefined. */
function knownBool(v: TensorValue | undefined): boolean | undefined {
  const c = v?.value?.[0]?.constant ?? v?.floats?.[0];
  return c === undefined ? undefined : c !== 0;
}

function bodyCost(ctx: OpContext, what: string): Cost {
  const p = planOf(ctx);
  const unknown = p.runs.flatMap((r) => r.unknown);
  if (unknown.length > 0) return { macs: Expr.ZERO, flops: Expr.ZERO, unknown: `${what} has ops that cannot be costed: ${unknown.join('; ')}` };
  if (p.problems.length > 0) return { macs: Expr.ZERO, flops: Expr.ZERO, unknown: p.problems.join('; ') };
  let macs: Expr;
  let flops: Expr;
  if (p.larger) {
    const [a, b] = p.runs;
    macs = a.macs.max(b.macs);
    flops = a.flops.max(b.flops);
  } else {
    macs = p.runs[0].macs.mul(p.trips);
    flops = p.runs[0].flops.mul(p.trips);
  }
  const trips = p.trips.constant === 1 ? '' : `${p.trips.isSum ? `(${p.trips})` : p.trips} × `;
  return { macs, flops, formula: p.larger ? `max(${p.runs[0].macs}, ${p.runs[1].macs})` : `${trips}${p.runs[0].macs}` };
}

/**
 * Final values of loop-carried state: the body's output when its shape matches the initial
 * value's (no contents: they change), the initial value when the body never runs, and no shape
 * when the shape changes between iterations.
 */
function finalState(init: TensorValue | undefined, out: TensorValue | undefined, name: string, neverRuns: boolean, problems: string[]): TensorValue {
  if (neverRuns && init) return init;
  const dtype = out?.dtype || init?.dtype || 0;
  if (!init?.shape) return out?.shape ? { dtype, shape: out.shape } : { dtype };
  if (!out?.shape || sameShape(init.shape, out.shape)) return { dtype, shape: init.shape };
  problems.push(`loop-carried "${name}" changes shape across iterations (${show(init.shape)} → ${show(out.shape)})`);
  return { dtype };
}

// ---------------------------------------------------------------------------------------------
// If

defineOps(['If'], {
  infer(ctx) {
    const thenGraph = ctx.attrGraph('then_branch') ?? ctx.fail('If has no then_branch graph');
    const elseGraph = ctx.attrGraph('else_branch') ?? ctx.fail('If has no else_branch graph');
    ctx.input(0) ?? ctx.fail('If condition is missing');
    const cond = knownBool(ctx.input(0));
    if (cond !== undefined) {
      const run = ctx.runSubgraph(cond ? thenGraph : elseGraph, []);
      plans.set(ctx, { trips: Expr.ONE, runs: [run], larger: false, problems: [] });
      return run.outputs.map((o) => o ?? { dtype: DataType.UNDEFINED });
    }
    const a = ctx.runSubgraph(thenGraph, []);
    const b = ctx.runSubgraph(elseGraph, []);
    plans.set(ctx, { trips: Expr.ONE, runs: [a, b], larger: true, problems: [] });
    ctx.note('condition unknown: costed as the more expensive branch');
    if (a.outputs.length !== b.outputs.length) ctx.fail(`If branches have ${a.outputs.length} and ${b.outputs.length} outputs`);
    return a.outputs.map((x, i) => {
      const y = b.outputs[i];
      if (x?.shape && y?.shape && x.shape.length !== y.shape.length) {
        ctx.fail(`If output ${i} has rank ${x.shape.length} in the then-branch and ${y.shape.length} in the else-branch, and the condition is unknown`);
      }
      const pick = x?.shape ? x : y;
      if (!pick) return { dtype: DataType.UNDEFINED };
      if (x?.shape && y?.shape && !sameShape(x.shape, y.shape)) {
        ctx.note(`output ${i}: branches give ${show(x.shape)} and ${show(y.shape)}; the then-branch's shape is used`);
      }
      const out: TensorValue = { dtype: pick.dtype || x?.dtype || y?.dtype || 0, ...(pick.shape ? { shape: pick.shape } : {}) };
      if (x?.value && sameValues(x.value, y?.value)) out.value = x.value;
      return out;
    });
  },
  cost: (ctx) => bodyCost(ctx, 'a branch'),
});

// ---------------------------------------------------------------------------------------------
// Loop

interface TripCount {
  trips: Expr;
  neverRuns: boolean;
}

/** M when it is a usable bound: a known value below MAX_TRIP_BOUND. */
function tripBound(ctx: OpContext): Expr | undefined {
  if (!ctx.input(0)) return undefined;
  const v = ctx.values(0)?.[0];
  const c = v?.constant ?? ctx.floats(0)?.[0];
  if (c !== undefined && c > MAX_TRIP_BOUND) return undefined;
  if (c !== undefined) return Expr.of(Math.max(0, c));
  return v;
}

function tripCount(ctx: OpContext, bodyCond: TensorValue | undefined): TripCount {
  const hasCond = ctx.input(1) !== undefined;
  const initial = hasCond ? knownBool(ctx.input(1)) : undefined;
  if (hasCond && initial === false) {
    ctx.note('loop condition is false on entry: the body never runs');
    return { trips: Expr.ZERO, neverRuns: true };
  }
  const m = tripBound(ctx);
  // Without a cond input the body's cond output is ignored; with one, it can end the loop.
  const condCanStop = hasCond && !(initial === true && knownBool(bodyCond) === true);
  if (m !== undefined) {
    if (condCanStop) ctx.note(`the loop condition can end the loop early: costed at the trip-count bound M = ${m}`);
    return { trips: m, neverRuns: m.constant === 0 };
  }
  const sym = `${ctx.node.name || 'Loop'}.trips`;
  ctx.note(`trip count unknown: costs are per \`${sym}\``);
  return { trips: Expr.sym(sym), neverRuns: false };
}

defineOps(['Loop'], {
  infer(ctx) {
    const body = ctx.attrGraph('body') ?? ctx.fail('Loop has no body graph');
    const n = ctx.inputCount - 2;
    if (n < 0) ctx.fail('Loop needs the M and cond inputs (either may be empty)');
    if (body.inputs.length !== n + 2) ctx.fail(`Loop body has ${body.inputs.length} inputs; expected ${n + 2} (iteration, cond, ${n} carried)`);
    if (body.outputs.length < n + 1) ctx.fail(`Loop body has ${body.outputs.length} outputs; expected at least ${n + 1} (cond, ${n} carried)`);
    const inputs: (TensorValue | undefined)[] = [
      { dtype: DataType.INT64, shape: [] },
      { dtype: DataType.BOOL, shape: [] },
      ...Array.from({ length: n }, (_, i) => carried(ctx.input(i + 2))),
    ];
    const run = ctx.runSubgraph(body, inputs);
    const { trips, neverRuns } = tripCount(ctx, run.outputs[0]);
    const problems: string[] = [];
    const finals = Array.from({ length: n }, (_, i) => finalState(ctx.input(i + 2), run.outputs[i + 1], ctx.node.inputs[i + 2], neverRuns, problems));
    const scans = run.outputs.slice(n + 1).map((o): TensorValue => ({ dtype: o?.dtype ?? DataType.UNDEFINED, ...(o?.shape ? { shape: [trips, ...o.shape] } : {}) }));
    plans.set(ctx, { trips, runs: [run], larger: false, problems });
    return [...finals, ...scans];
  },
  cost: (ctx) => bodyCost(ctx, 'the loop body'),
});

// ---------------------------------------------------------------------------------------------
// Scan

function insertAxis(ctx: OpContext, shape: readonly Expr[], axis: number, dim: Expr): Expr[] {
  const a = normalizeAxis(ctx, axis, shape.length + 1);
  return [...shape.slice(0, a), dim, ...shape.slice(a)];
}

/** Scan from opset 9: N state inputs then num_scan_inputs scanned along scan_input_axes. */
function scan9(ctx: OpContext): TensorValue[] {
  const body = ctx.attrGraph('body') ?? ctx.fail('Scan has no body graph');
  const m = ctx.attrInt('num_scan_inputs') ?? ctx.fail('Scan needs num_scan_inputs');
  const n = ctx.inputCount - m;
  if (m < 1 || n < 0) ctx.fail(`Scan has ${ctx.inputCount} inputs but num_scan_inputs = ${m}`);
  const inAxes = ctx.attrInts('scan_input_axes') ?? Array<number>(m).fill(0);
  if (inAxes.length !== m) ctx.fail(`scan_input_axes has ${inAxes.length} entries for ${m} scan inputs`);
  let trips: Expr | undefined;
  const slices: TensorValue[] = [];
  for (let j = 0; j < m; j++) {
    const shape = ctx.shapeOf(n + j);
    const axis = normalizeAxis(ctx, inAxes[j], shape.length);
    const len = shape[axis];
    if (!trips) trips = len;
    else if (trips.constant !== undefined && len.constant !== undefined && trips.constant !== len.constant) {
      ctx.fail(`scan inputs have different lengths along their scan axes (${trips} and ${len})`);
    }
    slices.push({ dtype: ctx.input(n + j)?.dtype ?? DataType.UNDEFINED, shape: [...shape.slice(0, axis), ...shape.slice(axis + 1)] });
  }
  const count = trips!;
  if (body.inputs.length !== n + m) ctx.fail(`Scan body has ${body.inputs.length} inputs; expected ${n + m}`);
  const run = ctx.runSubgraph(body, [...Array.from({ length: n }, (_, i) => carried(ctx.input(i))), ...slices]);
  if (run.outputs.length < n) ctx.fail(`Scan body has ${run.outputs.length} outputs for ${n} state variables`);
  const k = run.outputs.length - n;
  const outAxes = ctx.attrInts('scan_output_axes') ?? Array<number>(k).fill(0);
  if (outAxes.length !== k) ctx.fail(`scan_output_axes has ${outAxes.length} entries for ${k} scan outputs`);
  const problems: string[] = [];
  const neverRuns = count.constant === 0;
  const finals = Array.from({ length: n }, (_, i) => finalState(ctx.input(i), run.outputs[i], ctx.node.inputs[i], neverRuns, problems));
  const scans = run.outputs.slice(n).map((o, j): TensorValue => ({ dtype: o?.dtype ?? DataType.UNDEFINED, ...(o?.shape ? { shape: insertAxis(ctx, o.shape, outAxes[j], count) } : {}) }));
  plans.set(ctx, { trips: count, runs: [run], larger: false, problems });
  return [...finals, ...scans];
}

/**
 * Scan-8: (sequence_lens?, states..., scan inputs...), every input with a leading batch axis and
 * scan inputs scanned along axis 1. The body runs batch × sequence-length times.
 */
function scan8(ctx: OpContext): TensorValue[] {
  const body = ctx.attrGraph('body') ?? ctx.fail('Scan has no body graph');
  const m = ctx.attrInt('num_scan_inputs') ?? ctx.fail('Scan needs num_scan_inputs');
  const n = ctx.inputCount - 1 - m;
  if (m < 1 || n < 0) ctx.fail(`Scan has ${ctx.inputCount} inputs but num_scan_inputs = ${m}`);
  if (ctx.input(0)) ctx.note('sequence_lens given: costed at the full sequence length');
  const first = ctx.shapeOf(1 + n);
  if (first.length < 2) ctx.fail(`Scan-8 inputs need [batch, sequence, ...], got ${show(first)}`);
  const [batch, seq] = first;
  const slices: TensorValue[] = [];
  for (let j = 0; j < m; j++) {
    const shape = ctx.shapeOf(1 + n + j);
    if (shape.length < 2) ctx.fail(`Scan-8 inputs need [batch, sequence, ...], got ${show(shape)}`);
    slices.push({ dtype: ctx.input(1 + n + j)?.dtype ?? DataType.UNDEFINED, shape: shape.slice(2) });
  }
  const states = Array.from({ length: n }, (_, i) => {
    const v = ctx.input(1 + i);
    return v?.shape ? { dtype: v.dtype, shape: v.shape.slice(1) } : carried(v);
  });
  if (body.inputs.length !== n + m) ctx.fail(`Scan body has ${body.inputs.length} inputs; expected ${n + m}`);
  const run = ctx.runSubgraph(body, [...states, ...slices]);
  if (run.outputs.length < n) ctx.fail(`Scan body has ${run.outputs.length} outputs for ${n} state variables`);
  const problems: string[] = [];
  const finals = states.map((s, i) => {
    const f = finalState(s, run.outputs[i], ctx.node.inputs[1 + i], false, problems);
    return f.shape ? { dtype: f.dtype, shape: [batch, ...f.shape] } : f;
  });
  const scans = run.outputs.slice(n).map((o): TensorValue => ({ dtype: o?.dtype ?? DataType.UNDEFINED, ...(o?.shape ? { shape: [batch, seq, ...o.shape] } : {}) }));
  plans.set(ctx, { trips: batch.mul(seq), runs: [run], larger: false, problems });
  return [...finals, ...scans];
}

defineOps(['Scan'], {
  infer: (ctx) => (ctx.opset >= 9 ? scan9(ctx) : scan8(ctx)),
  cost: (ctx) => bodyCost(ctx, 'the scan body'),
});
