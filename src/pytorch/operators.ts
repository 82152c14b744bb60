/**
 * Python operators on plain values: arithmetic on ints/floats/symbolic dims, sequences and
 * strings, comparisons, membership, indexing and slicing. Tensors are not handled here (the
 * evaluator hands them to the torch semantics); anything unknown stays unknown with its reason.
 */
import { Expr } from '../symbolic/expr';
import { tooDeep, MAX_NESTING, type Meter } from './limits';
import { dictKey, rangeLength, unknown, type Value, type Why } from './values';

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * Elements each container held when it was built (its items array or map), nested ones included:
 * counting a new container reads its items' counts instead of walking them, so a loop that wraps
 * a value (`x = [x]`) stays linear. A container changed in place afterwards updates or drops its
 * own count; its parents keep theirs (a bound, not a promise: what walks values is charged to the
 * step budget anyway).
 */
const counted = new WeakMap<object, number>();

function countKey(v: Value): object | undefined {
  return v.t === 'list' || v.t === 'tuple' ? v.items : v.t === 'dict' ? v.map : undefined;
}

/** Records what a container just built holds (see `counted`). */
export function keepCount(items: object, n: number): void {
  counted.set(items, n);
}

/** A container changed in place: its count is made again when next needed. */
export function dropCount(items: object): void {
  counted.delete(items);
}

/** The count of a container's elements kept when it was built, if any. */
export function keptCount(items: object): number | undefined {
  return counted.get(items);
}

/**
 * Elements of `items` as they print (each item, and what nested lists, tuples and dicts hold,
 * through every reference), counted up to `cap`: past it the count stops, so the cost is at most
 * `cap` whatever the value (`[a] * 100000` with `a` of 100,000 items stops at 10^6).
 */
export function elementCount(m: Meter, items: readonly Value[], cap = m.limits.maxElements): number {
  let n = 0;
  const stack: (readonly Value[])[] = [items];
  while (stack.length) {
    const level = stack.pop()!;
    n += level.length;
    m.work(level.length);
    if (n > cap) return n;
    for (const v of level) {
      const key = countKey(v);
      if (!key) continue;
      const known = counted.get(key);
      if (known !== undefined) {
        n += known;
        if (n > cap) return n;
      } else if (v.t === 'list' || v.t === 'tuple') {
        if (v.items.length) stack.push(v.items);
      } else if (v.t === 'dict' && v.map.size) {
        const kv: Value[] = [];
        for (const [k, val] of v.map.values()) kv.push(k, val);
        stack.push(kv);
      }
    }
  }
  return n;
}

/**
 * Why a container of `items` is not built, or undefined when it fits the element budget (its
 * count is then kept under `key`, the items array or map the new container holds).
 */
export function tooManyElements(m: Meter, kind: string, items: readonly Value[], key: object = items): Why | undefined {
  const max = m.limits.maxElements;
  if (items.length > max) return { reason: `a ${kind} of ${count(items.length)} items is not built (more than ${count(max)})` };
  const n = elementCount(m, items);
  if (n > max) return { reason: `a ${kind} of more than ${count(max)} elements (nested ones included) is not built` };
  counted.set(key, n);
  return undefined;
}

/** Why a string of `n` characters is not built, or undefined when it fits. */
export function tooLong(m: Meter, n: number): Why | undefined {
  if (n > m.limits.maxChars) return { reason: `a string of ${count(n)} characters is not built (more than ${count(m.limits.maxChars)})` };
  m.work(n / 64);
  return undefined;
}

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

function repeat(m: Meter, items: Value[], n: number, kind: 'list' | 'tuple'): Value {
  if (n <= 0 || items.length === 0) return { t: kind, items: [] };
  const max = m.limits.maxElements;
  if (items.length * n > max) return unknown(`a ${kind} of ${count(items.length * n)} items is not built (more than ${count(max)})`);
  // Counted before building: `[a] * n` prints a n times.
  const each = elementCount(m, items, Math.floor(max / n));
  if (each * n > max) return unknown(`a ${kind} of more than ${count(max)} elements (nested ones included) is not built: ${count(n)} copies of ${count(each)}${each > max / n ? ' or more' : ''}`);
  m.work(items.length * n);
  const out: Value[] = [];
  for (let i = 0; i < n; i++) for (const v of items) out.push(v);
  counted.set(out, each * n);
  return { t: kind, items: out };
}

function concat(m: Meter, kind: 'list' | 'tuple', a: Value[], b: Value[]): Value {
  const items = [...a, ...b];
  const why = tooManyElements(m, kind, items);
  return why ? unknown(why.reason) : { t: kind, items };
}

/** A binary operator on non-tensor values. */
export function binaryPlain(m: Meter, op: string, a: Value, b: Value): Value {
  if (a.t === 'unknown') return a;
  if (b.t === 'unknown') return b;
  const x = numLike(a);
  const y = numLike(b);
  if (x && y) return arith(op, x, y);
  if (op === '+') {
    if (a.t === 'str' && b.t === 'str') {
      const why = tooLong(m, a.v.length + b.v.length);
      return why ? unknown(why.reason) : { t: 'str', v: a.v + b.v };
    }
    if ((a.t === 'list' && b.t === 'list') || (a.t === 'tuple' && b.t === 'tuple')) {
      if (a.items.length + b.items.length > m.limits.maxElements) return unknown(`a ${a.t} of ${count(a.items.length + b.items.length)} items is not built (more than ${count(m.limits.maxElements)})`);
      return concat(m, a.t, a.items, b.items);
    }
  }
  if (op === '*') {
    const seq = a.t === 'list' || a.t === 'tuple' || a.t === 'str' ? a : b.t === 'list' || b.t === 'tuple' || b.t === 'str' ? b : undefined;
    const times = seq === a ? y : x;
    if (seq && times?.kind === 'int') {
      if (seq.t === 'str') {
        const why = tooLong(m, seq.v.length * Math.max(0, times.v));
        return why ? unknown(why.reason) : { t: 'str', v: times.v > 0 ? seq.v.repeat(times.v) : '' };
      }
      if (seq.t === 'list' || seq.t === 'tuple') return repeat(m, seq.items, times.v, seq.t);
    }
  }
  if (op === '%' && a.t === 'str') return percentFormat(m, a.v, b);
  if (op === '|' && a.t === 'dict' && b.t === 'dict') {
    m.work(a.map.size + b.map.size);
    if (a.map.size + b.map.size > m.limits.maxElements) return unknown(`a dict of ${count(a.map.size + b.map.size)} entries is not built (more than ${count(m.limits.maxElements)})`);
    return { t: 'dict', map: new Map([...a.map, ...b.map]) };
  }
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
export function equalValues(m: Meter, a: Value, b: Value, depth = 0): boolean | undefined {
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
    // As Python: a container is equal to itself (its items are compared by identity first).
    if (a === b) return true;
    if (a.items.length !== b.items.length) return false;
    if (depth >= MAX_NESTING) throw tooDeep(`a comparison of ${a.t}s`);
    m.work(a.items.length);
    let all = true;
    for (let i = 0; i < a.items.length; i++) {
      const e = equalValues(m, a.items[i], b.items[i], depth + 1);
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

function order(m: Meter, a: Value, b: Value, depth = 0): number | undefined {
  const x = numLike(a);
  const y = numLike(b);
  if (x && y) {
    if (x.kind === 'dim' || y.kind === 'dim') return undefined;
    return x.v < y.v ? -1 : x.v > y.v ? 1 : 0;
  }
  if (a.t === 'str' && b.t === 'str') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if ((a.t === 'tuple' && b.t === 'tuple') || (a.t === 'list' && b.t === 'list')) {
    if (depth >= MAX_NESTING) throw tooDeep(`a comparison of ${a.t}s`);
    const n = Math.min(a.items.length, b.items.length);
    m.work(n);
    for (let i = 0; i < n; i++) {
      const c = order(m, a.items[i], b.items[i], depth + 1);
      if (c === undefined) return undefined;
      if (c !== 0) return c;
    }
    return a.items.length - b.items.length;
  }
  return undefined;
}

/** A comparison on non-tensor values: a bool, or unknown with the reason. */
export function comparePlain(m: Meter, op: string, a: Value, b: Value): Value {
  if (a.t === 'unknown') return a;
  if (b.t === 'unknown') return b;
  let r: boolean | undefined;
  switch (op) {
    case '==':
      r = equalValues(m, a, b);
      break;
    case '!=': {
      const e = equalValues(m, a, b);
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
      const hit = contains(m, b, a);
      r = hit === undefined ? undefined : op === 'in' ? hit : !hit;
      break;
    }
    default: {
      const c = order(m, a, b);
      if (c !== undefined) r = op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : op === '>=' ? c >= 0 : undefined;
    }
  }
  return r === undefined ? unknown(`${typeName(a)} ${op} ${typeName(b)} cannot be decided statically`) : { t: 'bool', v: r };
}

/** `item in container` */
export function contains(m: Meter, container: Value, item: Value): boolean | undefined {
  switch (container.t) {
    case 'list':
    case 'tuple': {
      let maybe = false;
      for (const x of container.items) {
        m.work(1);
        const e = equalValues(m, x, item);
        if (e === true) return true;
        if (e === undefined) maybe = true;
      }
      return maybe ? undefined : false;
    }
    case 'dict': {
      const k = dictKey(m, item);
      return k === undefined ? undefined : container.map.has(k);
    }
    case 'str':
      if (item.t !== 'str') return undefined;
      m.work(container.v.length / 64);
      return container.v.includes(item.v);
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

export function sliceItems<T>(m: Meter, items: readonly T[], b: SliceBounds): T[] {
  m.work(Math.abs((b.stop - b.start) / b.step));
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
export function rangeItems(m: Meter, r: { start: number; stop: number; step: number }): Value[] | Why {
  const n = rangeLength(r);
  if (n > m.limits.maxElements) return { reason: `a range of ${count(n)} items is not expanded (more than ${count(m.limits.maxElements)})` };
  m.work(n);
  const out: Value[] = [];
  for (let i = 0; i < n; i++) out.push({ t: 'int', v: r.start + i * r.step });
  return out;
}

// ---------------------------------------------------------------------------------------------
// strings: str(), repr(), f-string fields, % formatting, str.format — written within the
// character budget, refused before the text is joined.

class TooLong extends Error {}

/** A string being written: its parts and their length, refused past its budget. */
export class Text {
  private readonly parts: string[] = [];
  private length = 0;
  constructor(
    private readonly m: Meter,
    private readonly max = m.limits.maxChars,
  ) {}

  get remaining(): number {
    return this.max - this.length;
  }

  add(s: string): void {
    this.m.work(1 + s.length / 64);
    this.reserve(s.length);
    this.length += s.length;
    this.parts.push(s);
  }

  /** Throws when `n` more characters would not fit (checked before they are made). */
  reserve(n: number): void {
    if (n > this.remaining) throw new TooLong(`a string of more than ${count(this.max)} characters is not built`);
  }

  /** A text written apart (a field to pad) that shares what is left of this one's budget. */
  part(): Text {
    return new Text(this.m, this.remaining);
  }

  toString(): string {
    return this.parts.join('');
  }
}

/**
 * A string value written by `write` within the character budget: unknown with the reason when
 * a part cannot be known (`write` returns why) or the text would be too long.
 */
export function buildString(m: Meter, write: (out: Text) => Why | undefined): Value {
  const out = new Text(m);
  let why: Why | undefined;
  try {
    why = write(out);
  } catch (e) {
    if (e instanceof TooLong) return unknown(e.message);
    throw e;
  }
  return why ? { t: 'unknown', why } : { t: 'str', v: out.toString() };
}

function scalarText(v: Value): string | undefined {
  switch (v.t) {
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
    default:
      return undefined;
  }
}

/** Writes Python's str() (or repr()) of `v`; why not when it cannot be known. */
function writeValue(out: Text, v: Value, repr: boolean, depth = 0): Why | undefined {
  if (v.t === 'unknown') return v.why;
  if (v.t === 'str') {
    out.add(repr ? `'${v.v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : v.v);
    return undefined;
  }
  if (v.t === 'list' || v.t === 'tuple') {
    if (depth >= MAX_NESTING) throw tooDeep(`str() of a ${v.t}`);
    out.add(v.t === 'list' ? '[' : '(');
    for (let i = 0; i < v.items.length; i++) {
      if (i > 0) out.add(', ');
      const why = writeValue(out, v.items[i], true, depth + 1);
      if (why) return why;
    }
    out.add(v.t === 'tuple' && v.items.length === 1 ? ',)' : v.t === 'list' ? ']' : ')');
    return undefined;
  }
  const s = scalarText(v);
  if (s === undefined) return { reason: `${repr ? 'repr' : 'str'}() of ${typeName(v)} is not followed` };
  out.add(s);
  return undefined;
}

/** Python str() of a value, or unknown with the reason. */
export function strValue(m: Meter, v: Value): Value {
  return buildString(m, (out) => writeValue(out, v, false));
}

/** Python repr() of a value, or unknown with the reason. */
export function reprValue(m: Meter, v: Value): Value {
  return buildString(m, (out) => writeValue(out, v, true));
}

/**
 * Writes one formatted field: `{x!r:>4}` / `%5d`. Simple specs only
 * (fill/align/width/zero/precision/d s f); why not when the spec or the value is not followed.
 */
export function writeField(out: Text, v: Value, spec = '', conversion?: string): Why | undefined {
  if (v.t === 'unknown') return v.why;
  const notFollowed: Why = { reason: `formatting ${typeName(v)} with '${conversion ? `!${conversion}` : ''}${spec ? `:${spec}` : ''}' is not followed` };
  if (conversion !== undefined && conversion !== '' && conversion !== 's' && conversion !== 'r') return notFollowed;
  const m = /^(?:(.)?([<>^]))?(0)?(\d*)(?:\.(\d+))?([dsfig%]?)$/.exec(spec);
  if (!m) return notFollowed;
  const [, fillChar, align, zero, width, precision, type] = m;
  const field = out.part();
  if (conversion === 'r') {
    const why = writeValue(field, v, true);
    if (why) return why;
  } else {
    const n = numLike(v);
    if ((type === 'f' || type === '%' || precision !== undefined) && n && n.kind !== 'dim') {
      const digits = precision !== undefined ? Number(precision) : 6;
      if (digits > 100) return notFollowed;
      const x = type === '%' ? n.v * 100 : n.v;
      field.add(x.toFixed(digits) + (type === '%' ? '%' : ''));
    } else if (type === 'd' || type === 'i') {
      if (!n || n.kind !== 'int') return notFollowed;
      field.add(String(n.v));
    } else {
      const why = writeValue(field, v, false);
      if (why) return why;
    }
  }
  const s = field.toString();
  const w = width ? Number(width) : 0;
  if (s.length >= w) {
    out.add(s);
    return undefined;
  }
  // The padding is checked against the budget before it is made (`{x:999999999}`).
  out.reserve(w);
  const fill = zero && !align ? '0' : (fillChar ?? ' ');
  const pad = fill.repeat(w - s.length);
  const numeric = v.t === 'int' || v.t === 'float';
  const a = align ?? (numeric ? '>' : '<');
  if (a === '<') out.add(s + pad);
  else if (a === '^') out.add(pad.slice(0, Math.floor(pad.length / 2)) + s + pad.slice(Math.floor(pad.length / 2)));
  else out.add(pad + s);
  return undefined;
}

/** `"conv%d" % i`, `"%s_%02d" % (a, b)`. */
export function percentFormat(m: Meter, fmt: string, arg: Value): Value {
  const args = arg.t === 'tuple' ? arg.items : [arg];
  const unknownWhy: Why = { reason: `string % formatting with ${args.length} values for this format` };
  return buildString(m, (out) => {
    let i = 0;
    let last = 0;
    for (const f of fmt.matchAll(/%([-0]?)(\d*)(?:\.(\d+))?([diusrf%])/g)) {
      const [all, flag, width, prec, type] = f;
      out.add(fmt.slice(last, f.index));
      last = f.index + all.length;
      if (type === '%') {
        out.add('%');
        continue;
      }
      const v = args[i++];
      if (!v) return unknownWhy;
      const spec = `${flag === '-' ? '<' : ''}${flag === '0' ? '0' : ''}${width}${prec !== undefined ? `.${prec}` : ''}${type === 'u' ? 'd' : type === 'r' ? '' : type}`;
      const why = writeField(out, v, spec, type === 'r' ? 'r' : undefined);
      if (why) return why;
    }
    out.add(fmt.slice(last));
    return i === args.length ? undefined : unknownWhy;
  });
}

/** `"{}_{name}".format(...)`. */
export function strFormat(m: Meter, fmt: string, args: Value[], kwargs: [string, Value][]): Value {

  return buildString(m, (out) => {
    let auto = 0;
    let last = 0;
    for (const f of fmt.matchAll(/\{\{|\}\}|\{([^{}!:]*)(?:!([rs]))?(?::([^{}]*))?\}/g)) {
      const [all, field, conv, spec] = f;
      out.add(fmt.slice(last, f.index));
      last = f.index + all.length;
      if (all === '{{' || all === '}}') {
        out.add(all[0]);
        continue;
      }
      let v: Value | undefined;
      if (field === undefined || field === '') v = args[auto++];
      else if (/^\d+$/.test(field)) v = args[Number(field)];
      else v = kwargs.find(([k]) => k === field)?.[1];
      if (!v) return { reason: `str.format without a value for {${field ?? ''}}` };
      const why = writeField(out, v, spec ?? '', conv);
      if (why) return why;
    }
    out.add(fmt.slice(last));
    return undefined;
  });
}
