/**
 * The small Python AST the PyTorch analysis needs: module-level code, imports, classes,
 * functions, the statements `__init__`/`forward` use and the expressions in them. Every node has
 * a 0-based range. Anything the analysis does not model is an `unsupported` node carrying the
 * reason, so a half-typed file still yields every statement that parsed.
 */

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
  reason: string;
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
  | (Node & { kind: 'unsupported'; reason: string })
  | FunctionDef
  | ClassDef
  | ImportStmt
  | FromImportStmt;

export interface SyntaxProblem {
  range: SourceRange;
  message: string;
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
