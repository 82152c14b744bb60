/**
 * How the server starts its workers: the scripts, their V8 resource limits and the wall-clock
 * budget of one job. The limits are the outer net around work over file contents (the analyses
 * keep their own deadlines and say what they could not finish); a worker that reaches one is
 * stopped and replaced, and the file gets `analysis stopped: <reason>` (server/worker-pool.ts).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { JobHold, PoolOptions } from './worker-pool';

/** The worker scripts, bundled beside dist/server.js (scripts/build.mjs). */
export type WorkerScript = 'profile-worker' | 'python-worker';

interface Bounds {
  /** V8 old-generation heap, MB. */
  heapMb: number;
  /** Wall-clock budget of one job, seconds. */
  jobSeconds: number;
}

/**
 * Profiles read graphs of 100,000s of nodes (a report of 20,000 nodes is some MB); Verify Shapes
 * runs the model in onnxruntime, whose tensors live outside the V8 heap, and may take minutes on
 * a CPU; the PyTorch analysis stops itself at 1.5 s and needs far less heap.
 */
export const BOUNDS: Readonly<Record<'profile' | 'verify' | 'python', Bounds>> = {
  profile: { heapMb: 2048, jobSeconds: 60 },
  verify: { heapMb: 2048, jobSeconds: 300 },
  python: { heapMb: 1024, jobSeconds: 30 },
};

/** Young generation and stack: room for deep but finite recursion (parsers, graph walks). */
const YOUNG_MB = 64;
const STACK_MB = 8;

/**
 * Pool options for one kind of worker. FLOPLENS_WORKER_HEAP_MB and FLOPLENS_JOB_SECONDS in the
 * server's environment replace every pool's heap limit and job budget (tests; a user with an
 * unusually large model can raise them).
 */
export function poolOptions(
  script: WorkerScript,
  bounds: Bounds,
  pool: { size: number; stopOnCancel: boolean; hold?: JobHold },
  env: NodeJS.ProcessEnv = process.env,
): PoolOptions {
  const heapMb = positive(env.FLOPLENS_WORKER_HEAP_MB) ?? bounds.heapMb;
  const jobSeconds = positive(env.FLOPLENS_JOB_SECONDS) ?? bounds.jobSeconds;
  return {
    ...pool,
    spawn: (limits) => spawnWorker(script, limits),
    limits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: YOUNG_MB, stackSizeMb: STACK_MB },
    jobMs: jobSeconds * 1000,
  };
}

function positive(v: string | undefined): number | undefined {
  const n = Number(v);
  return v && Number.isFinite(n) && n > 0 ? n : undefined;
}

function spawnWorker(script: WorkerScript, resourceLimits: ResourceLimits): Worker {
  const bundled = path.join(__dirname, `${script}.js`);
  if (fs.existsSync(bundled)) return new Worker(bundled, { resourceLimits });
  // Run from TypeScript source (tsx): the worker is TypeScript too, loaded through tsx's require hook.
  const source = path.join(__dirname, `${script}.ts`);
  const tsx = createRequire(__filename).resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, { eval: true, resourceLimits });
}
