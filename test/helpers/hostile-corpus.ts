/**
 * The hostile-input corpus: small files (and a few large generated ones) that once killed, froze
 * or fooled FlopLens. Written to a folder by `npm run hostile-corpus -- <dir>` and by the tests
 * that open every case through the CLI and the language server; nothing here is committed, since
 * several cases are hundreds of megabytes (sparse where the file system allows).
 *
 * Each case says what it attacks and what a user must get instead: `error`, a one-line message
 * naming the file (CLI exit 2); `profile`, a report whose figures carry their reasons. The Python
 * cases are test/helpers/hostile-python.ts's, each as a file, and one source too large to read.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DT, writeModelFile, type ModelSpec, type TensorSpec } from './onnx-builder';
import { HOSTILE_CASES as HOSTILE_PYTHON, hostileSource } from './hostile-python';
import { ProtoWriter, Wire } from './protobuf-writer';

export interface CorpusCase {
  /** File name inside the corpus folder. */
  name: string;
  kind: 'onnx' | 'python';
  /** What the file attacks. */
  attack: string;
  /** ONNX: what the CLI must do with it. */
  expect?: 'error' | 'profile';
}

interface Maker extends CorpusCase {
  /** Writes the case into `dir`; resolves to false when this machine cannot make it (no mkfifo). */
  make(dir: string): Promise<unknown>;
}

const MB = 1_000_000;

/** y = Reshape(x, shape): the `shape` tensor is one whose values are read, so its data matters. */
function reshapeModel(shape: Omit<TensorSpec, 'name' | 'dims' | 'dataType'>): ModelSpec {
  return {
    producerName: 'hostile-corpus',
    graph: {
      nodes: [{ opType: 'Reshape', name: 'reshape', inputs: ['x', 'shape'], outputs: ['y'] }],
      initializers: [{ name: 'shape', dataType: DT.INT64, dims: [2], ...shape }],
      inputs: [{ name: 'x', shape: [2, 3] }],
      outputs: [{ name: 'y' }],
    },
  };
}

/** y = Relu(x), x and y of the shape given. */
function reluModel(shape: (number | bigint | string)[], extra: { nodeName?: string; opsets?: { domain: string; version: number }[] } = {}): ModelSpec {
  return {
    producerName: 'hostile-corpus',
    opset: extra.opsets,
    graph: {
      nodes: [{ opType: 'Relu', name: extra.nodeName, inputs: ['x'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape }],
      outputs: [{ name: 'y', shape }],
    },
  };
}

/** A Relu chain of `n` nodes. */
function chain(n: number): ModelSpec {
  return {
    graph: {
      nodes: Array.from({ length: n }, (_, i) => ({ opType: 'Relu', name: `/layers.${i}/Relu`, inputs: [i === 0 ? 'x' : `v${i - 1}`], outputs: [`v${i}`] })),
      inputs: [{ name: 'x', shape: ['batch', 64] }],
      outputs: [{ name: `v${n - 1}`, shape: ['batch', 64] }],
    },
  };
}

/**
 * `depth` If nodes, each holding the next in its then_branch: the bytes are streamed outside in,
 * since a nested message's length prefix must be known before its body is written.
 */
async function nestedIfs(file: string, depth: number): Promise<void> {
  // Innermost graph: one Identity node.
  const inner = new ProtoWriter();
  const id = new ProtoWriter();
  id.string(1, 'x');
  id.string(2, 'y');
  id.string(4, 'Identity');
  inner.message(1, id);
  inner.string(2, 'g');
  const innerBytes = inner.finish();
  // Level k wraps graph(k-1): Graph{ node(1){ op_type(4) "If", input "c", output "y",
  //   attribute(5){ name(1) "then_branch", g(6) <graph k-1>, type(20) GRAPH } }, name(2) "g" }.
  const head = (len: number, field: number): number[] => [...tag(field, Wire.Bytes), ...varintBytes(len)];
  const attrHead = [...stringField(1, 'then_branch')];
  const attrTail = [...tag(20, Wire.Varint), 5];
  const nodeHeadFixed = [...stringField(1, 'c'), ...stringField(2, 'y'), ...stringField(4, 'If')];
  const graphTail = [...stringField(2, 'g')];
  const lengths: number[] = [innerBytes.length];
  const heads: number[][] = [];
  for (let k = 1; k <= depth; k++) {
    const g = lengths[k - 1];
    const attrLen = attrHead.length + head(g, 6).length + g + attrTail.length;
    const nodeLen = nodeHeadFixed.length + head(attrLen, 5).length + attrLen;
    const graphLen = head(nodeLen, 1).length + nodeLen + graphTail.length;
    lengths.push(graphLen);
    heads.push([...head(nodeLen, 1), ...nodeHeadFixed, ...head(attrLen, 5), ...attrHead, ...head(g, 6)]);
  }
  const opset = [...stringField(1, ''), ...tag(2, Wire.Varint), 17];
  const outer = Uint8Array.from([...tag(1, Wire.Varint), 8, ...tag(8, Wire.Bytes), ...varintBytes(opset.length), ...opset]);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, outer);
    fs.writeSync(fd, Uint8Array.from(head(lengths[depth], 7)));
    for (let k = depth; k >= 1; k--) fs.writeSync(fd, Uint8Array.from(heads[k - 1]));
    fs.writeSync(fd, innerBytes);
    const tail = Uint8Array.from([...attrTail, ...graphTail]);
    for (let k = 1; k <= depth; k++) fs.writeSync(fd, tail);
  } finally {
    fs.closeSync(fd);
  }
}

function tag(field: number, wire: Wire): number[] {
  return varintBytes(field * 8 + wire);
}

function varintBytes(v: number): number[] {
  const out: number[] = [];
  while (v > 0x7f) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function stringField(field: number, s: string): number[] {
  const bytes = Buffer.from(s, 'utf8');
  return [...tag(field, Wire.Bytes), ...varintBytes(bytes.length), ...bytes];
}

function mkfifo(file: string): boolean {
  try {
    execFileSync('mkfifo', [file]);
    return true;
  } catch {
    return false;
  }
}

const DEEP = 100_000;

const CASES: Maker[] = [
  {
    name: 'lying-raw-data.onnx',
    kind: 'onnx',
    attack: 'a shape tensor of dims [2] with 150 MB of raw_data',
    expect: 'error',
    make: (dir) => writeModelFile(path.join(dir, 'lying-raw-data.onnx'), reshapeModel({ rawBytes: 150 * MB })),
  },
  {
    name: 'lying-int64-data.onnx',
    kind: 'onnx',
    attack: 'a shape tensor of dims [2] with 120 million int64_data elements',
    expect: 'error',
    make: (dir) => writeModelFile(path.join(dir, 'lying-int64-data.onnx'), reshapeModel({ lyingData: { field: 'int64_data', packedBytes: 120 * MB } })),
  },
  {
    name: 'lying-external.onnx',
    kind: 'onnx',
    // Without a length the data runs from its offset: the 16 bytes the dims need are read, no more.
    attack: 'a shape tensor of dims [2] whose external data (no length) is a 1.9 GB file',
    expect: 'profile',
    async make(dir) {
      const data = path.join(dir, 'lying-external.bin');
      fs.closeSync(fs.openSync(data, 'w'));
      fs.truncateSync(data, 1900 * MB);
      await writeModelFile(path.join(dir, 'lying-external.onnx'), reshapeModel({ external: { location: 'lying-external.bin' } }));
    },
  },
  {
    name: 'function-fanout.onnx',
    kind: 'onnx',
    attack: 'a model-local function that calls itself three times (exponential expansion)',
    expect: 'profile',
    make: (dir) =>
      writeModelFile(path.join(dir, 'function-fanout.onnx'), {
        opset: [
          { domain: '', version: 17 },
          { domain: 'local', version: 1 },
        ],
        functions: [
          {
            name: 'f',
            domain: 'local',
            inputs: ['a'],
            outputs: ['d'],
            nodes: [
              { opType: 'f', domain: 'local', inputs: ['a'], outputs: ['b'] },
              { opType: 'f', domain: 'local', inputs: ['b'], outputs: ['c'] },
              { opType: 'f', domain: 'local', inputs: ['c'], outputs: ['d'] },
            ],
          },
        ],
        graph: {
          nodes: [{ opType: 'f', domain: 'local', inputs: ['x'], outputs: ['y'] }],
          inputs: [{ name: 'x', shape: [1, 8] }],
          outputs: [{ name: 'y', shape: [1, 8] }],
        },
      }),
  },
  {
    name: 'sum-10m-inputs.onnx',
    kind: 'onnx',
    attack: 'one Sum node with 10,000,000 inputs',
    expect: 'error',
    make: (dir) =>
      writeModelFile(path.join(dir, 'sum-10m-inputs.onnx'), {
        graph: {
          nodes: [{ opType: 'Sum', inputs: new Array<string>(10_000_000).fill('x'), outputs: ['y'] }],
          inputs: [{ name: 'x', shape: [1, 8] }],
          outputs: [{ name: 'y', shape: [1, 8] }],
        },
      }),
  },
  {
    name: 'nodes-130k.onnx',
    kind: 'onnx',
    attack: '130,000 nodes (the text table once spread every cell into Math.max)',
    expect: 'profile',
    make: (dir) => writeModelFile(path.join(dir, 'nodes-130k.onnx'), chain(130_000)),
  },
  {
    name: 'nested-subgraphs.onnx',
    kind: 'onnx',
    attack: `${DEEP.toLocaleString('en-US')} If nodes, each nested in the previous one's then_branch`,
    expect: 'error',
    make: (dir) => nestedIfs(path.join(dir, 'nested-subgraphs.onnx'), DEEP),
  },
  {
    name: 'fifo.onnx',
    kind: 'onnx',
    attack: 'a FIFO named like a model (opening it for reading blocks)',
    expect: 'error',
    make: async (dir) => mkfifo(path.join(dir, 'fifo.onnx')),
  },
  {
    name: 'fifo-data.onnx',
    kind: 'onnx',
    attack: 'a model whose external data is a FIFO',
    expect: 'error',
    async make(dir) {
      if (!mkfifo(path.join(dir, 'fifo-data.bin'))) return false;
      return writeModelFile(path.join(dir, 'fifo-data.onnx'), {
        graph: {
          nodes: [{ opType: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] }],
          initializers: [{ name: 'shape', dataType: DT.INT64, dims: [2], external: { location: 'fifo-data.bin', offset: 0, length: 16 } }],
          inputs: [{ name: 'x', shape: [2, 3] }],
          outputs: [{ name: 'y', shape: [3, 2] }],
        },
      });
    },
  },
  {
    name: 'device-link.onnx',
    kind: 'onnx',
    attack: 'a link to /dev/zero named like a model (endless zeros)',
    expect: 'error',
    make: async (dir) => fs.symlinkSync('/dev/zero', path.join(dir, 'device-link.onnx')),
  },
  {
    name: 'folder.onnx',
    kind: 'onnx',
    attack: 'a folder named like a model',
    expect: 'error',
    make: async (dir) => fs.mkdirSync(path.join(dir, 'folder.onnx')),
  },
  {
    name: 'terminal-escapes.onnx',
    kind: 'onnx',
    attack: 'control characters (clear screen, set title) in a dim_param and an opset domain, a bidi override in a node name',
    expect: 'profile',
    async make(dir) {
      const opsets = [
        { domain: '', version: 17 },
        { domain: '\x1b[31mred', version: 1 },
      ];
      await writeModelFile(path.join(dir, 'terminal-escapes.onnx'), reluModel(['\x1b[2J\x1b]0;owned\x07', 8], { nodeName: 'block\u202Egnp.exe', opsets }));
    },
  },
  {
    name: 'dim-above-2p53.onnx',
    kind: 'onnx',
    attack: 'an input dim of 2^53 + 3, which a double cannot hold',
    expect: 'error',
    make: (dir) => writeModelFile(path.join(dir, 'dim-above-2p53.onnx'), reluModel([2n ** 53n + 3n, 8])),
  },
  {
    name: 'huge-declared-dims.onnx',
    kind: 'onnx',
    attack: 'a weight declaring 2^31 × 2^31 × 2^31 elements (no data)',
    expect: 'error',
    make: (dir) =>
      writeModelFile(path.join(dir, 'huge-declared-dims.onnx'), {
        graph: {
          nodes: [{ opType: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
          initializers: [{ name: 'w', dims: [2 ** 31, 2 ** 31, 2 ** 31], rawBytes: 0 }],
          inputs: [{ name: 'x', shape: [1] }],
          outputs: [{ name: 'y', shape: [1] }],
        },
      }),
  },
  {
    name: 'length-past-eof.onnx',
    kind: 'onnx',
    attack: 'a graph whose length prefix says 1 TB in a 15-byte file',
    expect: 'error',
    async make(dir) {
      const bytes = [...tag(1, Wire.Varint), 8, ...tag(7, Wire.Bytes), ...varintBytes(2 ** 40), ...stringField(2, 'main')];
      fs.writeFileSync(path.join(dir, 'length-past-eof.onnx'), Uint8Array.from(bytes));
    },
  },
  {
    name: 'truncated.onnx',
    kind: 'onnx',
    attack: 'a real model cut off in the middle of its graph',
    expect: 'error',
    async make(dir) {
      const whole = chain(50);
      const file = path.join(dir, 'truncated.onnx');
      await writeModelFile(file, whole);
      fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    },
  },
  ...HOSTILE_PYTHON.map(
    (c, i): Maker => ({
      name: `python-${String(i + 1).padStart(2, '0')}.py`,
      kind: 'python',
      attack: c.name,
      make: async (dir) => fs.writeFileSync(path.join(dir, `python-${String(i + 1).padStart(2, '0')}.py`), hostileSource(c)),
    }),
  ),
  {
    name: 'huge-source.py',
    kind: 'python',
    attack: 'a 50 MB Python source',
    async make(dir) {
      const line = 'x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]  # filler\n';
      const body = `import torch.nn as nn\n\n\nclass Net(nn.Module):\n    pass\n\n\n${line.repeat(Math.ceil((50 * MB) / line.length))}`;
      fs.writeFileSync(path.join(dir, 'huge-source.py'), body);
    },
  },
];

/** Every case, without making it. */
export const CORPUS_CASES: readonly CorpusCase[] = CASES.map(({ name, kind, attack, expect }) => ({ name, kind, attack, expect }));

/** Writes every case this machine can make into `dir` (made if missing); returns those written. */
export async function writeHostileCorpus(dir: string, only?: (c: CorpusCase) => boolean): Promise<CorpusCase[]> {
  fs.mkdirSync(dir, { recursive: true });
  const made: CorpusCase[] = [];
  for (const c of CASES) {
    if (only && !only(c)) continue;
    const { make, ...info } = c;
    if ((await make(dir)) !== false) made.push(info);
  }
  return made;
}
