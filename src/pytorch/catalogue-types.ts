/**
 * The shape of a torch.nn catalogue entry: the constructor signature in torch's positional order,
 * what the bound arguments make (parameters, buffers, children, the parameter formula), and how
 * forward maps onto ONNX ops so shapes and costs come from the engine's op registry.
 */
import type { TensorValue } from '../ops/types';
import type { Expr } from '../symbolic/expr';
import type { SourceRange } from './ast';
import type { LayerArgs } from './catalogue-args';
import { messageText, type Message } from './message';
import type { AttrValue } from './op-runner';
import type { ModuleObj, Value, Why } from './values';

/** A constructor or forward argument; `required` when it has no default. */
export interface ArgDef {
  name: string;
  default?: Value;
  required?: boolean;
  /** Collects the remaining positional arguments (`*args`). */
  rest?: boolean;
}

/** A JS literal for a default: numbers (integers are ints), booleans, strings, null (None), tuples. */
export type Literal = number | boolean | string | null | readonly Literal[] | { float: number };

/** A value an argument could not supply: the layer is reported with this reason. */
export class ArgError extends Error {
  constructor(readonly why: Why) {
    super(messageText(why.reason));
  }
}

/** A shape could not be followed through a layer's forward: the output is unknown for this reason. */
export class ShapeError extends Error {
  constructor(readonly reason: Message) {
    super(messageText(reason));
  }
}

/** An input was already unknown: the output is unknown for the same reason (no new diagnostic). */
export class Propagated extends Error {
  constructor(readonly why: Why) {
    super(messageText(why.reason));
  }
}

export interface BuildContext {
  readonly args: LayerArgs;
  readonly site: SourceRange | undefined;
  /** Makes a torch.nn layer as a child of a composite layer (TransformerEncoderLayer's self_attn). */
  make(type: string, args: Record<string, Value | Literal>): ModuleObj;
  /** A deep copy, as copy.deepcopy makes (TransformerEncoder's layers). */
  deepcopy(m: ModuleObj): ModuleObj;
}

export interface LayerBuild {
  config: unknown;
  /** Own parameters in torch's registration order; dims. */
  params: [string, number[]][];
  buffers?: [string, number[]][];
  /** Children of composite layers, in registration order. */
  children?: [string, ModuleObj][];
  /** `(3·3·512 + 1)·512`; undefined for layers without parameters or whose formula is their children's. */
  paramsFormula?: string;
  /** Attributes torch sets (`in_features`, `embed_dim`) beyond the constructor arguments. */
  attrs?: Record<string, Value | Literal>;
}

export interface ForwardCall {
  readonly config: unknown;
  readonly module: ModuleObj;
  readonly site: SourceRange;
  /** Forward argument by name (bound to the entry's forward signature). */
  arg(name: string): Value;
  /** A tensor argument with a known shape; a ShapeError otherwise. */
  tensor(name: string): TensorValue;
  /** As tensor(), but None / absent gives undefined. */
  optTensor(name: string): TensorValue | undefined;
  /** A parameter of the module as a tensor value (weight shapes feed the ops). */
  param(name: string): TensorValue | undefined;
  /** Runs an ONNX op from the registry on the values; its cost is recorded for this layer. */
  op(opType: string, inputs: (TensorValue | undefined)[], attrs?: Record<string, AttrValue>, outputs?: number): TensorValue[];
  /** Cost the registry has no single op for (adaptive pooling with uneven windows). */
  addCost(macs: Expr, flops: Expr, formula?: string): void;
  /** The MACs formula of this call, for hovers. */
  formula(text: string): void;
  /** Calls a child module (composite layers). */
  call(child: string, args: Value[], kwargs?: Record<string, Value>): Value;
  /** Applies an activation given as a string, a torch function or a module (Transformer layers). */
  activation(act: Value, x: Value): Value;
  /** Sets a lazy layer's parameters once the input shape is known. */
  materialize(params: [string, number[]][], formula: string, attrs?: Record<string, Literal>): void;
  tensorValue(t: TensorValue): Value;
  note(text: string): void;
  fail(reason: Message): never;
}

export interface LayerEntry {
  /** torch.nn class name. */
  name: string;
  signature: readonly ArgDef[];
  build(b: BuildContext): LayerBuild;
  /** Forward parameters after `self` (default: `input`). */
  forwardSignature?: readonly ArgDef[];
  forward(f: ForwardCall): Value;
  /** Parameters depend on the first input (LazyLinear, LazyConv2d). */
  lazy?: boolean;
}
