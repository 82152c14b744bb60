/**
 * Exact mode: the static PyTorch analysis checked against torch itself. The engine plans the
 * build (src/pytorch/exact); the configured Python runs server/python/export_module.py (a fixed
 * script: the model file only ever reaches it as a path, class and function names, and literal
 * arguments) to build the class and export it to ONNX in a temp folder; the engine profiles that
 * file and each ONNX node scope is mapped back to the module (and source line) it came from.
 * Trusted workspaces only: it runs the file's code.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExactError, type BuildPlan, type ClassAnalysis, type ExactPlan } from '../src/pytorch';
import type { LayerDoc, ReportDoc } from '../src/report';
import type { ExactLayer, ProfileExactlyParams, ProfileExactlyResult, Settings } from '../common/protocol';
import { Cancelled, WorkerStopped, type WorkerPool } from './worker-pool';

/** Bundled: dist/python/ (scripts/build.mjs copies it there); from source: server/python/. */
export const EXPORT_SCRIPT = path.join(__dirname, 'python', 'export_module.py');

export const UNTRUSTED_MESSAGE =
  'Exact mode runs the model file with Python, so it is available in trusted workspaces only: trust this workspace (Manage Workspace Trust) to use it.';

/** The module list of a large model stays well under this; more means something else was printed. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Node's timers take at most 2^31 - 1 ms (~24.8 days); a longer delay fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** floplens.exactMode.timeoutSeconds as a timer delay: any number of seconds, never one that overflows to 0. */
export function timeoutMs(seconds: number): number {
  return Math.min(Math.max(0, seconds * 1000), MAX_TIMER_MS);
}

export interface ExactModeDeps {
  /** The client said the workspace is trusted. */
  trusted(): boolean;
  settings(): Pick<Settings, 'pythonPath' | 'exactMode' | 'defaultInputShape'>;
  /** The engine's profile of an ONNX file; throws with a one-line message when it cannot. */
  profile(file: string, signal: AbortSignal): Promise<ReportDoc>;
  /** The engine's build plan for a class of the file's text (src/pytorch planExact); throws ExactError when there is none. */
  plan(file: string, text: string, className: string, line: number | undefined, defaultInput: readonly number[], signal: AbortSignal): Promise<ExactPlan>;
  /** For tests; default EXPORT_SCRIPT. */
  script?: string;
}

interface ScriptResult {
  onnx: string;
  torchParams: number;
  modules: { path: string; type: string; params: number; alias?: string }[];
  inputs: { shape: number[]; dtype: string }[];
  torch: string;
}

/** Largest source exact mode reads: the lenses it starts from are not shown past it either. */
const MAX_SOURCE_BYTES = 8_000_000;

/** The saved source, when it is a regular file of a readable size (a FIFO would block the read). */
async function readSource(file: string): Promise<string> {
  const name = path.basename(file);
  const st = await fs.stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new ExactError(`cannot read ${name}: ${e.code ?? e.message}`);
  });
  if (!st.isFile()) throw new ExactError(`cannot read ${name}: not a regular file`);
  if (st.size > MAX_SOURCE_BYTES) throw new ExactError(`cannot read ${name}: ${st.size} bytes, more than the ${MAX_SOURCE_BYTES} exact mode reads`);
  return fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ExactError(`cannot read ${name}: ${e.code ?? e.message}`);
  });
}

export async function profileExactly(file: string, params: ProfileExactlyParams, deps: ExactModeDeps, signal: AbortSignal): Promise<ProfileExactlyResult> {
  const started = performance.now();
  const settings = deps.settings();
  const python = settings.pythonPath || params.python || 'python3';
  const base = { uri: params.uri, className: params.className, python, layers: [], unmapped: [] };
  const failed = (error: string): ProfileExactlyResult => ({ ...base, error, elapsedMs: Math.round(performance.now() - started) });
  if (!deps.trusted()) return failed(UNTRUSTED_MESSAGE);
  if (!settings.exactMode.enabled) return failed('Exact mode is turned off (floplens.exactMode.enabled).');

  let dir: string | undefined;
  try {
    // The saved file: torch imports it from disk, so the static side reads the same text.
    const text = await readSource(file);
    // The same input the lenses use: the file's, else floplens.defaultInputShape.
    const { cls, shapes, build: plan } = await deps.plan(file, text, params.className, params.line, settings.defaultInputShape, signal);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'floplens-exact-'));
    const script = await runScript(python, deps.script ?? EXPORT_SCRIPT, file, cls.name, plan, shapes, dir, settings.exactMode.timeoutSeconds, signal);
    let report: ReportDoc;
    try {
      report = await deps.profile(script.onnx, signal);
    } catch (e) {
      if (e instanceof Cancelled) throw e;
      throw new ExactError(`the ONNX export of ${cls.name} could not be profiled: ${(e as Error).message}`);
    }
    return { ...base, ...compare(cls, plan, script, report), elapsedMs: Math.round(performance.now() - started) };
  } catch (e) {
    if (e instanceof ExactError) return failed(e.message);
    throw e;
  } finally {
    if (dir) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** `ExactModeDeps.profile` on the server: a profile worker, so the connection never waits on it. */
export function profileInPool(pool: WorkerPool): ExactModeDeps['profile'] {
  return async (file, signal) => {
    const job = pool.submit({ kind: 'profile', file, bindings: {} }, { urgent: true });
    const onAbort = (): void => job.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = await job.result;
      if (!outcome.report) throw new Error(outcome.error ?? 'not profiled');
      return outcome.report;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
}

/** `ExactModeDeps.plan` on the server: the analysis of a file is never made on the main thread. */
export function planInPool(pool: WorkerPool): ExactModeDeps['plan'] {
  return async (file, text, className, line, defaultInput, signal) => {
    const job = pool.submit({ kind: 'exact-plan', file, text, className, line, defaultInput }, { urgent: true });
    const onAbort = (): void => job.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await job.result;
      if (!r.plan) throw new ExactError(r.error ?? `${className} could not be planned`);
      return r.plan;
    } catch (e) {
      if (e instanceof WorkerStopped) throw new ExactError(`${path.basename(file)}: ${e.message}`);
      throw e;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Running the script

async function runScript(
  python: string,
  script: string,
  file: string,
  className: string,
  plan: BuildPlan,
  shapes: number[][],
  outDir: string,
  timeoutSeconds: number,
  signal: AbortSignal,
): Promise<ScriptResult> {
  const args = [
    script,
    '--file', file,
    '--class-name', className,
    '--args', JSON.stringify(plan.args),
    '--kwargs', JSON.stringify(plan.kwargs),
    '--input', JSON.stringify(shapes),
    '--out', outDir,
  ];
  args.push('--call', plan.callee);
  if (plan.submodule) args.push('--submodule', plan.submodule);
  const { stdout, stderr, error } = await runGroup(python, args, path.dirname(file), timeoutMs(timeoutSeconds), signal);
  if (signal.aborted) throw new Cancelled();
  const answer = lastJsonLine(stdout);
  if (answer && typeof answer.error === 'string') throw new ExactError(answer.error);
  if (error) {
    if (error.code === 'ENOENT') throw new ExactError(`the Python interpreter "${python}" was not found: set floplens.pythonPath to a Python with PyTorch`);
    if (error.code === 'EACCES') throw new ExactError(`the Python interpreter "${python}" cannot be run (permission denied): check floplens.pythonPath`);
    if (error.timedOut) throw new ExactError(`${python} did not build and export ${plan.text} within ${timeoutSeconds} s (floplens.exactMode.timeoutSeconds)`);
    const last = stderr.trim().split('\n').pop()?.trim();
    throw new ExactError(`${python} failed (exit code ${String(error.code)})${last ? `: ${last}` : ''}`);
  }
  if (!answer || typeof answer.onnx !== 'string' || typeof answer.torchParams !== 'number' || !Array.isArray(answer.modules)) {
    throw new ExactError(`${python} ran export_module.py but gave no result (is it a Python 3 interpreter?)`);
  }
  return answer as unknown as ScriptResult;
}

interface RunError {
  /** errno of a spawn failure (ENOENT), or the exit code. */
  code?: string | number | null;
  timedOut?: boolean;
}

/**
 * Runs the interpreter without a shell as the leader of its own process group, and ends the whole
 * group — processes the model's code started included — on timeout, on cancel and once the
 * interpreter exits: nothing it started outlives the request.
 */
function runGroup(command: string, args: string[], cwd: string, limitMs: number, signal: AbortSignal): Promise<{ stdout: string; stderr: string; error: RunError | null }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
      // No __pycache__ left in the user's folder by the import.
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let error: RunError | null = null;
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
    };
    const collect = (into: Buffer[]) => (d: Buffer) => {
      bytes += d.length;
      if (bytes > MAX_OUTPUT_BYTES) {
        error ??= { code: 'output too large' };
        killGroup();
      } else into.push(d);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    const timer = setTimeout(() => {
      error = { timedOut: true };
      killGroup();
    }, limitMs);
    const onAbort = (): void => killGroup();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) killGroup();
    child.on('error', (e: NodeJS.ErrnoException) => {
      error ??= { code: e.code ?? e.message };
    });
    // The interpreter is done: what it left running goes with it (its pipes would keep 'close' waiting).
    child.on('exit', (code, sig) => {
      if (code !== 0) error ??= { code: code ?? sig };
      killGroup();
    });
    child.on('close', () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), error });
    });
  });
}

function lastJsonLine(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Mapping the export back to the source

type Figures = Pick<ProfileExactlyResult, 'built' | 'torchVersion' | 'inputs' | 'inputSource' | 'torchParams' | 'exact' | 'static' | 'layers' | 'unmapped' | 'agrees'>;

function compare(cls: ClassAnalysis, plan: BuildPlan, script: ScriptResult, report: ReportDoc): Figures {
  const { costs, unmapped } = moduleCosts(report, script.modules);
  const staticByPath = new Map(cls.layers.map((l) => [l.path, l]));
  const layers: ExactLayer[] = script.modules
    .filter((m) => m.alias === undefined)
    .map((m) => {
      const s = staticByPath.get(m.path);
      const cost = costs.get(m.path) ?? { macs: 0, flops: 0 };
      // A module forward() never reached does no work: the static side has no MACs for it.
      const staticMacs = s ? (s.macs ?? (s.calls === 0 ? 0 : undefined)) : undefined;
      const layer: ExactLayer = { path: m.path, type: m.type, params: m.params, macs: cost.macs, flops: cost.flops, agrees: null };
      if (s?.range) layer.line = s.range.start.line;
      if (s) {
        layer.static = { params: s.params, macs: staticMacs, flops: s.flops };
        layer.agrees = s.params === undefined || staticMacs === undefined ? null : s.params === m.params && staticMacs === cost.macs;
      }
      return layer;
    });
  const t = report.totals;
  const exact = { params: t.params, macs: numberOr(t.macs), flops: numberOr(t.flops) };
  const st = cls.totals;
  const staticTotals = { params: st.params, usedParams: st.usedParams, macs: st.macs, flops: st.flops };
  const agrees = st.params === script.torchParams && st.macs === exact.macs && layers.every((l) => l.agrees !== false) && unmapped.length === 0;
  return {
    built: plan.text,
    torchVersion: script.torch,
    inputs: script.inputs,
    inputSource: cls.input?.description,
    torchParams: script.torchParams,
    exact,
    static: staticTotals,
    layers,
    unmapped,
    agrees,
  };
}

function numberOr(q: number | string): number {
  // The export has static shapes, so figures are numbers; a formula would mean an unbound dim.
  return typeof q === 'number' ? q : NaN;
}

/**
 * MACs and FLOPs per module (canonical named_modules path) from the ONNX layer rows. torch 1.13
 * names a node by the scopes of the module calls it ran in — `/layer1/layer1.0/conv1/Conv`,
 * `/stages.0/down/down.0/Conv` — each scope the module's path with the caller's prefix left out,
 * and a second call of a module gets `_1`. A node's cost goes to every module on its scope chain
 * and to their named_modules ancestors (a ModuleList is never called, yet holds the work), each
 * once.
 */
export function moduleCosts(
  report: ReportDoc,
  modules: ScriptResult['modules'],
): { costs: Map<string, { macs: number; flops: number }>; unmapped: string[] } {
  const all = new Set(modules.map((m) => m.path));
  const canonical = new Map(modules.map((m) => [m.path, m.alias ?? m.path]));
  const costs = new Map<string, { macs: number; flops: number }>();
  const unmapped = new Set<string>();
  // Nodes of one module share their scopes: resolve each (module, scope) pair once.
  const resolved = new Map<string, string | undefined>();
  const resolve = (current: string, scope: string): string | undefined => {
    const key = `${current}\0${scope}`;
    if (!resolved.has(key)) resolved.set(key, resolveScope(current, scope, all));
    return resolved.get(key);
  };
  for (const row of topLevelNodes(report.layers)) {
    const scopes = row.path.split('/').slice(0, -1);
    const credited = new Set<string>();
    let current = '';
    for (let i = 0; i < scopes.length; i++) {
      const next = resolve(current, scopes[i]!);
      if (next === undefined) {
        unmapped.add(scopes.slice(0, i + 1).join('/'));
        break;
      }
      current = next;
      const parts = current.split('.');
      for (let k = 1; k <= parts.length; k++) {
        const p = canonical.get(parts.slice(0, k).join('.'));
        if (p !== undefined) credited.add(p);
      }
    }
    for (const p of credited) {
      const c = costs.get(p) ?? { macs: 0, flops: 0 };
      c.macs += numberOr(row.macs);
      c.flops += numberOr(row.flops);
      costs.set(p, c);
    }
  }
  return { costs, unmapped: [...unmapped] };
}

/** ONNX nodes of the main graph (not of If/Loop bodies, whose cost their node row holds). */
function topLevelNodes(rows: LayerDoc[]): LayerDoc[] {
  const out: LayerDoc[] = [];
  const stack: LayerDoc[] = [];
  for (const row of rows) {
    while (stack.length && stack[stack.length - 1]!.depth >= row.depth) stack.pop();
    const parent = stack[stack.length - 1];
    if (row.kind === 'node' && (!parent || parent.kind === 'module')) out.push(row);
    stack.push(row);
  }
  return out;
}

/** The module a scope names inside `current`: the shallowest path below it ending in the scope. */
function resolveScope(current: string, scope: string, all: ReadonlySet<string>): string | undefined {
  const attempt = (name: string): string | undefined => {
    const exact = current ? `${current}.${name}` : name;
    if (all.has(exact)) return exact;
    let best: string | undefined;
    for (const p of all) {
      if ((current && !p.startsWith(`${current}.`)) || !(p === name || p.endsWith(`.${name}`))) continue;
      if (!best || p.split('.').length < best.split('.').length) best = p;
    }
    return best;
  };
  const found = attempt(scope);
  if (found !== undefined) return found;
  // The second and later calls of one module: `conv1_1`, `conv1_2`.
  const m = /^(.+)_\d+$/.exec(scope);
  return m ? attempt(m[1]!) : undefined;
}
