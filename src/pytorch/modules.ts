/**
 * nn.Module semantics: instances of the file's module classes, catalogue layers and containers
 * (Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict), attribute registration as
 * torch does it (`self.x = module` registers a child, `self.w = nn.Parameter(...)` a parameter,
 * `register_buffer` a buffer), indexing and iteration of containers, the nn.Module API used in
 * model code (`modules()`, `parameters()`, `apply`, `add_module`, `to`/`eval`), deep copies.
 */
import { DataType } from '../onnx/model';
import { Expr } from '../symbolic/expr';
import { line, type SourceRange } from './ast';
import { ArgError, type BuildContext, type Literal } from './catalogue-types';
import { bindArgs, LayerArgs, literal } from './catalogue-args';
import { layerEntry } from './catalogue';
import { bindClassAttr, canonicalNn, classAttr } from './classes';
import type { Interpreter, Kwargs } from './evaluate';
import { at, msg, messageText } from './message';
import { indexOf, sliceIndices, sliceItems } from './operators';
import { ModuleObj, NONE, ParamRef, unknown, unknownFrom, type ClassInfo, type ModuleKind, type Value, type Why } from './values';

const CONTAINERS = new Set(['Sequential', 'ModuleList', 'ModuleDict', 'ParameterList', 'ParameterDict']);

/** Which container behaviour a module has (a class deriving nn.Sequential behaves as one). */
export function containerKind(mod: ModuleObj): ModuleKind {
  if (mod.kind === 'custom' && mod.cls?.nnBase && mod.cls.nnBase !== 'Module') return mod.cls.nnBase;
  return mod.kind;
}

function moduleValue(mod: ModuleObj): Value {
  return { t: 'module', mod };
}

export function paramValue(p: ParamRef): Value {
  if (p.shape) return { t: 'tensor', ten: { shape: p.shape.map((d) => exprOf(d)), dtype: DataType.FLOAT, param: p } };
  return { t: 'tensor', ten: { dtype: DataType.FLOAT, param: p, why: p.why ?? { reason: 'the parameter shape is unknown' } } };
}

function exprOf(n: number): Expr {
  return Expr.of(n);
}

// ---------------------------------------------------------------------------------------------
// construction

/** Instantiates a class of the file: an nn.Module subclass becomes a module, others plain objects. */
export function instantiateClass(ip: Interpreter, cls: ClassInfo, args: Value[], kwargs: Kwargs, site: SourceRange, argsWhy?: Why): Value {
  if (!cls.nnBase) {
    const obj = ip.newObject(cls);
    if (argsWhy) return unknownFrom(argsWhy);
    const r = ip.callMethod(obj, cls, '__init__', args, kwargs, site);
    if (r?.t === 'unknown' && /^raises /.test(messageText(r.why.reason))) return r;
    return obj;
  }
  const mod = new ModuleObj(cls.name, 'custom', site);
  mod.cls = cls;
  const self = moduleValue(mod);
  ip.instances.push({ mod, cls, args, kwargs, site, nested: ip.inModuleCode > 0 });
  ip.inModuleCode++;
  try {
    if (argsWhy) {
      mod.unknownParts.push({ name: '__init__', why: argsWhy });
      return self;
    }
    const init = classAttr(cls, '__init__');
    if (init?.t === 'func') {
      const r = ip.callFunction(init, [self, ...args], kwargs, site);
      if (r.t === 'unknown') {
        mod.unknownParts.push({ name: '__init__', why: r.why });
        ip.note(site, msg`${cls.name}(...) on line ${at(site)}: __init__ ${r.why.reason}`, 'warning');
      }
    } else callModuleMethod(ip, mod, '__init__', args, kwargs, site);
  } finally {
    ip.inModuleCode--;
  }
  return self;
}

/** Makes a catalogue layer (`torch.nn.Conv2d(...)`); argument problems make a layer with unknown parameters. */
export function makeLayer(ip: Interpreter | undefined, typeName: string, args: Value[], kwargs: Kwargs, site: SourceRange | undefined, argsWhy?: Why): ModuleObj {
  const entry = layerEntry(typeName)!;
  const mod = new ModuleObj(typeName, 'layer', site);
  const state: NonNullable<ModuleObj['layer']> = { entry, args: new Map() };
  mod.layer = state;
  if (argsWhy) {
    state.why = argsWhy;
    return mod;
  }
  try {
    state.args = bindArgs(typeName, entry.signature, args, kwargs);
    for (const [k, v] of state.args) mod.attrs.set(k, v);
    const b: BuildContext = {
      args: new LayerArgs(typeName, state.args),
      site,
      make: (type, named) => {
        const kw: Kwargs = Object.entries(named).map(([k, v]) => [k, toValue(v)]);
        if (CONTAINERS.has(type)) return makeContainer(ip, type as ModuleKind, [], kw, site);
        return makeLayer(ip, type, [], kw, site);
      },
      deepcopy: deepcopyModule,
    };
    const built = entry.build(b);
    state.config = built.config;
    state.paramsFormula = built.paramsFormula;
    for (const [name, shape] of built.params) mod.params.set(name, new ParamRef(shape, undefined, site));
    for (const [name, shape] of built.buffers ?? []) mod.buffers.set(name, { shape });
    for (const [name, child] of built.children ?? []) mod.children.set(name, child);
    for (const [k, v] of Object.entries(built.attrs ?? {})) mod.attrs.set(k, toValue(v));
    // torch keeps `bias = None` (and weight for non-affine norms) as attributes.
    for (const n of ['weight', 'bias']) if (!mod.params.has(n) && !mod.attrs.has(n) && !entry.lazy) mod.attrs.set(n, NONE);
  } catch (e) {
    if (!(e instanceof ArgError)) throw e;
    state.why = e.why.line === undefined && site ? { ...e.why, line: line(site) } : e.why;
    state.config = undefined;
  }
  return mod;
}

function toValue(v: Value | Literal): Value {
  if (v !== null && typeof v === 'object' && 't' in v) return v as Value;
  return literal(v as Literal);
}

/**
 * Containers of more items than this are not built: real models hold thousands of modules, and
 * registering a million (`nn.Sequential(*[layer] * 1000000)`) takes seconds.
 */
export const MAX_CONTAINER_ITEMS = 100_000;

/** Whether `n` more items fit in `mod`; when not, its contents are unknown, with the reason. */
function roomFor(ip: Interpreter | undefined, mod: ModuleObj, n: number): boolean {
  const total = mod.children.size + mod.params.size + n;
  if (total > MAX_CONTAINER_ITEMS) {
    mod.unknownParts.push({ name: 'contents', why: { reason: `a ${mod.typeName} of ${total.toLocaleString('en-US')} items is not built (more than ${MAX_CONTAINER_ITEMS.toLocaleString('en-US')})` } });
    return false;
  }
  ip?.work(n);
  return true;
}

/** Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict. */
export function makeContainer(ip: Interpreter | undefined, kind: ModuleKind, args: Value[], kwargs: Kwargs, site: SourceRange | undefined, argsWhy?: Why): ModuleObj {
  const mod = new ModuleObj(kind, kind, site);
  if (argsWhy) {
    mod.unknownParts.push({ name: 'contents', why: argsWhy });
    return mod;
  }
  const given = args[0] ?? kwargs.find(([k]) => k === 'modules' || k === 'values' || k === 'parameters')?.[1];
  switch (kind) {
    case 'Sequential':
      if (args.length === 1 && args[0].t === 'dict') fillFromDict(ip, mod, args[0]);
      else if (roomFor(ip, mod, args.length)) args.forEach((a, i) => addItem(mod, String(i), a));
      for (const [k, v] of kwargs) if (k === 'modules') fillFrom(ip, mod, v, site);
      break;
    case 'ModuleList':
    case 'ParameterList':
      if (given && given.t !== 'none') fillFrom(ip, mod, given, site);
      break;
    case 'ModuleDict':
    case 'ParameterDict':
      if (given?.t === 'dict') fillFromDict(ip, mod, given);
      else if (given && given.t !== 'none') fillFrom(ip, mod, given, site, true);
      break;
    default:
      break;
  }
  return mod;
}

function addItem(mod: ModuleObj, name: string, v: Value): void {
  if (v.t === 'module') mod.children.set(name, v.mod);
  else if (v.t === 'tensor' && v.ten.param) mod.params.set(name, v.ten.param);
  else if (v.t === 'tensor') mod.params.set(name, new ParamRef(v.ten.shape?.map((d) => d.constant!).every((d) => d !== undefined) ? v.ten.shape.map((d) => d.constant!) : undefined, v.ten.why, undefined));
  else if (v.t === 'unknown') mod.unknownParts.push({ name, why: v.why });
  else if (v.t !== 'none') mod.unknownParts.push({ name, why: { reason: `item ${name} is ${v.t}, not a module` } });
}

function fillFromDict(ip: Interpreter | undefined, mod: ModuleObj, d: Extract<Value, { t: 'dict' }>): void {
  if (!roomFor(ip, mod, d.map.size)) return;
  for (const [k, v] of d.map.values()) addItem(mod, k.t === 'str' ? k.v : String((k as { v: unknown }).v), v);
}

function fillFrom(ip: Interpreter | undefined, mod: ModuleObj, v: Value, site: SourceRange | undefined, pairs = false): void {
  if (v.t === 'unknown') {
    mod.unknownParts.push({ name: 'contents', why: v.why });
    return;
  }
  const items = ip && site ? ip.iterate(v, site) : v.t === 'list' || v.t === 'tuple' ? v.items : { reason: 'not iterable' };
  if ('reason' in items) {
    mod.unknownParts.push({ name: 'contents', why: items });
    return;
  }
  if (!roomFor(ip, mod, items.length)) return;
  const start = mod.children.size + mod.params.size;
  items.forEach((it, i) => {
    if (pairs && (it.t === 'tuple' || it.t === 'list') && it.items.length === 2 && it.items[0].t === 'str') addItem(mod, it.items[0].v, it.items[1]);
    else addItem(mod, String(start + i), it);
  });
}

/** A deep copy with fresh parameters; modules shared inside the original stay shared in the copy. */
export function deepcopyModule(mod: ModuleObj, memo = new Map<ModuleObj, ModuleObj>()): ModuleObj {
  const hit = memo.get(mod);
  if (hit) return hit;
  const copy = new ModuleObj(mod.typeName, mod.kind, mod.created);
  memo.set(mod, copy);
  copy.copyOf = mod.copyOf ?? mod;
  copy.cls = mod.cls;
  copy.registeredAt = mod.registeredAt;
  if (mod.layer) copy.layer = { ...mod.layer, config: mod.layer.config && typeof mod.layer.config === 'object' ? { ...(mod.layer.config as object) } : mod.layer.config };
  const params = new Map<ParamRef, ParamRef>();
  const cloneParam = (p: ParamRef): ParamRef => {
    let c = params.get(p);
    if (!c) {
      c = new ParamRef(p.shape, p.why, p.site, p.requiresGrad);
      c.registeredAt = p.registeredAt;
      params.set(p, c);
    }
    return c;
  };
  for (const [k, p] of mod.params) copy.params.set(k, cloneParam(p));
  for (const [k, b] of mod.buffers) copy.buffers.set(k, { ...b });
  for (const [k, c] of mod.children) copy.children.set(k, deepcopyModule(c, memo));
  for (const [k, v] of mod.attrs) copy.attrs.set(k, v.t === 'module' ? { t: 'module', mod: deepcopyModule(v.mod, memo) } : v.t === 'tensor' && v.ten.param ? { t: 'tensor', ten: { ...v.ten, param: cloneParam(v.ten.param) } } : v);
  for (const u of mod.unknownParts) copy.unknownParts.push(u);
  return copy;
}

// ---------------------------------------------------------------------------------------------
// attributes

const MODULE_API = new Set([
  'add_module', 'register_module', 'register_buffer', 'register_parameter', 'modules', 'named_modules', 'children',
  'named_children', 'parameters', 'named_parameters', 'buffers', 'named_buffers', 'apply', 'to', 'cuda', 'cpu', 'eval',
  'train', 'float', 'half', 'double', 'bfloat16', 'requires_grad_', 'zero_grad', 'state_dict', 'load_state_dict',
  'forward', '__call__', 'extra_repr', 'get_submodule', 'get_parameter', 'type', 'share_memory', 'register_forward_hook',
  'register_forward_pre_hook', 'append', 'extend', 'insert', 'keys', 'values', 'items', 'update', 'pop', '__len__',
]);

export function getModuleAttr(ip: Interpreter, mod: ModuleObj, name: string, site: SourceRange, fromSuper = false): Value {
  const read = (v: Value): Value => {
    ip.torch.readAttr?.(ip, mod, name, v);
    return v;
  };
  if (!fromSuper) {
    const a = mod.attrs.get(name);
    if (a !== undefined) return read(a);
    if (mod.cls) {
      const c = classAttr(mod.cls, name);
      if (c !== undefined) return bindClassAttr(ip, c, moduleValue(mod), site);
    }
  }
  const p = mod.params.get(name);
  if (p) return read(paramValue(p));
  const b = mod.buffers.get(name);
  if (b) return read(b.shape ? { t: 'tensor', ten: { shape: b.shape.map(exprOf), dtype: DataType.FLOAT } } : { t: 'tensor', ten: { dtype: DataType.FLOAT, why: b.why ?? { reason: 'buffer shape unknown' } } });
  const child = mod.children.get(name);
  if (child) return read(moduleValue(child));
  if (name === 'training') return { t: 'bool', v: false };
  if (MODULE_API.has(name)) return { t: 'builtin', name: `nn.${name}`, self: moduleValue(mod) };
  if (mod.layer?.why) return unknownFrom(mod.layer.why);
  const part = mod.unknownParts[0];
  if (part) return unknown(msg`${mod.typeName} has no known attribute '${name}' (${part.why.reason})`, line(site));
  return unknown(`${mod.typeName} has no attribute '${name}'`, line(site));
}

export function setModuleAttr(_ip: Interpreter, mod: ModuleObj, name: string, v: Value, stmt: SourceRange | undefined): void {
  if (v.t === 'module') {
    mod.attrs.delete(name);
    mod.params.delete(name);
    mod.children.set(name, v.mod);
    if (!v.mod.registeredAt && stmt) v.mod.registeredAt = stmt;
    return;
  }
  if (v.t === 'tensor' && v.ten.param) {
    mod.attrs.delete(name);
    mod.children.delete(name);
    mod.params.set(name, v.ten.param);
    if (!v.ten.param.registeredAt && stmt) v.ten.param.registeredAt = stmt;
    return;
  }
  if (mod.children.has(name)) mod.children.delete(name);
  if (mod.params.has(name)) mod.params.delete(name);
  if (mod.buffers.has(name) && v.t === 'tensor') {
    mod.buffers.set(name, v.ten.shape?.every((d) => d.constant !== undefined) ? { shape: v.ten.shape.map((d) => d.constant!) } : { why: v.ten.why });
    return;
  }
  mod.attrs.set(name, v);
  if (stmt) mod.attrSites.set(name, stmt);
  if (v.t === 'unknown' && v.why.maybeModule) {
    const known = mod.unknownParts.findIndex((p) => p.name === name);
    if (known >= 0) mod.unknownParts.splice(known, 1);
    mod.unknownParts.push({ name, why: v.why });
  }
}

function itemsOf(mod: ModuleObj): Value[] {
  const kind = containerKind(mod);
  if (kind === 'ParameterList') return [...mod.params.values()].map(paramValue);
  return [...mod.children.values()].map(moduleValue);
}

export function moduleItem(ip: Interpreter, mod: ModuleObj, idx: Value, site: SourceRange): Value {
  const kind = containerKind(mod);
  if (idx.t === 'unknown') return idx;
  if (kind === 'ModuleDict' || kind === 'ParameterDict') {
    if (idx.t !== 'str') return unknown(`${kind} key is not a string`, line(site));
    const c = mod.children.get(idx.v);
    if (c) return moduleValue(c);
    const p = mod.params.get(idx.v);
    if (p) return paramValue(p);
    return unknown(`${kind} has no key '${idx.v}'`, line(site));
  }
  if (kind === 'Sequential' || kind === 'ModuleList' || kind === 'ParameterList') {
    const items = itemsOf(mod);
    if (mod.unknownParts.length) return unknown(msg`${kind} contents are unknown (${mod.unknownParts[0].why.reason})`, line(site));
    if (idx.t === 'slice') {
      const b = sliceIndices(idx, items.length);
      if ('reason' in b) return unknownFrom(b);
      const picked = sliceItems(ip, items, b);
      const out = new ModuleObj(kind, kind === 'ParameterList' ? 'ParameterList' : kind, site);
      picked.forEach((v, i) => addItem(out, String(i), v));
      return moduleValue(out);
    }
    const i = indexOf(idx, items.length);
    return typeof i === 'number' ? items[i] : unknown(i.reason, line(site));
  }
  return unknown(`${mod.typeName} is not subscriptable`, line(site));
}

export function moduleIter(_ip: Interpreter, mod: ModuleObj, site: SourceRange): Value[] | Why {
  const kind = containerKind(mod);
  if (mod.unknownParts.length && kind !== 'custom' && kind !== 'layer') return { reason: msg`${kind} contents are unknown (${mod.unknownParts[0].why.reason})`, line: line(site) };
  if (kind === 'ModuleDict' || kind === 'ParameterDict') return [...mod.children.keys(), ...mod.params.keys()].map((k) => ({ t: 'str', v: k }) as Value);
  if (kind === 'Sequential' || kind === 'ModuleList' || kind === 'ParameterList') return itemsOf(mod);
  return { reason: `a ${mod.typeName} is not iterable`, line: line(site) };
}

export function setModuleItem(_ip: Interpreter, mod: ModuleObj, idx: Value, v: Value, site: SourceRange): void {
  const kind = containerKind(mod);
  if ((kind === 'ModuleDict' || kind === 'ParameterDict') && idx.t === 'str') {
    addItem(mod, idx.v, v);
    if (v.t === 'module' && !v.mod.registeredAt) v.mod.registeredAt = site;
    return;
  }
  if (kind === 'Sequential' || kind === 'ModuleList') {
    const keys = [...mod.children.keys()];
    const i = indexOf(idx, keys.length);
    if (typeof i === 'number' && v.t === 'module') mod.children.set(keys[i], v.mod);
  }
}

/** Every module of the tree, depth-first in registration order, each once (as named_modules). */
export function namedModules(root: ModuleObj): [string, ModuleObj][] {
  const out: [string, ModuleObj][] = [];
  const seen = new Set<ModuleObj>();
  const walk = (m: ModuleObj, prefix: string): void => {
    if (seen.has(m)) return;
    seen.add(m);
    out.push([prefix, m]);
    for (const [k, c] of m.children) walk(c, prefix ? `${prefix}.${k}` : k);
  };
  walk(root, '');
  return out;
}

/** Parameters of the tree, each once (as model.parameters()). */
export function namedParameters(root: ModuleObj): [string, ParamRef, ModuleObj][] {
  const out: [string, ParamRef, ModuleObj][] = [];
  const seen = new Set<ParamRef>();
  for (const [path, m] of namedModules(root)) {
    for (const [k, p] of m.params) {
      if (seen.has(p)) continue;
      seen.add(p);
      out.push([path ? `${path}.${k}` : k, p, m]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// nn.Module API

export function callModuleMethod(ip: Interpreter, mod: ModuleObj, name: string, args: Value[], kwargs: Kwargs, site: SourceRange): Value {
  const self = moduleValue(mod);
  const a0 = args[0];
  const named = (k: string, i: number): Value | undefined => args[i] ?? kwargs.find(([n]) => n === k)?.[1];
  switch (name) {
    case '__init__': {
      // nn.Module.__init__ (or a container's, for classes deriving nn.Sequential & co).
      const kind = containerKind(mod);
      if (kind === 'Sequential' || kind === 'ModuleList' || kind === 'ModuleDict') {
        const filled = makeContainer(ip, kind, args, kwargs, site);
        for (const [k, c] of filled.children) mod.children.set(k, c);
        for (const u of filled.unknownParts) mod.unknownParts.push(u);
      }
      return NONE;
    }
    case 'add_module':
    case 'register_module': {
      const n = named('name', 0);
      const m = named('module', 1);
      if (n?.t !== 'str') {
        if (m?.t === 'module') mod.unknownParts.push({ name: 'add_module', why: { reason: msg`add_module with a name that is not known (line ${at(site)})` } });
        return NONE;
      }
      if (m) setModuleAttr(ip, mod, n.v, m, site);
      return NONE;
    }
    case 'register_parameter': {
      const n = named('name', 0);
      const p = named('param', 1);
      if (n?.t === 'str' && p) setModuleAttr(ip, mod, n.v, p, site);
      return NONE;
    }
    case 'register_buffer': {
      const n = named('name', 0);
      const t = named('tensor', 1);
      if (n?.t !== 'str') return NONE;
      if (t?.t === 'tensor') {
        const dims = t.ten.shape?.map((d) => d.constant);
        mod.buffers.set(n.v, dims?.every((d) => d !== undefined) ? { shape: dims as number[] } : { why: t.ten.why ?? { reason: 'its shape is not known' } });
      } else if (t?.t === 'unknown') mod.buffers.set(n.v, { why: t.why });
      else mod.attrs.set(n.v, NONE);
      return NONE;
    }
    case 'modules':
    case 'named_modules':
      return { t: 'list', items: namedModules(mod).map(([p, m]) => (name === 'modules' ? moduleValue(m) : { t: 'tuple', items: [{ t: 'str', v: p }, moduleValue(m)] })) };
    case 'children':
    case 'named_children':
      return { t: 'list', items: [...mod.children].map(([k, m]) => (name === 'children' ? moduleValue(m) : { t: 'tuple', items: [{ t: 'str', v: k }, moduleValue(m)] })) };
    case 'parameters':
    case 'named_parameters': {
      if (namedModules(mod).some(([, m]) => m.layer?.why || m.unknownParts.length)) return unknown(`some parameters of ${mod.typeName} are unknown`, line(site));
      const ps = namedParameters(mod);
      return { t: 'list', items: ps.map(([p, ref]) => (name === 'parameters' ? paramValue(ref) : { t: 'tuple', items: [{ t: 'str', v: p }, paramValue(ref)] })) };
    }
    case 'buffers':
    case 'named_buffers':
      return { t: 'list', items: [] };
    case 'apply': {
      if (a0) for (const [, m] of namedModules(mod).reverse()) ip.call(a0, [moduleValue(m)], [], site);
      return self;
    }
    case 'to':
    case 'cuda':
    case 'cpu':
    case 'eval':
    case 'train':
    case 'float':
    case 'half':
    case 'double':
    case 'bfloat16':
    case 'requires_grad_':
    case 'type':
    case 'share_memory':
      return self;
    case 'zero_grad':
    case 'register_forward_hook':
    case 'register_forward_pre_hook':
      return NONE;
    case 'forward':
    case '__call__':
      return ip.torch.callModule(ip, mod, args, kwargs, site);
    case 'get_submodule': {
      if (a0?.t !== 'str') return unknown('get_submodule() of an unknown name', line(site));
      let m: ModuleObj | undefined = mod;
      for (const part of a0.v.split('.').filter(Boolean)) m = m?.children.get(part);
      return m ? moduleValue(m) : unknown(`no submodule '${a0.v}'`, line(site));
    }
    case 'append':
      if (a0 && roomFor(ip, mod, 1)) addItem(mod, String(mod.children.size + mod.params.size), a0);
      if (a0?.t === 'module' && !a0.mod.registeredAt) a0.mod.registeredAt = site;
      return self;
    case 'extend':
      if (a0) fillFrom(ip, mod, a0, site);
      return self;
    case 'insert': {
      const i = a0?.t === 'int' ? a0.v : undefined;
      const m = args[1];
      if (i === undefined || m?.t !== 'module') return unknown('insert() with these arguments', line(site));
      const entries = [...mod.children.values()];
      entries.splice(i < 0 ? Math.max(0, entries.length + i) : Math.min(i, entries.length), 0, m.mod);
      mod.children.clear();
      entries.forEach((c, k) => mod.children.set(String(k), c));
      return NONE;
    }
    case 'keys':
      return { t: 'list', items: [...mod.children.keys()].map((k) => ({ t: 'str', v: k }) as Value) };
    case 'values':
      return { t: 'list', items: itemsOf(mod) };
    case 'items':
      return { t: 'list', items: [...mod.children].map(([k, m]) => ({ t: 'tuple', items: [{ t: 'str', v: k }, moduleValue(m)] }) as Value) };
    case 'update':
      if (a0) fillFrom(ip, mod, a0.t === 'dict' ? { t: 'list', items: [...a0.map.values()].map(([k, v]) => ({ t: 'tuple', items: [k, v] }) as Value) } : a0, site, true);
      return NONE;
    case '__len__':
      return { t: 'int', v: mod.children.size + mod.params.size };
    default:
      return unknown(`${mod.typeName}.${name}() is not followed`, line(site));
  }
}

const FAMILIES: Record<string, RegExp> = {
  'torch.nn.Module': /./,
  'torch.nn.modules.conv._ConvNd': /^(Lazy)?Conv(Transpose)?[123]d$/,
  'torch.nn.modules.conv._ConvTransposeNd': /^(Lazy)?ConvTranspose[123]d$/,
  'torch.nn.modules.batchnorm._BatchNorm': /^(BatchNorm[123]d|SyncBatchNorm)$/,
  'torch.nn.modules.batchnorm._NormBase': /^(BatchNorm[123]d|SyncBatchNorm|InstanceNorm[123]d)$/,
  'torch.nn.modules.instancenorm._InstanceNorm': /^InstanceNorm[123]d$/,
  'torch.nn.modules.pooling._MaxPoolNd': /^MaxPool[123]d$/,
  'torch.nn.modules.pooling._AvgPoolNd': /^AvgPool[123]d$/,
  'torch.nn.modules.rnn.RNNBase': /^(RNN|LSTM|GRU)$/,
  'torch.nn.modules.linear.NonDynamicallyQuantizableLinear': /^Linear$/,
};

/** isinstance(module, torch.nn.X) for a catalogue layer, a container or a file class. */
export function moduleIsInstance(mod: ModuleObj, path: string): boolean | undefined {
  const p = canonicalNn(path.replace(/^nn\./, 'torch.nn.'));
  const family = FAMILIES[p] ?? FAMILIES[path];
  if (family) return family.test(mod.typeName) || (p === 'torch.nn.Module');
  if (!p.startsWith('torch.nn.')) return undefined;
  const name = p.slice('torch.nn.'.length);
  if (mod.kind === 'custom') return mod.cls?.nnBase !== undefined && mod.cls.nnBase === name;
  return mod.typeName === name;
}

/** Builds what an `nn.X(...)` call makes: a catalogue layer or a container; undefined for other names. */
export function constructNn(ip: Interpreter, name: string, args: Value[], kwargs: Kwargs, site: SourceRange, argsWhy?: Why): Value | undefined {
  if (CONTAINERS.has(name)) return moduleValue(makeContainer(ip, name as ModuleKind, args, kwargs, site, argsWhy));
  if (layerEntry(name)) return moduleValue(makeLayer(ip, name, args, kwargs, site, argsWhy));
  return undefined;
}

