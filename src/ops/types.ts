import type { Expr } from '../symbolic/expr';
import type { OnnxGraph, OnnxNode } from '../onnx/model';

/** What inference knows about one value in the graph. */
export interface TensorValue {
  /** ONNX element type; 0 when unknown. */
  dtype: number;
  /** undefined when the rank is unknown. */
  shape?: Expr[];
  /** Statically known integer contents (shape tensors, indices), flattened row-major. */
  value?: Expr[];
  /** Statically known floating contents (Resize scales, small constants), flattened row-major. */
  floats?: number[];
}

/** The arithmetic one node does. MACs follow the headline convention; FLOPs include 2 × MACs. */
export interface Cost {
  macs: Expr;
  flops: Expr;
  /** How the MACs (or FLOPs when there are no MACs) were derived, for hovers: `3·3·512 · 512·14·14`. */
  formula?: string;
  /**
   * Set when the outputs are known but the cost is not (a control-flow body holding ops that
   * cannot be costed): the node shows as unknown with this reason and macs/flops are ignored,
   * while its outputs still flow on.
   */
  unknown?: string;
}

/** Cost of a subgraph run by a control-flow node, with its own node results. */
export interface SubgraphRun {
  outputs: (TensorValue | undefined)[];
  macs: Expr;
  flops: Expr;
  /** Names of nodes (and reasons) that could not be costed inside the subgraph. */
  unknown: string[];
  nodes: NodeResult[];
}

export interface OpContext {
  readonly node: OnnxNode;
  /** Opset version in force for the node's domain. */
  readonly opset: number;
  /** Input i, undefined when the input is omitted (empty name) or beyond the node's inputs. */
  input(i: number): TensorValue | undefined;
  /** Input i with a known shape, or a failure naming it. */
  shapeOf(i: number): Expr[];
  readonly inputCount: number;
  /** Statically known integer contents of input i. */
  values(i: number): Expr[] | undefined;
  /** Statically known float contents of input i (integers are returned as numbers too). */
  floats(i: number): number[] | undefined;
  attrInt(name: string, fallback: number): number;
  attrInt(name: string): number | undefined;
  attrInts(name: string): number[] | undefined;
  attrFloat(name: string, fallback: number): number;
  attrFloats(name: string): number[] | undefined;
  attrString(name: string, fallback: string): string;
  attrString(name: string): string | undefined;
  attrGraph(name: string): OnnxGraph | undefined;
  /** Contents of a tensor attribute (Constant's value). */
  attrTensor(name: string): TensorValue | undefined;
  /** Profiles a body graph; `inputs` bind its formal inputs in order, outer-scope names stay visible. */
  runSubgraph(graph: OnnxGraph, inputs: (TensorValue | undefined)[]): SubgraphRun;
  /** Records a note shown with the node (a flagged assumption). */
  note(text: string): void;
  /** Stops inference for this node with a reason shown to the user. */
  fail(reason: string): never;
}

/**
 * One registry entry: how an op family's outputs are shaped and what it costs, side by side.
 * `cost` is required: data-movement ops say so explicitly, so nothing is a silent zero.
 */
export interface OpDef {
  infer(ctx: OpContext): TensorValue[];
  cost(ctx: OpContext, outputs: TensorValue[]): Cost;
  /** Inputs holding state rather than learned parameters (BatchNorm's running mean and variance). */
  bufferInputs?: readonly number[];
}

/** What profiling found for one node. */
export interface NodeResult {
  name: string;
  opType: string;
  domain: string;
  inputs: ValueShape[];
  outputs: ValueShape[];
  /** Weight tensors this node reads, learned parameters and buffers alike. */
  weights: WeightUse[];
  macs?: Expr;
  flops?: Expr;
  formula?: string;
  /** Why the node could not be costed; set exactly when macs/flops are undefined. */
  unknown?: string;
  notes: string[];
  /** Body nodes of control flow and function calls. */
  children?: NodeResult[];
}

export interface ValueShape {
  name: string;
  dtype: number;
  shape?: Expr[];
  /** The shape came from the file's value_info because inference failed upstream. */
  hinted?: boolean;
}

export type WeightRole = 'param' | 'buffer' | 'constant';

export interface WeightUse {
  name: string;
  elements: number;
  bytes: number;
  dtype: number;
  /**
   * `param`: a learned parameter. `buffer`: running statistics and other state. `constant`: a
   * tensor an exporter made (fills, masks) in a file whose weights are initializers. Only
   * `param` counts as parameters; the others are reported apart.
   */
  role: WeightRole;
}
