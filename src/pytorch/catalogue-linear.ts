/**
 * Linear layers and lookups: Linear, LazyLinear, Bilinear, Identity, Embedding, EmbeddingBag,
 * Flatten, Unflatten.
 *
 * Parameters:
 *   Linear      (in + 1)·out  (in·out without bias); LazyLinear takes `in` from the first input
 *   Bilinear    in1·in2·out + out
 *   Embedding   num·dim;  EmbeddingBag num·dim
 * Forward: Linear on a 2-D input is ONNX Gemm (transB), on other ranks MatMul + Add, exactly as the
 * exporter emits — MACs = rows·in·out either way, FLOPs = 2·MACs + one bias add per output.
 * Bilinear is the Einsum `...i,oij,...j->...o` (direct loop: rows·out·in1·in2 MACs), plus the bias.
 * Embedding is a Gather (no arithmetic); EmbeddingBag adds its reduction (1 per gathered element).
 */
import { DataType } from '../onnx/model';
import { Expr, product } from '../symbolic/expr';
import type { TensorValue } from '../ops/types';
import { FACTORY, sig } from './catalogue-args';
import type { BuildContext, ForwardCall, LayerBuild, LayerEntry } from './catalogue-types';
import { batchSuffix, dotProduct, shapeText } from './format';

interface LinearConfig {
  in?: number;
  out: number;
  bias: boolean;
}

function linearParams(c: LinearConfig & { in: number }): { params: [string, number[]][]; formula: string } {
  const params: [string, number[]][] = [['weight', [c.out, c.in]]];
  if (c.bias) params.push(['bias', [c.out]]);
  return { params, formula: c.bias ? `(${c.in} + 1)·${c.out}` : `${c.in}·${c.out}` };
}

function linearBuild(lazy: boolean) {
  return (b: BuildContext): LayerBuild => {
    const a = b.args;
    const inF = lazy ? undefined : a.int('in_features');
    const out = a.int('out_features');
    if (inF !== undefined && inF < 0) a.fail(`in_features must not be negative, got ${inF}`);
    if (out < 0) a.fail(`out_features must not be negative, got ${out}`);
    const config: LinearConfig = { in: inF, out, bias: a.bool('bias') };
    if (inF === undefined) return { config, params: [], attrs: { out_features: out } };
    const { params, formula } = linearParams({ ...config, in: inF });
    return { config, params, paramsFormula: formula, attrs: { in_features: inF, out_features: out } };
  };
}

/** x @ Wᵀ + b as the exporter writes it: Gemm for 2-D inputs, MatMul (+ Add) otherwise. */
export function linearOps(f: ForwardCall, x: TensorValue, w: TensorValue, b: TensorValue | undefined): TensorValue {
  const shape = x.shape!;
  const [out, inF] = w.shape!;
  if (shape.length === 2) {
    const [y] = f.op('Gemm', [x, w, b], { transB: 1 });
    f.formula(`${dotProduct([inF, out])}${batchSuffix([shape[0]])}`);
    return y;
  }
  const wt: TensorValue = { dtype: w.dtype, shape: [inF, out] };
  let [y] = f.op('MatMul', [x, wt]);
  if (b) [y] = f.op('Add', [y, b]);
  f.formula(`${dotProduct([inF, out])}${batchSuffix(shape.slice(0, -1))}`);
  return y;
}

function linearForward(lazy: boolean) {
  return (f: ForwardCall) => {
    const c = f.config as LinearConfig;
    const x = f.tensor('input');
    const shape = x.shape!;
    if (shape.length === 0) f.fail('Linear needs an input with at least one dim');
    if (lazy && c.in === undefined) {
      const inF = shape[shape.length - 1].constant;
      if (inF === undefined) f.fail(`LazyLinear infers in_features from the input's last dim, which is ${shape[shape.length - 1]}`);
      c.in = inF;
      const { params, formula } = linearParams({ ...c, in: inF });
      f.materialize(params, formula, { in_features: inF });
    }
    const w = f.param('weight')!;
    const last = shape[shape.length - 1].constant;
    if (last !== undefined && c.in !== undefined && last !== c.in) {
      f.fail(`Linear expects ${c.in} input features but the input ${shapeText(shape)} has ${last}`);
    }
    return f.tensorValue(linearOps(f, x, w, f.param('bias')));
  };
}

interface EmbeddingConfig {
  num: number;
  dim: number;
  mode?: string;
}

export const LINEAR_LAYERS: LayerEntry[] = [
  {
    name: 'Linear',
    signature: sig('in_features', 'out_features', ['bias', true], ...FACTORY),
    build: linearBuild(false),
    forward: linearForward(false),
  },
  {
    name: 'LazyLinear',
    signature: sig('out_features', ['bias', true], ...FACTORY),
    build: linearBuild(true),
    forward: linearForward(true),
    lazy: true,
  },
  {
    name: 'Bilinear',
    signature: sig('in1_features', 'in2_features', 'out_features', ['bias', true], ...FACTORY),
    build(b) {
      const a = b.args;
      const in1 = a.positiveInt('in1_features');
      const in2 = a.positiveInt('in2_features');
      const out = a.positiveInt('out_features');
      const bias = a.bool('bias');
      const params: [string, number[]][] = [['weight', [out, in1, in2]]];
      if (bias) params.push(['bias', [out]]);
      return { config: { in1, in2, out, bias }, params, paramsFormula: `${dotProduct([in1, in2, out])}${bias ? ` + ${out}` : ''}`, attrs: { in1_features: in1, in2_features: in2, out_features: out } };
    },
    forwardSignature: sig('input1', 'input2'),
    forward(f) {
      const x1 = f.tensor('input1');
      const x2 = f.tensor('input2');
      const w = f.param('weight')!;
      let [y] = f.op('Einsum', [x1, w, x2], { equation: '...i,oij,...j->...o' });
      const b = f.param('bias');
      if (b) [y] = f.op('Add', [y, b]);
      const [out, in1, in2] = w.shape!;
      f.formula(`${dotProduct([in1, in2, out])}${batchSuffix(x1.shape!.slice(0, -1))}`);
      return f.tensorValue(y);
    },
  },
  {
    name: 'Identity',
    signature: sig('*args'),
    build: () => ({ config: {}, params: [] }),
    forward: (f) => f.arg('input'),
  },
  {
    name: 'Embedding',
    signature: sig('num_embeddings', 'embedding_dim', ['padding_idx', null], ['max_norm', null], ['norm_type', { float: 2 }], ['scale_grad_by_freq', false], ['sparse', false], ['_weight', null], ['_freeze', false], ...FACTORY),
    build(b) {
      const a = b.args;
      const num = a.positiveInt('num_embeddings');
      const dim = a.positiveInt('embedding_dim');
      return { config: { num, dim }, params: [['weight', [num, dim]]], paramsFormula: dotProduct([num, dim]), attrs: { num_embeddings: num, embedding_dim: dim } };
    },
    forward(f) {
      const x = f.tensor('input');
      const w = f.param('weight')!;
      const [y] = f.op('Gather', [w, x], { axis: 0 });
      return f.tensorValue(y);
    },
  },
  {
    name: 'EmbeddingBag',
    signature: sig('num_embeddings', 'embedding_dim', ['max_norm', null], ['norm_type', { float: 2 }], ['scale_grad_by_freq', false], ['mode', 'mean'], ['sparse', false], ['_weight', null], ['include_last_offset', false], ['padding_idx', null], ...FACTORY),
    build(b) {
      const a = b.args;
      const num = a.positiveInt('num_embeddings');
      const dim = a.positiveInt('embedding_dim');
      const mode = a.str('mode');
      if (!['sum', 'mean', 'max'].includes(mode)) a.fail(`mode must be 'sum', 'mean' or 'max', got '${mode}'`);
      return { config: { num, dim, mode }, params: [['weight', [num, dim]]], paramsFormula: dotProduct([num, dim]), attrs: { num_embeddings: num, embedding_dim: dim } };
    },
    forwardSignature: sig('input', ['offsets', null], ['per_sample_weights', null]),
    forward(f) {
      const c = f.config as EmbeddingConfig;
      const x = f.tensor('input');
      const w = f.param('weight')!;
      const reduce = c.mode === 'sum' ? 'ReduceSum' : c.mode === 'max' ? 'ReduceMax' : 'ReduceMean';
      const [g] = f.op('Gather', [w, x], { axis: 0 });
      const shape = x.shape!;
      if (shape.length === 2) {
        const axes: TensorValue = { dtype: DataType.INT64, shape: [Expr.ONE], value: [Expr.ONE] };
        const [y] = f.op(reduce, [g, axes], { keepdims: 0 });
        return f.tensorValue(y);
      }
      if (shape.length !== 1) f.fail(`EmbeddingBag expects a 1-D or 2-D input, got ${shapeText(shape)}`);
      const offsetShape = f.optTensor('offsets')?.shape;
      if (!offsetShape || offsetShape.length !== 1) return f.fail('EmbeddingBag with a 1-D input needs 1-D offsets of known length');
      const bags = offsetShape[0];
      // Bags of a flat input: one reduction step per gathered element, whatever the bag sizes.
      const n = product(g.shape!);
      f.addCost(Expr.ZERO, c.mode === 'mean' ? n.add(bags.mul(Expr.of(c.dim))) : n, `${dotProduct(g.shape!)}`);
      return f.tensorValue({ dtype: w.dtype, shape: [bags, Expr.of(c.dim)] });
    },
  },
  {
    name: 'Flatten',
    signature: sig(['start_dim', 1], ['end_dim', -1]),
    build(b) {
      return { config: { start: b.args.int('start_dim'), end: b.args.int('end_dim') }, params: [] };
    },
    forward(f) {
      const c = f.config as { start: number; end: number };
      return f.tensorValue(flattenShape(f, f.tensor('input'), c.start, c.end));
    },
  },
  {
    name: 'Unflatten',
    signature: sig('dim', 'unflattened_size'),
    build(b) {
      return { config: { dim: b.args.int('dim'), sizes: b.args.intList('unflattened_size') }, params: [] };
    },
    forward(f) {
      const c = f.config as { dim: number; sizes: number[] };
      const x = f.tensor('input');
      const shape = x.shape!;
      const d = c.dim < 0 ? c.dim + shape.length : c.dim;
      if (d < 0 || d >= shape.length) f.fail(`dim ${c.dim} is out of range for ${shapeText(shape)}`);
      const known = c.sizes.filter((s) => s !== -1).reduce((p, s) => p * s, 1);
      const sizes = c.sizes.map((s) => (s === -1 ? shape[d].divExact(Expr.of(known)) : Expr.of(s)));
      if (sizes.some((s) => s === undefined)) f.fail(`cannot unflatten dim ${shape[d]} into ${c.sizes.join('×')}`);
      return f.tensorValue({ dtype: x.dtype, shape: [...shape.slice(0, d), ...(sizes as Expr[]), ...shape.slice(d + 1)] });
    },
  },
];

/** torch.flatten(x, start, end): no arithmetic. */
export function flattenShape(f: { fail(reason: string): never }, x: TensorValue, start: number, end: number): TensorValue {
  const shape = x.shape!;
  if (shape.length === 0) return { dtype: x.dtype, shape: [Expr.ONE] };
  const s = start < 0 ? start + shape.length : start;
  const e = end < 0 ? end + shape.length : end;
  if (s < 0 || s >= shape.length || e < 0 || e >= shape.length || s > e) {
    f.fail(`flatten dims ${start}..${end} are out of range for ${shapeText(shape)}`);
  }
  return { dtype: x.dtype, shape: [...shape.slice(0, s), product(shape.slice(s, e + 1)), ...shape.slice(e + 1)] };
}
