/**
 * What exact mode builds with torch for a class of the file: the instance the static analysis
 * built, as a call of the class (or of a factory function of the file) with literal arguments,
 * and the input shapes it fed. The caller runs that call (server/exact-mode.ts) and compares.
 */
import { walk, type Argument, type PyExpr, type PyModule, type SourceRange, type Stmt } from '../ast';
import type { PythonDocument } from '../document';
import type { ClassAnalysis, SourceAnalysis } from '../types';

/** Factories are followed this many calls up from the constructor (`resnet18()` → `_resnet()` → `ResNet(...)`). */
const MAX_FACTORY_DEPTH = 4;
/** Classes built inside other classes are found through at most this many owners. */
const MAX_OWNER_DEPTH = 8;

/** Why exact mode cannot run for a class: one line for the user. */
export class ExactError extends Error {}

/** How to build the module: a class or a factory of the file, literal arguments. */
export interface BuildPlan {
  /** The class, or a function of the file that returns the model. */
  callee: string;
  /** JSON for export_module.py: tuples and floats marked (`literal`). */
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** Export this named_modules path of what the call returns ('' = all of it). */
  submodule: string;
  /** The call as the file writes it, for messages. */
  text: string;
}

export interface ExactPlan {
  /** The static analysis of the class, to compare with. */
  cls: ClassAnalysis;
  /** Its input shapes: the file's, else the default input. */
  shapes: number[][];
  build: BuildPlan;
}

/**
 * The plan for class `name` (the one on `line` when several share the name) of the document,
 * analyzed at the default input as the lenses are. Throws ExactError when there is none.
 */
export function planExact(doc: PythonDocument, name: string, line: number | undefined, defaultInput: readonly number[]): ExactPlan {
  const analysis = doc.analysis({ defaultInput, whole: true });
  const cls = findClass(analysis, name, line);
  const shapes = numericShapes(cls);
  return { cls, shapes, build: planBuild(doc.module(), analysis, cls) };
}

/** The classes exact mode can build: those a top-level `class` statement defines (export_module.py takes them from the imported file by name). */
export function buildableClasses(analysis: SourceAnalysis): ClassAnalysis[] {
  // A top-level statement starts at column 0; a class in a function or block is indented.
  return analysis.classes.filter((c) => c.bodyRange.start.character === 0);
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

/** What the static analysis built for `cls`, as a call export_module.py can make. */
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
function literal(e: PyExpr): unknown {
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
  const moduleCalls = calls(module.body.filter((s) => s.kind !== 'def' && s.kind !== 'class'));
  for (let depth = 0; level.length && depth < MAX_FACTORY_DEPTH; depth++) {
    for (const def of level) {
      if (!returnsValue(def.body)) continue;
      for (const call of moduleCalls) {
        const plan = literalCall(call, def.name);
        if (plan) return plan;
      }
    }
    const names = new Set(level.map((d) => d.name));
    level = defs.filter((d) => !seen.has(d.name) && calls(d.body).some((c) => c.func.kind === 'name' && names.has(c.func.id)));
    for (const d of level) seen.add(d.name);
  }
  return undefined;
}

/** A `return <value>` in the body, outside nested functions and classes. */
function returnsValue(body: Stmt[]): boolean {
  let found = false;
  walk(body, (n) => {
    if (n.kind === 'return' && n.value) found = true;
    return !found && (n.kind === 'if' || n.kind === 'for' || n.kind === 'while' || n.kind === 'with' || n.kind === 'try');
  });
  return found;
}

function findCall(module: PyModule, at: SourceRange): (PyExpr & { kind: 'call' }) | undefined {
  return calls(module.body).find((c) => sameRange(c.range, at));
}

/** Every call expression in the statements, outer calls before the calls in their arguments. */
function calls(stmts: readonly Stmt[]): (PyExpr & { kind: 'call' })[] {
  const out: (PyExpr & { kind: 'call' })[] = [];
  walk(stmts, (n) => {
    if (n.kind === 'call') out.push(n);
  });
  return out;
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
