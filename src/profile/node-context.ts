import type { OnnxGraph, OnnxNode, TensorRef, ValueInfo } from '../onnx/model';
import { ContextBase } from '../ops/context-base';
import type { Expr } from '../symbolic/expr';
import type { NodeResult, SubgraphRun, TensorValue } from '../ops/types';
import type { Scope } from './infer-graph';

/** Function calls and subgraphs nested deeper than this are refused (a function calling itself). */
export const MAX_CALL_DEPTH = 16;

/** Thrown through ctx.fail: the node is reported as unknown with this reason. */
export class InferenceFailure extends Error {}

/** What a node's context needs from the engine running the graph. */
export interface EngineServices {
  readonly failedProducers: ReadonlyMap<string, string>;
  opsetOf(domain: string): number;
  tensorValue(t: TensorRef, stored: boolean): TensorValue;
  inputValue(vi: ValueInfo): TensorValue;
  subgraphRun(g: OnnxGraph, scope: Scope, outputNames: string[], depth: number): SubgraphRun;
}

/** The view one op definition gets of its node. One object per node: graphs have many nodes. */
export class NodeContext extends ContextBase {
  readonly opset: number;

  constructor(
    private readonly engine: EngineServices,
    node: OnnxNode,
    inputs: (TensorValue | undefined)[],
    private readonly scope: Scope,
    private readonly depth: number,
    private readonly result: NodeResult,
  ) {
    super(node, inputs);
    this.opset = engine.opsetOf(node.domain);
  }

  shapeOf(i: number): Expr[] {
    const name = this.node.inputs[i];
    if (name === undefined || name === '') return this.fail(`input ${i} is missing`);
    const v = this.inputs[i];
    if (v?.shape) return v.shape;
    const producer = this.engine.failedProducers.get(name);
    return this.fail(producer ? `shape of "${name}" unknown: its producer ${producer} could not be inferred` : `shape of "${name}" unknown`);
  }

  attrTensor(name: string): TensorValue | undefined {
    const a = this.attr(name);
    return a?.kind === 'tensor' ? this.engine.tensorValue(a.value, false) : undefined;
  }

  runSubgraph(graph: OnnxGraph, bodyInputs: (TensorValue | undefined)[]): SubgraphRun {
    if (this.depth >= MAX_CALL_DEPTH) this.fail(`subgraphs nested more than ${MAX_CALL_DEPTH} deep`);
    const values = new Map<string, TensorValue>();
    for (const [name, t] of graph.initializers) values.set(name, this.engine.tensorValue(t, true));
    graph.inputs.forEach((vi, i) => {
      const v = bodyInputs[i] ?? (vi.shape || vi.elemType ? this.engine.inputValue(vi) : undefined);
      if (v) values.set(vi.name, v);
    });
    const run = this.engine.subgraphRun(graph, { values, parent: this.scope }, graph.outputs.map((o) => o.name), this.depth + 1);
    this.result.children = [...(this.result.children ?? []), ...run.nodes];
    return run;
  }

  note(text: string): void {
    this.result.notes.push(text);
  }

  fail(reason: string): never {
    throw new InferenceFailure(reason);
  }
}
