import type { Attribute, OnnxGraph, OnnxNode } from '../onnx/model';
import type { Expr } from '../symbolic/expr';
import type { OpContext, SubgraphRun, TensorValue } from './types';

/**
 * What every OpContext does the same way: reading the node's inputs and attributes. The graph
 * engine and the PyTorch source analysis differ only in how they fail, note and run subgraphs.
 */
export abstract class ContextBase implements OpContext {
  abstract readonly opset: number;
  readonly inputCount: number;

  constructor(
    readonly node: OnnxNode,
    protected readonly inputs: (TensorValue | undefined)[],
  ) {
    this.inputCount = node.inputs.length;
  }

  abstract shapeOf(i: number): Expr[];
  abstract attrTensor(name: string): TensorValue | undefined;
  abstract runSubgraph(graph: OnnxGraph, inputs: (TensorValue | undefined)[]): SubgraphRun;
  abstract note(text: string): void;
  abstract fail(reason: string): never;

  input(i: number): TensorValue | undefined {
    return this.inputs[i];
  }

  values(i: number): Expr[] | undefined {
    return this.inputs[i]?.value;
  }

  floats(i: number): number[] | undefined {
    return this.inputs[i]?.floats;
  }

  protected attr(name: string): Attribute | undefined {
    return this.node.attributes.get(name);
  }

  attrInt(name: string, fallback: number): number;
  attrInt(name: string): number | undefined;
  attrInt(name: string, fallback?: number): number | undefined {
    const a = this.attr(name);
    return a?.kind === 'int' ? a.value : fallback;
  }

  attrInts(name: string): number[] | undefined {
    const a = this.attr(name);
    return a?.kind === 'ints' ? a.value : undefined;
  }

  attrFloat(name: string, fallback: number): number {
    const a = this.attr(name);
    return a?.kind === 'float' || a?.kind === 'int' ? a.value : fallback;
  }

  attrFloats(name: string): number[] | undefined {
    const a = this.attr(name);
    return a?.kind === 'floats' ? a.value : undefined;
  }

  attrString(name: string, fallback: string): string;
  attrString(name: string): string | undefined;
  attrString(name: string, fallback?: string): string | undefined {
    const a = this.attr(name);
    return a?.kind === 'string' ? a.value : fallback;
  }

  attrGraph(name: string): OnnxGraph | undefined {
    const a = this.attr(name);
    return a?.kind === 'graph' ? a.value : undefined;
  }
}
