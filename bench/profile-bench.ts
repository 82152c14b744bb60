/**
 * Prints how profiling cost grows (or does not) with weight bytes and graph size.
 *
 *   npm run bench
 *
 * Each case runs in its own process so its peak RSS is its own. Generated models go to
 * bench/.work/ (ignored by git) and are reused between runs.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { profileModel } from '../src/formats/registry';
import { FileSource, FolderHost } from '../src/io/file-source';
import { formatBytes, formatCount, formatQuantity } from '../src/report/units';
import { writeModelFile, type ModelSpec, type NodeSpec, type TensorSpec } from '../test/helpers/onnx-builder';

const WORK = path.join(__dirname, '.work');
const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures', 'models');

interface Case {
  name: string;
  file: string;
  make?: () => ModelSpec;
}

/** VGG16's layer stack with inline weights: 553 MB of raw_data, like the torchvision export. */
function vgg16Inline(): ModelSpec {
  const cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'] as const;
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  let x = 'input';
  let c = 3;
  cfg.forEach((v, i) => {
    if (v === 'M') {
      nodes.push({ opType: 'MaxPool', name: `/features/features.${i}/MaxPool`, inputs: [x], outputs: [`p${i}`], attrs: { kernel_shape: [2, 2], strides: [2, 2] } });
      x = `p${i}`;
      return;
    }
    initializers.push({ name: `w${i}`, dims: [v, c, 3, 3], rawBytes: v * c * 9 * 4 }, { name: `b${i}`, dims: [v], rawBytes: v * 4 });
    nodes.push({ opType: 'Conv', name: `/features/features.${i}/Conv`, inputs: [x, `w${i}`, `b${i}`], outputs: [`c${i}`], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } });
    nodes.push({ opType: 'Relu', name: `/features/features.${i}/Relu`, inputs: [`c${i}`], outputs: [`r${i}`] });
    x = `r${i}`;
    c = v;
  });
  nodes.push({ opType: 'Flatten', name: '/Flatten', inputs: [x], outputs: ['flat'], attrs: { axis: 1 } });
  x = 'flat';
  [[25088, 4096], [4096, 4096], [4096, 1000]].forEach(([k, n], i) => {
    initializers.push({ name: `fc${i}.w`, dims: [n, k], rawBytes: n * k * 4 }, { name: `fc${i}.b`, dims: [n], rawBytes: n * 4 });
    nodes.push({ opType: 'Gemm', name: `/classifier/classifier.${i * 3}/Gemm`, inputs: [x, `fc${i}.w`, `fc${i}.b`], outputs: [`fc${i}`], attrs: { transB: 1 } });
    x = `fc${i}`;
  });
  return { graph: { nodes, inputs: [{ name: 'input', shape: ['batch', 3, 224, 224] }], outputs: [{ name: x, shape: ['batch', 1000] }], initializers } };
}

/** A deep transformer-like stack with symbolic batch and seq: `layers` × 8 nodes. */
function deepStack(layers: number, weightBytesPerMatrix: number): ModelSpec {
  const d = 256;
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  let x = 'x';
  for (let l = 0; l < layers; l++) {
    const p = `/blocks/blocks.${l}`;
    initializers.push({ name: `${p}.w1`, dims: [d, d], rawBytes: weightBytesPerMatrix }, { name: `${p}.w2`, dims: [d, d], rawBytes: weightBytesPerMatrix });
    nodes.push(
      { opType: 'MatMul', name: `${p}/fc1/MatMul`, inputs: [x, `${p}.w1`], outputs: [`${p}.a`] },
      { opType: 'Relu', name: `${p}/act/Relu`, inputs: [`${p}.a`], outputs: [`${p}.b`] },
      { opType: 'MatMul', name: `${p}/fc2/MatMul`, inputs: [`${p}.b`, `${p}.w2`], outputs: [`${p}.c`] },
      { opType: 'Add', name: `${p}/Add`, inputs: [`${p}.c`, x], outputs: [`${p}.d`] },
      { opType: 'ReduceMean', name: `${p}/norm/ReduceMean`, inputs: [`${p}.d`], outputs: [`${p}.m`], attrs: { axes: [-1] } },
      { opType: 'Sub', name: `${p}/norm/Sub`, inputs: [`${p}.d`, `${p}.m`], outputs: [`${p}.e`] },
      { opType: 'Mul', name: `${p}/norm/Mul`, inputs: [`${p}.e`, `${p}.e`], outputs: [`${p}.f`] },
      { opType: 'Softmax', name: `${p}/Softmax`, inputs: [`${p}.f`], outputs: [`${p}.y`], attrs: { axis: -1 } },
    );
    x = `${p}.y`;
  }
  return { opset: 13, graph: { nodes, inputs: [{ name: 'x', shape: ['batch', 'seq', d] }], outputs: [{ name: x, shape: ['batch', 'seq', d] }], initializers } };
}

const CASES: Case[] = [
  { name: 'resnet18 export (external data)', file: path.join(FIXTURES, 'resnet18.onnx') },
  { name: 'vgg16 export (external data)', file: path.join(FIXTURES, 'vgg16.onnx') },
  { name: 'vgg16, 553 MB inline raw_data', file: path.join(WORK, 'vgg16-inline.onnx'), make: vgg16Inline },
  { name: '10,000 nodes, tiny weights', file: path.join(WORK, 'deep-10k-small.onnx'), make: () => deepStack(1250, 0) },
  { name: '10,000 nodes, 655 MB weights', file: path.join(WORK, 'deep-10k-big.onnx'), make: () => deepStack(1250, 256 * 256 * 4) },
];

interface Measure {
  fileBytes: number;
  bytesRead: number;
  nodes: number;
  firstMs: number;
  bestMs: number;
  readWholeFileMs: number;
  readGraphBytesMs: number;
  peakRssBytes: number;
  macs: string;
  params: number;
}

/** Runs in the child: profile several times, then time plain reads of the same file for scale. */
function measure(file: string): Measure {
  const times: number[] = [];
  let bytesRead = 0;
  let last;
  let rssAfterProfile = 0;
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const src = FileSource.open(file);
    last = profileModel(file, src, new FolderHost(file));
    times.push(performance.now() - t0);
    bytesRead = src.bytesRead;
    src.close();
    // Peak memory of one profile in a fresh process, before repeated runs add garbage.
    if (i === 0) rssAfterProfile = process.resourceUsage().maxRSS * 1024;
  }
  const fileBytes = fs.statSync(file).size;
  // The floor for any reader: pulling just the bytes we read, in one go.
  let t0 = performance.now();
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, Buffer.allocUnsafe(bytesRead), 0, bytesRead, 0);
  fs.closeSync(fd);
  const readGraphBytesMs = performance.now() - t0;
  // What a reader that materializes the file (as onnx.load does) pays just to read it.
  t0 = performance.now();
  const whole = fs.openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(64 << 20);
  for (let pos = 0; pos < fileBytes; pos += chunk.length) fs.readSync(whole, chunk, 0, chunk.length, pos);
  fs.closeSync(whole);
  const readWholeFileMs = performance.now() - t0;
  return {
    fileBytes,
    bytesRead,
    nodes: last!.totals.nodes,
    firstMs: times[0],
    bestMs: Math.min(...times.slice(1)),
    readWholeFileMs,
    readGraphBytesMs,
    peakRssBytes: rssAfterProfile,
    macs: formatQuantity(last!.totals.macs),
    params: last!.totals.params,
  };
}

async function main(): Promise<void> {
  const child = process.argv.indexOf('--measure');
  if (child >= 0) {
    process.stdout.write(JSON.stringify(measure(process.argv[child + 1])));
    return;
  }
  fs.mkdirSync(WORK, { recursive: true });
  const rows: string[][] = [];
  for (const c of CASES) {
    if (c.make && !fs.existsSync(c.file)) await writeModelFile(c.file, c.make());
    const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--measure', c.file], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const m = JSON.parse(out) as Measure;
    rows.push([
      c.name,
      formatBytes(m.fileBytes),
      formatCount(m.nodes),
      formatBytes(m.bytesRead),
      `${m.firstMs.toFixed(1)} ms`,
      `${m.bestMs.toFixed(1)} ms`,
      `${m.readGraphBytesMs.toFixed(1)} ms`,
      `${m.readWholeFileMs.toFixed(1)} ms`,
      formatBytes(m.peakRssBytes),
      m.macs,
      formatCount(m.params),
    ]);
  }
  const header = ['model', 'file', 'nodes', 'bytes read', 'profile (1st)', 'profile (best)', 'read those bytes', 'read whole file', 'peak RSS (1st)', 'MACs', 'params'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  rows.forEach((r) => console.log(line(r)));
  console.log('\nprofile (1st) includes module load and JIT warm-up; "best" is the steady state of 6 more runs.');
  console.log('Target: profile time independent of weight bytes; 10,000 nodes in under 150 ms.');
}

void main();
