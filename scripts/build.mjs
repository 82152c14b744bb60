// One esbuild step for every entry point; tsc only type-checks (npm run typecheck).
import { build } from 'esbuild';

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  outdir: 'dist',
  // Loaded lazily where needed and never bundled: it ships native binaries.
  external: ['onnxruntime-node'],
};

const browser = {
  bundle: true,
  platform: 'browser',
  // VS Code 1.91 runs webviews in Electron 29 (Chromium 122).
  target: 'chrome122',
  format: 'iife',
  sourcemap: true,
  logLevel: 'warning',
};

// Every bundle the package ships, one entry each.
const entries = [
  { ...node, entryPoints: { cli: 'src/cli/main.ts' }, banner: { js: '#!/usr/bin/env node' } },
  // The language server and its worker threads (dist/server.js finds dist/profile-worker.js and dist/python-worker.js beside it).
  { ...node, entryPoints: { server: 'server/main.ts', 'profile-worker': 'server/profile-worker.ts', 'python-worker': 'server/python-worker.ts' } },
  // Exact mode's export script, run by the user's Python (dist/server.js finds it in dist/python/).
  { entryPoints: { 'python/export_module': 'server/python/export_module.py' }, loader: { '.py': 'copy' }, outdir: 'dist', logLevel: 'warning' },
  // 'vscode' is provided by the extension host at run time.
  { ...node, entryPoints: { extension: 'client/extension.ts' }, external: ['vscode', 'onnxruntime-node'] },
  // The profile panel's webview: a plain browser script (CSP allows only this nonce'd file) and its stylesheet.
  { ...browser, entryPoints: ['media/panel.ts', 'media/panel.css'], outdir: 'dist/media' },
];

await Promise.all(entries.map((options) => build(options)));
