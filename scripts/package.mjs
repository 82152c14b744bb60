// Packages the extension for this platform (onnxruntime-node ships native binaries, so a .vsix
// is per platform): builds dist/, then `vsce package` takes the production dependencies
// (onnxruntime-node only) and filters them with .vscodeignore. Then checks the .vsix: the bundles
// are in, no sources are, and the packaged onnxruntime loads and runs a model.
//
//   npm run package                 → floplens-<platform>-<arch>-<version>.vsix, its path and size
//   node scripts/package.mjs --no-build   dist/ is fresh (npm test built it; rebuilding would
//                                    rewrite files other tests are running)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const target = `${process.platform}-${process.arch}`;
const vsix = path.join(root, `${pkg.name}-${target}-${pkg.version}.vsix`);

if (!process.argv.includes('--no-build')) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });

// No repository URL and no LICENSE file yet: vsce would stop and ask about both.
execFileSync(
  process.execPath,
  [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--target', target, '--out', vsix,
    '--allow-missing-repository', '--skip-license'],
  { cwd: root, stdio: 'inherit' },
);

const files = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).trim().split('\n');
const binding = `extension/node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`;
const required = [
  'extension/package.json',
  'extension/dist/extension.js',
  'extension/dist/server.js',
  'extension/dist/profile-worker.js',
  'extension/dist/python-worker.js',
  'extension/dist/python/export_module.py',
  'extension/dist/media/panel.js',
  'extension/dist/media/panel.css',
  binding,
];
const problems = [
  ...required.filter((f) => !files.includes(f)).map((f) => `missing ${f}`),
  ...files.filter((f) => /\.(ts|map|onnx)$/.test(f) || /^extension\/(src|common|server|client|media|test|bench|scripts|examples|out)\//.test(f)).map((f) => `should not ship ${f}`),
];
if (problems.length > 0) {
  console.error(`${vsix}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}

// The server requires onnxruntime-node from the installed extension: load it from the unpacked
// .vsix and run a model, so a missing native library or JavaScript dependency shows here.
const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-vsix-'));
try {
  execFileSync('unzip', ['-q', vsix, '-d', unpacked]);
  const ort = createRequire(path.join(unpacked, 'extension', 'package.json'))('onnxruntime-node');
  const session = await ort.InferenceSession.create(path.join(root, 'test/fixtures/models/shared_conv.onnx'));
  const input = new ort.Tensor('float32', new Float32Array(512 * 512), [1, 1, 512, 512]);
  const output = Object.values(await session.run({ [session.inputNames[0]]: input }))[0];
  if (!output || output.dims.join('x') !== '1x1x512x512') throw new Error(`unexpected output ${output?.dims}`);
} finally {
  fs.rmSync(unpacked, { recursive: true, force: true });
}

const mb = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`;
console.log(`${path.relative(process.cwd(), vsix)}: ${mb(fs.statSync(vsix).size)}, ${files.length} files (onnxruntime-node loads and runs from it)`);
