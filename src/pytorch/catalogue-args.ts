/**
 * Binding call arguments to a torch signature, and reading them as the numbers a layer needs.
 * Every failure is an ArgError naming the argument and why (unknown value, wrong type), so the
 * layer shows that reason instead of a guessed count.
 */
import { ArgError, type ArgDef, type Literal } from './catalogue-types';
import { msg, type Message } from './message';
import { describe, NONE, type Value, type Why } from './values';

export function literal(v: Literal): Value {
  if (v === null) return NONE;
  if (typeof v === 'number') return Number.isInteger(v) ? { t: 'int', v } : { t: 'float', v };
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (typeof v === 'string') return { t: 'str', v };
  if (Array.isArray(v)) return { t: 'tuple', items: v.map(literal) };
  return { t: 'float', v: (v as { float: number }).float };
}

/** `sig('in_features', 'out_features', ['bias', true])`: names are required, pairs have defaults. */
export function sig(...defs: (string | [string, Literal])[]): ArgDef[] {
  return defs.map((d) => {
    if (typeof d === 'string') {
      if (d.startsWith('*')) return { name: d.slice(1), rest: true };
      return { name: d, required: true };
    }
    return { name: d[0], default: literal(d[1]) };
  });
}

/** The factory keywords every layer accepts. */
export const FACTORY: [string, Literal][] = [
  ['device', null],
  ['dtype', null],
];

/**
 * Binds positional and keyword arguments to a signature as Python does; missing optional ones
 * take their defaults. Throws ArgError for a missing required argument or an unexpected one.
 */
export function bindArgs(what: string, signature: readonly ArgDef[], args: readonly Value[], kwargs: readonly [string, Value][]): Map<string, Value> {
  const out = new Map<string, Value>();
  let i = 0;
  for (const d of signature) {
    if (d.rest) {
      out.set(d.name, { t: 'tuple', items: args.slice(i) });
      i = args.length;
      continue;
    }
    if (i < args.length) out.set(d.name, args[i++]);
  }
  if (i < args.length) {
    throw new ArgError({ reason: `${what}() takes ${signature.filter((d) => !d.rest).length} positional arguments but ${args.length} were given` });
  }
  for (const [k, v] of kwargs) {
    if (!signature.some((d) => d.name === k && !d.rest)) throw new ArgError({ reason: `${what}() got an unexpected keyword argument '${k}'` });
    if (out.has(k)) throw new ArgError({ reason: `${what}() got multiple values for argument '${k}'` });
    out.set(k, v);
  }
  for (const d of signature) {
    if (out.has(d.name)) continue;
    if (d.required) throw new ArgError({ reason: `${what}() is missing the required argument '${d.name}'` });
    if (d.default) out.set(d.name, d.default);
  }
  return out;
}

function whyOf(name: string, v: Extract<Value, { t: 'unknown' }>): Why {
  const reason = msg`${name} is unknown: ${v.why.reason}`;
  return v.why.line === undefined ? { reason } : { reason, line: v.why.line };
}

/** Typed access to bound layer arguments. */
export class LayerArgs {
  constructor(
    readonly layer: string,
    readonly bound: Map<string, Value>,
  ) {}

  value(name: string): Value {
    return this.bound.get(name) ?? NONE;
  }

  fail(reason: Message): never {
    throw new ArgError({ reason: msg`${this.layer}: ${reason}` });
  }

  private known(name: string): Value {
    const v = this.value(name);
    if (v.t === 'unknown') throw new ArgError(whyOf(name, v));
    return v;
  }

  isNone(name: string): boolean {
    return this.known(name).t === 'none';
  }

  int(name: string): number {
    const v = this.known(name);
    const n = asInt(v);
    if (n === undefined) this.fail(`${name} must be an integer, got ${describe(v)}`);
    return n;
  }

  /** An int read from a value that is not itself a bound argument (an element of a tuple argument). */
  intOf(name: string, v: Value): number {
    if (v.t === 'unknown') throw new ArgError(whyOf(name, v));
    const n = asInt(v);
    if (n === undefined) this.fail(`${name} must be an integer, got ${describe(v)}`);
    return n;
  }

  positiveInt(name: string): number {
    const n = this.int(name);
    if (n <= 0) this.fail(`${name} must be positive, got ${n}`);
    return n;
  }

  optInt(name: string): number | undefined {
    return this.isNone(name) ? undefined : this.int(name);
  }

  float(name: string): number {
    const v = this.known(name);
    if (v.t === 'int' || v.t === 'float') return v.v;
    if (v.t === 'bool') return v.v ? 1 : 0;
    return this.fail(`${name} must be a number, got ${describe(v)}`);
  }

  optFloat(name: string): number | undefined {
    return this.isNone(name) ? undefined : this.float(name);
  }

  bool(name: string): boolean {
    const v = this.known(name);
    if (v.t === 'bool') return v.v;
    if (v.t === 'int' || v.t === 'float') return v.v !== 0;
    if (v.t === 'none') return false;
    return this.fail(`${name} must be True or False, got ${describe(v)}`);
  }

  str(name: string): string {
    const v = this.known(name);
    if (v.t === 'str') return v.v;
    return this.fail(`${name} must be a string, got ${describe(v)}`);
  }

  /** An int or a tuple of `n` ints (torch's _pair/_triple), e.g. kernel_size. */
  ints(name: string, n: number): number[] {
    const v = this.known(name);
    const one = asInt(v);
    if (one !== undefined) return new Array<number>(n).fill(one);
    if (v.t === 'tuple' || v.t === 'list') {
      const items = v.items.map((x) => {
        if (x.t === 'unknown') throw new ArgError(whyOf(name, x));
        return asInt(x);
      });
      if (items.length === n && items.every((x) => x !== undefined)) return items as number[];
      if (items.length === 1 && items[0] !== undefined) return new Array<number>(n).fill(items[0]);
    }
    return this.fail(`${name} must be an integer or ${n} integers, got ${describe(v)}`);
  }

  /** An int or a tuple of any length (LayerNorm's normalized_shape). */
  intList(name: string): number[] {
    const v = this.known(name);
    const one = asInt(v);
    if (one !== undefined) return [one];
    if (v.t === 'tuple' || v.t === 'list') {
      return v.items.map((x) => {
        if (x.t === 'unknown') throw new ArgError(whyOf(name, x));
        const n = asInt(x);
        if (n === undefined) this.fail(`${name} must hold integers, got ${describe(x)}`);
        return n;
      });
    }
    return this.fail(`${name} must be an integer or a tuple of integers, got ${describe(v)}`);
  }
}

/** An int (bools are ints in Python; a symbolic dim only when it is a constant). */
export function asInt(v: Value): number | undefined {
  if (v.t === 'int') return v.v;
  if (v.t === 'bool') return v.v ? 1 : 0;
  if (v.t === 'dim') return v.e.constant;
  return undefined;
}
