// One esbuild step for every entry point; tsc only type-checks (npm run typecheck).
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // Loaded lazily where needed and never bundled: it ships native binaries.
  external: ['onnxruntime-node'],
};

await build({
  ...common,
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
