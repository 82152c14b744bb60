/**
 * Python source → the small AST in ast.ts, with @lezer/python (an error-recovering LR parser, so
 * half-typed code still yields every statement that parsed). A statement whose own text holds a
 * syntax error becomes `unsupported` (an assignment keeps its target, its value is unsupported),
 * so the analysis can say "unknown: syntax error on line N" instead of guessing.
 */
import { parser } from '@lezer/python';
import { TreeFragment, type SyntaxNode, type Tree } from '@lezer/common';
import type {
  Argument,
  ClassDef,
  FStringField,
  DictItem,
  FunctionDef,
  Generator,
  Param,
  Position,
  PyExpr,
  PyModule,
  SourceRange,
  Stmt,
  SyntaxProblem,
} from './ast';
import { msg, type Message } from './message';

/** Deeper nesting than this (in expressions or blocks) is not followed: hostile input must not overflow the stack. */
const MAX_DEPTH = 120;

/**
 * Python refuses brackets nested deeper than this ("too many nested parentheses"); lezer builds
 * its tree recursively over them and overflows the stack on 100,000 (and takes seconds on fewer).
 */
export const MAX_BRACKETS = 200;

/**
 * `text` with what is nested past MAX_BRACKETS blanked, from the first bracket too many to the
 * one that closes it (lines and lengths kept, so every range holds; lezer then reads `(...)` as
 * `( )`), and where each blanked run starts. Brackets in comments and plain strings do not
 * count; in f-strings they do (lezer parses their fields as code).
 */
export function capBrackets(text: string): { text: string; deep: number[] } {
  const deep: number[] = [];
  // Blanked runs: [start, end) pairs.
  const blank: number[] = [];
  let depth = 0;
  // Inside a string: its closing quote ('' outside), and whether it is an f-string.
  let quote = '';
  let fmt = false;
  // Only brackets, quotes, comments, escapes and line ends matter: jump from one to the next.
  const marks = /[()[\]{}"'#\\\n]/g;
  for (let m = marks.exec(text); m; m = marks.exec(text)) {
    const i = m.index;
    const c = m[0];
    if (quote) {
      if (c === '\\') {
        marks.lastIndex = i + 2;
        continue;
      }
      if (c === '\n' && quote.length === 1) quote = '';
      else if (c === quote[0] && text.startsWith(quote, i)) {
        marks.lastIndex = i + quote.length;
        quote = '';
        continue;
      }
      if (!fmt) continue;
    } else if (c === '#') {
      const end = text.indexOf('\n', i);
      if (end < 0) break;
      marks.lastIndex = end;
      continue;
    } else if (c === '"' || c === "'") {
      quote = text.startsWith(c + c + c, i) ? c + c + c : c;
      fmt = /(^|[^A-Za-z0-9_])[rRbB]?[fF][rRbB]?$/.test(text.slice(Math.max(0, i - 3), i));
      marks.lastIndex = i + quote.length;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      if (++depth === MAX_BRACKETS + 1) {
        deep.push(i);
        blank.push(i);
      }
    } else if (c === ')' || c === ']' || c === '}') {
      if (depth === MAX_BRACKETS + 1) blank.push(i + 1);
      if (depth > 0) depth--;
    }
  }
  if (!blank.length) return { text, deep };
  if (blank.length % 2) blank.push(text.length);
  const parts: string[] = [];
  let last = 0;
  for (let b = 0; b < blank.length; b += 2) {
    parts.push(text.slice(last, blank[b]), text.slice(blank[b], blank[b + 1]).replace(/[^\r\n]/g, ' '));
    last = blank[b + 1];
  }
  parts.push(text.slice(last));
  return { text: parts.join(''), deep };
}

/**
 * Keeps the last syntax tree of one document so the next parse after an edit reuses what did
 * not change (lezer's incremental parsing): keep one per open file and pass it every time.
 */
export class ParseCache {
  text?: string;
  tree?: Tree;

  /** The tree for `text` (brackets capped: capBrackets), reusing the previous tree around the one edited region. */
  parse(source: string): Tree {
    const text = capBrackets(source).text;
    if (!this.tree || this.text === undefined) return this.keep(text, parser.parse(text));
    const old = this.text;
    if (old === text) return this.tree;
    const { start, oldEnd: endOld, newEnd: endNew } = editRegion(old, text);
    const fragments = TreeFragment.applyChanges(TreeFragment.addTree(this.tree), [{ fromA: start, toA: endOld, fromB: start, toB: endNew }]);
    const tree = parser.parse(text, fragments);
    // @lezer/python's incremental parse can go wrong after edits of broken code (its newline
    // tokens look back a character, which fragment reuse does not see): a class then swallows
    // the rest of the file. A correct parse keeps the top-level statements before the edit, and
    // after it (moved); when it does not, parse the whole text again.
    const ok = sameTopLevel(this.tree, tree, (n) => n.to < start, (n) => n.from > endOld, (n) => n.from > endNew, endNew - endOld);
    return this.keep(text, ok ? tree : parser.parse(text));
  }

  private keep(text: string, tree: Tree): Tree {
    this.text = text;
    this.tree = tree;
    return tree;
  }
}

type Span = { name: string; from: number; to: number };

function topLevel(tree: Tree): Span[] {
  const out: Span[] = [];
  // Comments may attach to either neighbour; statements are what must not move.
  for (let c = tree.topNode.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') out.push({ name: c.name, from: c.from, to: c.to });
  return out;
}

function sameTopLevel(old: Tree, next: Tree, before: (n: Span) => boolean, afterOld: (n: Span) => boolean, afterNew: (n: Span) => boolean, delta: number): boolean {
  const a = topLevel(old);
  const b = topLevel(next);
  const same = (x: Span[], y: Span[], shift: number): boolean =>
    x.length === y.length && x.every((n, i) => n.name === y[i].name && n.from + shift === y[i].from && n.to + shift === y[i].to);
  return same(a.filter(before), b.filter(before), 0) && same(a.filter(afterOld), b.filter(afterNew), delta);
}

export function parsePython(text: string, cache?: ParseCache): PyModule {
  return new Converter(text, cache).module();
}

const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=', '<>', 'in', 'not in', 'is', 'is not']);

class Converter {
  private readonly lineStarts: number[] = [0];
  /** Start offsets of error nodes, ascending. */
  private readonly errorAt: number[] = [];
  private readonly errors: SyntaxProblem[] = [];
  /** Errors of our own (brackets nested too deep) by offset: the reason a statement holding one is skipped. */
  private readonly reasons = new Map<number, Message>();

  private readonly text: string;
  private readonly nbspLines: number[] = [];

  constructor(
    source: string,
    private readonly cache?: ParseCache,
  ) {
    // Code copied from web pages often indents with non-breaking spaces, which Python rejects;
    // read them as spaces (same length, so every range stays right) and say so.
    const capped = capBrackets(source.includes('\u00a0') ? source.replace(/\u00a0/g, ' ') : source);
    this.text = capped.text;
    for (let i = 0; i < source.length; i++) {
      const c = source.charCodeAt(i);
      if (c === 10) this.lineStarts.push(i + 1);
      else if (c === 0xa0 && this.nbspLines[this.nbspLines.length - 1] !== this.lineStarts.length - 1) this.nbspLines.push(this.lineStarts.length - 1);
    }
    for (const at of capped.deep) {
      const message = msg`brackets nested more than ${MAX_BRACKETS} deep on line ${this.pos(at)} (Python's own limit)`;
      this.reasons.set(at, message);
      this.errorAt.push(at);
      this.errors.push({ range: this.range(at, at + 1), message });
    }
  }

  module(): PyModule {
    const tree = this.cache ? this.cache.parse(this.text) : parser.parse(this.text);
    tree.iterate({
      enter: (n) => {
        if (n.type.isError) {
          this.errorAt.push(n.from);
          this.errors.push({ range: this.range(n.from, Math.max(n.to, n.from)), message: msg`syntax error on line ${this.pos(n.from)}` });
        }
      },
    });
    this.errorAt.sort((a, b) => a - b);
    const body = this.statements(tree.topNode, 0);
    const warnings: SyntaxProblem[] = [];
    if (this.nbspLines.length) {
      const first = this.nbspLines[0];
      warnings.push({
        range: { start: { line: first, character: 0 }, end: { line: first, character: 0 } },
        message: msg`${this.nbspLines.length} line${this.nbspLines.length > 1 ? 's' : ''} (first: line ${{ line: first, character: 0 }}) contain non-breaking spaces (U+00A0), which Python rejects; they were read as spaces`,
      });
    }
    return { body, errors: this.errors, warnings, comments: this.directives(), lineCount: this.lineStarts.length };
  }

  /** `# floplens: ...` comments by line (only those: they are the directives the analysis reads). */
  private directives(): Map<number, string> {
    const out = new Map<number, string>();
    const re = /#\s*floplens\s*:(.*)$/gm;
    let m: RegExpExecArray | null;
    while ((m = re.exec(this.text)) !== null) out.set(this.pos(m.index).line, m[1].trim());
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // positions

  pos(offset: number): Position {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.lineStarts[lo] };
  }

  range(from: number, to: number): SourceRange {
    return { start: this.pos(from), end: this.pos(to) };
  }

  private r(n: SyntaxNode): SourceRange {
    return this.range(n.from, n.to);
  }

  private src(n: SyntaxNode): string {
    return this.text.slice(n.from, n.to);
  }

  private hasError(from: number, to: number): boolean {
    // First error at or after `from`.
    let lo = 0;
    let hi = this.errorAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.errorAt[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.errorAt.length && this.errorAt[lo] < to;
  }

  private syntaxReason(from: number): Message {
    const at = this.errorAt.find((e) => e >= from) ?? from;
    return this.reasons.get(at) ?? msg`syntax error on line ${this.pos(at)}`;
  }

  private kids(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') out.push(c);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // statements

  private statements(parent: SyntaxNode, depth: number): Stmt[] {
    const out: Stmt[] = [];
    for (const c of this.kids(parent)) {
      if (c.type.isError || c.name === ':' || c.name === 'Comment') continue;
      this.statement(c, depth, out);
    }
    return out;
  }

  private body(n: SyntaxNode | undefined, depth: number): Stmt[] {
    if (!n) return [];
    if (depth > MAX_DEPTH) return [{ kind: 'unsupported', reason: 'blocks nested too deeply', range: this.r(n) }];
    return this.statements(n, depth + 1);
  }

  private statement(n: SyntaxNode, depth: number, out: Stmt[]): void {
    const range = this.r(n);
    switch (n.name) {
      case 'StatementGroup':
        for (const c of this.kids(n)) if (c.name !== ';' && !c.type.isError) this.statement(c, depth, out);
        return;
      case 'DecoratedStatement': {
        const inner = this.kids(n).find((c) => c.name === 'FunctionDefinition' || c.name === 'ClassDefinition');
        if (!inner) return;
        const at = out.length;
        this.statement(inner, depth, out);
        const made = out[at];
        if (made && (made.kind === 'def' || made.kind === 'class')) {
          made.decorators = this.kids(n)
            .filter((c) => c.name === 'Decorator')
            .map((c) => this.src(c).replace(/^@\s*/, '').replace(/\(.*$/s, '').trim());
        }
        return;
      }
      case 'FunctionDefinition':
        out.push(this.funcDef(n, depth));
        return;
      case 'ClassDefinition':
        out.push(this.classDef(n, depth));
        return;
      case 'IfStatement':
        out.push(this.ifStmt(n, depth));
        return;
      case 'WhileStatement': {
        const k = this.kids(n);
        const bodies = k.filter((c) => c.name === 'Body');
        const header = bodies[0] ? bodies[0].from : n.to;
        if (this.hasError(n.from, header)) return void out.push(this.broken(n));
        const test = k.find((c, i) => i > 0 && c.name !== 'while' && c.name !== 'Body');
        out.push({ kind: 'while', test: test ? this.expr(test, 0) : this.unsupported(n, 'missing condition'), body: this.body(bodies[0], depth), orelse: this.body(bodies[1], depth), range });
        return;
      }
      case 'ForStatement':
        out.push(this.forStmt(n, depth));
        return;
      case 'WithStatement': {
        const k = this.kids(n);
        const bodyNode = k.find((c) => c.name === 'Body');
        if (this.hasError(n.from, bodyNode ? bodyNode.from : n.to)) return void out.push(this.broken(n));
        const items: { expr: PyExpr; target?: PyExpr }[] = [];
        for (const part of this.split(k.filter((c) => c.name !== 'with' && c.name !== 'Body' && c.name !== 'async'), ',')) {
          const asAt = part.findIndex((c) => c.name === 'as');
          if (asAt < 0) items.push({ expr: this.exprSeq(part, n) });
          else items.push({ expr: this.exprSeq(part.slice(0, asAt), n), target: this.exprSeq(part.slice(asAt + 1), n) });
        }
        out.push({ kind: 'with', items, body: this.body(bodyNode, depth), range });
        return;
      }
      case 'TryStatement': {
        const k = this.kids(n);
        let section = 'try';
        const s: Stmt = { kind: 'try', body: [], handlers: [], orelse: [], finalbody: [], range };
        for (const c of k) {
          if (c.name === 'try' || c.name === 'except' || c.name === 'else' || c.name === 'finally') section = c.name;
          else if (c.name === 'Body') {
            const b = this.body(c, depth);
            if (section === 'try') s.body = b;
            else if (section === 'except') s.handlers.push(b);
            else if (section === 'else') s.orelse = b;
            else s.finalbody = b;
          }
        }
        out.push(s);
        return;
      }
      default:
        break;
    }
    // An error later on the statement's last line may be the rest of it, cut off by lezer's
    // recovery (`x = 1 if 1 else ...` nested past what it parses reads as `x = 1`).
    const lineEnd = this.text.indexOf('\n', n.to);
    if (this.hasError(n.from, lineEnd < 0 ? this.text.length : lineEnd)) {
      out.push(this.broken(n));
      return;
    }
    out.push(this.simple(n));
  }

  /** A simple statement holding a syntax error: an assignment keeps its target. */
  private broken(n: SyntaxNode): Stmt {
    const reason = this.syntaxReason(n.from);
    if (n.name === 'AssignStatement') {
      const k = this.kids(n);
      const eq = k.findIndex((c) => c.name === 'AssignOp');
      if (eq > 0 && !this.hasError(n.from, k[eq].from)) {
        const target = this.exprSeq(k.slice(0, eq), n);
        return { kind: 'assign', targets: [target], value: { kind: 'unsupported', reason, range: this.range(k[eq].to, n.to) }, range: this.r(n) };
      }
    }
    return { kind: 'unsupported', reason, range: this.r(n) };
  }

  private simple(n: SyntaxNode): Stmt {
    const range = this.r(n);
    const k = this.kids(n);
    switch (n.name) {
      case 'ExpressionStatement':
        return { kind: 'expr', value: this.exprSeq(k, n), range };
      case 'AssignStatement': {
        const typeAt = k.findIndex((c) => c.name === 'TypeDef');
        if (typeAt >= 0) {
          const target = this.exprSeq(k.slice(0, typeAt), n);
          const eq = k.findIndex((c) => c.name === 'AssignOp');
          return { kind: 'annassign', target, value: eq >= 0 ? this.exprSeq(k.slice(eq + 1), n) : undefined, range };
        }
        const parts = this.split(k, 'AssignOp');
        const exprs = parts.map((p) => this.exprSeq(p, n));
        return { kind: 'assign', targets: exprs.slice(0, -1), value: exprs[exprs.length - 1], range };
      }
      case 'UpdateStatement': {
        const opAt = k.findIndex((c) => c.name === 'UpdateOp');
        if (opAt < 0) return { kind: 'unsupported', reason: 'malformed augmented assignment', range };
        const op = this.src(k[opAt]).replace(/=$/, '');
        return { kind: 'augassign', target: this.exprSeq(k.slice(0, opAt), n), op, value: this.exprSeq(k.slice(opAt + 1), n), range };
      }
      case 'ReturnStatement': {
        const rest = k.slice(1);
        return { kind: 'return', value: rest.length ? this.exprSeq(rest, n) : undefined, range };
      }
      case 'PassStatement':
        return { kind: 'pass', range };
      case 'BreakStatement':
        return { kind: 'break', range };
      case 'ContinueStatement':
        return { kind: 'continue', range };
      case 'RaiseStatement': {
        const rest = k.slice(1);
        const fromAt = rest.findIndex((c) => c.name === 'from');
        const what = fromAt >= 0 ? rest.slice(0, fromAt) : rest;
        return { kind: 'raise', value: what.length ? this.exprSeq(what, n) : undefined, range };
      }
      case 'AssertStatement': {
        const rest = k.slice(1);
        const parts = this.split(rest, ',');
        return { kind: 'assert', test: parts[0]?.length ? this.exprSeq(parts[0], n) : undefined, range };
      }
      case 'DeleteStatement':
        return { kind: 'del', targets: this.split(k.slice(1), ',').filter((p) => p.length).map((p) => this.exprSeq(p, n)), range };
      case 'ScopeStatement':
        return { kind: 'global', names: k.filter((c) => c.name === 'VariableName').map((c) => this.src(c)), range };
      case 'ImportStatement':
        return this.importStmt(n, k);
      default:
        return { kind: 'unsupported', reason: `${n.name.replace(/Statement$/, '').toLowerCase() || 'statement'} statements are not followed`, range };
    }
  }

  private importStmt(n: SyntaxNode, k: SyntaxNode[]): Stmt {
    const range = this.r(n);
    if (k[0]?.name === 'from') {
      const importAt = k.findIndex((c) => c.name === 'import');
      let level = 0;
      const path: string[] = [];
      for (const c of k.slice(1, importAt < 0 ? k.length : importAt)) {
        if (c.name === '.') level++;
        else if (c.name === 'Ellipsis') level += 3;
        else if (c.name === 'VariableName') path.push(this.src(c));
      }
      // `from a.b import c`: dots between names are separators, not levels.
      level = Math.max(0, level - Math.max(0, path.length - 1));
      const names: { name: string; alias?: string }[] = [];
      const rest = importAt < 0 ? [] : k.slice(importAt + 1).filter((c) => c.name !== '(' && c.name !== ')');
      for (const part of this.split(rest, ',')) {
        if (part.some((c) => c.name === '*')) names.push({ name: '*' });
        const vars = part.filter((c) => c.name === 'VariableName').map((c) => this.src(c));
        if (vars.length === 0) continue;
        names.push(part.some((c) => c.name === 'as') ? { name: vars[0], alias: vars[1] } : { name: vars[0] });
      }
      return { kind: 'from', level, module: path.join('.'), names, range };
    }
    const names: { module: string; alias?: string }[] = [];
    for (const part of this.split(k.slice(1), ',')) {
      const asAt = part.findIndex((c) => c.name === 'as');
      const dotted = (asAt < 0 ? part : part.slice(0, asAt)).filter((c) => c.name === 'VariableName').map((c) => this.src(c));
      if (dotted.length === 0) continue;
      const alias = asAt >= 0 ? part.slice(asAt + 1).find((c) => c.name === 'VariableName') : undefined;
      names.push(alias ? { module: dotted.join('.'), alias: this.src(alias) } : { module: dotted.join('.') });
    }
    return { kind: 'import', names, range };
  }

  private ifStmt(n: SyntaxNode, depth: number): Stmt {
    const k = this.kids(n);
    // Clauses: (if|elif) test Body, then else Body.
    const clauses: { test?: SyntaxNode[]; body?: SyntaxNode; at: SyntaxNode }[] = [];
    let cur: { test?: SyntaxNode[]; body?: SyntaxNode; at: SyntaxNode } | undefined;
    for (const c of k) {
      if (c.name === 'if' || c.name === 'elif') {
        cur = { test: [], at: c };
        clauses.push(cur);
      } else if (c.name === 'else') {
        cur = { at: c };
        clauses.push(cur);
      } else if (c.name === 'Body') {
        if (cur) cur.body = c;
      } else if (cur?.test && !cur.body) cur.test.push(c);
    }
    let orelse: Stmt[] = [];
    for (let i = clauses.length - 1; i >= 0; i--) {
      const c = clauses[i];
      if (!c.test) {
        orelse = this.body(c.body, depth);
        continue;
      }
      const headerEnd = c.body ? c.body.from : n.to;
      const test: PyExpr = this.hasError(c.at.from, headerEnd) || c.test.length === 0
        ? { kind: 'unsupported', reason: this.syntaxReason(c.at.from), range: this.range(c.at.from, headerEnd) }
        : this.exprSeq(c.test, n);
      const stmt: Stmt = { kind: 'if', test, body: this.body(c.body, depth), orelse, range: this.range(c.at.from, n.to) };
      orelse = [stmt];
    }
    const first = orelse[0];
    if (first && first.kind === 'if') first.range = this.r(n);
    return first ?? { kind: 'unsupported', reason: 'malformed if statement', range: this.r(n) };
  }

  private forStmt(n: SyntaxNode, depth: number): Stmt {
    const k = this.kids(n);
    const bodies = k.filter((c) => c.name === 'Body');
    const header = bodies[0] ? bodies[0].from : n.to;
    if (this.hasError(n.from, header)) return this.broken(n);
    const forAt = k.findIndex((c) => c.name === 'for');
    const inAt = k.findIndex((c) => c.name === 'in');
    const bodyAt = k.indexOf(bodies[0]);
    if (forAt < 0 || inAt < 0 || bodyAt < 0) return { kind: 'unsupported', reason: 'malformed for statement', range: this.r(n) };
    return {
      kind: 'for',
      target: this.exprSeq(k.slice(forAt + 1, inAt), n),
      iter: this.exprSeq(k.slice(inAt + 1, bodyAt), n),
      body: this.body(bodies[0], depth),
      orelse: this.body(bodies[1], depth),
      range: this.r(n),
    };
  }

  private funcDef(n: SyntaxNode, depth: number): FunctionDef {
    const k = this.kids(n);
    const nameNode = k.find((c) => c.name === 'VariableName');
    const paramsNode = k.find((c) => c.name === 'ParamList');
    const bodyNode = k.find((c) => c.name === 'Body');
    const headerBroken = this.hasError(n.from, bodyNode ? bodyNode.from : n.to);
    return {
      kind: 'def',
      name: nameNode ? this.src(nameNode) : '<missing>',
      nameRange: nameNode ? this.r(nameNode) : this.r(n),
      params: paramsNode && !headerBroken ? this.params(paramsNode) : [],
      body: this.body(bodyNode, depth),
      decorators: [],
      range: this.r(n),
    };
  }

  private params(n: SyntaxNode): Param[] {
    const out: Param[] = [];
    let kwOnly = false;
    const k = this.kids(n).filter((c) => c.name !== '(' && c.name !== ')');
    for (const part of this.split(k, ',')) {
      if (part.length === 0) continue;
      const range = this.range(part[0].from, part[part.length - 1].to);
      const star = part[0].name === '*';
      const dstar = part[0].name === '**';
      const nameNode = part.find((c) => c.name === 'VariableName');
      if (star && !nameNode) {
        kwOnly = true;
        continue;
      }
      if (!nameNode) continue;
      const eq = part.findIndex((c) => c.name === 'AssignOp');
      const def = eq >= 0 ? this.exprSeq(part.slice(eq + 1), n) : undefined;
      const kind = star ? 'star' : dstar ? 'dstar' : kwOnly ? 'kwonly' : 'normal';
      if (star) kwOnly = true;
      out.push(def ? { name: this.src(nameNode), kind, default: def, range } : { name: this.src(nameNode), kind, range });
    }
    return out;
  }

  private classDef(n: SyntaxNode, depth: number): ClassDef {
    const k = this.kids(n);
    const nameNode = k.find((c) => c.name === 'VariableName');
    const argNode = k.find((c) => c.name === 'ArgList');
    const bodyNode = k.find((c) => c.name === 'Body');
    const bases: PyExpr[] = [];
    if (argNode && !this.hasError(argNode.from, argNode.to)) {
      for (const a of this.args(argNode, 0)) if (a.kind === 'pos') bases.push(a.value);
    }
    return {
      kind: 'class',
      name: nameNode ? this.src(nameNode) : '<missing>',
      nameRange: nameNode ? this.r(nameNode) : this.r(n),
      bases,
      body: this.body(bodyNode, depth),
      decorators: [],
      range: this.r(n),
    };
  }

  // -------------------------------------------------------------------------------------------
  // expressions

  private unsupported(n: SyntaxNode, reason: string): PyExpr {
    return { kind: 'unsupported', reason, range: this.r(n) };
  }

  /** Splits children at separator tokens. */
  private split(nodes: SyntaxNode[], sep: string): SyntaxNode[][] {
    const out: SyntaxNode[][] = [[]];
    for (const c of nodes) {
      if (c.name === sep) out.push([]);
      else out[out.length - 1].push(c);
    }
    return out;
  }

  /** A comma-separated run of expression nodes (`a, b` in `return a, b`): one expr or a tuple. */
  private exprSeq(nodes: SyntaxNode[], parent: SyntaxNode, depth = 0): PyExpr {
    if (nodes.length === 0) return this.unsupported(parent, 'missing expression');
    const parts = this.split(nodes, ',');
    const trailing = parts.length > 1 && parts[parts.length - 1].length === 0;
    const items = trailing ? parts.slice(0, -1) : parts;
    const range = this.range(nodes[0].from, nodes[nodes.length - 1].to);
    const one = (p: SyntaxNode[]): PyExpr => {
      if (p.length === 0) return this.unsupported(parent, 'missing expression');
      if (p[0].name === '*' && p.length === 2) return { kind: 'starred', value: this.expr(p[1], depth + 1), range: this.range(p[0].from, p[1].to) };
      if (p.length === 1) return this.expr(p[0], depth + 1);
      return { kind: 'unsupported', reason: 'unexpected tokens', range: this.range(p[0].from, p[p.length - 1].to) };
    };
    if (items.length === 1 && !trailing) return one(items[0]);
    return { kind: 'tuple', elts: items.map(one), range };
  }

  expr(n: SyntaxNode, depth: number): PyExpr {
    const range = this.r(n);
    if (depth > MAX_DEPTH) return { kind: 'unsupported', reason: 'expression nested too deeply', range };
    if (n.type.isError) return { kind: 'unsupported', reason: this.syntaxReason(n.from), range };
    const d = depth + 1;
    switch (n.name) {
      case 'VariableName':
        return { kind: 'name', id: this.src(n), range };
      case 'Number':
        return this.number(n);
      case 'String':
      case 'FormatString':
      case 'ContinuedString': {
        if (n.name === 'String' || !this.hasFormat(n)) return { kind: 'str', value: this.stringValue(n), range };
        const parts = this.fstringParts(n, d);
        return parts ? { kind: 'fstr', parts, range } : { kind: 'str', range };
      }
      case 'Boolean':
        return { kind: 'bool', value: this.src(n) === 'True', range };
      case 'None':
        return { kind: 'none', range };
      case 'Ellipsis':
        return { kind: 'ellipsis', range };
      case 'ParenthesizedExpression': {
        const inner = this.kids(n).filter((c) => c.name !== '(' && c.name !== ')');
        return inner.length === 1 ? this.expr(inner[0], d) : this.exprSeq(inner, n, d);
      }
      case 'TupleExpression':
        return { kind: 'tuple', elts: this.elements(n, d), range };
      case 'ArrayExpression':
        return { kind: 'list', elts: this.elements(n, d), range };
      case 'SetExpression':
        return { kind: 'set', elts: this.elements(n, d), range };
      case 'DictionaryExpression':
        return this.dict(n, d);
      case 'ArrayComprehensionExpression':
        return this.comprehension(n, 'list', d);
      case 'SetComprehensionExpression':
        return this.comprehension(n, 'set', d);
      case 'ComprehensionExpression':
        return this.comprehension(n, 'gen', d);
      case 'DictionaryComprehensionExpression':
        return this.comprehension(n, 'dict', d);
      case 'MemberExpression':
        return this.member(n, d);
      case 'CallExpression': {
        const k = this.kids(n);
        const argNode = k.find((c) => c.name === 'ArgList');
        if (!argNode || k.length !== 2) return this.unsupported(n, 'malformed call');
        if (this.kids(argNode).some((c) => c.type.isError)) return { kind: 'unsupported', reason: this.syntaxReason(argNode.from), range };
        if (this.kids(argNode).some((c) => c.name === 'for')) {
          // f(x for x in xs): one generator argument.
          return { kind: 'call', func: this.expr(k[0], d), args: [{ kind: 'pos', value: this.comprehension(argNode, 'gen', d) }], range };
        }
        return { kind: 'call', func: this.expr(k[0], d), args: this.args(argNode, d), range };
      }
      case 'UnaryExpression': {
        const k = this.kids(n);
        if (k.length !== 2) return this.unsupported(n, 'malformed unary expression');
        const op = this.src(k[0]);
        if (op !== '-' && op !== '+' && op !== 'not' && op !== '~') return this.unsupported(n, `unary ${op}`);
        return { kind: 'unary', op, operand: this.expr(k[1], d), range };
      }
      case 'BinaryExpression':
        return this.binary(n, d);
      case 'ConditionalExpression': {
        const k = this.kids(n);
        const ifAt = k.findIndex((c) => c.name === 'if');
        const elseAt = k.findIndex((c) => c.name === 'else');
        if (ifAt !== 1 || elseAt !== 3 || k.length !== 5) return this.unsupported(n, 'malformed conditional expression');
        return { kind: 'cond', body: this.expr(k[0], d), test: this.expr(k[2], d), orelse: this.expr(k[4], d), range };
      }
      case 'LambdaExpression': {
        const k = this.kids(n);
        const paramsNode = k.find((c) => c.name === 'ParamList');
        const colon = k.findIndex((c) => c.name === ':');
        if (colon < 0 || colon === k.length - 1) return this.unsupported(n, 'malformed lambda');
        return { kind: 'lambda', params: paramsNode ? this.params(paramsNode) : [], body: this.exprSeq(k.slice(colon + 1), n, d), range };
      }
      default:
        return this.unsupported(n, `${n.name.replace(/Expression$/, ' expression')} is not followed`);
    }
  }

  private number(n: SyntaxNode): PyExpr {
    const range = this.r(n);
    const raw = this.src(n).replace(/_/g, '');
    if (/[jJ]$/.test(raw)) return { kind: 'unsupported', reason: 'complex numbers are not followed', range };
    let value: number;
    let isInt = true;
    if (/^0[xX][0-9a-fA-F]+$/.test(raw)) value = parseInt(raw.slice(2), 16);
    else if (/^0[oO][0-7]+$/.test(raw)) value = parseInt(raw.slice(2), 8);
    else if (/^0[bB][01]+$/.test(raw)) value = parseInt(raw.slice(2), 2);
    else if (/^\d+$/.test(raw)) value = Number(raw);
    else {
      value = Number(raw);
      isInt = false;
    }
    if (Number.isNaN(value)) return { kind: 'unsupported', reason: `number ${raw} is not understood`, range };
    if (isInt && !Number.isSafeInteger(value)) return { kind: 'unsupported', reason: `integer ${raw} is too large to follow exactly`, range };
    return { kind: 'num', value, isInt, range };
  }

  /** The decoded value of a string literal (or of adjacent literals), undefined for f-strings. */
  private stringValue(n: SyntaxNode): string | undefined {
    if (n.name === 'FormatString') return undefined;
    if (n.name === 'ContinuedString') {
      let out = '';
      for (const c of this.kids(n)) {
        const v = this.stringValue(c);
        if (v === undefined) return undefined;
        out += v;
      }
      return out;
    }
    const raw = this.src(n);
    const m = /^([rRbBuU]{0,2})('''|"""|'|")([\s\S]*)\2$/.exec(raw);
    if (!m) return undefined;
    return /[rR]/.test(m[1]) ? m[3] : unescapeString(m[3]);
  }

  private hasFormat(n: SyntaxNode): boolean {
    return n.name === 'FormatString' || this.kids(n).some((c) => c.name === 'FormatString');
  }

  /** Literal text and `{...}` fields of an f-string (or of adjacent literals including one). */
  private fstringParts(n: SyntaxNode, depth: number): (string | FStringField)[] | undefined {
    const out: (string | FStringField)[] = [];
    const lit = (s: string): void => {
      if (!s) return;
      const last = out.length - 1;
      if (typeof out[last] === 'string') out[last] = `${out[last] as string}${s}`;
      else out.push(s);
    };
    const pieces = n.name === 'ContinuedString' ? this.kids(n) : [n];
    for (const piece of pieces) {
      if (piece.name === 'String') {
        const v = this.stringValue(piece);
        if (v === undefined) return undefined;
        lit(v);
        continue;
      }
      if (piece.name !== 'FormatString') return undefined;
      const raw = this.src(piece);
      const m = /^([rRbBuUfF]{1,3})('''|"""|'|")/.exec(raw);
      if (!m || raw.length < m[0].length + m[2].length) return undefined;
      const isRaw = /[rR]/.test(m[1]);
      const bodyEnd = piece.to - m[2].length;
      let pos = piece.from + m[0].length;
      const text = (from: number, to: number): string => {
        const s = this.text.slice(from, to).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
        return isRaw ? s : unescapeString(s);
      };
      for (const c of this.kids(piece)) {
        if (c.name !== 'FormatReplacement') continue;
        lit(text(pos, c.from));
        const inner = this.kids(c).filter((k) => k.name !== '{' && k.name !== '}');
        const exprNode = inner.find((k) => !['FormatConversion', 'FormatSpec', 'FormatSelfDoc'].includes(k.name));
        if (!exprNode || inner.some((k) => k.name === 'FormatSelfDoc')) return undefined;
        const field: FStringField = { expr: this.expr(exprNode, depth) };
        const conv = inner.find((k) => k.name === 'FormatConversion');
        if (conv) field.conversion = this.src(conv).slice(1);
        const spec = inner.find((k) => k.name === 'FormatSpec');
        if (spec) {
          if (this.kids(spec).some((k) => k.name === 'FormatReplacement')) return undefined;
          field.spec = this.src(spec).slice(1);
        }
        out.push(field);
        pos = c.to;
      }
      lit(text(pos, bodyEnd));
    }
    return out;
  }

  /** Elements of a tuple/list/set literal, with `*x` as starred. */
  private elements(n: SyntaxNode, depth: number): PyExpr[] {
    const k = this.kids(n).filter((c) => !['(', ')', '[', ']', '{', '}'].includes(c.name));
    const out: PyExpr[] = [];
    for (const part of this.split(k, ',')) {
      if (part.length === 0) continue;
      if (part[0].name === '*' && part.length === 2) out.push({ kind: 'starred', value: this.expr(part[1], depth), range: this.range(part[0].from, part[1].to) });
      else if (part.length === 1) out.push(this.expr(part[0], depth));
      else out.push({ kind: 'unsupported', reason: 'unexpected tokens', range: this.range(part[0].from, part[part.length - 1].to) });
    }
    return out;
  }

  private dict(n: SyntaxNode, depth: number): PyExpr {
    const k = this.kids(n).filter((c) => c.name !== '{' && c.name !== '}');
    const items: DictItem[] = [];
    for (const part of this.split(k, ',')) {
      if (part.length === 0) continue;
      if (part[0].name === '**' && part.length === 2) items.push({ kind: 'spread', value: this.expr(part[1], depth) });
      else if (part.length === 3 && part[1].name === ':') items.push({ kind: 'pair', key: this.expr(part[0], depth), value: this.expr(part[2], depth) });
      else return this.unsupported(n, 'malformed dictionary');
    }
    return { kind: 'dict', items, range: this.r(n) };
  }

  private comprehension(n: SyntaxNode, type: 'list' | 'gen' | 'set' | 'dict', depth: number): PyExpr {
    const k = this.kids(n).filter((c) => !['(', ')', '[', ']', '{', '}', 'async'].includes(c.name));
    const firstFor = k.findIndex((c) => c.name === 'for');
    if (firstFor < 1) return this.unsupported(n, 'malformed comprehension');
    let elt: PyExpr;
    let value: PyExpr | undefined;
    const head = k.slice(0, firstFor);
    if (type === 'dict') {
      const colon = head.findIndex((c) => c.name === ':');
      if (colon < 0) return this.unsupported(n, 'malformed dict comprehension');
      elt = this.exprSeq(head.slice(0, colon), n, depth);
      value = this.exprSeq(head.slice(colon + 1), n, depth);
    } else elt = this.exprSeq(head, n, depth);
    const generators: Generator[] = [];
    let i = firstFor;
    while (i < k.length) {
      if (k[i].name !== 'for') return this.unsupported(n, 'malformed comprehension');
      const inAt = k.findIndex((c, j) => j > i && c.name === 'in');
      if (inAt < 0) return this.unsupported(n, 'malformed comprehension');
      let end = inAt + 1;
      while (end < k.length && k[end].name !== 'for' && k[end].name !== 'if') end++;
      const gen: Generator = { target: this.exprSeq(k.slice(i + 1, inAt), n, depth), iter: this.exprSeq(k.slice(inAt + 1, end), n, depth), ifs: [] };
      i = end;
      while (i < k.length && k[i].name === 'if') {
        let e = i + 1;
        while (e < k.length && k[e].name !== 'for' && k[e].name !== 'if') e++;
        gen.ifs.push(this.exprSeq(k.slice(i + 1, e), n, depth));
        i = e;
      }
      generators.push(gen);
    }
    return value ? { kind: 'comp', type, elt, value, generators, range: this.r(n) } : { kind: 'comp', type, elt, generators, range: this.r(n) };
  }

  private member(n: SyntaxNode, depth: number): PyExpr {
    const k = this.kids(n);
    const range = this.r(n);
    if (k.length === 0) return this.unsupported(n, 'malformed expression');
    const object = this.expr(k[0], depth);
    if (k[1]?.name === '.') {
      const prop = k[2];
      if (!prop || prop.name !== 'PropertyName') return { kind: 'unsupported', reason: this.syntaxReason(n.from), range };
      return { kind: 'attr', object, name: this.src(prop), range };
    }
    if (k[1]?.name === '[') {
      const inner = k.slice(2, k[k.length - 1].name === ']' ? -1 : undefined);
      const parts = this.split(inner, ',');
      const trailing = parts.length > 1 && parts[parts.length - 1].length === 0;
      const items = (trailing ? parts.slice(0, -1) : parts).map((p) => this.indexItem(p, n, depth));
      const index: PyExpr = items.length === 1 && !trailing ? items[0] : { kind: 'tuple', elts: items, range: this.range(k[1].to, k[k.length - 1].from) };
      return { kind: 'subscript', object, index, range };
    }
    return this.unsupported(n, 'malformed member expression');
  }

  private indexItem(p: SyntaxNode[], parent: SyntaxNode, depth: number): PyExpr {
    if (!p.some((c) => c.name === ':')) {
      if (p.length === 1) return this.expr(p[0], depth);
      if (p.length === 2 && p[0].name === '*') return { kind: 'starred', value: this.expr(p[1], depth), range: this.range(p[0].from, p[1].to) };
      return p.length ? { kind: 'unsupported', reason: 'unexpected tokens', range: this.range(p[0].from, p[p.length - 1].to) } : this.unsupported(parent, 'empty index');
    }
    const segs = this.split(p, ':');
    const part = (s: SyntaxNode[] | undefined): PyExpr | undefined => (s && s.length ? this.exprSeq(s, parent, depth) : undefined);
    const from = p[0].from;
    const to = p[p.length - 1].to;
    const slice: PyExpr = { kind: 'slice', range: this.range(from, to) };
    const lower = part(segs[0]);
    const upper = part(segs[1]);
    const step = part(segs[2]);
    if (lower) slice.lower = lower;
    if (upper) slice.upper = upper;
    if (step) slice.step = step;
    return slice;
  }

  private args(n: SyntaxNode, depth: number): Argument[] {
    const k = this.kids(n).filter((c) => c.name !== '(' && c.name !== ')');
    const out: Argument[] = [];
    for (const part of this.split(k, ',')) {
      if (part.length === 0) continue;
      if (part[0].name === '*' && part.length === 2) out.push({ kind: 'star', value: this.expr(part[1], depth) });
      else if (part[0].name === '**' && part.length === 2) out.push({ kind: 'dstar', value: this.expr(part[1], depth) });
      else if (part.length === 3 && part[0].name === 'VariableName' && part[1].name === 'AssignOp') out.push({ kind: 'kw', name: this.src(part[0]), value: this.expr(part[2], depth) });
      else if (part.length === 1) out.push({ kind: 'pos', value: this.expr(part[0], depth) });
      else out.push({ kind: 'pos', value: { kind: 'unsupported', reason: 'unexpected tokens in arguments', range: this.range(part[0].from, part[part.length - 1].to) } });
    }
    return out;
  }

  private binary(n: SyntaxNode, depth: number): PyExpr {
    const k = this.kids(n);
    const range = this.r(n);
    if (k.length < 3) return this.unsupported(n, 'malformed binary expression');
    const op = k.slice(1, -1).map((c) => this.src(c)).join(' ');
    const left = this.expr(k[0], depth);
    const right = this.expr(k[k.length - 1], depth);
    if (op === 'and' || op === 'or') return { kind: 'boolop', op, left, right, range };
    if (COMPARE_OPS.has(op)) {
      // `a < b <= c` parses left-nested; Python means (a < b) and (b <= c).
      if (left.kind === 'compare' && k[0].name === 'BinaryExpression') {
        return { kind: 'boolop', op: 'and', left, right: { kind: 'compare', op, left: left.right, right, range }, range };
      }
      if (left.kind === 'boolop' && left.op === 'and' && left.right.kind === 'compare' && k[0].name === 'BinaryExpression' && isChain(k[0], this)) {
        return { kind: 'boolop', op: 'and', left, right: { kind: 'compare', op, left: left.right.right, right, range }, range };
      }
      return { kind: 'compare', op: op === '<>' ? '!=' : op, left, right, range };
    }
    return { kind: 'binop', op, left, right, range };
  }

  opText(n: SyntaxNode): string {
    return this.kids(n).slice(1, -1).map((c) => this.src(c)).join(' ');
  }
}

/** Python backslash escapes of a (non-raw) string literal body. */
function unescapeString(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|\n|.)/g, (_, e: string) => {
    switch (e[0]) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case '0':
        return '\0';
      case '\n':
        return '';
      case 'x':
      case 'u':
        return e.length > 1 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e;
      default:
        return e;
    }
  });
}

/** Whether a BinaryExpression node is itself a comparison (so a further comparison chains on it). */
function isChain(n: SyntaxNode, conv: Converter): boolean {
  return COMPARE_OPS.has(conv.opText(n));
}

/** The one region where two texts differ: [start, oldEnd) of the old text became [start, newEnd). */
export interface Edit {
  start: number;
  oldEnd: number;
  newEnd: number;
}

/** The edited region, found by trimming the common prefix and suffix. */
export function editRegion(old: string, text: string): Edit {
  let start = 0;
  const max = Math.min(old.length, text.length);
  while (start < max && old.charCodeAt(start) === text.charCodeAt(start)) start++;
  let oldEnd = old.length;
  let newEnd = text.length;
  while (oldEnd > start && newEnd > start && old.charCodeAt(oldEnd - 1) === text.charCodeAt(newEnd - 1)) {
    oldEnd--;
    newEnd--;
  }
  return { start, oldEnd, newEnd };
}
