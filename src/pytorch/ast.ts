/**
 * The small Python AST the PyTorch analysis needs: module-level code, imports, classes,
 * functions, the statements `__init__`/`forward` use and the expressions in them. Every node has
 * a 0-based range. Anything the analysis does not model is an `unsupported` node carrying the
 * reason, so a half-typed file still yields every statement that parsed.
 */
import type { Message } from './message';

export interface Position {
  /** 0-based line. */
  line: number;
  /** 0-based UTF-16 column. */
  character: number;
}

export interface SourceRange {
  start: Position;
  end: Position;
}

/** The 1-based line a range starts on, as messages quote it. */
export function line(r: SourceRange): number {
  return r.start.line + 1;
}

interface Node {
  range: SourceRange;
}

// ---------------------------------------------------------------------------------------------
// Expressions

export interface NumberLit extends Node {
  kind: 'num';
  value: number;
  isInt: boolean;
}
export interface StringLit extends Node {
  kind: 'str';
  /** undefined for f-strings and strings we cannot decode: their value is unknown. */
  value?: string;
}
/** One `{expr!conv:spec}` field of an f-string. */
export interface FStringField {
  expr: PyExpr;
  conversion?: string;
  spec?: string;
}
export interface FString extends Node {
  kind: 'fstr';
  /** Literal text and fields, in order (adjacent literals concatenated). */
  parts: (string | FStringField)[];
}
export interface BoolLit extends Node {
  kind: 'bool';
  value: boolean;
}
export interface NoneLit extends Node {
  kind: 'none';
}
export interface EllipsisLit extends Node {
  kind: 'ellipsis';
}
export interface Name extends Node {
  kind: 'name';
  id: string;
}
export interface Attribute extends Node {
  kind: 'attr';
  object: PyExpr;
  name: string;
}
export type Argument =
  | { kind: 'pos'; value: PyExpr }
  | { kind: 'star'; value: PyExpr }
  | { kind: 'kw'; name: string; value: PyExpr }
  | { kind: 'dstar'; value: PyExpr };
export interface Call extends Node {
  kind: 'call';
  func: PyExpr;
  args: Argument[];
}
export interface BinOp extends Node {
  kind: 'binop';
  /** + - * / // % ** @ << >> & | ^ */
  op: string;
  left: PyExpr;
  right: PyExpr;
}
export interface Compare extends Node {
  kind: 'compare';
  /** == != < <= > >= in "not in" is "is not" */
  op: string;
  left: PyExpr;
  right: PyExpr;
}
export interface BoolOp extends Node {
  kind: 'boolop';
  op: 'and' | 'or';
  left: PyExpr;
  right: PyExpr;
}
export interface UnaryOp extends Node {
  kind: 'unary';
  op: '-' | '+' | 'not' | '~';
  operand: PyExpr;
}
export interface Conditional extends Node {
  kind: 'cond';
  test: PyExpr;
  body: PyExpr;
  orelse: PyExpr;
}
export interface Starred extends Node {
  kind: 'starred';
  value: PyExpr;
}
export interface Sequence extends Node {
  kind: 'tuple' | 'list' | 'set';
  elts: PyExpr[];
}
export type DictItem = { kind: 'pair'; key: PyExpr; value: PyExpr } | { kind: 'spread'; value: PyExpr };
export interface Dict extends Node {
  kind: 'dict';
  items: DictItem[];
}
export interface Slice extends Node {
  kind: 'slice';
  lower?: PyExpr;
  upper?: PyExpr;
  step?: PyExpr;
}
export interface Subscript extends Node {
  kind: 'subscript';
  object: PyExpr;
  /** One index, or several (`x[:, None]`) as a tuple node. */
  index: PyExpr;
}
export interface Generator {
  target: PyExpr;
  iter: PyExpr;
  ifs: PyExpr[];
}
export interface Comprehension extends Node {
  kind: 'comp';
  type: 'list' | 'gen' | 'set' | 'dict';
  elt: PyExpr;
  /** The value of a dict comprehension (elt is then the key). */
  value?: PyExpr;
  generators: Generator[];
}
export interface Lambda extends Node {
  kind: 'lambda';
  params: Param[];
  body: PyExpr;
}
export interface Unsupported extends Node {
  kind: 'unsupported';
  reason: Message;
}

export type PyExpr =
  | NumberLit
  | StringLit
  | FString
  | BoolLit
  | NoneLit
  | EllipsisLit
  | Name
  | Attribute
  | Call
  | BinOp
  | Compare
  | BoolOp
  | UnaryOp
  | Conditional
  | Starred
  | Sequence
  | Dict
  | Slice
  | Subscript
  | Comprehension
  | Lambda
  | Unsupported;

// ---------------------------------------------------------------------------------------------
// Statements

export interface Param {
  name: string;
  /** normal, *args, **kwargs; keyword-only params follow a bare `*` or *args. */
  kind: 'normal' | 'star' | 'dstar' | 'kwonly';
  default?: PyExpr;
  range: SourceRange;
}

export interface FunctionDef extends Node {
  kind: 'def';
  name: string;
  nameRange: SourceRange;
  params: Param[];
  body: Stmt[];
  /** Decorator names as written, without `@` and arguments: `property`, `torch.no_grad`. */
  decorators: string[];
}

export interface ClassDef extends Node {
  kind: 'class';
  name: string;
  nameRange: SourceRange;
  bases: PyExpr[];
  body: Stmt[];
  /** Decorator names as written, without `@` and arguments: `property`, `torch.no_grad`. */
  decorators: string[];
}

export interface ImportStmt extends Node {
  kind: 'import';
  /** `import a.b as c`: module 'a.b', alias 'c'. */
  names: { module: string; alias?: string }[];
}

export interface FromImportStmt extends Node {
  kind: 'from';
  /** Leading dots of a relative import. */
  level: number;
  module: string;
  /** name '*' for a star import. */
  names: { name: string; alias?: string }[];
}

export type Stmt =
  | (Node & { kind: 'assign'; targets: PyExpr[]; value: PyExpr })
  | (Node & { kind: 'annassign'; target: PyExpr; value?: PyExpr })
  | (Node & { kind: 'augassign'; target: PyExpr; op: string; value: PyExpr })
  | (Node & { kind: 'expr'; value: PyExpr })
  | (Node & { kind: 'return'; value?: PyExpr })
  | (Node & { kind: 'if'; test: PyExpr; body: Stmt[]; orelse: Stmt[] })
  | (Node & { kind: 'for'; target: PyExpr; iter: PyExpr; body: Stmt[]; orelse: Stmt[] })
  | (Node & { kind: 'while'; test: PyExpr; body: Stmt[]; orelse: Stmt[] })
  | (Node & { kind: 'with'; items: { expr: PyExpr; target?: PyExpr }[]; body: Stmt[] })
  | (Node & { kind: 'try'; body: Stmt[]; handlers: Stmt[][]; orelse: Stmt[]; finalbody: Stmt[] })
  | (Node & { kind: 'break' | 'continue' | 'pass' })
  | (Node & { kind: 'raise'; value?: PyExpr })
  | (Node & { kind: 'assert'; test?: PyExpr })
  | (Node & { kind: 'del'; targets: PyExpr[] })
  | (Node & { kind: 'global'; names: string[] })
  | (Node & { kind: 'unsupported'; reason: Message })
  | FunctionDef
  | ClassDef
  | ImportStmt
  | FromImportStmt;

export interface SyntaxProblem {
  range: SourceRange;
  message: Message;
}

export interface PyModule {
  body: Stmt[];
  /** Where the parser had to recover: statements touching these are unsupported. */
  errors: SyntaxProblem[];
  /** Problems Python would reject but the parse tolerated (non-breaking spaces). */
  warnings: SyntaxProblem[];
  /** `# ...` comments by 0-based line, text after the `#`. */
  comments: Map<number, string>;
  lineCount: number;
}

// ---------------------------------------------------------------------------------------------
// Walking

export type PyNode = PyExpr | Stmt;

/**
 * Calls `f` on each direct child of a node — the statements and expressions in it, in source
 * order: targets, parameter defaults, bases, comprehension targets included.
 */
export function forEachChild(n: PyNode, f: (c: PyNode) => void): void {
  switch (n.kind) {
    case 'attr':
      f(n.object);
      break;
    case 'call':
      f(n.func);
      for (const a of n.args) f(a.value);
      break;
    case 'binop':
    case 'compare':
    case 'boolop':
      f(n.left);
      f(n.right);
      break;
    case 'unary':
      f(n.operand);
      break;
    case 'cond':
      // `body if test else orelse`
      f(n.body);
      f(n.test);
      f(n.orelse);
      break;
    case 'starred':
      f(n.value);
      break;
    case 'tuple':
    case 'list':
    case 'set':
      n.elts.forEach(f);
      break;
    case 'dict':
      for (const it of n.items) {
        if (it.kind === 'pair') f(it.key);
        f(it.value);
      }
      break;
    case 'slice':
      if (n.lower) f(n.lower);
      if (n.upper) f(n.upper);
      if (n.step) f(n.step);
      break;
    case 'subscript':
      f(n.object);
      f(n.index);
      break;
    case 'comp':
      f(n.elt);
      if (n.value) f(n.value);
      for (const g of n.generators) {
        f(g.target);
        f(g.iter);
        g.ifs.forEach(f);
      }
      break;
    case 'lambda':
      for (const p of n.params) if (p.default) f(p.default);
      f(n.body);
      break;
    case 'fstr':
      for (const p of n.parts) if (typeof p !== 'string') f(p.expr);
      break;
    case 'assign':
      n.targets.forEach(f);
      f(n.value);
      break;
    case 'annassign':
      f(n.target);
      if (n.value) f(n.value);
      break;
    case 'augassign':
      f(n.target);
      f(n.value);
      break;
    case 'expr':
      f(n.value);
      break;
    case 'return':
    case 'raise':
      if (n.value) f(n.value);
      break;
    case 'assert':
      if (n.test) f(n.test);
      break;
    case 'del':
      n.targets.forEach(f);
      break;
    case 'if':
    case 'while':
      f(n.test);
      n.body.forEach(f);
      n.orelse.forEach(f);
      break;
    case 'for':
      f(n.target);
      f(n.iter);
      n.body.forEach(f);
      n.orelse.forEach(f);
      break;
    case 'with':
      for (const it of n.items) {
        f(it.expr);
        if (it.target) f(it.target);
      }
      n.body.forEach(f);
      break;
    case 'try':
      n.body.forEach(f);
      for (const h of n.handlers) h.forEach(f);
      n.orelse.forEach(f);
      n.finalbody.forEach(f);
      break;
    case 'def':
      for (const p of n.params) if (p.default) f(p.default);
      n.body.forEach(f);
      break;
    case 'class':
      n.bases.forEach(f);
      n.body.forEach(f);
      break;
    default:
      break;
  }
}

/** Visits nodes and their descendants depth-first, in source order; `visit` returning false skips a node's children. */
export function walk(nodes: PyNode | readonly PyNode[], visit: (n: PyNode) => boolean | void): void {
  const go = (n: PyNode): void => {
    if (visit(n) !== false) forEachChild(n, go);
  };
  if (Array.isArray(nodes)) nodes.forEach(go);
  else go(nodes as PyNode);
}
