/**
 * Graphs too big for any report to hold in one piece, for the scale tests and `npm run bench:scale`:
 * generated on demand (never committed), each written once per directory and reused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeModelFile, type ModelSpec, type NodeSpec } from './onnx-builder';

/** `nodes` Relu nodes in a chain, each a top-level layer of the report. */
export function reluChain(nodes: number): ModelSpec {
  const list: NodeSpec[] = new Array(nodes);
  for (let i = 0; i < nodes; i++) list[i] = { opType: 'Relu', name: `relu${i}`, inputs: [i ? `t${i - 1}` : 'x'], outputs: [i === nodes - 1 ? 'y' : `t${i}`] };
  return { graph: { nodes: list, inputs: [{ name: 'x', shape: ['batch', 16] }], outputs: [{ name: 'y', shape: ['batch', 16] }] } };
}

/** One Sum node whose `inputs` inputs are all the graph's input `x`: broadcasting over that many shapes. */
export function wideSum(inputs: number): ModelSpec {
  return {
    graph: {
      nodes: [{ opType: 'Sum', name: 'wide', inputs: new Array<string>(inputs).fill('x'), outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [2, 3] }],
      outputs: [{ name: 'y', shape: [2, 3] }],
    },
  };
}

/** The model file for `name` in `dir`, written by `make` unless it is already there. */
export async function bigModel(dir: string, name: string, make: () => ModelSpec): Promise<string> {
  const file = path.join(dir, `${name}.onnx`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    await writeModelFile(`${file}.part`, make());
    fs.renameSync(`${file}.part`, file);
  }
  return file;
}
