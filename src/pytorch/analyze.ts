/**
 * Static analysis of PyTorch nn.Module source: `analyzePython(text)` parses the file, runs its
 * module-level code symbolically (definitions, constants, what `if __name__ == '__main__':`
 * builds and feeds), then, for every nn.Module class, builds one instance, runs its forward at the
 * class's input shape and reports plain data: parameters (each once), MACs/FLOPs (the ONNX
 * registry's conventions), per-layer entries with formulas, call counts, unused modules and where
 * shapes stopped being known.
 */
import { DataType } from '../onnx/model';
import type { Expr } from '../symbolic/expr';
import { line, walk, type ClassDef, type PyModule, type SourceRange } from './ast';
import { classAttr } from './classes';
import { Interpreter, type Instance } from './evaluate';
import { asLimit } from './limits';
import { groupDigits, shapeText } from './format';
import { firstTensor, runForward, Torch, type Run } from './forward';
import { directiveFor, parseDirective, tensorFor, type Feed } from './input-source';
import { containerKind, instantiateClass, namedModules } from './modules';
import { at, lineAt, msg, messageText, uniqueMessages, type Message } from './message';
import { parsePython } from './parse';
import { renderAnalysis } from './render';
import type {
  AnalyzeOptions,
  ClassAnalysis,
  ClassTotals,
  InputInfo,
  InstanceInfo,
  LayerAnalysis,
  ParameterAnalysis,
  SourceAnalysis,
  SourceDiagnostic,
} from './types';
import { unknown, type ClassInfo, type ModuleObj, type ParamRef, type Value } from './values';

/** Evaluation steps for the module-level code, and for each class's construction and forward. */
const SCRIPT_STEPS = 600_000;
const STATEMENT_STEPS = 200_000;
const CLASS_STEPS = 300_000;
const DEFAULT_BUDGET_MS = 400;

interface Plan {
  cls: ClassInfo;
  mod?: ModuleObj;
  inputs?: Value[];
  input?: InputInfo<Message>;
  instance?: InstanceInfo<Message>;
  run?: Run;
  /** Why forward() was not followed to its end (a loop cut short, recursion). */
  incomplete?: Message;
  /** Diagnostics found while planning (a directive that does not parse). */
  diagnostics: SourceDiagnostic<Message>[];
}

interface FirstUse {
  mod: ModuleObj;
  inputs?: Value[];
  owner: ClassInfo;
  path: string;
  site?: SourceRange;
}

export function analyzePython(text: string, options: AnalyzeOptions = {}): SourceAnalysis {
  return renderAnalysis(analyzeModule(parsePython(text), text, options));
}

/**
 * The analysis of `text`, parsed by the caller (a document keeps its parse), with its quoted
 * lines as positions (a document moves them after an edit before rendering).
 */
export function analyzeModule(module: PyModule, text: string, options: AnalyzeOptions = {}): SourceAnalysis<Message> {
  const started = performance.now();
  const deadline = Date.now() + (options.timeBudgetMs ?? DEFAULT_BUDGET_MS);
  const lines = text.split('\n');
  const torch = new Torch();
  const ip = new Interpreter(module, torch);
  const fileDiagnostics: SourceDiagnostic<Message>[] = syntaxDiagnostics(module);

  try {
    ip.runModule(STATEMENT_STEPS, SCRIPT_STEPS, deadline);
  } catch (e) {
    const limit = asLimit(e);
    if (!limit) throw e;
    fileDiagnostics.push({ range: zeroRange(), severity: 'warning', code: 'limit', message: `module-level code ${limit.message}; the classes are still analyzed` });
  }

  const seen = new Set<ClassDef>();
  const classes = ip.classes.filter((c) => {
    if (!c.nnBase || seen.has(c.def)) return false;
    seen.add(c.def);
    return true;
  });
  classes.sort((a, b) => a.def.range.start.line - b.def.range.start.line);

  const plans = new Map<ClassInfo, Plan>();
  const firstUse = new Map<ClassInfo, FirstUse>();
  const helpers = new Helpers(ip, module, lines, deadline);

  const runPlan = (p: Plan): void => {
    if (!p.mod) return;
    const inputs = p.inputs ?? helpers.unknownInputs(p.cls);
    ip.budget({ maxSteps: CLASS_STEPS, deadline });
    const before = ip.gaveUp.length;
    p.run = runForward(ip, torch, p.mod, inputs, [], p.cls.def.nameRange);
    if (ip.gaveUp.length > before) p.incomplete = ip.gaveUp[before];
    // Nested instances of other classes: their first use gives them an instance and an input.
    const paths = new Map(namedModules(p.mod).map(([path, m]) => [m, path]));
    for (const [m, stats] of p.run.stats) {
      if (m === p.mod || m.kind !== 'custom' || !m.cls || firstUse.has(m.cls)) continue;
      const known = stats.inputs?.every((v) => v.t !== 'tensor' || v.ten.shape !== undefined) && !!p.inputs;
      firstUse.set(m.cls, { mod: m, inputs: known ? stats.inputs : undefined, owner: p.cls, path: paths.get(m) ?? m.typeName, site: m.registeredAt ?? m.created });
    }
  };

  // 1. A directive or what the file feeds the model.
  for (const cls of classes) {
    const p: Plan = { cls, diagnostics: [] };
    plans.set(cls, p);
    const directive = directiveFor(module.comments, lines, cls.def.range.start.line);
    const rootInstances = ip.instances.filter((i) => i.cls === cls && !i.nested);
    if (directive) {
      const shapes = parseDirective(ip, directive.text);
      const range = { start: { line: directive.line, character: 0 }, end: { line: directive.line, character: lines[directive.line]?.length ?? 0 } };
      if (typeof shapes === 'string') {
        p.diagnostics.push({ range, severity: 'warning', code: 'no-input', message: `floplens directive ignored: ${shapes}` });
      } else {
        helpers.instanceFromFile(p, rootInstances[0]) || helpers.instanceFromDefaults(p);
        p.inputs = shapes.map(tensorFor);
        p.input = { shapes, source: 'comment', description: msg`# floplens: ${directive.text} on line ${range.start}`, range };
        continue;
      }
    }
    const feeds = torch.feeds.filter((f) => f.mod.cls === cls && rootInstances.some((i) => i.mod === f.mod));
    const feed = feeds.find((f) => f.kind !== 'call' && hasShapes(f)) ?? feeds.find((f) => hasShapes(f));
    if (feed) {
      helpers.instanceFromFile(p, rootInstances.find((i) => i.mod === feed.mod)!);
      p.inputs = feed.inputs;
      p.input = helpers.feedInput(feed);
    }
  }
  for (const cls of classes) {
    const p = plans.get(cls)!;
    if (p.inputs && p.mod) runPlan(p);
  }

  // 2. Classes built by other classes: their first use (instance and input), as long as that
  //    teaches something new. Classes analyzed only with the default input setting (or none) are
  //    analyzed again once an analyzed parent shows their first use.
  const useFirst = (p: Plan, use: FirstUse & { inputs: Value[] }): void => {
    p.mod = use.mod;
    p.inputs = use.inputs;
    p.incomplete = undefined;
    p.instance = { source: 'first-use', description: msg`built by ${use.owner.name} as ${use.path}${use.site ? msg` (line ${at(use.site)})` : ''}`, range: use.site };
    p.input = { shapes: use.inputs.map((v) => shapeList(firstTensor(v)?.ten.shape)).filter((s): s is (number | string)[] => !!s), source: 'first-use', description: `its first use in ${use.owner.name} (${use.path})`, range: use.site };
    runPlan(p);
  };
  const propagate = (): void => {
    for (let round = 0, progress = true; progress && round <= classes.length; round++) {
      progress = false;
      for (const cls of classes) {
        const p = plans.get(cls)!;
        const use = firstUse.get(cls);
        if (!use?.inputs || p.input?.source === 'first-use') continue;
        if (p.run && p.input && p.input.source !== 'setting') continue;
        useFirst(p, use as FirstUse & { inputs: Value[] });
        progress = true;
      }
    }
  };
  propagate();

  // 3. The default input setting, else no input (parameters are still counted).
  for (const cls of classes) {
    const p = plans.get(cls)!;
    if (p.run) continue;
    const use = firstUse.get(cls);
    const rootInstances = ip.instances.filter((i) => i.cls === cls && !i.nested);
    if (!p.mod) {
      const nested = ip.instances.find((i) => i.cls === cls && i.nested);
      if (rootInstances[0]) helpers.instanceFromFile(p, rootInstances[0]);
      else if (use && helpers.requiredParams(cls).length) {
        p.mod = use.mod;
        p.instance = { source: 'first-use', description: `built by ${use.owner.name} as ${use.path}`, range: use.site };
      } else if (nested && helpers.requiredParams(cls).length) {
        // Built by another class but never called there (training-only code): its arguments still count.
        p.mod = nested.mod;
        p.instance = { source: 'first-use', description: msg`${helpers.source(nested.site)} on line ${at(nested.site)}`, range: nested.site };
      } else helpers.instanceFromDefaults(p);
    }
    // The setting is an input for whole models, not for blocks another class builds.
    if (options.defaultInput && options.defaultInput.length && p.instance?.source !== 'first-use') {
      p.inputs = [tensorFor(options.defaultInput)];
      p.input = { shapes: [[...options.defaultInput]], source: 'setting', description: `the default input setting ${shapeText(options.defaultInput)}` };
    }
    runPlan(p);
  }
  propagate();

  const out: ClassAnalysis<Message>[] = [];
  for (const cls of classes) {
    try {
      out.push(helpers.report(plans.get(cls)!));
    } catch (e) {
      out.push(helpers.failed(cls, e as Error));
    }
  }

  // Notes outside every class go to the file.
  for (const n of ip.notes) {
    if (classes.some((c) => contains(c.def.range, n.range))) continue;
    fileDiagnostics.push({ range: n.range, severity: n.severity, code: n.internal ? 'internal' : 'note', message: n.message });
  }
  return { classes: out, diagnostics: fileDiagnostics, elapsedMs: Math.round((performance.now() - started) * 100) / 100 };
}

function hasShapes(f: Feed): boolean {
  return f.inputs.length > 0 && f.inputs.every((v) => v.t === 'tensor' && v.ten.shape !== undefined);
}

function zeroRange(): SourceRange {
  return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}

function contains(outer: SourceRange, inner: SourceRange): boolean {
  const a = outer.start;
  const b = outer.end;
  const s = inner.start;
  return (s.line > a.line || (s.line === a.line && s.character >= a.character)) && (s.line < b.line || (s.line === b.line && s.character <= b.character));
}

function syntaxDiagnostics(m: PyModule): SourceDiagnostic<Message>[] {
  const byLine = new Map<number, SourceDiagnostic<Message>>();
  for (const e of m.errors) {
    if (byLine.has(e.range.start.line)) continue;
    byLine.set(e.range.start.line, { range: e.range, severity: 'error', code: 'syntax', message: msg`${e.message}: the statement is skipped, the rest of the file is analyzed` });
  }
  const out = [...byLine.values()];
  for (const w of m.warnings) out.push({ range: w.range, severity: 'warning', code: 'syntax', message: w.message });
  return out;
}

function shapeList(shape: readonly Expr[] | undefined): (number | string)[] | undefined {
  return shape?.map((d) => d.constant ?? String(d));
}

function num(e: Expr): number | undefined {
  return e.constant;
}

class Helpers {
  private readonly defs: { name: string; range: SourceRange }[] = [];

  constructor(
    private readonly ip: Interpreter,
    module: PyModule,
    private readonly lines: string[],
    private readonly deadline: number,
  ) {
    // Module-level definitions, also under `if` (`if __name__ == '__main__':`).
    walk(module.body, (s) => {
      if (s.kind === 'class' || s.kind === 'def') this.defs.push({ name: s.name, range: s.range });
      return s.kind === 'if';
    });
  }

  source(r: SourceRange, max = 80): string {
    const parts: string[] = [];
    for (let l = r.start.line; l <= r.end.line && l < this.lines.length; l++) {
      const text = this.lines[l];
      parts.push(text.slice(l === r.start.line ? r.start.character : 0, l === r.end.line ? r.end.character : text.length).trim());
    }
    const s = parts.join(' ').replace(/\s+/g, ' ');
    return s.length > max ? `${s.slice(0, max - 1)}…` : s;
  }

  definedIn(r: SourceRange | undefined): string | undefined {
    if (!r) return undefined;
    return this.defs.find((d) => contains(d.range, r))?.name;
  }

  instanceFromFile(p: Plan, inst: Instance | undefined): boolean {
    if (!inst) return false;
    p.mod = inst.mod;
    p.instance = { source: 'file', description: msg`${this.source(inst.site)} on line ${at(inst.site)}`, range: inst.site };
    return true;
  }

  /** __init__ parameters without defaults (through the file's bases). */
  requiredParams(cls: ClassInfo): string[] {
    const init = classAttr(cls, '__init__');
    if (init?.t !== 'func') return [];
    return init.fn.params.filter((q, i) => i > 0 && !q.default && (q.kind === 'normal' || q.kind === 'kwonly')).map((q) => q.name);
  }

  instanceFromDefaults(p: Plan): void {
    const missing = this.requiredParams(p.cls);
    const kwargs: [string, Value][] = missing.map((n) => [n, unknown(`${n} has no default and the file never constructs ${p.cls.name}`, line(p.cls.def.nameRange))]);
    this.ip.budget({ maxSteps: CLASS_STEPS, deadline: this.deadline });
    let v: Value;
    try {
      v = instantiateClass(this.ip, p.cls, [], kwargs, p.cls.def.nameRange);
    } catch (e) {
      const limit = asLimit(e);
      p.diagnostics.push({ range: this.classLine(p.cls), severity: 'warning', code: limit ? 'limit' : 'internal', message: `building ${p.cls.name}: ${limit ? limit.message : `internal error: ${(e as Error).message}`}` });
      return;
    }
    if (v.t === 'module') p.mod = v.mod;
    p.instance = {
      source: 'defaults',
      description: missing.length ? `${p.cls.name}() with its __init__ defaults; ${missing.join(', ')} ${missing.length > 1 ? 'have' : 'has'} no default` : `${p.cls.name}() with its __init__ defaults`,
    };
  }

  feedInput(f: Feed): InputInfo<Message> {
    const shapes = f.inputs.map((v) => shapeList(firstTensor(v)?.ten.shape) ?? []);
    const label = f.kind === 'call' ? '' : ` (${f.kind === 'export' ? 'export' : f.kind})`;
    return { shapes, source: f.kind, description: msg`${this.source(f.site)}${label} on line ${at(f.site)}`, range: f.site, ...(f.note ? { note: f.note } : {}) };
  }

  /** Unknown-shaped tensors for each required forward input (to follow calls without an input shape). */
  unknownInputs(cls: ClassInfo): Value[] {
    const fwd = classAttr(cls, 'forward');
    const why = { reason: `no input shape is known for ${cls.name}`, line: line(cls.def.nameRange) };
    const count = fwd?.t === 'func' ? fwd.fn.params.filter((q, i) => i > 0 && !q.default && q.kind === 'normal').length : 1;
    return Array.from({ length: count }, () => ({ t: 'tensor', ten: { dtype: DataType.FLOAT, why } }) as Value);
  }

  classLine(cls: ClassInfo): SourceRange {
    const r = cls.def.range;
    return { start: r.start, end: { line: r.start.line, character: this.lines[r.start.line]?.length ?? r.start.character } };
  }

  report(p: Plan): ClassAnalysis<Message> {
    const cls = p.cls;
    const diagnostics: SourceDiagnostic<Message>[] = [...p.diagnostics];
    const classLine = this.classLine(cls);
    const root = p.mod;
    const run = p.run;
    const hasInput = !!p.inputs;
    const hasForward = classAttr(cls, 'forward')?.t === 'func' || cls.nnBase === 'Sequential';
    const complete = !!run && !run.aborted && !p.incomplete && hasForward && !!root && root.unknownParts.every((u) => u.name !== '__init__');
    const modules = root ? namedModules(root) : [];
    const pathOf = new Map(modules.map(([path, m]) => [m, path]));

    // Use: called, referenced in code not followed, or a parameter of it read.
    const usedSelf = (m: ModuleObj): boolean => !!run && ((run.stats.get(m)?.calls ?? 0) > 0 || run.referenced.has(m) || [...m.params.values()].some((q) => run.usedParams.has(q)));
    const usedMemo = new Map<ModuleObj, boolean>();
    const used = (m: ModuleObj): boolean => {
      let u = usedMemo.get(m);
      if (u === undefined) {
        usedMemo.set(m, false);
        u = usedSelf(m) || [...m.children.values()].some(used);
        usedMemo.set(m, u);
      }
      return u;
    };
    const unused = (m: ModuleObj): boolean => complete && m !== root && !used(m);

    // Parameters: each once; unknown ones with their reasons.
    const paramsUnknown: Message[] = [];
    const seenParams = new Set<ParamRef>();
    let params = 0;
    let unusedParams = 0;
    let buffers = 0;
    const unusedModules = new Set<ModuleObj>();
    for (const [path, m] of modules) {
      if (unused(m)) unusedModules.add(m);
      const where = path || cls.name;
      if (m.layer?.why) paramsUnknown.push(msg`${where} (${m.typeName}): ${m.layer.why.reason}`);
      else if (m.layer?.entry.lazy && m.params.size === 0) paramsUnknown.push(`${where} (${m.typeName}) takes its input size from the first input, which is not known`);
      for (const u of m.unknownParts) paramsUnknown.push(msg`${u.name === '__init__' || u.name === 'contents' ? where : `${path ? `${path}.` : ''}${u.name}`}: ${u.why.reason}`);
      for (const b of m.buffers.values()) buffers += b.shape ? b.shape.reduce((x, y) => x * y, 1) : 0;
      for (const [k, q] of m.params) {
        if (seenParams.has(q)) continue;
        seenParams.add(q);
        const n = q.elements;
        if (n === undefined) {
          paramsUnknown.push(msg`${path ? `${path}.` : ''}${k}: ${q.why?.reason ?? 'shape unknown'}`);
          continue;
        }
        params += n;
        const ownerUnused = unusedModules.has(m) || [...unusedModules].some((u) => isAncestor(pathOf.get(u)!, path));
        const paramUnused = complete && !ownerUnused && m.kind !== 'layer' && !run!.usedParams.has(q);
        if (ownerUnused || paramUnused) unusedParams += n;
      }
    }

    const layers: LayerAnalysis<Message>[] = [];
    const aliases = root ? aliasPaths(root) : new Map<ModuleObj, string[]>();
    for (const [path, m] of modules) {
      if (m === root) continue;
      layers.push(this.layer(path, m, run, hasInput, unused(m), aliases.get(m)));
    }

    const parameters: ParameterAnalysis<Message>[] = [];
    for (const [path, m] of modules) {
      if (m.kind === 'layer') continue;
      for (const [k, q] of m.params) {
        const full = path ? `${path}.${k}` : k;
        const ownerUnused = unusedModules.has(m) || [...unusedModules].some((u) => isAncestor(pathOf.get(u)!, path));
        const entry: ParameterAnalysis<Message> = { path: full, name: k, requiresGrad: q.requiresGrad, used: !complete || (!ownerUnused && run!.usedParams.has(q)) };
        if (q.shape) {
          entry.shape = q.shape;
          entry.elements = q.elements;
        } else entry.unknown = q.why?.reason ?? 'shape unknown';
        const r = q.registeredAt ?? q.site;
        if (r) entry.range = r;
        parameters.push(entry);
        if (complete && !entry.used && !ownerUnused && q.elements !== undefined && r) {
          diagnostics.push({ range: r, severity: 'warning', code: 'unused-parameter', message: `${full} is never used in forward(): ${this.countText(q.elements)} counted by model.parameters() but ${q.elements === 1 ? 'does' : 'do'} no work` });
        }
      }
    }

    // Unused modules: the topmost of each unused subtree.
    for (const [path, m] of modules) {
      if (!unusedModules.has(m)) continue;
      const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
      const parentMod = modules.find(([p2]) => p2 === parent)?.[1];
      if (parentMod && unusedModules.has(parentMod)) continue;
      const n = layers.find((l) => l.path === path)?.params ?? 0;
      const range = m.registeredAt ?? m.created ?? classLine;
      diagnostics.push(
        n > 0
          ? { range, severity: 'warning', code: 'unused-module', message: `${path} is never used in forward(): ${this.countText(n)} counted by model.parameters() but ${n === 1 ? 'does' : 'do'} no work` }
          : { range, severity: 'hint', code: 'unused-module', message: `${path} is never used in forward()` },
      );
    }

    // Modules kept in plain lists / dicts / tuples are not registered: torch does not count them.
    for (const [path, m] of modules) {
      if (m.kind !== 'custom') continue;
      for (const [name, v] of m.attrs) {
        const held = plainModules(v);
        const range = m.attrSites.get(name);
        if (!held.length || !range) continue;
        const seenHeld = new Set<ParamRef>();
        let n = 0;
        for (const h of held) {
          for (const [, q] of namedParametersOf(h)) {
            if (seenHeld.has(q) || q.elements === undefined) continue;
            seenHeld.add(q);
            n += q.elements;
          }
        }
        const where = path ? `${path}.${name}` : name;
        const kind = v.t === 'dict' ? 'dict' : v.t === 'tuple' ? 'tuple' : 'list';
        diagnostics.push({
          range,
          severity: 'warning',
          code: 'unregistered',
          message: `${where} is a plain ${kind} of ${held.length} module${held.length > 1 ? 's' : ''}: they are not registered, so model.parameters() does not count their ${groupDigits(n)} parameters (use nn.Module${kind === 'dict' ? 'Dict' : 'List'})`,
        });
      }
    }

    // Layers whose arguments could not be evaluated, containers of unknown contents.
    const reported = new Set<string>();
    for (const [path, m] of modules) {
      const range = m.registeredAt ?? m.created;
      if (!range) continue;
      const push = (message: Message): void => {
        const key = `${range.start.line}:${messageText(message)}`;
        if (reported.has(key)) return;
        reported.add(key);
        diagnostics.push({ range, severity: 'warning', code: 'unevaluable', message });
      };
      if (m.layer?.why) push(msg`${m.typeName}: ${m.layer.why.reason}`);
      for (const u of m.unknownParts) if (u.name !== '__init__') push(msg`${path ? `${path}${u.name === 'contents' ? '' : `.${u.name}`}` : u.name}: parameters unknown: ${u.why.reason}`);
    }

    const costUnknown: Message[] = [];
    let macs: number | undefined;
    let flops: number | undefined;
    if (run) {
      if (hasInput) for (const n of run.shapeNotes) diagnostics.push({ range: n.range, severity: 'information', code: 'shape-unknown', message: n.message });
      if (hasInput) {
        macs = num(run.macs);
        flops = num(run.flops);
        for (const u of run.costUnknown) costUnknown.push(u.line ? msg`line ${lineAt(u.line)}: ${u.reason}` : u.reason);
        if (p.incomplete) costUnknown.push(msg`forward() was not followed to its end: ${p.incomplete}`);
        if (run.aborted) costUnknown.push(`forward() ${run.aborted}`);
      }
      if (run.aborted) diagnostics.push({ range: classLine, severity: 'warning', code: run.internalError ? 'internal' : 'limit', message: `forward() of ${cls.name} ${run.aborted}` });
    }
    if (!hasInput) {
      diagnostics.push({
        range: classLine,
        severity: 'information',
        code: 'no-input',
        message: `no input shape for ${cls.name}: MACs are not computed (add "# floplens: input=(1, 3, 224, 224)" above the class, call the model in the file, or set a default input)`,
      });
    }
    if (!hasForward) diagnostics.push({ range: classLine, severity: 'information', code: 'note', message: `${cls.name} has no forward(): nothing to follow` });
    for (const n of this.ip.notes) {
      if (contains(cls.def.range, n.range)) diagnostics.push({ range: n.range, severity: n.severity, code: n.internal ? 'internal' : n.severity === 'warning' && /^loop/.test(messageText(n.message)) ? 'limit' : 'note', message: n.message });
    }

    const totals: ClassTotals<Message> = { params, usedParams: params - unusedParams, unusedParams, paramsUnknown, buffers, costUnknown };
    if (macs !== undefined) totals.macs = macs;
    if (flops !== undefined) totals.flops = flops;
    const outStats = root && run ? run.stats.get(root) : undefined;
    const result: ClassAnalysis<Message> = {
      name: cls.name,
      range: classLine,
      nameRange: cls.def.nameRange,
      bodyRange: cls.def.range,
      base: cls.nnBase ?? 'Module',
      instance: p.instance ?? { source: 'defaults', description: `${cls.name}() could not be built` },
      totals,
      layers,
      parameters,
      diagnostics: dedupe(diagnostics),
    };
    if (p.input) result.input = p.input;
    if (outStats?.output && hasInput) result.outputShapes = outputShapes(outStats.output);
    return result;
  }

  /** A class whose report could not be made (an analysis bug): say so on its line. */
  failed(cls: ClassInfo, e: Error): ClassAnalysis<Message> {
    return {
      name: cls.name,
      range: this.classLine(cls),
      nameRange: cls.def.nameRange,
      bodyRange: cls.def.range,
      base: cls.nnBase ?? 'Module',
      instance: { source: 'defaults', description: `${cls.name} could not be analyzed` },
      totals: { params: 0, usedParams: 0, unusedParams: 0, paramsUnknown: [`internal error: ${e.message}`], buffers: 0, costUnknown: [] },
      layers: [],
      parameters: [],
      diagnostics: [{ range: this.classLine(cls), severity: 'warning', code: 'internal', message: `${cls.name} could not be analyzed (internal error: ${e.message})` }],
    };
  }

  private countText(n: number): string {
    return n === 1 ? 'its 1 parameter is' : `its ${groupDigits(n)} parameters are`;
  }

  private layer(path: string, m: ModuleObj, run: Run | undefined, hasInput: boolean, unused: boolean, aliases: string[] | undefined): LayerAnalysis<Message> {
    const kind = m.kind === 'layer' ? 'layer' : m.kind === 'custom' && containerKind(m) === 'custom' ? 'module' : 'container';
    const range = m.registeredAt ?? m.created;
    const entry: LayerAnalysis<Message> = { path, name: path.slice(path.lastIndexOf('.') + 1), depth: path.split('.').length - 1, type: m.typeName, kind, calls: 0, unused };
    if (range) entry.range = range;
    if (m.created) entry.createdAt = m.created;
    const def = this.definedIn(range);
    if (def) entry.definedIn = def;
    // Parameters of the subtree, each once.
    const seen = new Set<ParamRef>();
    let params = 0;
    let buffers = 0;
    const unknownReasons: Message[] = [];
    for (const [sub, c] of namedModules(m)) {
      if (c.layer?.why) unknownReasons.push(msg`${sub ? `${sub}: ` : ''}${c.layer.why.reason}`);
      else if (c.layer?.entry.lazy && c.params.size === 0) unknownReasons.push(`${sub ? `${sub}: ` : ''}${c.typeName} takes its input size from the first input, which is not known`);
      for (const u of c.unknownParts) unknownReasons.push(u.why.reason);
      for (const b of c.buffers.values()) buffers += b.shape ? b.shape.reduce((x, y) => x * y, 1) : 0;
      for (const q of c.params.values()) {
        if (seen.has(q)) continue;
        seen.add(q);
        if (q.elements === undefined) unknownReasons.push(q.why?.reason ?? 'a parameter shape is unknown');
        else params += q.elements;
      }
    }
    entry.params = params;
    if (buffers) entry.buffers = buffers;
    if (unknownReasons.length) entry.paramsUnknown = uniqueMessages(unknownReasons);
    if (m.layer?.paramsFormula && !unknownReasons.length) entry.paramsFormula = `${m.layer.paramsFormula} = ${groupDigits(params)}`;
    if (aliases?.length) entry.aliases = aliases;
    const stats = run?.stats.get(m);
    if (!stats?.calls && run && hasInput && kind === 'container') {
      // A ModuleList / ModuleDict is not called itself: show what its items did.
      let macs: Expr | undefined;
      let flops: Expr | undefined;
      for (const c of new Set(m.children.values())) {
        const s = run.stats.get(c);
        if (!s?.calls) continue;
        macs = macs ? macs.add(s.macs) : s.macs;
        flops = flops ? flops.add(s.flops) : s.flops;
      }
      if (macs?.constant !== undefined) entry.macs = macs.constant;
      if (flops?.constant !== undefined) entry.flops = flops.constant;
    }
    if (stats) {
      entry.calls = stats.calls;
      if (stats.calls > 1) entry.callsNote = `called ${stats.calls}× · params counted once · MACs ×${stats.calls}`;
      if (hasInput) {
        const macs = num(stats.macs);
        const flops = num(stats.flops);
        if (macs !== undefined) entry.macs = macs;
        if (flops !== undefined) entry.flops = flops;
        if (stats.formula) entry.macsFormula = stats.formula;
        if (stats.costUnknown.length) entry.costUnknown = [...stats.costUnknown];
        entry.inputShapes = (stats.inputs ?? []).map((v) => shapeList(firstTensor(v)?.ten.shape) ?? null);
        const out = firstTensor(stats.output);
        entry.outputShape = shapeList(out?.ten.shape) ?? null;
        if (!out?.ten.shape) entry.outputUnknown = out?.ten.why ? msg`${out.ten.why.line ? msg`after line ${lineAt(out.ten.why.line)}: ` : ''}${out.ten.why.reason}` : stats.output?.t === 'unknown' ? stats.output.why.reason : 'the output is not a tensor';
      }
    }
    return entry;
  }
}

/** Modules held in a plain list, tuple or dict attribute (one level). */
function plainModules(v: Value): ModuleObj[] {
  const items = v.t === 'list' || v.t === 'tuple' ? v.items : v.t === 'dict' ? [...v.map.values()].map(([, x]) => x) : [];
  return items.filter((x): x is Extract<Value, { t: 'module' }> => x.t === 'module').map((x) => x.mod);
}

function namedParametersOf(m: ModuleObj): [string, ParamRef][] {
  const out: [string, ParamRef][] = [];
  for (const [path, c] of namedModules(m)) for (const [k, q] of c.params) out.push([path ? `${path}.${k}` : k, q]);
  return out;
}

function isAncestor(ancestor: string, path: string): boolean {
  return ancestor !== '' && path.startsWith(`${ancestor}.`);
}

function outputShapes(v: Value): ((number | string)[] | null)[] {
  if (v.t === 'tuple' || v.t === 'list') return v.items.map((it) => shapeList(firstTensor(it)?.ten.shape) ?? null);
  return [shapeList(firstTensor(v)?.ten.shape) ?? null];
}

/** Paths beyond the first under which a module object is registered again. */
function aliasPaths(root: ModuleObj): Map<ModuleObj, string[]> {
  const first = new Map<ModuleObj, string>();
  const extra = new Map<ModuleObj, string[]>();
  const walk = (m: ModuleObj, prefix: string, depth: number): void => {
    if (depth > 64) return;
    for (const [k, c] of m.children) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (first.has(c)) {
        const list = extra.get(c) ?? [];
        list.push(path);
        extra.set(c, list);
        continue;
      }
      first.set(c, path);
      walk(c, path, depth + 1);
    }
  };
  walk(root, '', 0);
  return extra;
}

function dedupe(ds: SourceDiagnostic<Message>[]): SourceDiagnostic<Message>[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = `${d.range.start.line}:${d.range.start.character}:${d.code}:${messageText(d.message)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
