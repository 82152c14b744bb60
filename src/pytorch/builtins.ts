/**
 * Python builtins and the few standard-library functions model code uses (math, numpy.prod,
 * collections.OrderedDict, functools.partial, copy.deepcopy), plus methods of lists, dicts,
 * strings and tuples. Anything else is unknown with the reason.
 */
import { line, type SourceRange } from './ast';
import { Expr } from '../symbolic/expr';
import type { Interpreter, Kwargs } from './evaluate';
import { callModuleMethod, deepcopyModule, moduleIsInstance } from './modules';
import { buildString, comparePlain, dropCount, equalValues, numLike, reprValue, strFormat, strValue, tooLong, typeName, writeField } from './operators';
import { dictKey, NONE, rangeLength, truthy, unknown, unknownFrom, type ClassInfo, type Value } from './values';

export const BUILTIN_NAMES = new Set([
  'range', 'len', 'int', 'float', 'bool', 'str', 'list', 'tuple', 'dict', 'set', 'frozenset', 'enumerate', 'zip',
  'reversed', 'sorted', 'min', 'max', 'sum', 'abs', 'round', 'isinstance', 'issubclass', 'hasattr', 'getattr',
  'setattr', 'print', 'super', 'type', 'iter', 'next', 'map', 'filter', 'any', 'all', 'divmod', 'pow', 'callable',
  'id', 'hash', 'repr', 'format', 'object', 'property', 'staticmethod', 'classmethod', 'NotImplemented',
  'Exception', 'ValueError', 'TypeError', 'RuntimeError', 'NotImplementedError', 'KeyError', 'IndexError',
  'AssertionError', 'AttributeError', 'StopIteration', 'open', 'input', 'vars', 'globals', 'locals', 'exit', 'quit',
]);

const TYPE_NAMES = new Set(['int', 'float', 'bool', 'str', 'list', 'tuple', 'dict', 'set', 'frozenset', 'object']);

function num(v: number): Value {
  return Number.isInteger(v) && Number.isSafeInteger(v) ? { t: 'int', v } : { t: 'float', v };
}

function kw(kwargs: Kwargs, name: string): Value | undefined {
  return kwargs.find(([k]) => k === name)?.[1];
}

function items(ip: Interpreter, v: Value, site: SourceRange): Value[] | Value {
  const r = ip.iterate(v, site);
  return 'reason' in r ? unknownFrom(r) : r;
}

function isUnknown(v: Value[] | Value): v is Value {
  return !Array.isArray(v);
}

/** The int value of a Python value (int(x)), or unknown. */
function toInt(v: Value, site: SourceRange): Value {
  switch (v.t) {
    case 'int':
      return v;
    case 'bool':
      return { t: 'int', v: v.v ? 1 : 0 };
    case 'float':
      return Number.isFinite(v.v) ? num(Math.trunc(v.v)) : unknown(`int(${v.v})`, line(site));
    case 'dim':
      return v;
    case 'str': {
      const n = Number(v.v.trim());
      return Number.isInteger(n) ? num(n) : unknown(`int(${JSON.stringify(v.v)})`, line(site));
    }
    case 'unknown':
      return v;
    default:
      return unknown(`int() of ${typeName(v)}`, line(site));
  }
}

function extremum(ip: Interpreter, args: Value[], kwargs: Kwargs, site: SourceRange, max: boolean): Value {
  let list: Value[];
  if (args.length === 1) {
    const it = items(ip, args[0], site);
    if (isUnknown(it)) return it;
    list = it;
  } else list = args;
  if (kw(kwargs, 'key')) return unknown(`${max ? 'max' : 'min'}() with key= is not followed`, line(site));
  if (list.length === 0) return kw(kwargs, 'default') ?? unknown(`${max ? 'max' : 'min'}() of an empty sequence`, line(site));
  ip.work(list.length);
  let best = list[0];
  for (const v of list.slice(1)) {
    const a = numLike(best);
    const b = numLike(v);
    if (a?.kind === 'dim' || b?.kind === 'dim') {
      const ea = a?.kind === 'dim' ? a.e : a?.kind === 'int' ? Expr.of(a.v) : undefined;
      const eb = b?.kind === 'dim' ? b.e : b?.kind === 'int' ? Expr.of(b.v) : undefined;
      if (!ea || !eb) return unknown('max/min of symbolic dims', line(site));
      const r = max ? ea.max(eb) : ea.min(eb);
      best = r.constant !== undefined ? { t: 'int', v: r.constant } : { t: 'dim', e: r };
      continue;
    }
    const c = comparePlain(ip, max ? '>' : '<', v, best);
    if (c.t !== 'bool') return c;
    if (c.v) best = v;
  }
  return best;
}

function typeMatches(ip: Interpreter, v: Value, cls: Value): boolean | undefined {
  if (v.t === 'unknown') return undefined;
  if (cls.t === 'tuple') {
    let maybe = false;
    for (const c of cls.items) {
      const m = typeMatches(ip, v, c);
      if (m) return true;
      if (m === undefined) maybe = true;
    }
    return maybe ? undefined : false;
  }
  if (cls.t === 'builtin' && TYPE_NAMES.has(cls.name)) {
    switch (cls.name) {
      case 'int':
        return v.t === 'int' || v.t === 'bool' || v.t === 'dim';
      case 'float':
        return v.t === 'float';
      case 'bool':
        return v.t === 'bool';
      case 'str':
        return v.t === 'str';
      case 'list':
        return v.t === 'list';
      case 'tuple':
        return v.t === 'tuple';
      case 'dict':
        return v.t === 'dict';
      case 'object':
        return true;
      default:
        return false;
    }
  }
  if (cls.t === 'ext') {
    if (v.t === 'module') return moduleIsInstance(v.mod, cls.path);
    if (/^torch\.(Tensor|nn\.Parameter|nn\.parameter\.Parameter)$/.test(cls.path)) return v.t === 'tensor' ? (cls.path === 'torch.Tensor' ? true : !!v.ten.param) : false;
    if (cls.path.startsWith('torch.nn.')) return false;
    return undefined;
  }
  if (cls.t === 'class') {
    const vc: ClassInfo | undefined = v.t === 'module' ? v.mod.cls : v.t === 'object' ? v.obj.cls : undefined;
    if (!vc) return false;
    return derives(vc, cls.cls);
  }
  return undefined;
}

function derives(c: ClassInfo, base: ClassInfo, seen = new Set<ClassInfo>()): boolean {
  if (c === base) return true;
  if (seen.has(c)) return false;
  seen.add(c);
  return c.bases.some((b) => b.t === 'class' && derives(b.cls, base, seen));
}

export function callBuiltin(ip: Interpreter, fn: Extract<Value, { t: 'builtin' }>, args: Value[], kwargs: Kwargs, site: SourceRange): Value {
  if (fn.self) return callMethod(ip, fn.name, fn.self, args, kwargs, site);
  const a0 = args[0];
  switch (fn.name) {
    case 'range': {
      const nums = args.map((a) => numLike(a));
      for (let i = 0; i < args.length; i++) {
        if (args[i].t === 'unknown') return args[i];
        if (nums[i]?.kind !== 'int') return unknown(`range() of ${typeName(args[i])}`, line(site));
      }
      const v = nums.map((n) => (n as { v: number }).v);
      if (v.length === 1) return { t: 'range', start: 0, stop: v[0], step: 1 };
      if (v.length === 2) return { t: 'range', start: v[0], stop: v[1], step: 1 };
      if (v.length === 3 && v[2] !== 0) return { t: 'range', start: v[0], stop: v[1], step: v[2] };
      return unknown('range() with these arguments', line(site));
    }
    case 'len': {
      if (!a0) return unknown('len()', line(site));
      switch (a0.t) {
        case 'list':
        case 'tuple':
          return num(a0.items.length);
        case 'str':
          return num(a0.v.length);
        case 'dict':
          return num(a0.map.size);
        case 'range':
          return num(rangeLength(a0));
        case 'module': {
          const it = ip.iterate(a0, site);
          return 'reason' in it ? unknownFrom(it) : num(it.length);
        }
        case 'tensor': {
          const d = a0.ten.shape?.[0];
          if (!d) return unknown('len() of a tensor whose shape is unknown', line(site));
          return d.constant !== undefined ? num(d.constant) : { t: 'dim', e: d };
        }
        case 'unknown':
          return a0;
        default:
          return unknown(`len() of ${typeName(a0)}`, line(site));
      }
    }
    case 'int':
      return a0 ? toInt(a0, site) : num(0);
    case 'float': {
      if (!a0) return { t: 'float', v: 0 };
      const n = numLike(a0);
      if (n && n.kind !== 'dim') return { t: 'float', v: n.v };
      if (a0.t === 'str') {
        const s = a0.v.trim().toLowerCase();
        if (s === 'inf' || s === '+inf') return { t: 'float', v: Infinity };
        if (s === '-inf') return { t: 'float', v: -Infinity };
        const f = Number(s);
        return Number.isNaN(f) ? unknown(`float(${JSON.stringify(a0.v)})`, line(site)) : { t: 'float', v: f };
      }
      return a0.t === 'unknown' ? a0 : unknown(`float() of ${typeName(a0)}`, line(site));
    }
    case 'bool': {
      if (!a0) return { t: 'bool', v: false };
      const t = truthy(a0);
      return t === undefined ? unknown(`bool() of ${typeName(a0)}`, line(site)) : { t: 'bool', v: t };
    }
    case 'str':
      return a0 ? atLine(strValue(ip, a0), site) : { t: 'str', v: '' };
    case 'repr':
      return a0 ? atLine(reprValue(ip, a0), site) : unknown('repr() without an argument', line(site));
    case 'format': {
      if (!a0) return unknown('format() without an argument', line(site));
      const spec = args[1] ?? kw(kwargs, 'format_spec');
      if (spec && spec.t !== 'str') return unknown('format() with a spec that is not a known string', line(site));
      return atLine(buildString(ip, (out) => writeField(out, a0, spec?.v)), site);
    }
    case 'list':
    case 'tuple':
    case 'set':
    case 'frozenset': {
      if (!a0) return { t: fn.name === 'tuple' ? 'tuple' : 'list', items: [] };
      const it = items(ip, a0, site);
      if (isUnknown(it)) return it;
      if (fn.name === 'set' || fn.name === 'frozenset') {
        // Hashable items by their key; others (tensors) only by identity, as torch hashes them.
        const keys = new Set<string>();
        const out: Value[] = [];
        for (const v of it) {
          const k = dictKey(ip, v);
          if (k === undefined ? out.includes(v) : keys.has(k)) continue;
          if (k !== undefined) keys.add(k);
          else ip.work(out.length);
          out.push(v);
        }
        return { t: 'list', items: out };
      }
      return { t: fn.name === 'tuple' ? 'tuple' : 'list', items: it };
    }
    case 'dict': {
      const map = new Map<string, [Value, Value]>();
      if (a0) {
        if (a0.t === 'dict') {
          ip.work(a0.map.size);
          for (const [k, v] of a0.map) map.set(k, v);
        }
        else {
          const pairs = items(ip, a0, site);
          if (isUnknown(pairs)) return pairs;
          for (const p of pairs) {
            if ((p.t !== 'tuple' && p.t !== 'list') || p.items.length !== 2) return unknown('dict() of non-pairs', line(site));
            const k = dictKey(ip, p.items[0]);
            if (k === undefined) return unknown('dict() with an unknown key', line(site));
            map.set(k, [p.items[0], p.items[1]]);
          }
        }
      }
      for (const [k, v] of kwargs) map.set(`s:${k}`, [{ t: 'str', v: k }, v]);
      return { t: 'dict', map };
    }
    case 'enumerate': {
      const it = a0 ? items(ip, a0, site) : [];
      if (isUnknown(it)) return it;
      const startV = args[1] ?? kw(kwargs, 'start');
      const start = startV && numLike(startV)?.kind === 'int' ? (numLike(startV) as { v: number }).v : 0;
      ip.work(it.length);
      return { t: 'list', items: it.map((v, i) => ({ t: 'tuple', items: [num(start + i), v] })) };
    }
    case 'zip': {
      const lists: Value[][] = [];
      for (const a of args) {
        const it = items(ip, a, site);
        if (isUnknown(it)) return it;
        lists.push(it);
      }
      const n = lists.length ? lists.reduce((least, l) => Math.min(least, l.length), Infinity) : 0;
      ip.work(n * lists.length);
      return { t: 'list', items: Array.from({ length: n }, (_, i) => ({ t: 'tuple', items: lists.map((l) => l[i]) }) as Value) };
    }
    case 'reversed': {
      const it = a0 ? items(ip, a0, site) : [];
      return isUnknown(it) ? it : { t: 'list', items: [...it].reverse() };
    }
    case 'sorted': {
      const it = a0 ? items(ip, a0, site) : [];
      if (isUnknown(it)) return it;
      if (kw(kwargs, 'key')) return unknown('sorted() with key= is not followed', line(site));
      const nums = it.map((v) => numLike(v));
      if (nums.some((n) => !n || n.kind === 'dim')) return unknown('sorted() of non-numbers', line(site));
      // A sort compares about n·log2(n) times.
      ip.work(it.length * Math.ceil(Math.log2(it.length + 1)));
      const out = [...it].sort((x, y) => (numLike(x) as { v: number }).v - (numLike(y) as { v: number }).v);
      const rev = kw(kwargs, 'reverse');
      return { t: 'list', items: rev && truthy(rev) ? out.reverse() : out };
    }
    case 'min':
    case 'max':
      return extremum(ip, args, kwargs, site, fn.name === 'max');
    case 'sum': {
      const it = a0 ? items(ip, a0, site) : [];
      if (isUnknown(it)) return it;
      let acc: Value = args[1] ?? kw(kwargs, 'start') ?? num(0);
      for (const v of it) acc = ip.binary('+', acc, v, site, false);
      return acc;
    }
    case 'abs': {
      const n = a0 && numLike(a0);
      if (n && n.kind !== 'dim') return n.kind === 'int' ? num(Math.abs(n.v)) : { t: 'float', v: Math.abs(n.v) };
      return a0?.t === 'unknown' ? a0 : unknown('abs() of this value', line(site));
    }
    case 'round': {
      const n = a0 && numLike(a0);
      if (!n || n.kind === 'dim') return a0?.t === 'unknown' ? a0 : unknown('round() of this value', line(site));
      const nd = args[1] ? numLike(args[1]) : undefined;
      if (nd && nd.kind === 'int') return { t: 'float', v: Math.round(n.v * 10 ** nd.v) / 10 ** nd.v };
      // Python rounds half to even.
      const r = Math.round(n.v);
      return num(Math.abs(n.v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r);
    }
    case 'isinstance': {
      if (args.length !== 2) return unknown('isinstance() needs 2 arguments', line(site));
      const m = typeMatches(ip, args[0], args[1]);
      return m === undefined ? unknown('isinstance() cannot be decided statically', line(site)) : { t: 'bool', v: m };
    }
    case 'issubclass':
      if (args[0]?.t === 'class' && args[1]?.t === 'class') return { t: 'bool', v: derives(args[0].cls, args[1].cls) };
      return unknown('issubclass() is not followed', line(site));
    case 'hasattr': {
      if (args.length < 2 || args[1].t !== 'str') return unknown('hasattr() with a name that is not known', line(site));
      if (a0.t === 'unknown') return a0;
      const v = ip.getAttr(a0, args[1].v, site);
      return { t: 'bool', v: v.t !== 'unknown' };
    }
    case 'getattr': {
      if (args.length < 2 || args[1].t !== 'str') return unknown('getattr() with a name that is not known', line(site));
      const v = ip.getAttr(a0, args[1].v, site);
      if (v.t === 'unknown' && args.length > 2 && a0.t !== 'unknown') return args[2];
      return v;
    }
    case 'setattr':
      if (args.length === 3 && args[1].t === 'str') ip.setAttr(a0, args[1].v, args[2], site);
      return NONE;
    case 'print':
    case 'exit':
    case 'quit':
      return NONE;
    case 'super':
      if (args.length === 2 && args[0].t === 'class') return { t: 'super', cls: args[0].cls, self: args[1] };
      return unknown('super() with these arguments', line(site));
    case 'type':
      if (a0?.t === 'module') return a0.mod.cls ? { t: 'class', cls: a0.mod.cls } : { t: 'ext', path: `torch.nn.${a0.mod.typeName}` };
      if (a0?.t === 'object') return { t: 'class', cls: a0.obj.cls };
      if (a0 && ['int', 'float', 'bool', 'str', 'list', 'tuple', 'dict'].includes(a0.t)) return { t: 'builtin', name: a0.t };
      return unknown('type() of this value', line(site));
    case 'iter':
      return a0 ?? unknown('iter()', line(site));
    case 'next': {
      const it = a0 ? items(ip, a0, site) : [];
      if (isUnknown(it)) return it;
      return it[0] ?? args[1] ?? unknown('next() of an empty iterator', line(site));
    }
    case 'map': {
      const it = args[1] ? items(ip, args[1], site) : [];
      if (isUnknown(it)) return it;
      return { t: 'list', items: it.map((v) => ip.call(a0, [v], [], site)) };
    }
    case 'filter': {
      const it = args[1] ? items(ip, args[1], site) : [];
      if (isUnknown(it)) return it;
      const out: Value[] = [];
      for (const v of it) {
        const t = truthy(a0.t === 'none' ? v : ip.call(a0, [v], [], site));
        if (t === undefined) return unknown('filter() condition is unknown', line(site));
        if (t) out.push(v);
      }
      return { t: 'list', items: out };
    }
    case 'any':
    case 'all': {
      const it = a0 ? items(ip, a0, site) : [];
      if (isUnknown(it)) return it;
      let maybe = false;
      for (const v of it) {
        const t = truthy(v);
        if (t === undefined) maybe = true;
        else if (t === (fn.name === 'any')) return { t: 'bool', v: t };
      }
      return maybe ? unknown(`${fn.name}() cannot be decided`, line(site)) : { t: 'bool', v: fn.name === 'all' };
    }
    case 'divmod': {
      const q = ip.binary('//', args[0], args[1], site, false);
      const r = ip.binary('%', args[0], args[1], site, false);
      return { t: 'tuple', items: [q, r] };
    }
    case 'pow':
      return ip.binary('**', args[0], args[1], site, false);
    case 'callable':
      return { t: 'bool', v: ['func', 'method', 'class', 'builtin', 'module', 'partial', 'ext'].includes(a0?.t) };
    case 'property':
    case 'staticmethod':
    case 'classmethod':
      return a0 ?? NONE;
    default:
      return unknown(`${fn.name}() is not followed`, line(site));
  }
}

/** Attribute of a plain value: bound methods of lists, dicts, strings. */
export function builtinAttr(_ip: Interpreter, obj: Value, name: string, site: SourceRange): Value {
  if (obj.t === 'range' && (name === 'start' || name === 'stop' || name === 'step')) return num(obj[name]);
  if (obj.t === 'func' || obj.t === 'method') {
    if (name === '__name__') return { t: 'str', v: obj.t === 'func' ? obj.name : obj.fn.name };
  }
  if (obj.t === 'builtin' || obj.t === 'partial') return unknown(`attribute ${name} of a function`, line(site));
  const methods: Record<string, string[]> = {
    list: ['append', 'extend', 'insert', 'pop', 'index', 'count', 'copy', 'reverse', 'remove', 'clear', 'sort'],
    tuple: ['index', 'count'],
    dict: ['get', 'items', 'keys', 'values', 'update', 'pop', 'setdefault', 'copy'],
    str: ['join', 'split', 'lower', 'upper', 'startswith', 'endswith', 'replace', 'strip', 'format', 'isdigit'],
    int: ['bit_length'],
  };
  if (methods[obj.t]?.includes(name)) return { t: 'builtin', name: `${obj.t}.${name}`, self: obj };
  return unknown(`${typeName(obj)}.${name} is not followed`, line(site));
}

function callMethod(ip: Interpreter, name: string, self: Value, args: Value[], kwargs: Kwargs, site: SourceRange): Value {
  if (name.startsWith('nn.') && self.t === 'module') return callModuleMethod(ip, self.mod, name.slice(3), args, kwargs, site);
  if (name.startsWith('tensor.') && self.t === 'tensor') return ip.torch.tensorMethod(ip, self, name.slice(7), args, kwargs, site);
  const a0 = args[0];
  switch (name) {
    case 'Module.__init__':
      return self.t === 'module' ? callModuleMethod(ip, self.mod, '__init__', args, kwargs, site) : NONE;
    case 'list.append':
      if (self.t === 'list') ip.extend(self.items, [a0 ?? NONE]);
      return NONE;
    case 'list.extend':
      if (self.t === 'list' && a0) {
        const it = items(ip, a0, site);
        if (isUnknown(it)) return it;
        ip.extend(self.items, it);
      }
      return NONE;
    case 'list.insert':
      if (self.t === 'list' && args.length === 2) {
        const n = numLike(args[0]);
        if (n?.kind !== 'int') return unknown('insert() at an unknown index', line(site));
        const i = n.v < 0 ? Math.max(0, self.items.length + n.v) : Math.min(n.v, self.items.length);
        ip.extend(self.items, [args[1]]);
        self.items.pop();
        self.items.splice(i, 0, args[1]);
      }
      return NONE;
    case 'list.pop': {
      if (self.t !== 'list' || self.items.length === 0) return unknown('pop() from an empty list', line(site));
      const n = a0 ? numLike(a0) : { kind: 'int' as const, v: -1 };
      if (n?.kind !== 'int') return unknown('pop() at an unknown index', line(site));
      const i = n.v < 0 ? self.items.length + n.v : n.v;
      if (i < 0 || i >= self.items.length) return unknown('pop index out of range', line(site));
      ip.work(self.items.length - i);
      dropCount(self.items);
      return self.items.splice(i, 1)[0];
    }
    case 'list.copy':
      if (self.t !== 'list') return unknown('copy()', line(site));
      ip.work(self.items.length);
      return { t: 'list', items: [...self.items] };
    case 'list.reverse':
      if (self.t === 'list') {
        ip.work(self.items.length);
        self.items.reverse();
      }
      return NONE;
    case 'list.clear':
      if (self.t === 'list') {
        self.items.length = 0;
        dropCount(self.items);
      }
      return NONE;
    case 'list.remove':
      if (self.t === 'list') {
        const i = self.items.findIndex((v) => equalValues(ip, v, a0) === true);
        ip.work(self.items.length);
        if (i >= 0) self.items.splice(i, 1);
        dropCount(self.items);
      }
      return NONE;
    case 'list.index':
    case 'tuple.index':
      if (self.t === 'list' || self.t === 'tuple') {
        ip.work(self.items.length);
        const i = self.items.findIndex((v) => equalValues(ip, v, a0) === true);
        return i >= 0 ? num(i) : unknown('index(): value not found', line(site));
      }
      return unknown('index()', line(site));
    case 'list.count':
    case 'tuple.count':
      if (self.t === 'list' || self.t === 'tuple') {
        ip.work(self.items.length);
        return num(self.items.filter((v) => equalValues(ip, v, a0) === true).length);
      }
      return unknown('count()', line(site));
    case 'list.sort':
      return unknown('list.sort() is not followed', line(site));
    case 'dict.get': {
      if (self.t !== 'dict') return unknown('get()', line(site));
      const k = a0 && dictKey(ip, a0);
      if (k === undefined) return unknown('dict.get() with an unknown key', line(site));
      return self.map.get(k)?.[1] ?? args[1] ?? NONE;
    }
    case 'dict.items':
    case 'dict.keys':
    case 'dict.values':
    case 'dict.copy':
      if (self.t === 'dict') ip.work(self.map.size);
      return dictView(name, self, site);
    case 'dict.update':
      if (self.t === 'dict') {
        dropCount(self.map);
        if (a0?.t === 'dict') {
          ip.work(a0.map.size);
          for (const [k, v] of a0.map) self.map.set(k, v);
        }
        for (const [k, v] of kwargs) self.map.set(`s:${k}`, [{ t: 'str', v: k }, v]);
      }
      return NONE;
    case 'dict.pop': {
      if (self.t !== 'dict') return unknown('pop()', line(site));
      const k = a0 && dictKey(ip, a0);
      if (k === undefined) return unknown('dict.pop() with an unknown key', line(site));
      const hit = self.map.get(k);
      self.map.delete(k);
      dropCount(self.map);
      return hit?.[1] ?? args[1] ?? unknown(`key ${k.slice(2)} is not in the dict`, line(site));
    }
    case 'dict.setdefault': {
      if (self.t !== 'dict') return unknown('setdefault()', line(site));
      const k = a0 && dictKey(ip, a0);
      if (k === undefined) return unknown('setdefault() with an unknown key', line(site));
      if (!self.map.has(k)) self.map.set(k, [a0, args[1] ?? NONE]);
      dropCount(self.map);
      return self.map.get(k)![1];
    }
    case 'str.join': {
      if (self.t !== 'str') return unknown('join()', line(site));
      const it = a0 ? items(ip, a0, site) : [];
      if (isUnknown(it)) return it;
      const parts: string[] = [];
      let length = self.v.length * Math.max(0, it.length - 1);
      for (const v of it) {
        if (v.t !== 'str') return unknown('join() of non-strings', line(site));
        parts.push(v.v);
        length += v.v.length;
      }
      const big = tooLong(ip, length);
      return big ? unknown(big.reason, line(site)) : { t: 'str', v: parts.join(self.v) };
    }
    case 'str.split':
      if (self.t === 'str' && (!a0 || a0.t === 'str')) {
        ip.work(self.v.length);
        const parts = a0 ? self.v.split(a0.v) : self.v.trim().split(/\s+/);
        return { t: 'list', items: parts.map((p) => ({ t: 'str', v: p }) as Value) };
      }
      return unknown('split()', line(site));
    case 'str.lower':
    case 'str.upper':
    case 'str.strip':
    case 'str.isdigit':
      if (self.t !== 'str') return unknown(`${name.slice(4)}()`, line(site));
      ip.work(self.v.length / 64);
      return name === 'str.lower' ? { t: 'str', v: self.v.toLowerCase() } : name === 'str.upper' ? { t: 'str', v: self.v.toUpperCase() } : name === 'str.strip' ? { t: 'str', v: self.v.trim() } : { t: 'bool', v: /^\d+$/.test(self.v) };
    case 'str.startswith':
    case 'str.endswith':
      if (self.t === 'str' && a0?.t === 'str') return { t: 'bool', v: name === 'str.startswith' ? self.v.startsWith(a0.v) : self.v.endsWith(a0.v) };
      return unknown(`${name.slice(4)}()`, line(site));
    case 'str.format':
      return self.t === 'str' ? atLine(strFormat(ip, self.v, args, kwargs), site) : unknown('format()', line(site));
    case 'str.replace': {
      if (self.t !== 'str' || a0?.t !== 'str' || args[1]?.t !== 'str') return unknown('replace()', line(site));
      const [from, to] = [a0.v, args[1].v];
      ip.work(self.v.length / 64);
      // Python puts `to` around every character when `from` is empty.
      const parts = from === '' ? ['', ...self.v, ''] : self.v.split(from);
      const big = tooLong(ip, self.v.length + (parts.length - 1) * (to.length - from.length));
      return big ? unknown(big.reason, line(site)) : { t: 'str', v: parts.join(to) };
    }
    default:
      return unknown(`${name}() is not followed`, line(site));
  }
}

/** An unknown made without a line (operators.ts) gets the call's. */
function atLine(v: Value, site: SourceRange): Value {
  return v.t === 'unknown' && v.why.line === undefined ? unknown(v.why.reason, line(site)) : v;
}

function dictView(name: string, self: Value, site: SourceRange): Value {
  if (self.t !== 'dict') return unknown(`${name.slice(5)}()`, line(site));
  const entries = [...self.map.values()];
  switch (name) {
    case 'dict.items':
      return { t: 'list', items: entries.map(([k, v]) => ({ t: 'tuple', items: [k, v] }) as Value) };
    case 'dict.keys':
      return { t: 'list', items: entries.map(([k]) => k) };
    case 'dict.values':
      return { t: 'list', items: entries.map(([, v]) => v) };
    default:
      return { t: 'dict', map: new Map(self.map) };
  }
}

const CONSTANTS: Record<string, number> = {
  'math.pi': Math.PI,
  'math.e': Math.E,
  'math.inf': Infinity,
  'math.tau': 2 * Math.PI,
  'numpy.pi': Math.PI,
  'numpy.e': Math.E,
  'numpy.inf': Infinity,
};

/** A module-level constant of the standard library / numpy (`math.pi`). */
export function extConstant(path: string): Value | undefined {
  const p = path.replace(/^np\./, 'numpy.');
  const c = CONSTANTS[p];
  return c === undefined ? undefined : { t: 'float', v: c };
}

function mathOf(args: Value[], f: (...x: number[]) => number, site: SourceRange, intResult = false): Value {
  const xs: number[] = [];
  for (const a of args) {
    if (a.t === 'unknown') return a;
    const n = numLike(a);
    if (!n || n.kind === 'dim') return unknown('math of a value that is not a number', line(site));
    xs.push(n.v);
  }
  const r = f(...xs);
  if (intResult) return Number.isSafeInteger(r) ? { t: 'int', v: r } : unknown('integer too large', line(site));
  return { t: 'float', v: r };
}

/** Calls of standard-library paths; undefined when the path is not one of them. */
export function callStdlib(ip: Interpreter, path: string, args: Value[], kwargs: Kwargs, site: SourceRange): Value | undefined {
  const p = path.replace(/^np\./, 'numpy.');
  switch (p) {
    case 'math.sqrt':
    case 'numpy.sqrt':
      return mathOf(args, Math.sqrt, site);
    case 'math.ceil':
    case 'numpy.ceil':
      return mathOf(args, Math.ceil, site, p === 'math.ceil');
    case 'math.floor':
    case 'numpy.floor':
      return mathOf(args, Math.floor, site, p === 'math.floor');
    case 'math.log':
      return mathOf(args, (x, b) => (b === undefined ? Math.log(x) : Math.log(x) / Math.log(b)), site);
    case 'math.log2':
    case 'numpy.log2':
      return mathOf(args, Math.log2, site);
    case 'math.log10':
      return mathOf(args, Math.log10, site);
    case 'math.exp':
      return mathOf(args, Math.exp, site);
    case 'math.pow':
      return mathOf(args, Math.pow, site);
    case 'math.isqrt':
      return mathOf(args, (x) => Math.floor(Math.sqrt(x)), site, true);
    case 'math.gcd':
      return mathOf(args, (a, b) => {
        let [x, y] = [Math.abs(a), Math.abs(b)];
        while (y) [x, y] = [y, x % y];
        return x;
      }, site, true);
    case 'math.prod':
    case 'numpy.prod': {
      const it = ip.iterate(args[0] ?? NONE, site);
      if ('reason' in it) return unknownFrom(it);
      let acc: Value = { t: 'int', v: 1 };
      for (const v of it) acc = ip.binary('*', acc, v, site, false);
      return acc;
    }
    case 'collections.OrderedDict':
    case 'collections.defaultdict':
      return callBuiltin(ip, { t: 'builtin', name: 'dict' }, p === 'collections.defaultdict' ? [] : args, kwargs, site);
    case 'functools.partial':
      if (!args[0]) return unknown('partial() without a function', line(site));
      return { t: 'partial', fn: args[0], args: args.slice(1), kwargs };
    case 'copy.deepcopy':
    case 'copy.copy':
      if (args[0]?.t === 'module') return { t: 'module', mod: deepcopyModule(args[0].mod) };
      if (args[0]?.t === 'list') {
        ip.work(args[0].items.length);
        return { t: 'list', items: [...args[0].items] };
      }
      return args[0] ?? NONE;
    case 'typing.cast':
      return args[1] ?? NONE;
    case 'warnings.warn':
    case 'logging.info':
    case 'logging.warning':
      return NONE;
    case 'torch.nn.modules.utils._pair':
    case 'torch.nn.modules.utils._single':
    case 'torch.nn.modules.utils._triple': {
      const n = p.endsWith('_pair') ? 2 : p.endsWith('_triple') ? 3 : 1;
      const a = args[0];
      if (a?.t === 'tuple' || a?.t === 'list') return { t: 'tuple', items: a.items };
      return a ? { t: 'tuple', items: new Array<Value>(n).fill(a) } : undefined;
    }
    default:
      return undefined;
  }
}

