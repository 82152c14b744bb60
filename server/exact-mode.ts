/**
 * Exact mode: the static PyTorch analysis checked against torch itself. The configured Python
 * runs server/python/export_module.py (a fixed script: the model file only ever reaches it as a
 * path, class and function names, and literal arguments) to build the class and export it to
 * ONNX in a temp folder; the engine profiles that file and each ONNX node scope is mapped back
 * to the module (and source line) it came from. Trusted workspaces only: it runs the file's code.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Argument, PyExpr, PyModule, SourceRange, Stmt } from '../src/pytorch/ast';
import { analyzePython, type ClassAnalysis, type SourceAnalysis } from '../src/pytorch';
import { parsePython } from '../src/pytorch/parse';
import type { LayerDoc, ReportDoc } from '../src/report';
import type { ExactLayer, ProfileExactlyParams, ProfileExactlyResult, Settings } from '../common/protocol';
import { Cancelled, type WorkerPool } from './worker-pool';

/** Bundled: dist/python/ (scripts/build.mjs copies it there); from source: server/python/. */
export const EXPORT_SCRIPT = path.join(__dirname, 'python', 'export_module.py');

export const UNTRUSTED_MESSAGE =
  'Exact mode runs the model file with Python, so it is available in trusted workspaces only: trust this workspace (Manage Workspace Trust) to use it.';

/** The module list of a large model stays well under this; more means something else was printed. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Factories are followed this many calls up from the constructor (`resnet18()` → `_resnet()` → `ResNet(...)`). */
const MAX_FACTORY_DEPTH = 4;
/** Classes built inside other classes are found through at most this many owners. */
const MAX_OWNER_DEPTH = 8;

export interface ExactModeDeps {
  /** The client said the workspace is trusted. */
  trusted(): boolean;
  settings(): Pick<Settings, 'pythonPath' | 'exactMode' | 'defaultInputShape'>;
  /** The engine's profile of an ONNX file; throws with a one-line message when it cannot. */
  profile(file: string, signal: AbortSignal): Promise<ReportDoc>;
  /** For tests; default EXPORT_SCRIPT. */
  script?: string;
}

/** How export_module.py builds the module: a class or a factory of the file, literal arguments. */
export interface BuildPlan {
  /** The class, or a function of the file that returns the model. */
  callee: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** Export this named_modules path of what the call returns ('' = all of it). */
  submodule: string;
  /** The call as the file writes it, for messages. */
  text: string;
}

interface ScriptResult {
  onnx: string;
  torchParams: number;
  modules: { path: string; type: string; params: number; alias?: string }[];
  inputs: { shape: number[]; dtype: string }[];
  torch: string;
}

class ExactError extends Error {}

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
    const text = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new ExactError(`cannot read ${path.basename(file)}: ${e.code ?? e.message}`);
    });
    // The same input the lenses use: the file's, else floplens.defaultInputShape.
    const defaultInput = settings.defaultInputShape;
    const analysis = analyzePython(text, defaultInput.length ? { defaultInput } : {});
    const cls = findClass(analysis, params.className, params.line);
    const shapes = numericShapes(cls);
    const plan = planBuild(parsePython(text), analysis, cls);
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

function findClass(analysis: SourceAnalysis, name: string, line: number | undefined): ClassAnalysis {
  const named = analysis.classes.filter((c) => c.name === name);
  const cls = named.find((c) => c.range.start.line === line) ?? named[0];
  if (!cls) throw new ExactError(`${name} is not an nn.Module class of this file (as the saved file reads)`);
  return cls;
}

function numericShapes(cls: ClassAnalysis): number[][] {
  const shapes = cls.input?.shapes;
  if (!shapes) {
    throw new ExactError(`${cls.name} has no input shape: add a comment such as \`# floplens: input=(1, 3, 224, 224)\` above the class or set floplens.defaultInputShape`);
  }
  if (!shapes.every((s) => s.every((d) => typeof d === 'number'))) {
    throw new ExactError(`${cls.name}'s input ${JSON.stringify(shapes)} (${cls.input!.description}) has symbolic dims: torch needs numbers`);
  }
  return shapes as number[][];
}

// ---------------------------------------------------------------------------------------------
// How to build the module: what the static analysis built, as a call export_module.py can make.

export function planBuild(module: PyModule, analysis: SourceAnalysis, cls: ClassAnalysis, depth = 0): BuildPlan {
  const inst = cls.instance;
  if (inst.source === 'defaults') return { callee: cls.name, args: [], kwargs: {}, submodule: '', text: `${cls.name}()` };
  if (inst.source === 'first-use') return planFromOwner(module, analysis, cls, depth);
  // Built by the file: the constructor call itself when its arguments are literals…
  const call = inst.range && findCall(module, inst.range);
  const direct = call && literalCall(call, cls.name);
  if (direct) return direct;
  // …else a factory of the file the module-level code calls with literals (`model = vgg16()`).
  const factory = inst.range && findFactory(module, inst.range);
  if (factory) return factory;
  throw new ExactError(
    `${cls.name} is built as ${inst.description}, with arguments that are not literals, and no function of the file returning it is called with literals: ` +
      'exact mode calls the class or such a function with literal arguments only',
  );
}

/** A class first built inside another one: build the owner, then take the submodule. */
function planFromOwner(module: PyModule, analysis: SourceAnalysis, cls: ClassAnalysis, depth: number): BuildPlan {
  const at = cls.instance.range;
  for (const owner of analysis.classes) {
    if (owner === cls || !at || depth >= MAX_OWNER_DEPTH) continue;
    // The instance's range is the constructor call or the statement holding it.
    const layer = owner.layers.find((l) => l.type === cls.name && l.createdAt && (contains(at, l.createdAt) || contains(l.createdAt, at)));
    if (!layer) continue;
    const outer = planBuild(module, analysis, owner, depth + 1);
    const submodule = outer.submodule ? `${outer.submodule}.${layer.path}` : layer.path;
    return { ...outer, submodule, text: `${outer.text}.${layer.path}` };
  }
  throw new ExactError(`${cls.name} is ${cls.instance.description}, which exact mode could not rebuild`);
}

/** `callee(…)` with literal arguments only, as export_module.py can make it. */
function literalCall(call: PyExpr & { kind: 'call' }, callee: string): BuildPlan | undefined {
  if (call.func.kind !== 'name' || call.func.id !== callee) return undefined;
  const args: unknown[] = [];
  const kwargs: Record<string, unknown> = {};
  for (const a of call.args) {
    if (a.kind !== 'pos' && a.kind !== 'kw') return undefined;
    const v = literal(a.value);
    if (v === NOT_LITERAL) return undefined;
    if (a.kind === 'pos') args.push(v);
    else kwargs[a.name] = v;
  }
  return { callee, args, kwargs, submodule: '', text: `${callee}(${call.args.map(argText).join(', ')})` };
}

const NOT_LITERAL = Symbol('not literal');

/** JSON for export_module.py: tuples and floats marked, so torch gets the values the file wrote. */
export function literal(e: PyExpr): unknown {
  switch (e.kind) {
    case 'num':
      return e.isInt ? e.value : { $float: e.value };
    case 'str':
      return e.value ?? NOT_LITERAL;
    case 'bool':
      return e.value;
    case 'none':
      return null;
    case 'unary': {
      if ((e.op !== '-' && e.op !== '+') || e.operand.kind !== 'num') return NOT_LITERAL;
      const v = e.op === '-' ? -e.operand.value : e.operand.value;
      return e.operand.isInt ? v : { $float: v };
    }
    case 'tuple':
    case 'list': {
      const items = e.elts.map(literal);
      if (items.includes(NOT_LITERAL)) return NOT_LITERAL;
      return e.kind === 'tuple' ? { $tuple: items } : items;
    }
    case 'dict': {
      const out: Record<string, unknown> = {};
      for (const item of e.items) {
        // String keys only (JSON); `$…` keys would read as the markers above.
        if (item.kind !== 'pair' || item.key.kind !== 'str' || item.key.value === undefined || item.key.value.startsWith('$')) return NOT_LITERAL;
        const v = literal(item.value);
        if (v === NOT_LITERAL) return NOT_LITERAL;
        out[item.key.value] = v;
      }
      return out;
    }
    default:
      return NOT_LITERAL;
  }
}

function argText(a: Argument): string {
  const value = pyText(literal(a.value));
  return a.kind === 'kw' ? `${a.name}=${value}` : value;
}

/** A literal back in Python spelling, for messages (`Net(widths=(8, 16, 32))`). */
function pyText(v: unknown): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.map(pyText).join(', ')}]`;
  const o = v as Record<string, unknown>;
  if ('$float' in o) return Number.isInteger(o.$float) ? `${o.$float}.0` : String(o.$float);
  if ('$tuple' in o) {
    const items = (o.$tuple as unknown[]).map(pyText);
    return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
  }
  return `{${Object.entries(o).map(([k, x]) => `${JSON.stringify(k)}: ${pyText(x)}`).join(', ')}}`;
}

/**
 * A top-level function of the file that returns the module (it, or a function it calls, holds
 * the constructor call) and that module-level code calls with literal arguments. The nearest
 * such function wins: `resnet18()` over a `main()` that builds and trains.
 */
function findFactory(module: PyModule, at: SourceRange): BuildPlan | undefined {
  const defs = module.body.filter((s): s is Stmt & { kind: 'def' } => s.kind === 'def');
  let level = defs.filter((d) => contains(d.range, at));
  const seen = new Set(level.map((d) => d.name));
  const moduleCalls = [...calls(module.body.filter((s) => s.kind !== 'def' && s.kind !== 'class'))];
  for (let depth = 0; level.length && depth < MAX_FACTORY_DEPTH; depth++) {
    for (const def of level) {
      if (!returnsValue(def.body)) continue;
      for (const call of moduleCalls) {
        const plan = literalCall(call, def.name);
        if (plan) return plan;
      }
    }
    const names = new Set(level.map((d) => d.name));
    level = defs.filter((d) => !seen.has(d.name) && [...calls(d.body)].some((c) => c.func.kind === 'name' && names.has(c.func.id)));
    for (const d of level) seen.add(d.name);
  }
  return undefined;
}

function returnsValue(body: Stmt[]): boolean {
  return body.some((s) => {
    if (s.kind === 'return') return s.value !== undefined;
    if (s.kind === 'if' || s.kind === 'for' || s.kind === 'while') return returnsValue(s.body) || returnsValue(s.orelse);
    if (s.kind === 'with') return returnsValue(s.body);
    if (s.kind === 'try') return returnsValue(s.body) || s.handlers.some(returnsValue) || returnsValue(s.orelse) || returnsValue(s.finalbody);
    return false;
  });
}

function findCall(module: PyModule, at: SourceRange): (PyExpr & { kind: 'call' }) | undefined {
  for (const c of calls(module.body)) if (sameRange(c.range, at)) return c;
  return undefined;
}

/** Every call expression in the AST under `root`, outer calls before the calls in their arguments. */
function* calls(root: unknown, depth = 0): Generator<PyExpr & { kind: 'call' }> {
  if (depth > 200 || typeof root !== 'object' || root === null) return;
  if (Array.isArray(root)) {
    for (const x of root) yield* calls(x, depth + 1);
    return;
  }
  const node = root as { kind?: unknown };
  if (node.kind === 'call') yield node as PyExpr & { kind: 'call' };
  for (const [key, value] of Object.entries(node)) if (key !== 'range' && key !== 'nameRange') yield* calls(value, depth + 1);
}

function contains(outer: SourceRange, inner: SourceRange): boolean {
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}

function before(a: SourceRange['start'], b: SourceRange['start']): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

function sameRange(a: SourceRange, b: SourceRange): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
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
  const { stdout, stderr, error } = await new Promise<{ stdout: string; stderr: string; error: (Error & { code?: unknown; killed?: boolean }) | null }>((resolve) => {
    // No shell: the interpreter path and every argument reach Python as they are.
    execFile(
      python,
      args,
      {
        cwd: path.dirname(file),
        timeout: timeoutSeconds * 1000,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT_BYTES,
        signal,
        windowsHide: true,
        // No __pycache__ left in the user's folder by the import.
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
      },
      (error, stdout, stderr) => resolve({ stdout, stderr, error }),
    );
  });
  if (signal.aborted) throw new Cancelled();
  const answer = lastJsonLine(stdout);
  if (answer && typeof answer.error === 'string') throw new ExactError(answer.error);
  if (error) {
    if (error.code === 'ENOENT') throw new ExactError(`the Python interpreter "${python}" was not found: set floplens.pythonPath to a Python with PyTorch`);
    if (error.code === 'EACCES') throw new ExactError(`the Python interpreter "${python}" cannot be run (permission denied): check floplens.pythonPath`);
    if (error.killed) throw new ExactError(`${python} did not build and export ${plan.text} within ${timeoutSeconds} s (floplens.exactMode.timeoutSeconds)`);
    const last = stderr.trim().split('\n').pop()?.trim();
    throw new ExactError(`${python} failed (exit code ${String(error.code)})${last ? `: ${last}` : ''}`);
  }
  if (!answer || typeof answer.onnx !== 'string' || typeof answer.torchParams !== 'number' || !Array.isArray(answer.modules)) {
    throw new ExactError(`${python} ran export_module.py but gave no result (is it a Python 3 interpreter?)`);
  }
  return answer as unknown as ScriptResult;
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
