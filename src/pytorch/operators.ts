/**
 * Python operators on plain values: arithmetic on ints/floats/symbolic dims, sequences and
 * strings, comparisons, membership, indexing and slicing. Tensors are not handled here (the
 * evaluator hands them to the torch semantics); anything unknown stays unknown with its reason.
 */
import { Expr } from '../symbolic/expr';
import { dictKey, rangeLength, unknown, type Value, type Why } from './values';

/** Lists longer than this are not built (`[0] * 10**9`). */
export const MAX_ITEMS = 100_000;
/** Strings longer than this are not built. */
const MAX_STRING = 100_000;

export type NumLike = { kind: 'int'; v: number } | { kind: 'float'; v: number } | { kind: 'dim'; e: Expr };

export function numLike(v: Value): NumLike | undefined {
  switch (v.t) {
    case 'int':
      return { kind: 'int', v: v.v };
    case 'bool':
      return { kind: 'int', v: v.v ? 1 : 0 };
    case 'float':
      return { kind: 'float', v: v.v };
    case 'dim': {
      const c = v.e.constant;
      return c !== undefined ? { kind: 'int', v: c } : { kind: 'dim', e: v.e };
    }
    default:
      return undefined;
  }
}

function intValue(n: number, what: string): Value {
  if (!Number.isSafeInteger(n)) return unknown(`${what}: the integer is too large to follow exactly`);
  return { t: 'int', v: n };
}

function floatValue(n: number): Value {
  return { t: 'float', v: n };
}

function dimValue(e: Expr): Value {
  const c = e.constant;
  return c !== undefined ? { t: 'int', v: c } : { t: 'dim', e };
}

function asExpr(n: NumLike): Expr | undefined {
  if (n.kind === 'dim') return n.e;
  if (n.kind === 'int') return Expr.of(n.v);
  return undefined;
}

function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

function arith(op: string, a: NumLike, b: NumLike): Value {
  if (a.kind === 'dim' || b.kind === 'dim') {
    const x = asExpr(a);
    const y = asExpr(b);
    if (!x || !y) return unknown(`${op} of a symbolic dim and a float is not followed`);
    switch (op) {
      case '+':
        return dimValue(x.add(y));
      case '-':
        return dimValue(x.sub(y));
      case '*':
        return dimValue(x.mul(y));
      case '//': {
        const d = y.constant;
        if (d !== undefined && d > 0) return dimValue(x.floorDiv(d));
        const q = x.divExact(y);
        return q ? dimValue(q) : unknown(`${x} // ${y} is not followed`);
      }
      default:
        return unknown(`${op} on a symbolic dim is not followed`);
    }
  }
  const x = a.v;
  const y = b.v;
  const ints = a.kind === 'int' && b.kind === 'int';
  switch (op) {
    case '+':
      return ints ? intValue(x + y, 'sum') : floatValue(x + y);
    case '-':
      return ints ? intValue(x - y, 'difference') : floatValue(x - y);
    case '*':
      return ints ? intValue(x * y, 'product') : floatValue(x * y);
    case '/':
      return y === 0 ? unknown('division by zero') : floatValue(x / y);
    case '//':
      if (y === 0) return unknown('division by zero');
      return ints ? intValue(Math.floor(x / y), 'quotient') : floatValue(Math.floor(x / y));
    case '%':
      if (y === 0) return unknown('modulo by zero');
      return ints ? intValue(pyMod(x, y), 'remainder') : floatValue(pyMod(x, y));
    case '**':
      if (ints && y >= 0) return intValue(x ** y, 'power');
      return floatValue(x ** y);
    case '<<':
      return ints && y >= 0 && y < 53 ? intValue(x * 2 ** y, 'shift') : unknown('shift is not followed');
    case '>>':
      return ints && y >= 0 ? intValue(Math.floor(x / 2 ** y), 'shift') : unknown('shift is not followed');
    case '&':
    case '|':
    case '^':
      if (!ints || Math.abs(x) > 2 ** 31 || Math.abs(y) > 2 ** 31) return unknown(`bitwise ${op} is followed on small ints only`);
      return intValue(op === '&' ? x & y : op === '|' ? x | y : x ^ y, 'bitwise');
    default:
      return unknown(`operator ${op} is not followed`);
  }
}

function repeat(items: Value[], n: number, kind: 'list' | 'tuple'): Value {
  if (n <= 0) return { t: kind, items: [] };
  if (items.length * n > MAX_ITEMS) return unknown(`a ${kind} of ${items.length * n} items is not built (more than ${MAX_ITEMS})`);
  const out: Value[] = [];
  for (let i = 0; i < n; i++) out.push(...items);
  return { t: kind, items: out };
}

/** A binary operator on non-tensor values. */
export function binaryPlain(op: string, a: Value, b: Value): Value {
  if (a.t === 'unknown') return a;
  if (b.t === 'unknown') return b;
  const x = numLike(a);
  const y = numLike(b);
  if (x && y) return arith(op, x, y);
  if (op === '+') {
    if (a.t === 'str' && b.t === 'str') return a.v.length + b.v.length > MAX_STRING ? unknown('string too long') : { t: 'str', v: a.v + b.v };
    if (a.t === 'list' && b.t === 'list') return a.items.length + b.items.length > MAX_ITEMS ? unknown('list too long') : { t: 'list', items: [...a.items, ...b.items] };
    if (a.t === 'tuple' && b.t === 'tuple') return a.items.length + b.items.length > MAX_ITEMS ? unknown('tuple too long') : { t: 'tuple', items: [...a.items, ...b.items] };
  }
  if (op === '*') {
    const seq = a.t === 'list' || a.t === 'tuple' || a.t === 'str' ? a : b.t === 'list' || b.t === 'tuple' || b.t === 'str' ? b : undefined;
    const count = seq === a ? y : x;
    if (seq && count?.kind === 'int') {
      if (seq.t === 'str') return seq.v.length * count.v > MAX_STRING ? unknown('string too long') : { t: 'str', v: count.v > 0 ? seq.v.repeat(count.v) : '' };
      if (seq.t === 'list' || seq.t === 'tuple') return repeat(seq.items, count.v, seq.t);
    }
  }
  if (op === '%' && a.t === 'str') return percentFormat(a.v, b);
  if (op === '|' && a.t === 'dict' && b.t === 'dict') return { t: 'dict', map: new Map([...a.map, ...b.map]) };
  return unknown(`${typeName(a)} ${op} ${typeName(b)} is not followed`);
}

export function typeName(v: Value): string {
  switch (v.t) {
    case 'module':
      return v.mod.typeName;
    case 'ext':
      return v.path;
    case 'dim':
      return 'int';
    default:
      return v.t;
  }
}

export function unaryPlain(op: string, a: Value): Value {
  if (a.t === 'unknown') return a;
  const x = numLike(a);
  if (op === '-' && x) {
    if (x.kind === 'dim') return dimValue(x.e.scale(-1));
    return x.kind === 'int' ? intValue(-x.v, 'negation') : floatValue(-x.v);
  }
  if (op === '+' && x) return x.kind === 'dim' ? dimValue(x.e) : x.kind === 'int' ? intValue(x.v, 'int') : floatValue(x.v);
  if (op === '~' && x?.kind === 'int') return intValue(-x.v - 1, 'bitwise not');
  return unknown(`unary ${op} on ${typeName(a)} is not followed`);
}

/** Python equality; undefined when it cannot be decided. */
export function equalValues(a: Value, b: Value): boolean | undefined {
  if (a.t === 'unknown' || b.t === 'unknown') return undefined;
  const x = numLike(a);
  const y = numLike(b);
  if (x && y) {
    if (x.kind === 'dim' || y.kind === 'dim') {
      const ex = asExpr(x);
      const ey = asExpr(y);
      if (ex && ey && ex.equals(ey)) return true;
      return undefined;
    }
    return x.v === y.v;
  }
  if (a.t === 'str' && b.t === 'str') return a.v === b.v;
  if (a.t === 'none' || b.t === 'none') return a.t === b.t;
  if ((a.t === 'list' && b.t === 'list') || (a.t === 'tuple' && b.t === 'tuple')) {
    if (a.items.length !== b.items.length) return false;
    let all = true;
    for (let i = 0; i < a.items.length; i++) {
      const e = equalValues(a.items[i], b.items[i]);
      if (e === false) return false;
      if (e === undefined) all = false;
    }
    return all ? true : undefined;
  }
  if (a.t === 'module' && b.t === 'module') return a.mod === b.mod;
  if (a.t === 'ext' && b.t === 'ext') return a.path === b.path;
  if (a.t === 'class' && b.t === 'class') return a.cls === b.cls;
  if (a.t === 'tensor' || b.t === 'tensor') return undefined;
  if (a.t === 'dict' && b.t === 'dict') return undefined;
  return a.t === b.t ? undefined : false;
}

/** `a is b` */
export function identical(a: Value, b: Value): boolean | undefined {
  if (a.t === 'unknown' || b.t === 'unknown') return undefined;
  if (a.t === 'none' || b.t === 'none') return a.t === b.t;
  if (a.t === 'bool' && b.t === 'bool') return a.v === b.v;
  if (a.t === 'module' && b.t === 'module') return a.mod === b.mod;
  if (a.t === 'ext' && b.t === 'ext') return a.path === b.path;
  if (a.t === 'class' && b.t === 'class') return a.cls === b.cls;
  if (a.t === 'list' && b.t === 'list') return a === b;
  if (a.t === 'tensor' && b.t === 'tensor') return a.ten === b.ten ? true : undefined;
  if (a.t !== b.t) return false;
  return undefined;
}

function order(a: Value, b: Value): number | undefined {
  const x = numLike(a);
  const y = numLike(b);
  if (x && y) {
    if (x.kind === 'dim' || y.kind === 'dim') return undefined;
    return x.v < y.v ? -1 : x.v > y.v ? 1 : 0;
  }
  if (a.t === 'str' && b.t === 'str') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if ((a.t === 'tuple' && b.t === 'tuple') || (a.t === 'list' && b.t === 'list')) {
    const n = Math.min(a.items.length, b.items.length);
    for (let i = 0; i < n; i++) {
      const c = order(a.items[i], b.items[i]);
      if (c === undefined) return undefined;
      if (c !== 0) return c;
    }
    return a.items.length - b.items.length;
  }
  return undefined;
}

/** A comparison on non-tensor values: a bool, or unknown with the reason. */
export function comparePlain(op: string, a: Value, b: Value): Value {
  if (a.t === 'unknown') return a;
  if (b.t === 'unknown') return b;
  let r: boolean | undefined;
  switch (op) {
    case '==':
      r = equalValues(a, b);
      break;
    case '!=': {
      const e = equalValues(a, b);
      r = e === undefined ? undefined : !e;
      break;
    }
    case 'is':
      r = identical(a, b);
      break;
    case 'is not': {
      const e = identical(a, b);
      r = e === undefined ? undefined : !e;
      break;
    }
    case 'in':
    case 'not in': {
      const m = contains(b, a);
      r = m === undefined ? undefined : op === 'in' ? m : !m;
      break;
    }
    default: {
      const c = order(a, b);
      if (c !== undefined) r = op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : op === '>=' ? c >= 0 : undefined;
    }
  }
  return r === undefined ? unknown(`${typeName(a)} ${op} ${typeName(b)} cannot be decided statically`) : { t: 'bool', v: r };
}

/** `item in container` */
export function contains(container: Value, item: Value): boolean | undefined {
  switch (container.t) {
    case 'list':
    case 'tuple': {
      let maybe = false;
      for (const x of container.items) {
        const e = equalValues(x, item);
        if (e === true) return true;
        if (e === undefined) maybe = true;
      }
      return maybe ? undefined : false;
    }
    case 'dict': {
      const k = dictKey(item);
      return k === undefined ? undefined : container.map.has(k);
    }
    case 'str':
      return item.t === 'str' ? container.v.includes(item.v) : undefined;
    case 'range': {
      const n = numLike(item);
      if (!n || n.kind !== 'int') return undefined;
      const { start, stop, step } = container;
      const inside = step > 0 ? n.v >= start && n.v < stop : n.v <= start && n.v > stop;
      return inside && (n.v - start) % step === 0;
    }
    case 'module':
      if (item.t === 'str') return container.mod.children.has(item.v);
      return undefined;
    default:
      return undefined;
  }
}

export interface SliceBounds {
  start: number;
  stop: number;
  step: number;
}

/** Python slice indices for a sequence of `len` items; a Why when a bound is not an int. */
export function sliceIndices(s: Extract<Value, { t: 'slice' }>, len: number): SliceBounds | Why {
  const get = (v: Value, what: string): number | undefined | Why => {
    if (v.t === 'none') return undefined;
    const n = numLike(v);
    if (n?.kind === 'int') return n.v;
    if (v.t === 'unknown') return v.why;
    return { reason: `slice ${what} is not an integer` };
  };
  const step = get(s.step, 'step') ?? 1;
  if (typeof step !== 'number') return step;
  if (step === 0) return { reason: 'slice step cannot be zero' };
  const lo = get(s.lower, 'start');
  const hi = get(s.upper, 'stop');
  if (lo !== undefined && typeof lo !== 'number') return lo;
  if (hi !== undefined && typeof hi !== 'number') return hi;
  const clamp = (i: number): number => {
    if (i < 0) i += len;
    if (step > 0) return Math.min(Math.max(i, 0), len);
    return Math.min(Math.max(i, -1), len - 1);
  };
  const start = lo === undefined ? (step > 0 ? 0 : len - 1) : clamp(lo);
  const stop = hi === undefined ? (step > 0 ? len : -1) : clamp(hi);
  return { start, stop, step };
}

export function sliceItems<T>(items: readonly T[], b: SliceBounds): T[] {
  const out: T[] = [];
  if (b.step > 0) for (let i = b.start; i < b.stop; i += b.step) out.push(items[i]);
  else for (let i = b.start; i > b.stop; i += b.step) out.push(items[i]);
  return out;
}

/** Normalized index into `len` items, or a reason. */
export function indexOf(v: Value, len: number): number | Why {
  if (v.t === 'unknown') return v.why;
  const n = numLike(v);
  if (!n || n.kind !== 'int') return { reason: `index ${typeName(v)} is not an integer` };
  const i = n.v < 0 ? n.v + len : n.v;
  if (i < 0 || i >= len) return { reason: `index ${n.v} is out of range for ${len} items` };
  return i;
}

/** Items of a range (capped). */
export function rangeItems(r: { start: number; stop: number; step: number }): Value[] | Why {
  const n = rangeLength(r);
  if (n > MAX_ITEMS) return { reason: `range of ${n} items is not expanded (more than ${MAX_ITEMS})` };
  const out: Value[] = [];
  for (let i = 0; i < n; i++) out.push({ t: 'int', v: r.start + i * r.step });
  return out;
}

// ---------------------------------------------------------------------------------------------
// strings: str(), repr(), f-string fields, % formatting, str.format

/** Python str() of a value, undefined when it cannot be known. */
export function pyStr(v: Value): string | undefined {
  switch (v.t) {
    case 'str':
      return v.v;
    case 'int':
      return String(v.v);
    case 'float':
      if (!Number.isFinite(v.v)) return Number.isNaN(v.v) ? 'nan' : v.v > 0 ? 'inf' : '-inf';
      return Number.isInteger(v.v) && Math.abs(v.v) < 1e16 ? `${v.v}.0` : String(v.v);
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'dim':
      return v.e.constant !== undefined ? String(v.e.constant) : undefined;
    case 'list':
    case 'tuple': {
      const items = v.items.map(pyRepr);
      if (items.some((x) => x === undefined)) return undefined;
      if (v.t === 'list') return `[${items.join(', ')}]`;
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    }
    default:
      return undefined;
  }
}

export function pyRepr(v: Value): string | undefined {
  if (v.t === 'str') return `'${v.v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return pyStr(v);
}

/** One formatted field: `{x!r:>4}` / `%5d`. Simple specs only (fill/align/width/zero/precision/d s f); else undefined. */
export function formatField(v: Value, spec = '', conversion?: string): string | undefined {
  let s: string | undefined;
  if (conversion === 'r') s = pyRepr(v);
  else if (conversion === 's' || conversion === undefined || conversion === '') s = undefined;
  else return undefined;
  const m = /^(?:(.)?([<>^]))?(0)?(\d*)(?:\.(\d+))?([dsfig%]?)$/.exec(spec);
  if (!m) return undefined;
  const [, fillChar, align, zero, width, precision, type] = m;
  if (s === undefined) {
    const n = numLike(v);
    if ((type === 'f' || type === '%' || precision !== undefined) && n && n.kind !== 'dim') {
      const x = type === '%' ? n.v * 100 : n.v;
      s = x.toFixed(precision !== undefined ? Number(precision) : 6) + (type === '%' ? '%' : '');
    } else if (type === 'd' || type === 'i') {
      if (!n || n.kind !== 'int') return undefined;
      s = String(n.v);
    } else s = pyStr(v);
  }
  if (s === undefined) return undefined;
  const w = width ? Number(width) : 0;
  if (s.length >= w) return s;
  const fill = zero && !align ? '0' : (fillChar ?? ' ');
  const pad = fill.repeat(w - s.length);
  const numeric = v.t === 'int' || v.t === 'float';
  const a = align ?? (numeric ? '>' : '<');
  if (a === '<') return s + pad;
  if (a === '^') return pad.slice(0, Math.floor(pad.length / 2)) + s + pad.slice(Math.floor(pad.length / 2));
  return pad + s;
}

/** `"conv%d" % i`, `"%s_%02d" % (a, b)`. */
export function percentFormat(fmt: string, arg: Value): Value {
  const args = arg.t === 'tuple' ? arg.items : [arg];
  let i = 0;
  let bad = false;
  const out = fmt.replace(/%([-0]?)(\d*)(?:\.(\d+))?([diusrf%])/g, (_all, flag: string, width: string, prec: string | undefined, type: string) => {
    if (type === '%') return '%';
    const v = args[i++];
    if (!v) {
      bad = true;
      return '';
    }
    const spec = `${flag === '-' ? '<' : ''}${flag === '0' ? '0' : ''}${width}${prec !== undefined ? `.${prec}` : ''}${type === 'u' ? 'd' : type === 'r' ? '' : type}`;
    const s = formatField(v, spec, type === 'r' ? 'r' : undefined);
    if (s === undefined) bad = true;
    return s ?? '';
  });
  if (bad || i !== args.length) return unknown('string % formatting with values that are not known');
  return { t: 'str', v: out };
}

/** `"{}_{name}".format(...)`. */
export function strFormat(fmt: string, args: Value[], kwargs: [string, Value][]): Value {
  let auto = 0;
  let bad = false;
  const out = fmt.replace(/\{\{|\}\}|\{([^{}!:]*)(?:!([rs]))?(?::([^{}]*))?\}/g, (all, field: string | undefined, conv: string | undefined, spec: string | undefined) => {
    if (all === '{{') return '{';
    if (all === '}}') return '}';
    let v: Value | undefined;
    if (field === undefined || field === '') v = args[auto++];
    else if (/^\d+$/.test(field)) v = args[Number(field)];
    else v = kwargs.find(([k]) => k === field)?.[1];
    const s = v ? formatField(v, spec ?? '', conv) : undefined;
    if (s === undefined) bad = true;
    return s ?? '';
  });
  return bad ? unknown('str.format with values that are not known') : { t: 'str', v: out };
}
