/**
 * Torch semantics for the evaluator, and the forward run: calling a module pushes it on a stack,
 * its layers run their catalogue forward (ONNX ops from the registry), functional ops and tensor
 * arithmetic run theirs, and every op's MACs/FLOPs are added to each module on the stack. A run
 * records per-module call counts, first-call input/output shapes and formulas, the parameters
 * forward touched, and where shapes stopped being known (and why).
 */
import { DataType } from '../onnx/model';
import { Expr } from '../symbolic/expr';
import type { TensorValue } from '../ops/types';
import { line, type SourceRange } from './ast';
import { callStdlib } from './builtins';
import { bindArgs, literal, sig } from './catalogue-args';
import { ArgError, Propagated, ShapeError, type ForwardCall, type Literal } from './catalogue-types';
import { canonicalNn, classAttr } from './classes';
import type { Interpreter, Kwargs, TorchSemantics } from './evaluate';
import { asLimit, MODULE_CALL_STEPS, WORK_PER_STEP } from './limits';
import { at, lineAt, msg, messageText, type Message } from './message';
import { callTorchFunction, guard, tensorAttr, tensorBinary, tensorIndex, tensorMethod, tensorOf, tensorUnary, tv, type TorchCtx } from './functional';
import { profilerFeed, type Feed } from './input-source';
import { constructNn, containerKind, makeLayer, namedModules, paramValue } from './modules';
import { OpFailure, runOp, type AttrValue } from './op-runner';
import { NONE, ParamRef, unknown, unknownFrom, type ModuleObj, type Value, type Why } from './values';

export interface ModuleStats {
  calls: number;
  macs: Expr;
  flops: Expr;
  /** Why some of this module's work could not be costed. */
  costUnknown: Message[];
  /** First call: input tensors (undefined shape = unknown) and the output. */
  inputs?: Value[];
  output?: Value;
  /** First call's MACs formula (layers). */
  formula?: string;
  site?: SourceRange;
}

export interface ShapeNote {
  range: SourceRange;
  message: Message;
}

export class Run {
  readonly stats = new Map<ModuleObj, ModuleStats>();
  readonly stack: ModuleObj[] = [];
  macs = Expr.ZERO;
  flops = Expr.ZERO;
  readonly costUnknown: { reason: Message; line?: number }[] = [];
  readonly usedParams = new Set<ParamRef>();
  readonly referenced = new Set<ModuleObj>();
  readonly shapeNotes: ShapeNote[] = [];
  /** Set when the run stopped early (step budget, deadline, an evaluator bug). */
  aborted?: string;
  internalError?: string;
  formulaSink?: { explicit?: string; ops: string[] };

  stat(m: ModuleObj): ModuleStats {
    let s = this.stats.get(m);
    if (!s) {
      s = { calls: 0, macs: Expr.ZERO, flops: Expr.ZERO, costUnknown: [] };
      this.stats.set(m, s);
    }
    return s;
  }
}

const MAX_MODULE_DEPTH = 64;

function unknownTensor(why: Why): Value {
  return { t: 'tensor', ten: { dtype: DataType.FLOAT, why } };
}

/** The first tensor in a module's output (tuples: the first item). */
export function firstTensor(v: Value | undefined): Extract<Value, { t: 'tensor' }> | undefined {
  if (!v) return undefined;
  if (v.t === 'tensor') return v;
  if ((v.t === 'tuple' || v.t === 'list') && v.items.length) return firstTensor(v.items[0]);
  return undefined;
}

/** Python roots whose calls never return modules (so an unknown result has no parameters). */
const PLAIN_LIBS = new Set(['math', 'numpy', 'np', 'os', 'sys', 'random', 'time', 'logging', 'json', 'typing', 'warnings', 'argparse', 'collections', 'functools', 'itertools', 'pathlib', 'matplotlib', 'pandas', 'tqdm', 'copy', 'torchinfo', 'torchsummary', 'thop', 'ptflops', 'fvcore']);

export class Torch implements TorchSemantics {
  run?: Run;
  readonly feeds: Feed[] = [];
  private readonly noted = new Set<string>();

  // -------------------------------------------------------------------------------------------
  // cost recording

  record(macs: Expr, flops: Expr): void {
    const run = this.run;
    if (!run) return;
    run.macs = run.macs.add(macs);
    run.flops = run.flops.add(flops);
    for (const m of run.stack) {
      const s = run.stat(m);
      s.macs = s.macs.add(macs);
      s.flops = s.flops.add(flops);
    }
  }

  recordUnknown(reason: Message, atLine?: number): void {
    const run = this.run;
    if (!run) return;
    const key = messageText(reason);
    if (!run.costUnknown.some((u) => messageText(u.reason) === key)) run.costUnknown.push(atLine === undefined ? { reason } : { reason, line: atLine });
    for (const m of run.stack) {
      const s = run.stat(m);
      if (!s.costUnknown.some((r) => messageText(r) === key)) s.costUnknown.push(reason);
    }
  }

  shapeNote(site: SourceRange, reason: Message): void {
    if (!this.run) return;
    const key = `${site.start.line}:${site.start.character}:${messageText(reason)}`;
    if (this.noted.has(key)) return;
    this.noted.add(key);
    this.run.shapeNotes.push({ range: site, message: msg`shape unknown after line ${at(site)}: ${reason}` });
  }

  private ctx(ip: Interpreter): TorchCtx {
    return {
      ip,
      op: (opType, inputs, attrs, outputs) => this.op(opType, inputs, attrs, outputs),
      addCost: (m, f) => this.record(m, f),
      inlineLayer: (type, a, k, inputs, ik, params, site) => this.inlineLayer(ip, type, a, k, inputs, ik, params, site),
      useParam: (p) => this.run?.usedParams.add(p),
      shapeNote: (site, reason) => {
        this.shapeNote(site, reason);
        this.recordUnknown(reason, line(site));
      },
    };
  }

  op(opType: string, inputs: (TensorValue | undefined)[], attrs?: Record<string, AttrValue>, outputs?: number): TensorValue[] {
    let r;
    try {
      r = runOp(opType, inputs, attrs, outputs);
    } catch (e) {
      if (e instanceof OpFailure) throw new ShapeError(`${opType}: ${e.message}`);
      throw e;
    }
    const macs = r.cost.macs;
    this.record(macs, r.cost.flops);
    // Ops with MACs give a layer its formula when the layer does not write its own.
    const sink = this.run?.formulaSink;
    if (sink && r.cost.formula && macs.constant !== 0) sink.ops.push(r.cost.formula);
    return r.outputs;
  }

  // -------------------------------------------------------------------------------------------
  // TorchSemantics

  callExt(ip: Interpreter, path0: string, args: Value[], kwargs: Kwargs, site: SourceRange, argsWhy?: Why): Value | undefined {
    const path = canonicalNn(path0.replace(/^torch\.nn\.parameter\.Parameter$/, 'torch.nn.Parameter'));
    if (!argsWhy) {
      const std = callStdlib(ip, path, args, kwargs, site);
      if (std) return std;
    }
    if (path === 'torch.nn.Parameter') return this.parameter(args, kwargs, site, argsWhy);
    if (path.startsWith('torch.nn.') && path.split('.').length === 3) {
      const made = constructNn(ip, path.slice('torch.nn.'.length), args, kwargs, site, argsWhy);
      if (made) return made;
    }
    if (argsWhy) return unknownFrom({ ...argsWhy, maybeModule: true });
    const feed = profilerFeed(ip, path, args, kwargs, site);
    if (feed) {
      if (feed !== 'ignored') this.feeds.push(feed);
      return unknown(`${path} output is not followed`, line(site));
    }
    switch (path) {
      case 'torch.utils.checkpoint.checkpoint':
        return args[0] ? ip.call(args[0], args.slice(1), kwargs.filter(([k]) => k !== 'use_reentrant' && k !== 'preserve_rng_state'), site) : undefined;
      case 'torch.cuda.is_available':
      case 'torch.jit.is_scripting':
      case 'torch.jit.is_tracing':
      case 'torch.is_grad_enabled':
        return { t: 'bool', v: false };
      case 'torch.no_grad':
      case 'torch.inference_mode':
      case 'torch.enable_grad':
      case 'torch.set_grad_enabled':
      case 'torch.manual_seed':
      case 'torch.set_printoptions':
      case 'torch.device':
      case 'torch.cuda.synchronize':
        return NONE;
      case 'torch.Size':
        return args[0] && (args[0].t === 'tuple' || args[0].t === 'list') ? { t: 'tuple', items: args[0].items } : unknown('torch.Size()', line(site));
      default:
        break;
    }
    if (path.startsWith('torch.')) {
      const r = callTorchFunction(this.ctx(ip), path, args, kwargs, site);
      if (r) return r;
      if (/^torch\.(Tensor|FloatTensor|LongTensor)$/.test(path)) {
        return guard(this.ctx(ip), site, path, () => {
          const dims = args.map((a) => {
            const n = a.t === 'int' ? a.v : undefined;
            if (n === undefined) throw new ShapeError(`${path} of a non-integer size`);
            return Expr.of(n);
          });
          return tensorOf({ dtype: path === 'torch.LongTensor' ? 7 : 1, shape: dims });
        });
      }
    }
    // A call into code we do not analyze: module arguments may be used there.
    if (this.run) for (const a of args) if (a.t === 'module') this.markReferenced(a.mod);
    const root = path.replace(/^\.+/, '').split('.')[0];
    const reason = path.startsWith('.')
      ? `${path.replace(/^\.+/, '')} comes from another file of the project, which is not analyzed`
      : path.startsWith('torch.nn.')
        ? `${path} is not in the torch.nn catalogue`
        : path.startsWith('torch.')
          ? `${path} is not modeled`
          : `${path} is not analyzed (only torch.nn and this file are)`;
    return unknownFrom({ reason, line: line(site), maybeModule: !PLAIN_LIBS.has(root) && !(path.startsWith('torch.') && !/\.[A-Z]/.test(path)) });
  }

  private parameter(args: Value[], kwargs: Kwargs, site: SourceRange, argsWhy?: Why): Value {
    const data = args[0] ?? kwargs.find(([k]) => k === 'data')?.[1];
    const rg = args[1] ?? kwargs.find(([k]) => k === 'requires_grad')?.[1];
    const requiresGrad = !(rg?.t === 'bool' && !rg.v);
    let p: ParamRef;
    if (argsWhy) p = new ParamRef(undefined, argsWhy, site, requiresGrad);
    else if (data?.t === 'tensor' && data.ten.shape) {
      const dims = data.ten.shape.map((d) => d.constant);
      p = dims.every((d) => d !== undefined)
        ? new ParamRef(dims as number[], undefined, site, requiresGrad)
        : new ParamRef(undefined, { reason: `its shape ${data.ten.shape.join('×')} depends on symbolic dims`, line: line(site) }, site, requiresGrad);
    } else {
      const why = data?.t === 'tensor' ? data.ten.why : data?.t === 'unknown' ? data.why : undefined;
      p = new ParamRef(undefined, why ?? { reason: 'nn.Parameter of a value that is not a tensor', line: line(site) }, site, requiresGrad);
    }
    return paramValue(p);
  }

  callModule(ip: Interpreter, mod: ModuleObj, args: Value[], kwargs: Kwargs, site: SourceRange): Value {
    ip.work(MODULE_CALL_STEPS * WORK_PER_STEP);
    const run = this.run;
    if (!run && ip.inModuleCode === 0) {
      // The file runs the model at top level: that is an input shape. The call is still
      // followed (without costing it) so what the script does with the output stays known.
      this.feeds.push({ mod, kind: 'call', inputs: args, kwargs, site });
      ip.inModuleCode++;
      try {
        return this.dispatch(ip, mod, args, kwargs, site);
      } finally {
        ip.inModuleCode--;
      }
    }
    if (run && run.stack.length >= MAX_MODULE_DEPTH) return unknownTensor({ reason: `modules nested more than ${MAX_MODULE_DEPTH} deep`, line: line(site) });
    let stats: ModuleStats | undefined;
    if (run) {
      stats = run.stat(mod);
      stats.calls++;
      if (stats.calls === 1) {
        // A snapshot: lists passed in (DenseNet's feature lists) may grow after the call.
        stats.inputs = args.map((a) => snapshot(a, 0));
        stats.site = site;
      }
      run.stack.push(mod);
    }
    const savedSink = run?.formulaSink;
    if (run) run.formulaSink = { ops: [] };
    let out: Value;
    try {
      out = this.dispatch(ip, mod, args, kwargs, site);
    } finally {
      if (run) {
        run.stack.pop();
        const sink = run.formulaSink;
        run.formulaSink = savedSink;
        if (stats && stats.calls === 1 && sink) {
          const f = sink.explicit ?? (sink.ops.length === 1 ? sink.ops[0] : undefined);
          if (f) stats.formula = f;
        }
      }
    }
    if (stats && stats.calls === 1) stats.output = out;
    return out;
  }

  private dispatch(ip: Interpreter, mod: ModuleObj, args: Value[], kwargs: Kwargs, site: SourceRange): Value {
    const kind = containerKind(mod);
    if (mod.kind === 'layer') return this.callLayer(ip, mod, args, kwargs, site);
    if (mod.kind === 'custom' && mod.cls) {
      const fwd = classAttr(mod.cls, 'forward');
      if (fwd?.t === 'func') {
        ip.inModuleCode++;
        try {
          return ip.callFunction(fwd, [{ t: 'module', mod }, ...args], kwargs, site);
        } finally {
          ip.inModuleCode--;
        }
      }
    }
    if (kind === 'Sequential') {
      if (mod.unknownParts.length) return this.fail(site, msg`${mod.typeName} contents are unknown: ${mod.unknownParts[0].why.reason}`);
      let x = args[0] ?? NONE;
      for (const child of mod.children.values()) x = this.callModule(ip, child, [x], [], site);
      return x;
    }
    return this.fail(site, `${mod.typeName} is not callable (it has no forward)`);
  }

  private fail(site: SourceRange, reason: Message): Value {
    this.shapeNote(site, reason);
    this.recordUnknown(reason, line(site));
    return unknownTensor({ reason, line: line(site) });
  }

  private callLayer(ip: Interpreter, mod: ModuleObj, args: Value[], kwargs: Kwargs, site: SourceRange): Value {
    const run = this.run;
    const state = mod.layer!;
    if (run) for (const p of mod.params.values()) run.usedParams.add(p);
    if (state.why || state.config === undefined) {
      const why = state.why ?? { reason: 'its arguments are unknown' };
      const reason = msg`${mod.typeName}${why.line ? msg` (line ${lineAt(why.line)})` : ''} could not be built: ${why.reason}`;
      return this.fail(site, reason);
    }
    try {
      const bound = bindArgs(`${mod.typeName}.forward`, state.entry.forwardSignature ?? sig('input'), args, kwargs);
      const f = new ForwardCallImpl(this, ip, mod, state.config, bound, site, undefined);
      return state.entry.forward(f);
    } catch (e) {
      if (e instanceof Propagated) {
        this.recordUnknown(msg`input shape unknown${e.why.line ? msg` after line ${lineAt(e.why.line)}` : ''}: ${e.why.reason}`, e.why.line);
        return unknownTensor(e.why);
      }
      if (e instanceof ShapeError || e instanceof OpFailure || e instanceof ArgError) {
        const reason = msg`${mod.typeName}: ${e instanceof ArgError ? e.why.reason : e instanceof ShapeError ? e.reason : e.message}`;
        return this.fail(site, reason);
      }
      throw e;
    }
  }

  /** F.conv2d & co: a catalogue layer's forward with given weights, costed to the caller. */
  inlineLayer(ip: Interpreter, type: string, ctorArgs: Value[], ctorKwargs: Kwargs, inputs: Value[], inputKwargs: Kwargs, params: Record<string, TensorValue | undefined>, site: SourceRange): Value {
    const mod = makeLayer(ip, type, ctorArgs, ctorKwargs, site);
    const state = mod.layer!;
    if (state.why || state.config === undefined) throw new ShapeError(state.why?.reason ?? 'its arguments are unknown');
    const bound = bindArgs(`F.${type}`, state.entry.forwardSignature ?? sig('input'), inputs, inputKwargs);
    return state.entry.forward(new ForwardCallImpl(this, ip, mod, state.config, bound, site, params));
  }

  markReferenced(mod: ModuleObj): void {
    if (!this.run) return;
    for (const [, m] of namedModules(mod)) {
      this.run.referenced.add(m);
      for (const p of m.params.values()) this.run.usedParams.add(p);
    }
  }

  tensorAttr(ip: Interpreter, v: Extract<Value, { t: 'tensor' }>, name: string, site: SourceRange): Value {
    return tensorAttr(this.ctx(ip), v, name, site);
  }

  tensorMethod(ip: Interpreter, v: Extract<Value, { t: 'tensor' }>, name: string, args: Value[], kwargs: Kwargs, site: SourceRange): Value {
    return tensorMethod(this.ctx(ip), v, name, args, kwargs, site);
  }

  tensorBinary(ip: Interpreter, op: string, a: Value, b: Value, site: SourceRange): Value {
    return tensorBinary(this.ctx(ip), op, a, b, site);
  }

  tensorUnary(ip: Interpreter, op: string, a: Value, site: SourceRange): Value {
    return tensorUnary(this.ctx(ip), op, a, site);
  }

  tensorIndex(ip: Interpreter, v: Extract<Value, { t: 'tensor' }>, index: Value, site: SourceRange): Value {
    return tensorIndex(this.ctx(ip), v, index, site);
  }

  skipped(_ip: Interpreter, self: ModuleObj, names: string[]): void {
    if (!this.run) return;
    for (const n of names) {
      const c = self.children.get(n);
      if (c) this.markReferenced(c);
      const p = self.params.get(n);
      if (p) this.run.usedParams.add(p);
    }
  }

  readAttr(_ip: Interpreter, _mod: ModuleObj, _name: string, value: Value): void {
    if (this.run && value.t === 'tensor' && value.ten.param) this.run.usedParams.add(value.ten.param);
  }
}

/** What a catalogue layer's forward sees. */
class ForwardCallImpl implements ForwardCall {
  constructor(
    private readonly torch: Torch,
    private readonly ip: Interpreter,
    readonly module: ModuleObj,
    readonly config: unknown,
    private readonly bound: Map<string, Value>,
    readonly site: SourceRange,
    /** Weights given to a functional call (F.linear's weight) instead of the module's. */
    private readonly overrides: Record<string, TensorValue | undefined> | undefined,
  ) {}

  arg(name: string): Value {
    return this.bound.get(name) ?? NONE;
  }

  tensor(name: string): TensorValue {
    const v = this.bound.get(name);
    if (!v || v.t === 'none') throw new ShapeError(`${name} is missing`);
    return tv(this.torchCtx(), v, name);
  }

  optTensor(name: string): TensorValue | undefined {
    const v = this.bound.get(name);
    return !v || v.t === 'none' ? undefined : this.tensor(name);
  }

  private torchCtx(): TorchCtx {
    return {
      ip: this.ip,
      op: (o, i, a, n) => this.op(o, i, a, n),
      addCost: (m, f) => this.torch.record(m, f),
      inlineLayer: () => {
        throw new ShapeError('nested functional layers');
      },
      useParam: (p) => this.torch.run?.usedParams.add(p),
      shapeNote: (site, reason) => this.torch.shapeNote(site, reason),
    };
  }

  param(name: string): TensorValue | undefined {
    if (this.overrides) return this.overrides[name];
    const p = this.module.params.get(name);
    if (!p) return undefined;
    if (!p.shape) throw new ShapeError(`parameter ${name} has an unknown shape`);
    return { dtype: DataType.FLOAT, shape: p.shape.map((d) => Expr.of(d)) };
  }

  op(opType: string, inputs: (TensorValue | undefined)[], attrs?: Record<string, AttrValue>, outputs?: number): TensorValue[] {
    return this.torch.op(opType, inputs, attrs, outputs);
  }

  addCost(macs: Expr, flops: Expr, formula?: string): void {
    this.torch.record(macs, flops);
    if (formula) this.formula(formula);
  }

  formula(text: string): void {
    const sink = this.torch.run?.formulaSink;
    if (sink && !this.overrides) sink.explicit = text;
  }

  call(child: string, args: Value[], kwargs: Record<string, Value> = {}): Value {
    let m: ModuleObj | undefined = this.module;
    for (const part of child.split('.')) m = m?.children.get(part);
    if (!m) throw new ShapeError(`${this.module.typeName} has no child ${child}`);
    return this.torch.callModule(this.ip, m, args, Object.entries(kwargs), this.site);
  }

  activation(act: Value, x: Value): Value {
    if (act.t === 'str') {
      const t = tv(this.torchCtx(), x, 'input');
      return tensorOf(this.op(act.v === 'gelu' ? 'Gelu' : 'Relu', [t])[0]);
    }
    if (act.t === 'module') return this.torch.callModule(this.ip, act.mod, [x], [], this.site);
    return this.ip.call(act, [x], [], this.site);
  }

  materialize(params: [string, number[]][], formula: string, attrs?: Record<string, Literal>): void {
    for (const [name, shape] of params) if (!this.module.params.has(name)) this.module.params.set(name, new ParamRef(shape, undefined, this.module.created));
    for (const p of this.module.params.values()) this.torch.run?.usedParams.add(p);
    if (this.module.layer) this.module.layer.paramsFormula = formula;
    for (const [k, v] of Object.entries(attrs ?? {})) this.module.attrs.set(k, literal(v));
  }

  tensorValue(t: TensorValue): Value {
    return tensorOf(t);
  }

  note(text: string): void {
    this.ip.note(this.site, text);
  }

  fail(reason: Message): never {
    throw new ShapeError(reason);
  }
}

function snapshot(v: Value, depth: number): Value {
  if (depth > 8) return v;
  if (v.t === 'list' || v.t === 'tuple') return { t: v.t, items: v.items.map((x) => snapshot(x, depth + 1)) };
  if (v.t === 'dict') return { t: 'dict', map: new Map([...v.map].map(([k, [kv, x]]) => [k, [kv, snapshot(x, depth + 1)]])) };
  return v;
}

/** Runs `mod`'s forward on `inputs` as a fresh run. */
export function runForward(ip: Interpreter, torch: Torch, mod: ModuleObj, inputs: Value[], kwargs: Kwargs, site: SourceRange): Run {
  const run = new Run();
  const saved = torch.run;
  torch.run = run;
  ip.inModuleCode++;
  try {
    torch.callModule(ip, mod, inputs, kwargs, site);
  } catch (e) {
    const limit = asLimit(e);
    if (limit) run.aborted = limit.message;
    else {
      run.aborted = `stopped by an internal error: ${(e as Error).message}`;
      run.internalError = (e as Error).message;
    }
    run.stack.length = 0;
  } finally {
    ip.inModuleCode--;
    torch.run = saved;
  }
  return run;
}
