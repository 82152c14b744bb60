/**
 * What the evaluator knows about a Python value: plain data it can compute with, nn modules and
 * tensors it tracks, and `unknown` with the reason — never a guess.
 */
import type { Expr } from '../symbolic/expr';
import type { ClassDef, FunctionDef, Lambda, SourceRange } from './ast';
import type { LayerEntry } from './catalogue-types';
import { MAX_NESTING, tooDeep, type Meter } from './limits';
import type { Message } from './message';

/** Why a value is unknown, and the 1-based line where that started. */
export interface Why {
  reason: Message;
  line?: number;
  /** The unknown value may be a module with parameters (a call into code that is not analyzed). */
  maybeModule?: boolean;
}

export interface Tensor {
  /** undefined: not known; `why` says why. */
  shape?: Expr[];
  /** ONNX element type: 1 float, 7 int64, 9 bool. */
  dtype: number;
  why?: Why;
  /** Set when the tensor is a parameter (nn.Parameter, a layer's weight). */
  param?: ParamRef;
}

export type Value =
  | { t: 'int'; v: number }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'str'; v: string }
  | { t: 'none' }
  | { t: 'list'; items: Value[] }
  | { t: 'tuple'; items: Value[] }
  | { t: 'dict'; map: Map<string, [Value, Value]> }
  | { t: 'range'; start: number; stop: number; step: number }
  | { t: 'func'; fn: FunctionDef | Lambda; scope: Scope; name: string; cls?: ClassInfo; kind?: 'property' | 'static' | 'class' }
  | { t: 'method'; fn: Extract<Value, { t: 'func' }>; self: Value }
  | { t: 'class'; cls: ClassInfo }
  | { t: 'object'; obj: PyObject }
  | { t: 'module'; mod: ModuleObj }
  | { t: 'tensor'; ten: Tensor }
  /** Something imported whose dotted path we know: `torch.nn.Conv2d`, `torchinfo.summary`. */
  | { t: 'ext'; path: string }
  /** A builtin function, or a builtin method bound to `self` (list.append, Tensor.view). */
  | { t: 'builtin'; name: string; self?: Value }
  | { t: 'partial'; fn: Value; args: Value[]; kwargs: [string, Value][] }
  | { t: 'super'; cls: ClassInfo; self: Value }
  /** An integer known only as an expression in symbolic dims. */
  | { t: 'dim'; e: Expr }
  | { t: 'slice'; lower: Value; upper: Value; step: Value }
  | { t: 'ellipsis' }
  | { t: 'unknown'; why: Why };

export type Func = Extract<Value, { t: 'func' }>;

export const NONE: Value = { t: 'none' };
export const TRUE: Value = { t: 'bool', v: true };
export const FALSE: Value = { t: 'bool', v: false };

export function int(v: number): Value {
  return { t: 'int', v };
}

export function unknown(reason: Message, line?: number): Value {
  return { t: 'unknown', why: line === undefined ? { reason } : { reason, line } };
}

export function unknownFrom(why: Why): Value {
  return { t: 'unknown', why };
}

export class Scope {
  readonly vars = new Map<string, Value>();
  constructor(
    readonly parent: Scope | undefined,
    /** Names declared `global` in this function scope. */
    readonly globalNames?: Set<string>,
  ) {}

  lookup(name: string): Value | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  root(): Scope {
    let s: Scope = this;
    while (s.parent) s = s.parent;
    return s;
  }
}

export interface ClassInfo {
  name: string;
  def: ClassDef;
  bases: Value[];
  /** Class attributes and methods, in definition order. */
  ns: Map<string, Value>;
  /** The nn base this class derives from (through file classes), if any. */
  nnBase?: 'Module' | 'Sequential' | 'ModuleList' | 'ModuleDict';
}

/** An instance of a plain (non-module) class of the file. */
export class PyObject {
  readonly attrs = new Map<string, Value>();
  constructor(readonly cls: ClassInfo) {}
}

let nextId = 1;

/** One parameter tensor; identity decides sharing (each is counted once). */
export class ParamRef {
  readonly id = nextId++;
  /** The `self.name = nn.Parameter(...)` statement that registered it. */
  registeredAt?: SourceRange;
  constructor(
    /** Dims when known. */
    public shape: number[] | undefined,
    /** Why the shape is unknown. */
    public why: Why | undefined,
    readonly site: SourceRange | undefined,
    public requiresGrad = true,
  ) {}

  get elements(): number | undefined {
    return this.shape?.reduce((a, b) => a * b, 1);
  }
}

export interface BufferRef {
  shape?: number[];
  why?: Why;
}

export type ModuleKind = 'layer' | 'Sequential' | 'ModuleList' | 'ModuleDict' | 'ParameterList' | 'ParameterDict' | 'custom';

/** Built state of a catalogue layer: its bound arguments and what they make. */
export interface LayerState {
  entry: LayerEntry;
  /** Arguments bound to the torch signature (missing ones take torch's defaults). */
  args: Map<string, Value>;
  /** Entry-specific configuration, or undefined when an argument could not be evaluated. */
  config?: unknown;
  why?: Why;
  /** `(3·3·512 + 1)·512` */
  paramsFormula?: string;
}

/** An nn.Module instance: a catalogue layer, a container, or an instance of a file class. */
export class ModuleObj {
  readonly id = nextId++;
  readonly children = new Map<string, ModuleObj>();
  readonly params = new Map<string, ParamRef>();
  readonly buffers = new Map<string, BufferRef>();
  /** Other attributes (custom modules): plain values, tensors, functions. */
  readonly attrs = new Map<string, Value>();
  /** Where each plain attribute was last assigned (`self.layers = [...]`). */
  readonly attrSites = new Map<string, SourceRange>();
  layer?: LayerState;
  cls?: ClassInfo;
  /** The `self.name = ...` statement that first made it an attribute. */
  registeredAt?: SourceRange;
  /** The module is a deep copy of another (nn.TransformerEncoder's layers, copy.deepcopy). */
  copyOf?: ModuleObj;
  /** Parts whose parameters cannot be known (a container built from unknown items, an attribute from code not analyzed). */
  readonly unknownParts: { name: string; why: Why }[] = [];
  constructor(
    readonly typeName: string,
    readonly kind: ModuleKind,
    /** The constructor call that made it. */
    readonly created: SourceRange | undefined,
  ) {}
}

export function isModule(v: Value): v is Extract<Value, { t: 'module' }> {
  return v.t === 'module';
}

export function isTensor(v: Value): v is Extract<Value, { t: 'tensor' }> {
  return v.t === 'tensor';
}

/** Python truthiness; undefined when it cannot be known. */
export function truthy(v: Value): boolean | undefined {
  switch (v.t) {
    case 'int':
    case 'float':
      return v.v !== 0;
    case 'bool':
      return v.v;
    case 'str':
      return v.v.length > 0;
    case 'none':
      return false;
    case 'list':
    case 'tuple':
      return v.items.length > 0;
    case 'dict':
      return v.map.size > 0;
    case 'range':
      return rangeLength(v) > 0;
    case 'dim': {
      const c = v.e.constant;
      return c === undefined ? undefined : c !== 0;
    }
    case 'module':
      return v.mod.kind === 'layer' || v.mod.kind === 'custom' ? true : v.mod.children.size + v.mod.params.size > 0;
    case 'tensor':
    case 'unknown':
      return undefined;
    default:
      return true;
  }
}

export function rangeLength(r: { start: number; stop: number; step: number }): number {
  if (r.step > 0) return Math.max(0, Math.ceil((r.stop - r.start) / r.step));
  return Math.max(0, Math.ceil((r.start - r.stop) / -r.step));
}

/** A short description for messages: `int 3`, `a Conv2d`, `a tensor`. */
export function describe(v: Value): string {
  switch (v.t) {
    case 'int':
    case 'float':
      return String(v.v);
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'str':
      return JSON.stringify(v.v);
    case 'none':
      return 'None';
    case 'list':
      return 'a list';
    case 'tuple':
      return 'a tuple';
    case 'dict':
      return 'a dict';
    case 'module':
      return `a ${v.mod.typeName}`;
    case 'tensor':
      return 'a tensor';
    case 'ext':
      return v.path;
    case 'class':
      return `class ${v.cls.name}`;
    case 'func':
      return `function ${v.name}`;
    case 'unknown':
      return 'an unknown value';
    default:
      return `a ${v.t}`;
  }
}

/** A hashable key for dict entries; undefined for unhashable or unknown keys. */
export function dictKey(m: Meter, v: Value, depth = 0): string | undefined {
  switch (v.t) {
    case 'int':
      return `n:${v.v}`;
    case 'float':
      return Number.isInteger(v.v) ? `n:${v.v}` : `f:${v.v}`;
    case 'bool':
      return `n:${v.v ? 1 : 0}`;
    case 'str':
      return `s:${v.v}`;
    case 'none':
      return 'none';
    case 'tuple': {
      if (depth >= MAX_NESTING) throw tooDeep('a tuple used as a key');
      m.work(v.items.length);
      const parts: string[] = [];
      for (const item of v.items) {
        const p = dictKey(m, item, depth + 1);
        if (p === undefined) return undefined;
        parts.push(p);
      }
      return `t:(${parts.join(',')})`;
    }
    case 'module':
      return `m:${v.mod.id}`;
    case 'class':
      return `c:${v.cls.name}`;
    case 'ext':
      return `e:${v.path}`;
    default:
      return undefined;
  }
}
