/**
 * A small symbolic evaluator for the Python that defines and runs nn.Modules: literals,
 * arithmetic, names and scopes, functions and classes of the file (defaults, positional and
 * keyword arguments, *args/**kwargs), lists/tuples/dicts, comprehensions, `for`/`while`/`if`,
 * imports resolved to dotted paths (`nn` → `torch.nn`), nn.Module attribute registration. Torch
 * semantics (layers, tensors, forward calls) are behind `TorchSemantics`.
 *
 * Nothing is guessed: a value it cannot compute is `unknown` with the reason and line. Hostile
 * code ends quickly: every statement and call costs a step (a budget per phase), and so does the
 * work of builtins and operators (limits.ts); loops stop after MAX_LOOP iterations, calls nest at
 * most MAX_DEPTH deep, evaluation at most MAX_EVAL_NESTING deep, values are sized before they are
 * built.
 */
import { line, walk, type Argument, type ClassDef, type FunctionDef, type Lambda, type Param, type PyExpr, type PyModule, type PyNode, type SourceRange, type Stmt } from './ast';
import { bindClassAttr, classAttr, nnBaseOf } from './classes';
import { at, msg, messageText, type Message } from './message';
import { asLimit, LimitExceeded, SIZE_LIMITS, WORK_PER_STEP, type Limits, type Meter, type SizeLimits } from './limits';
import { binaryPlain, buildString, comparePlain, dropCount, elementCount, indexOf, keepCount, keptCount, rangeItems, sliceIndices, sliceItems, tooManyElements, typeName, unaryPlain, writeField } from './operators';
import { callBuiltin, BUILTIN_NAMES, builtinAttr, extConstant } from './builtins';
import { getModuleAttr, instantiateClass, moduleItem, moduleIter, setModuleAttr, setModuleItem } from './modules';
import {
  dictKey,
  NONE,
  PyObject,
  rangeLength,
  Scope,
  truthy,
  unknown,
  unknownFrom,
  type ClassInfo,
  type Func,
  type ModuleObj,
  type Value,
  type Why,
} from './values';

export const MAX_LOOP = 10_000;
export const MAX_DEPTH = 48;
/**
 * Expressions and statements being evaluated inside one another (across calls). Each costs a few
 * JavaScript frames: past this the stack could overflow, so the evaluation stops with a reason.
 */
export const MAX_EVAL_NESTING = 400;

export interface Note {
  range: SourceRange;
  message: Message;
  severity: 'information' | 'warning';
  /** An evaluator bug met on this code (reported, never thrown at the caller). */
  internal?: boolean;
}

export type Kwargs = [string, Value][];

export interface Instance {
  mod: ModuleObj;
  cls: ClassInfo;
  args: Value[];
  kwargs: Kwargs;
  site: SourceRange;
  /** Created inside another module's code (a block built by its parent) rather than by the script. */
  nested: boolean;
}

export interface TorchSemantics {
  /** Calls an imported name by path (torch.nn.Conv2d, torch.flatten, torchinfo.summary); undefined when not modeled. */
  callExt(ip: Interpreter, path: string, args: Value[], kwargs: Kwargs, site: SourceRange, argsWhy?: Why): Value | undefined;
  callModule(ip: Interpreter, mod: ModuleObj, args: Value[], kwargs: Kwargs, site: SourceRange): Value;
  tensorAttr(ip: Interpreter, v: Extract<Value, { t: 'tensor' }>, name: string, site: SourceRange): Value;
  tensorMethod(ip: Interpreter, v: Extract<Value, { t: 'tensor' }>, name: string, args: Value[], kwargs: Kwargs, site: SourceRange): Value;
  tensorBinary(ip: Interpreter, op: string, a: Value, b: Value, site: SourceRange, inplace: boolean): Value;
  tensorUnary(ip: Interpreter, op: string, a: Value, site: SourceRange): Value;
  tensorIndex(ip: Interpreter, v: Extract<Value, { t: 'tensor' }>, index: Value, site: SourceRange): Value;
  /** Attributes of `self` read in code that was not followed (an unknown branch). */
  skipped(ip: Interpreter, self: ModuleObj, names: string[]): void;
  /** An attribute of a module was read (parameter use tracking). */
  readAttr?(ip: Interpreter, mod: ModuleObj, name: string, value: Value): void;
}

type Flow = undefined | { k: 'break' } | { k: 'continue' } | { k: 'return'; v: Value } | { k: 'raise'; why: Why };
const BREAK: Flow = { k: 'break' };
const CONTINUE: Flow = { k: 'continue' };

export class Interpreter implements Meter {
  readonly globals = new Scope(undefined);
  readonly classes: ClassInfo[] = [];
  readonly notes: Note[] = [];
  /** `from torch.nn import *` was seen: unresolved names may be torch.nn classes. */
  starImports: string[] = [];
  steps = 0;
  depth = 0;
  /** Expressions and statements under evaluation, one inside the other. */
  private nesting = 0;
  /** Work (WORK_PER_STEP a step) not yet counted as a step. */
  private units = 0;
  /** > 0 while running a method of an nn.Module class (so calls there are not "the file feeding the model"). */
  inModuleCode = 0;
  /** Why code was not followed to its end (loops cut short, recursion, budgets), in order. */
  readonly gaveUp: Message[] = [];
  /** Every instance of a module class of the file, in creation order, with the arguments it got. */
  readonly instances: Instance[] = [];
  limits: Limits;
  private readonly noted = new Set<string>();

  constructor(
    readonly module: PyModule,
    readonly torch: TorchSemantics,
    sizes: SizeLimits = SIZE_LIMITS,
  ) {
    this.limits = { maxSteps: 200_000, deadline: Infinity, ...sizes };
  }

  /** Sets the step budget and deadline of the next phase (the size limits stay). */
  budget(phase: Pick<Limits, 'maxSteps' | 'deadline'>): void {
    this.steps = 0;
    this.units = 0;
    this.limits = { ...this.limits, ...phase };
  }

  tick(): void {
    this.spend(1);
  }

  work(units: number): void {
    this.units += units;
    if (this.units < WORK_PER_STEP) return;
    const steps = Math.floor(this.units / WORK_PER_STEP);
    this.units -= steps * WORK_PER_STEP;
    this.spend(steps);
  }

  private spend(steps: number): void {
    const before = this.steps;
    this.steps += steps;
    if (this.steps > this.limits.maxSteps) {
      // Work charged at once (a sort) spends at most the phase's budget, not the next ones'.
      this.steps = this.limits.maxSteps;
      throw new LimitExceeded(`stopped after ${this.limits.maxSteps.toLocaleString('en-US')} evaluation steps (a loop, a recursion or work on large values that does not end?)`);
    }
    // The clock is read every 1,024 steps, however they were counted.
    if (Math.floor(before / 1024) !== Math.floor(this.steps / 1024) && Date.now() > this.limits.deadline) throw new LimitExceeded('stopped: the analysis time budget ran out');
  }

  /** One evaluation level deeper; past MAX_EVAL_NESTING the phase stops (the stack would overflow). */
  private enter(): void {
    if (this.nesting >= MAX_EVAL_NESTING) throw new LimitExceeded(`stopped: expressions and calls nest more than ${MAX_EVAL_NESTING.toLocaleString('en-US')} deep`);
    this.nesting++;
  }

  note(range: SourceRange, message: Message, severity: Note['severity'] = 'information', internal = false): void {
    const key = `${range.start.line}:${messageText(message)}`;
    if (this.noted.has(key)) return;
    this.noted.add(key);
    this.notes.push(internal ? { range, message, severity, internal } : { range, message, severity });
  }

  /**
   * Runs the module's top-level code (definitions, then what `if __name__ == '__main__':` does).
   * Each top-level statement (and each statement of a top-level `if` that runs) gets its own
   * share of the step budget: a runaway statement is abandoned with a note — the names it assigns
   * become unknown — and the next one runs, so one hostile line does not hide the classes.
   */
  runModule(perStatement: number, total: number, deadline: number): void {
    this.globals.vars.set('__name__', { t: 'str', v: '__main__' });
    let spent = 0;
    const run = (stmts: readonly Stmt[]): void => {
      for (const s of stmts) {
        if (spent >= total) throw new LimitExceeded(`stopped after ${total.toLocaleString('en-US')} evaluation steps`);
        if (s.kind === 'if') {
          this.budget({ maxSteps: perStatement, deadline });
          let t: boolean | undefined;
          try {
            t = this.truth(this.eval(s.test, this.globals));
          } catch (e) {
            const limit = asLimit(e);
            if (limit) throw limit;
            t = undefined;
          }
          spent += this.steps;
          if (t !== undefined) {
            run(t ? s.body : s.orelse);
            continue;
          }
        }
        this.budget({ maxSteps: Math.min(perStatement, total - spent), deadline });
        try {
          this.exec(s, this.globals);
        } catch (e) {
          const limit = asLimit(e);
          if (limit) {
            if (Date.now() > deadline) throw limit;
            this.gaveUp.push(msg`line ${at(s.range)} ${limit.message}`);
            this.note(s.range, msg`line ${at(s.range)} not followed: it ${limit.message}`, 'warning');
          } else {
            // A bug of the evaluator must not take the whole file down: say where, go on.
            this.note(s.range, msg`internal error while following line ${at(s.range)}: ${(e as Error).message}`, 'warning', true);
          }
          this.skip([s], this.globals, { reason: msg`line ${at(s.range)} did not finish`, line: line(s.range) });
        } finally {
          spent += this.steps;
          this.depth = 0;
        }
      }
    };
    run(this.module.body);
  }

  // -------------------------------------------------------------------------------------------
  // statements

  execBlock(stmts: readonly Stmt[], scope: Scope): Flow {
    for (const s of stmts) {
      const flow = this.exec(s, scope);
      if (flow) return flow;
    }
    return undefined;
  }

  private exec(s: Stmt, scope: Scope): Flow {
    this.tick();
    this.enter();
    try {
      return this.execStmt(s, scope);
    } finally {
      this.nesting--;
    }
  }

  private execStmt(s: Stmt, scope: Scope): Flow {
    switch (s.kind) {
      case 'expr':
        this.eval(s.value, scope);
        return undefined;
      case 'assign': {
        let v = this.eval(s.value, scope);
        // `self.x = <a call we could not follow>` may well be a module with parameters.
        if (v.t === 'unknown' && !v.why.maybeModule && (s.value.kind === 'call' || s.value.kind === 'unsupported') && s.targets.some((t) => t.kind === 'attr')) v = unknownFrom({ ...v.why, maybeModule: true });
        for (const t of s.targets) this.assign(t, v, scope, s.range);
        return undefined;
      }
      case 'annassign':
        if (s.value) this.assign(s.target, this.eval(s.value, scope), scope, s.range);
        return undefined;
      case 'augassign': {
        const cur = this.eval(s.target, scope);
        const rhs = this.eval(s.value, scope);
        let v: Value;
        if (s.op === '+' && cur.t === 'list') {
          // list += iterable extends in place (other names for the list see it).
          const items = this.iterate(rhs, s.range);
          if ('reason' in items) v = unknownFrom(items);
          else {
            this.extend(cur.items, items);
            v = cur;
          }
        } else v = this.binary(s.op, cur, rhs, s.range, true);
        this.assign(s.target, v, scope, s.range);
        return undefined;
      }
      case 'return':
        return { k: 'return', v: s.value ? this.eval(s.value, scope) : NONE };
      case 'pass':
        return undefined;
      case 'break':
        return BREAK;
      case 'continue':
        return CONTINUE;
      case 'if':
        return this.execIf(s, scope);
      case 'for':
        return this.execFor(s, scope);
      case 'while':
        return this.execWhile(s, scope);
      case 'with':
        for (const item of s.items) {
          const v = this.eval(item.expr, scope);
          if (item.target) this.assign(item.target, v.t === 'object' || v.t === 'ext' ? unknown('a context manager value', line(s.range)) : v, scope, s.range);
        }
        return this.execBlock(s.body, scope);
      case 'try': {
        let flow = this.execBlock(s.body, scope);
        if (flow?.k === 'raise') flow = s.handlers.length ? this.execBlock(s.handlers[0], scope) : flow;
        else if (!flow) flow = this.execBlock(s.orelse, scope);
        const fin = this.execBlock(s.finalbody, scope);
        return fin ?? flow;
      }
      case 'raise':
        return { k: 'raise', why: { reason: msg`raises ${s.value ? exprText(s.value) : 'an exception'} on line ${at(s.range)}`, line: line(s.range) } };
      case 'assert':
      case 'global':
        return undefined;
      case 'del':
        for (const t of s.targets) if (t.kind === 'name') scope.vars.delete(t.id);
        return undefined;
      case 'def':
        this.bindName(s.name, this.makeFunction(s, scope), scope);
        return undefined;
      case 'class':
        this.bindName(s.name, this.makeClass(s, scope), scope);
        return undefined;
      case 'import':
        for (const n of s.names) {
          if (n.alias) this.bindName(n.alias, { t: 'ext', path: n.module }, scope);
          else this.bindName(n.module.split('.')[0], { t: 'ext', path: n.module.split('.')[0] }, scope);
        }
        return undefined;
      case 'from': {
        const base = s.level > 0 ? `${'.'.repeat(s.level)}${s.module}` : s.module;
        for (const n of s.names) {
          if (n.name === '*') {
            this.starImports.push(base);
            continue;
          }
          this.bindName(n.alias ?? n.name, { t: 'ext', path: base.endsWith('.') || base === '' ? `${base}${n.name}` : `${base}.${n.name}` }, scope);
        }
        return undefined;
      }
      case 'unsupported':
        return undefined;
    }
  }

  /**
   * Grows a list in place (`+=`, append, extend), within the element budget: its length, and
   * what the new items hold (the items already there are not counted again, so a loop of
   * appends stays linear). Past it the statement stops: every other name for the list would see
   * it wrong, so no value can stand for it.
   */
  extend(list: Value[], items: readonly Value[]): void {
    const max = this.limits.maxElements;
    const had = keptCount(list) ?? list.length;
    const total = list.length + items.length > max ? Infinity : had + elementCount(this, items, max - had);
    if (total > max) throw new LimitExceeded(`stopped: a list would grow past ${max.toLocaleString('en-US')} elements (nested ones included)`);
    this.work(items.length);
    for (const v of items) list.push(v);
    keepCount(list, total);
  }

  private bindName(name: string, v: Value, scope: Scope): void {
    if (scope.globalNames?.has(name)) scope.root().vars.set(name, v);
    else scope.vars.set(name, v);
  }

  private execIf(s: Extract<Stmt, { kind: 'if' }>, scope: Scope): Flow {
    const test = this.eval(s.test, scope);
    const t = this.truth(test);
    if (t !== undefined) {
      // Code under `if self.training:` is not run in inference, but it is the model's code:
      // what it uses is not "unused".
      if (mentionsTraining(s.test)) this.skip(t ? s.orelse : s.body, scope);
      return this.execBlock(t ? s.body : s.orelse, scope);
    }
    const why: Message = test.t === 'unknown' ? test.why.reason : `${typeName(test)} has no static truth value`;
    // A guard that raises (`if stride not in [1, 2]: raise ValueError`): assume the check passes.
    const guard = s.body.some((b) => b.kind === 'raise') && !s.orelse.some((b) => b.kind === 'raise');
    this.note(s.test.range, msg`condition on line ${at(s.test.range)} is unknown (${why}): ${guard ? 'assumed it does not raise' : 'the if branch was followed'}`);
    this.skip(guard ? s.body : s.orelse, scope);
    return this.execBlock(guard ? s.orelse : s.body, scope);
  }

  private truth(v: Value): boolean | undefined {
    if (v.t === 'tensor') return undefined;
    return truthy(v);
  }

  /** Code not followed: names it assigns become unknown; `self` attributes it reads stay in use. */
  private skip(stmts: readonly Stmt[], scope: Scope, why?: Why): void {
    const assigned = new Set<string>();
    const selfAttrs = new Set<string>();
    const selfAssigned = new Set<string>();
    const target = (t: PyExpr): void => {
      if (t.kind === 'name') assigned.add(t.id);
      else if (t.kind === 'tuple' || t.kind === 'list') t.elts.forEach(target);
      else if (t.kind === 'starred') target(t.value);
      else if (t.kind === 'attr' && t.object.kind === 'name' && t.object.id === 'self') selfAssigned.add(t.name);
      // `d[k] = v` changes d.
      else if (t.kind === 'subscript' && t.object.kind === 'name') assigned.add(t.object.id);
      else walk(t, visit);
    };
    const visit = (n: PyNode): boolean => {
      switch (n.kind) {
        case 'attr':
          if (n.object.kind === 'name' && n.object.id === 'self') selfAttrs.add(n.name);
          return true;
        case 'assign':
          n.targets.forEach(target);
          walk(n.value, visit);
          return false;
        case 'annassign':
        case 'augassign':
          target(n.target);
          if (n.value) walk(n.value, visit);
          return false;
        case 'for':
          target(n.target);
          walk([n.iter, ...n.body, ...n.orelse], visit);
          return false;
        case 'expr':
          // `x.append(...)` mutates x.
          if (n.value.kind === 'call' && n.value.func.kind === 'attr') target(n.value.func.object);
          return true;
        case 'def':
        case 'class':
          // Their bodies run when called, not here.
          return false;
        default:
          return true;
      }
    };
    walk(stmts, visit);
    if (why) {
      // Code that did not finish: what it assigns is unknown, defined before or not.
      for (const n of assigned) scope.vars.set(n, unknownFrom(why));
      const self = scope.lookup('self');
      if (self?.t === 'module') {
        for (const n of selfAssigned) setModuleAttr(this, self.mod, n, unknownFrom(why), undefined);
      }
    }
    const self = scope.lookup('self');
    if (self?.t === 'module' && selfAttrs.size) this.torch.skipped(this, self.mod, [...selfAttrs]);
  }

  private loopGaveUp(s: Extract<Stmt, { kind: 'for' | 'while' }>, scope: Scope, why: Why): void {
    this.gaveUp.push(msg`the loop on line ${at(s.range)} was not followed (${why.reason})`);
    this.note(s.range, msg`loop on line ${at(s.range)} not followed: ${why.reason}`, 'warning');
    this.skip(s.body, scope, why);
  }

  private execFor(s: Extract<Stmt, { kind: 'for' }>, scope: Scope): Flow {
    const iter = this.eval(s.iter, scope);
    const run = (item: Value): Flow | 'stop' => {
      this.assign(s.target, item, scope, s.range);
      const flow = this.execBlock(s.body, scope);
      if (flow === BREAK) return 'stop';
      if (flow === CONTINUE) return undefined;
      return flow;
    };
    if (iter.t === 'range') {
      const n = rangeLength(iter);
      if (n > MAX_LOOP) {
        this.loopGaveUp(s, scope, { reason: `it would run ${n.toLocaleString('en-US')} times (more than ${MAX_LOOP.toLocaleString('en-US')})`, line: line(s.range) });
        return undefined;
      }
      for (let i = 0; i < n; i++) {
        const r = run({ t: 'int', v: iter.start + i * iter.step });
        if (r === 'stop') return undefined;
        if (r) return r;
      }
      return this.execBlock(s.orelse, scope);
    }
    const items = this.iterate(iter, s.iter.range);
    if ('reason' in items) {
      this.loopGaveUp(s, scope, { reason: msg`it iterates over ${items.reason}`, line: items.line ?? line(s.range) });
      return undefined;
    }
    if (items.length > MAX_LOOP) {
      this.loopGaveUp(s, scope, { reason: `it would run ${items.length} times`, line: line(s.range) });
      return undefined;
    }
    for (const item of items) {
      const r = run(item);
      if (r === 'stop') return undefined;
      if (r) return r;
    }
    return this.execBlock(s.orelse, scope);
  }

  private execWhile(s: Extract<Stmt, { kind: 'while' }>, scope: Scope): Flow {
    for (let i = 0; ; i++) {
      const t = this.truth(this.eval(s.test, scope));
      if (t === undefined) {
        this.loopGaveUp(s, scope, { reason: 'its condition is unknown', line: line(s.range) });
        return undefined;
      }
      if (!t) return this.execBlock(s.orelse, scope);
      if (i >= MAX_LOOP) {
        this.loopGaveUp(s, scope, { reason: `it ran ${MAX_LOOP.toLocaleString('en-US')} times without ending`, line: line(s.range) });
        return undefined;
      }
      const flow = this.execBlock(s.body, scope);
      if (flow === BREAK) return undefined;
      if (flow === CONTINUE) continue;
      if (flow) return flow;
    }
  }

  // -------------------------------------------------------------------------------------------
  // assignment

  assign(t: PyExpr, v: Value, scope: Scope, stmt: SourceRange): void {
    switch (t.kind) {
      case 'name':
        this.bindName(t.id, v, scope);
        return;
      case 'attr': {
        const obj = this.eval(t.object, scope);
        this.setAttr(obj, t.name, v, stmt);
        return;
      }
      case 'subscript': {
        const obj = this.eval(t.object, scope);
        const idx = this.eval(t.index, scope);
        this.setItem(obj, idx, v, t.range);
        return;
      }
      case 'tuple':
      case 'list': {
        const items = v.t === 'unknown' ? v.why : this.iterate(v, t.range);
        const star = t.elts.findIndex((e) => e.kind === 'starred');
        if ('reason' in items) {
          for (const e of t.elts) this.assign(e.kind === 'starred' ? e.value : e, unknownFrom(items), scope, stmt);
          return;
        }
        if (star < 0) {
          if (items.length !== t.elts.length) {
            const why = { reason: `cannot unpack ${items.length} values into ${t.elts.length}`, line: line(t.range) };
            for (const e of t.elts) this.assign(e, unknownFrom(why), scope, stmt);
            return;
          }
          t.elts.forEach((e, i) => this.assign(e, items[i], scope, stmt));
          return;
        }
        const after = t.elts.length - star - 1;
        if (items.length < star + after) {
          const why = { reason: `cannot unpack ${items.length} values`, line: line(t.range) };
          for (const e of t.elts) this.assign(e.kind === 'starred' ? e.value : e, unknownFrom(why), scope, stmt);
          return;
        }
        t.elts.forEach((e, i) => {
          if (i < star) this.assign(e, items[i], scope, stmt);
          else if (i === star) this.assign((e as Extract<PyExpr, { kind: 'starred' }>).value, { t: 'list', items: items.slice(star, items.length - after) }, scope, stmt);
          else this.assign(e, items[items.length - (t.elts.length - i)], scope, stmt);
        });
        return;
      }
      case 'starred':
        this.assign(t.value, v, scope, stmt);
        return;
      default:
        return;
    }
  }

  setAttr(obj: Value, name: string, v: Value, stmt: SourceRange | undefined): void {
    if (obj.t === 'module') setModuleAttr(this, obj.mod, name, v, stmt);
    else if (obj.t === 'object') obj.obj.attrs.set(name, v);
    else if (obj.t === 'class') obj.cls.ns.set(name, v);
  }

  private setItem(obj: Value, idx: Value, v: Value, site: SourceRange): void {
    if (obj.t === 'list') {
      const i = indexOf(idx, obj.items.length);
      if (typeof i === 'number') obj.items[i] = v;
      dropCount(obj.items);
      return;
    }
    if (obj.t === 'dict') {
      const k = dictKey(this, idx);
      if (k !== undefined) obj.map.set(k, [idx, v]);
      dropCount(obj.map);
      return;
    }
    if (obj.t === 'module') setModuleItem(this, obj.mod, idx, v, site);
  }

  // -------------------------------------------------------------------------------------------
  // expressions

  eval(e: PyExpr, scope: Scope): Value {
    this.enter();
    try {
      return this.evalExpr(e, scope);
    } finally {
      this.nesting--;
    }
  }

  private evalExpr(e: PyExpr, scope: Scope): Value {
    switch (e.kind) {
      case 'num':
        return e.isInt ? { t: 'int', v: e.value } : { t: 'float', v: e.value };
      case 'str':
        return e.value === undefined ? unknown('a string that is not understood', line(e.range)) : { t: 'str', v: e.value };
      case 'fstr':
        return buildString(this, (out) => {
          for (const part of e.parts) {
            if (typeof part === 'string') {
              out.add(part);
              continue;
            }
            const v = this.eval(part.expr, scope);
            const why = writeField(out, v, part.spec, part.conversion);
            if (why) return why.line === undefined ? { ...why, line: line(e.range) } : why;
          }
          return undefined;
        });
      case 'bool':
        return { t: 'bool', v: e.value };
      case 'none':
        return NONE;
      case 'ellipsis':
        return { t: 'ellipsis' };
      case 'name':
        return this.lookup(e.id, scope, e.range);
      case 'attr':
        return this.getAttr(this.eval(e.object, scope), e.name, e.range);
      case 'call':
        return this.evalCall(e, scope);
      case 'binop':
        return this.binary(e.op, this.eval(e.left, scope), this.eval(e.right, scope), e.range, false);
      case 'compare':
        return this.compare(e.op, this.eval(e.left, scope), this.eval(e.right, scope), e.range);
      case 'boolop': {
        const a = this.eval(e.left, scope);
        const t = this.truth(a);
        if (t === undefined) return a.t === 'unknown' ? a : unknown(`the truth of ${typeName(a)} is unknown`, line(e.range));
        if (e.op === 'and') return t ? this.eval(e.right, scope) : a;
        return t ? a : this.eval(e.right, scope);
      }
      case 'unary': {
        const a = this.eval(e.operand, scope);
        if (e.op === 'not') {
          const t = this.truth(a);
          return t === undefined ? (a.t === 'unknown' ? a : unknown(`the truth of ${typeName(a)} is unknown`, line(e.range))) : { t: 'bool', v: !t };
        }
        if (a.t === 'tensor') return this.torch.tensorUnary(this, e.op, a, e.range);
        return unaryPlain(e.op, a);
      }
      case 'cond': {
        const t = this.truth(this.eval(e.test, scope));
        if (t === undefined) return unknown(msg`the condition on line ${at(e.range)} is unknown`, line(e.range));
        return this.eval(t ? e.body : e.orelse, scope);
      }
      case 'tuple':
      case 'list':
      case 'set': {
        const items = this.evalItems(e.elts, scope);
        if ('reason' in items) return unknownFrom(items);
        const kind = e.kind === 'tuple' ? 'tuple' : 'list';
        const big = tooManyElements(this, kind, items);
        return big ? unknown(big.reason, line(e.range)) : { t: kind, items };
      }
      case 'dict': {
        const map = new Map<string, [Value, Value]>();
        for (const item of e.items) {
          if (item.kind === 'spread') {
            const v = this.eval(item.value, scope);
            if (v.t !== 'dict') return v.t === 'unknown' ? v : unknown(`** of ${typeName(v)}`, line(e.range));
            this.work(v.map.size);
            for (const [k, kv] of v.map) map.set(k, kv);
            continue;
          }
          const k = this.eval(item.key, scope);
          const key = dictKey(this, k);
          if (key === undefined) return k.t === 'unknown' ? k : unknown(`a dict key of type ${typeName(k)}`, line(e.range));
          map.set(key, [k, this.eval(item.value, scope)]);
        }
        const big = tooManyElements(this, 'dict', [...map.values()].flat(), map);
        return big ? unknown(big.reason, line(e.range)) : { t: 'dict', map };
      }
      case 'subscript':
        return this.getItem(this.eval(e.object, scope), this.eval(e.index, scope), e.range);
      case 'slice':
        return {
          t: 'slice',
          lower: e.lower ? this.eval(e.lower, scope) : NONE,
          upper: e.upper ? this.eval(e.upper, scope) : NONE,
          step: e.step ? this.eval(e.step, scope) : NONE,
        };
      case 'comp':
        return this.comprehension(e, scope);
      case 'lambda':
        return this.makeFunction(e, scope);
      case 'starred':
        return unknown('a starred expression here is not followed', line(e.range));
      case 'unsupported':
        return unknown(e.reason, line(e.range));
    }
  }

  private evalItems(elts: readonly PyExpr[], scope: Scope): Value[] | Why {
    const items: Value[] = [];
    for (const el of elts) {
      if (el.kind === 'starred') {
        const v = this.eval(el.value, scope);
        const more = this.iterate(v, el.range);
        if ('reason' in more) return more;
        if (items.length + more.length > this.limits.maxElements) return { reason: `more than ${this.limits.maxElements.toLocaleString('en-US')} items`, line: line(el.range) };
        for (const x of more) items.push(x);
      } else items.push(this.eval(el, scope));
    }
    return items;
  }

  lookup(name: string, scope: Scope, site: SourceRange): Value {
    const v = scope.lookup(name);
    if (v !== undefined) return v;
    if (BUILTIN_NAMES.has(name)) return { t: 'builtin', name };
    for (const base of this.starImports) {
      if (base === 'torch.nn' || base === 'torch.nn.modules') return { t: 'ext', path: `torch.nn.${name}` };
      if (base === 'torch') return { t: 'ext', path: `torch.${name}` };
    }
    return unknown(`name '${name}' is not defined`, line(site));
  }

  binary(op: string, a: Value, b: Value, site: SourceRange, inplace: boolean): Value {
    if (a.t === 'tensor' || b.t === 'tensor') return this.torch.tensorBinary(this, op, a, b, site, inplace);
    const r = binaryPlain(this, op, a, b);
    if (r.t === 'unknown' && r.why.line === undefined) return unknown(r.why.reason, line(site));
    return r;
  }

  compare(op: string, a: Value, b: Value, site: SourceRange): Value {
    if ((a.t === 'tensor' || b.t === 'tensor') && !['is', 'is not', 'in', 'not in'].includes(op)) return this.torch.tensorBinary(this, op, a, b, site, false);
    const r = comparePlain(this, op, a, b);
    if (r.t === 'unknown' && r.why.line === undefined) return unknown(r.why.reason, line(site));
    return r;
  }

  getItem(obj: Value, idx: Value, site: SourceRange): Value {
    switch (obj.t) {
      case 'unknown':
        return obj;
      case 'list':
      case 'tuple':
      case 'str': {
        if (obj.t === 'str') this.work(obj.v.length);
        const items: Value[] = obj.t === 'str' ? [...obj.v].map((c) => ({ t: 'str', v: c })) : obj.items;
        if (idx.t === 'slice') {
          const b = sliceIndices(idx, items.length);
          if ('reason' in b) return unknownFrom(b);
          const picked = sliceItems(this, items, b);
          if (obj.t === 'str') return { t: 'str', v: picked.map((c) => (c as { v: string }).v).join('') };
          return { t: obj.t, items: picked };
        }
        const i = indexOf(idx, items.length);
        return typeof i === 'number' ? items[i] : unknown(i.reason, i.line ?? line(site));
      }
      case 'dict': {
        const k = dictKey(this, idx);
        if (k === undefined) return idx.t === 'unknown' ? idx : unknown(`a dict key of type ${typeName(idx)}`, line(site));
        const hit = obj.map.get(k);
        return hit ? hit[1] : unknown(`key ${k.slice(2)} is not in the dict`, line(site));
      }
      case 'range': {
        const n = rangeLength(obj);
        const i = indexOf(idx, n);
        return typeof i === 'number' ? { t: 'int', v: obj.start + i * obj.step } : unknown(i.reason, line(site));
      }
      case 'module':
        return moduleItem(this, obj.mod, idx, site);
      case 'tensor':
        return this.torch.tensorIndex(this, obj, idx, site);
      case 'ext':
        // typing subscripts (List[int], Optional[...]) are types, not values.
        return { t: 'ext', path: `${obj.path}[]` };
      default:
        return unknown(`${typeName(obj)} is not subscriptable`, line(site));
    }
  }

  /** Items of an iterable value, or why not. */
  iterate(v: Value, site: SourceRange): Value[] | Why {
    switch (v.t) {
      case 'list':
      case 'tuple':
        this.work(v.items.length);
        return [...v.items];
      case 'dict':
        this.work(v.map.size);
        return [...v.map.values()].map(([k]) => k);
      case 'str':
        this.work(v.v.length);
        return [...v.v].map((c) => ({ t: 'str', v: c }) as Value);
      case 'range':
        return rangeItems(this, v);
      case 'module':
        return moduleIter(this, v.mod, site);
      case 'tensor': {
        const d0 = v.ten.shape?.[0]?.constant;
        if (d0 === undefined || d0 > MAX_LOOP) return { reason: 'a tensor whose first dim is not known', line: line(site) };
        const shape = v.ten.shape!.slice(1);
        return Array.from({ length: d0 }, () => ({ t: 'tensor', ten: { shape, dtype: v.ten.dtype } }) as Value);
      }
      case 'unknown':
        return v.why;
      default:
        return { reason: `${typeName(v)} is not iterable here`, line: line(site) };
    }
  }

  private comprehension(e: Extract<PyExpr, { kind: 'comp' }>, outer: Scope): Value {
    const scope = new Scope(outer);
    const out: Value[] = [];
    const map = new Map<string, [Value, Value]>();
    let why: Why | undefined;
    // Elements made so far, nested ones included (`[a for _ in range(n)]` holds a n times).
    let elements = 0;
    const max = this.limits.maxElements;
    const gen = (i: number): void => {
      if (why) return;
      if (i === e.generators.length) {
        this.tick();
        let made: Value[];
        if (e.type === 'dict') {
          const k = this.eval(e.elt, scope);
          const key = dictKey(this, k);
          if (key === undefined) {
            why = { reason: 'a dict key that is not known', line: line(e.range) };
            return;
          }
          const entry: [Value, Value] = [k, this.eval(e.value!, scope)];
          map.set(key, entry);
          made = entry;
        } else {
          made = [this.eval(e.elt, scope)];
          out.push(made[0]);
        }
        elements += elementCount(this, made, max - elements);
        if (elements > max) why = { reason: `the comprehension makes more than ${max.toLocaleString('en-US')} elements (nested ones included)`, line: line(e.range) };
        return;
      }
      const g = e.generators[i];
      const iter = this.eval(g.iter, scope);
      if (iter.t === 'range' && rangeLength(iter) > MAX_LOOP) {
        why = { reason: `a comprehension over ${rangeLength(iter).toLocaleString('en-US')} items is not followed`, line: line(e.range) };
        return;
      }
      const items = this.iterate(iter, g.iter.range);
      if ('reason' in items) {
        why = items;
        return;
      }
      for (const item of items) {
        this.assign(g.target, item, scope, e.range);
        let keep = true;
        for (const cond of g.ifs) {
          const t = this.truth(this.eval(cond, scope));
          if (t === undefined) {
            why = { reason: `a comprehension condition is unknown`, line: line(cond.range) };
            return;
          }
          if (!t) {
            keep = false;
            break;
          }
        }
        if (keep) gen(i + 1);
        if (why) return;
      }
    };
    gen(0);
    if (why) return unknownFrom(why);
    keepCount(e.type === 'dict' ? map : out, elements);
    if (e.type === 'dict') return { t: 'dict', map };
    return { t: e.type === 'gen' ? 'tuple' : 'list', items: out };
  }

  // -------------------------------------------------------------------------------------------
  // attributes

  getAttr(obj: Value, name: string, site: SourceRange): Value {
    switch (obj.t) {
      case 'unknown':
        return obj;
      case 'module':
        return getModuleAttr(this, obj.mod, name, site);
      case 'object': {
        const v = obj.obj.attrs.get(name);
        if (v !== undefined) return v;
        const c = classAttr(obj.obj.cls, name);
        return c ? bindClassAttr(this, c, obj, site) : unknown(`${obj.obj.cls.name} has no attribute '${name}'`, line(site));
      }
      case 'class': {
        const c = classAttr(obj.cls, name);
        if (c?.t === 'func' && c.kind === 'class') return { t: 'method', fn: c, self: obj };
        return c ?? unknown(`class ${obj.cls.name} has no attribute '${name}' in this file`, line(site));
      }
      case 'super': {
        const base = superAttr(obj.cls, name);
        if (base?.t === 'func') return { t: 'method', fn: base, self: obj.self };
        if (base) return base;
        if (name === '__init__') return { t: 'builtin', name: 'Module.__init__', self: obj.self };
        if (obj.self.t === 'module') return getModuleAttr(this, obj.self.mod, name, site, true);
        return unknown(`super().${name} is not followed`, line(site));
      }
      case 'ext': {
        const c = extConstant(`${obj.path}.${name}`);
        return c ?? { t: 'ext', path: `${obj.path}.${name}` };
      }
      case 'tensor':
        return this.torch.tensorAttr(this, obj, name, site);
      default:
        return builtinAttr(this, obj, name, site);
    }
  }

  // -------------------------------------------------------------------------------------------
  // calls

  private evalCall(e: Extract<PyExpr, { kind: 'call' }>, scope: Scope): Value {
    this.tick();
    const fn = this.eval(e.func, scope);
    const bound = this.evalArgs(e.args, scope);
    if ('reason' in bound) {
      // Arguments that cannot be expanded: constructing an nn layer still records the module.
      return this.call(fn, [], [], e.range, bound);
    }
    // super() with no arguments binds the enclosing class and self.
    if (fn.t === 'builtin' && fn.name === 'super' && bound.args.length === 0) {
      const self = scope.lookup('self');
      const cls = scope.lookup('__class__');
      if (self && cls?.t === 'class') return { t: 'super', cls: cls.cls, self };
      return unknown('super() outside a method', line(e.range));
    }
    return this.call(fn, bound.args, bound.kwargs, e.range);
  }

  evalArgs(args: readonly Argument[], scope: Scope): { args: Value[]; kwargs: Kwargs } | Why {
    const out: Value[] = [];
    const kwargs: Kwargs = [];
    for (const a of args) {
      switch (a.kind) {
        case 'pos':
          out.push(this.eval(a.value, scope));
          break;
        case 'kw':
          kwargs.push([a.name, this.eval(a.value, scope)]);
          break;
        case 'star': {
          const v = this.eval(a.value, scope);
          const items = this.iterate(v, a.value.range);
          if ('reason' in items) return items;
          for (const x of items) out.push(x);
          break;
        }
        case 'dstar': {
          const v = this.eval(a.value, scope);
          if (v.t === 'unknown') return v.why;
          if (v.t !== 'dict') return { reason: `** of ${typeName(v)}`, line: line(a.value.range) };
          this.work(v.map.size);
          for (const [k, val] of v.map.values()) {
            if (k.t !== 'str') return { reason: '** with a non-string key', line: line(a.value.range) };
            kwargs.push([k.v, val]);
          }
          break;
        }
      }
    }
    return { args: out, kwargs };
  }

  /**
   * Calls a value. `argsWhy` is set when the arguments could not be expanded (`*unknown`): a
   * function then returns unknown, an nn layer is still made (with unknown parameters).
   */
  call(fn: Value, args: Value[], kwargs: Kwargs, site: SourceRange, argsWhy?: Why): Value {
    switch (fn.t) {
      case 'unknown':
        return fn;
      case 'func':
        return argsWhy ? unknownFrom(argsWhy) : this.callFunction(fn, args, kwargs, site);
      case 'method':
        return argsWhy ? unknownFrom(argsWhy) : this.callFunction(fn.fn, [fn.self, ...args], kwargs, site);
      case 'class':
        return instantiateClass(this, fn.cls, args, kwargs, site, argsWhy);
      case 'builtin':
        return argsWhy ? unknownFrom(argsWhy) : callBuiltin(this, fn, args, kwargs, site);
      case 'partial':
        return this.call(fn.fn, [...fn.args, ...args], [...fn.kwargs, ...kwargs], site, argsWhy);
      case 'module':
        return argsWhy ? unknownFrom(argsWhy) : this.torch.callModule(this, fn.mod, args, kwargs, site);
      case 'ext': {
        const r = this.torch.callExt(this, fn.path, args, kwargs, site, argsWhy);
        if (r) return r;
        if (argsWhy) return unknownFrom(argsWhy);
        return unknown(describeExt(fn.path), line(site));
      }
      default:
        return unknown(`${typeName(fn)} is not callable`, line(site));
    }
  }

  /** Calls a function of the file with Python's argument binding. */
  callFunction(fn: Func, args: Value[], kwargs: Kwargs, site: SourceRange): Value {
    if (this.depth >= MAX_DEPTH) {
      this.gaveUp.push(msg`calls nest more than ${MAX_DEPTH} deep at line ${at(site)} (recursion?)`);
      this.note(site, msg`calls nest more than ${MAX_DEPTH} deep on line ${at(site)} (recursion?): not followed further`, 'warning');
      return unknown(`calls nested more than ${MAX_DEPTH} deep (recursion?)`, line(site));
    }
    const scope = new Scope(fn.scope, collectGlobals(fn.fn));
    if (fn.cls) scope.vars.set('__class__', { t: 'class', cls: fn.cls });
    const bad = bindParams(fn, args, kwargs, scope, (p) => this.defaultOf(fn, p), site);
    if (bad) return unknown(bad, line(site));
    this.depth++;
    try {
      if (fn.fn.kind === 'lambda') return this.eval(fn.fn.body, scope);
      const flow = this.execBlock(fn.fn.body, scope);
      if (flow?.k === 'return') return flow.v;
      if (flow?.k === 'raise') return unknownFrom(flow.why);
      return NONE;
    } finally {
      this.depth--;
    }
  }

  private readonly defaults = new WeakMap<FunctionDef | Lambda, Map<string, Value>>();

  private defaultOf(fn: Func, p: Param): Value | undefined {
    return this.defaults.get(fn.fn)?.get(p.name);
  }

  makeFunction(def: FunctionDef | Lambda, scope: Scope, cls?: ClassInfo): Func {
    const defaults = new Map<string, Value>();
    for (const p of def.params) if (p.default) defaults.set(p.name, this.eval(p.default, scope));
    this.defaults.set(def, defaults);
    const f: Func = { t: 'func', fn: def, scope, name: def.kind === 'def' ? def.name : '<lambda>' };
    if (cls) f.cls = cls;
    return f;
  }

  private makeClass(def: ClassDef, scope: Scope): Value {
    const bases = def.bases.map((b) => this.eval(b, scope));
    const cls: ClassInfo = { name: def.name, def, bases, ns: new Map() };
    cls.nnBase = nnBaseOf(bases);
    const body = new Scope(scope);
    for (const s of def.body) {
      this.tick();
      if (s.kind === 'def') {
        // Methods see the enclosing scope, not the class body.
        const f = this.makeFunction(s, scope, cls);
        if (s.decorators.includes('property')) f.kind = 'property';
        else if (s.decorators.includes('staticmethod')) f.kind = 'static';
        else if (s.decorators.includes('classmethod')) f.kind = 'class';
        // `@x.setter` redefines x's setter: keep the getter.
        if (s.decorators.some((d) => d.endsWith('.setter') || d.endsWith('.deleter'))) continue;
        body.vars.set(s.name, f);
        continue;
      }
      this.exec(s, body);
    }
    for (const [k, v] of body.vars) cls.ns.set(k, v);
    this.classes.push(cls);
    return { t: 'class', cls };
  }

  /** Runs a method of a class of the file on `self` (MRO through file classes). */
  callMethod(self: Value, cls: ClassInfo, name: string, args: Value[], kwargs: Kwargs, site: SourceRange): Value | undefined {
    const m = classAttr(cls, name);
    if (m?.t !== 'func') return undefined;
    return this.callFunction(m, [self, ...args], kwargs, site);
  }

  newObject(cls: ClassInfo): Value {
    return { t: 'object', obj: new PyObject(cls) };
  }
}

function superAttr(cls: ClassInfo, name: string): Value | undefined {
  for (const b of cls.bases) {
    if (b.t === 'class') {
      const hit = classAttr(b.cls, name);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

function collectGlobals(fn: FunctionDef | Lambda): Set<string> | undefined {
  if (fn.kind !== 'def') return undefined;
  let out: Set<string> | undefined;
  for (const s of fn.body) if (s.kind === 'global') for (const n of s.names) (out ??= new Set()).add(n);
  return out;
}

/** Binds call arguments to a function's parameters in `scope`; returns an error text or undefined. */
function bindParams(fn: Func, args: Value[], kwargs: Kwargs, scope: Scope, dflt: (p: Param) => Value | undefined, site: SourceRange): string | undefined {
  const params = fn.fn.params;
  let i = 0;
  const bound = new Set<string>();
  let star: Param | undefined;
  let dstar: Param | undefined;
  for (const p of params) {
    if (p.kind === 'star') {
      star = p;
      scope.vars.set(p.name, { t: 'tuple', items: args.slice(i) });
      i = args.length;
      bound.add(p.name);
      continue;
    }
    if (p.kind === 'dstar') {
      dstar = p;
      continue;
    }
    if (p.kind === 'normal' && i < args.length) {
      scope.vars.set(p.name, args[i++]);
      bound.add(p.name);
    }
  }
  if (i < args.length && !star) return `${fn.name}() takes ${params.filter((p) => p.kind === 'normal').length} positional arguments but ${args.length} were given`;
  const extra = new Map<string, [Value, Value]>();
  for (const [k, v] of kwargs) {
    const p = params.find((q) => q.name === k && (q.kind === 'normal' || q.kind === 'kwonly'));
    if (p) {
      if (bound.has(k)) return `${fn.name}() got multiple values for argument '${k}'`;
      scope.vars.set(k, v);
      bound.add(k);
    } else if (dstar) extra.set(`s:${k}`, [{ t: 'str', v: k }, v]);
    else return `${fn.name}() got an unexpected keyword argument '${k}'`;
  }
  if (dstar) scope.vars.set(dstar.name, { t: 'dict', map: extra });
  for (const p of params) {
    if (bound.has(p.name) || p.kind === 'star' || p.kind === 'dstar') continue;
    const d = dflt(p);
    if (d !== undefined) scope.vars.set(p.name, d);
    else scope.vars.set(p.name, unknown(msg`argument '${p.name}' of ${fn.name}() was not given (call on line ${at(site)})`, line(site)));
  }
  return undefined;
}

function describeExt(path: string): string {
  if (path.startsWith('.')) return `${path.replace(/^\.+/, '')} comes from another file of the project, which is not analyzed`;
  const root = path.split('.')[0];
  if (root === 'torch') return `${path} is not modeled`;
  return `${path} is not analyzed (only torch.nn and this file are)`;
}

/** Whether an expression reads `self.training`. */
function mentionsTraining(e: PyExpr): boolean {
  let hit = false;
  walk(e, (n) => {
    if (hit) return false;
    hit = n.kind === 'attr' && n.name === 'training' && n.object.kind === 'name' && n.object.id === 'self';
    return !hit;
  });
  return hit;
}

/** Short source-like text of an expression, for messages. */
export function exprText(e: PyExpr): string {
  switch (e.kind) {
    case 'name':
      return e.id;
    case 'attr':
      return `${exprText(e.object)}.${e.name}`;
    case 'call':
      return `${exprText(e.func)}(...)`;
    case 'num':
      return String(e.value);
    case 'str':
      return e.value === undefined ? 'f"..."' : JSON.stringify(e.value);
    default:
      return 'an expression';
  }
}

