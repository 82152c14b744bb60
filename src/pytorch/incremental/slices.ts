/**
 * What a class's analysis can depend on, so that after an edit only the classes the edit can
 * reach are analyzed again — on a copy of the file where every other top-level statement is
 * blanked out (lines and columns kept, so every range and "line N" stays right).
 *
 * The file is cut into segments: top-level statements, and the statements of an
 * `if __name__ == '__main__':` block one by one (its header is a segment of its own). Each gets
 * the module names it binds, mutates (`cfg.append(…)`, `Net.forward = …`) and reads (free names
 * of functions and classes, with Python's scoping). A class's slice is its segment, every segment
 * its names flow into (users: `net = Net()`, `summary(net, …)`, a class or helper building it),
 * and everything those read (definers: imports, constants, helpers), following module-level code
 * in order (the definition that reaches a statement, not every definition of the name).
 *
 * Python is dynamic; this is an over-approximation for the ordinary cases, and files using
 * `globals()`, `exec`, `eval` or `import *` are marked dynamic (analyzed whole). The editor asks
 * for a whole-file analysis once typing pauses, so a miss here lasts until then.
 */
import type { SyntaxNode } from '@lezer/common';
import type { ParseCache } from '../parse';

/** Names whose use can bind any module name: such files are analyzed whole. */
const DYNAMIC = new Set(['globals', 'exec', 'eval', 'vars', 'locals', '__import__']);
const COMPREHENSIONS = new Set(['ArrayComprehensionExpression', 'SetComprehensionExpression', 'DictionaryComprehensionExpression', 'ComprehensionExpression']);
const MAIN_TEST = /^__name__\s*==\s*(['"])__main__\1$|^(['"])__main__\2\s*==\s*__name__$/;
const DIRECTIVE = /#\s*floplens\s*:(.*)$/gm;

export interface SegmentInfo {
  /** Module names it binds (or may bind: conditional code, `global` in a function). */
  readonly defs: ReadonlySet<string>;
  /** Module names it binds on every run: earlier definitions stop reaching past it. */
  readonly kills: ReadonlySet<string>;
  /** Module names whose value it changes in place. */
  readonly mutates: ReadonlySet<string>;
  /** Module names it reads (free names of its functions and classes included). */
  readonly uses: ReadonlySet<string>;
  /** A function or class: its body runs later, so it sees every definition of a name. */
  readonly deferred: boolean;
  readonly isImport: boolean;
  /** Holds a class definition (the unit the analysis reports). */
  readonly hasClass: boolean;
  readonly dynamic: boolean;
  /** Holds a syntax error: the parser's recovery may read what follows differently without it. */
  readonly broken: boolean;
}

export interface Segment {
  /** The statement, offsets in the text. */
  readonly from: number;
  readonly to: number;
  /** Where its zone begins: the end of the segment before. Comments above it (directives) belong to it. */
  readonly zoneFrom: number;
  /** Lines of the statement, 0-based, inclusive. */
  readonly startLine: number;
  readonly endLine: number;
  /** The zone's text: a segment is unchanged by an edit when this is. */
  readonly key: string;
  readonly info: SegmentInfo;
  /** `if __name__ == '__main__':` line(s), kept when any statement of its block is. */
  readonly header: boolean;
  /** The index of its block's header, for a statement of a main block. */
  readonly main?: number;
}

/** Segment facts by zone text: unchanged statements are not walked again after an edit. */
export type InfoCache = Map<string, SegmentInfo>;

export class SourceGraph {
  /** Some segment can bind names no analysis of names sees (`globals()`, `import *`). */
  readonly dynamic: boolean;
  /** Segments binding a name. */
  private readonly binders = new Map<string, number[]>();
  /** Segments binding or changing it. */
  private readonly definers = new Map<string, number[]>();
  private readonly users = new Map<string, number[]>();
  private readonly slices = new Map<number, ReadonlySet<number>>();

  constructor(readonly segments: readonly Segment[]) {
    this.dynamic = segments.some((s) => s.info.dynamic);
    segments.forEach((s, i) => {
      for (const n of s.info.defs) push(this.binders, n, i);
      for (const n of s.info.uses) push(this.users, n, i);
    });
    segments.forEach((s, i) => {
      for (const n of s.info.defs) push(this.definers, n, i);
      // `torch.manual_seed(0)`, `nn.init.zeros_(…)`: calls into libraries, not changes of the file's values.
      for (const n of s.info.mutates) if (!this.isImportOnly(n)) push(this.definers, n, i);
    });
  }

  /** Segments holding class definitions. */
  classSegments(): number[] {
    const out: number[] = [];
    this.segments.forEach((s, i) => s.info.hasClass && out.push(i));
    return out;
  }

  /** Everything the analysis of the classes in segment `seed` can depend on. */
  slice(seed: number): ReadonlySet<number> {
    let s = this.slices.get(seed);
    if (!s) {
      s = this.compute(seed);
      this.slices.set(seed, s);
    }
    return s;
  }

  private compute(seed: number): ReadonlySet<number> {
    // Users: where the values the seed binds flow (forward, through module-level code in order).
    const flow = new Set([seed]);
    const queue = [seed];
    while (queue.length) {
      const t = queue.pop()!;
      const info = this.segments[t].info;
      for (const names of [info.defs, info.mutates]) {
        for (const n of names) {
          // `import torch.nn as nn` does not make every user of nn depend on this class.
          if (this.isImportOnly(n)) continue;
          for (const u of this.users.get(n) ?? []) {
            if (flow.has(u) || !(this.segments[u].info.deferred || this.reaching(u, n).includes(t))) continue;
            flow.add(u);
            queue.push(u);
          }
        }
      }
    }
    // Definers: what all of that reads.
    const out = new Set(flow);
    for (const f of flow) queue.push(f);
    while (queue.length) {
      const t = queue.pop()!;
      for (const n of this.segments[t].info.uses) {
        for (const d of this.reaching(t, n)) {
          if (out.has(d)) continue;
          out.add(d);
          queue.push(d);
        }
      }
    }
    for (const i of [...out]) {
      const h = this.segments[i].main;
      if (h !== undefined) out.add(h);
    }
    return out;
  }

  /** The segments whose binding of `name` can be what segment `t` reads. */
  private reaching(t: number, name: string): number[] {
    const all = this.definers.get(name) ?? [];
    // A function or class body runs later: any definition may be the one it sees.
    if (this.segments[t].info.deferred) return all.filter((d) => d !== t);
    const out: number[] = [];
    for (let k = all.length - 1; k >= 0; k--) {
      const d = all[k];
      if (d >= t) continue;
      out.push(d);
      if (this.segments[d].info.kills.has(name)) break;
    }
    return out;
  }

  /** A name only imports bind (`nn`, `torch`, `F`). */
  private isImportOnly(name: string): boolean {
    const ds = this.binders.get(name);
    return !!ds && ds.every((d) => this.segments[d].info.isImport);
  }

  /**
   * The text with every line of the segments not kept replaced by `pass` (at the indentation of
   * a main block that is kept). Not emptied: @lezer/python misreads some long runs of empty lines
   * (a statement after them fails to parse), and `pass` keeps every line and block valid.
   */
  sliceText(text: string, keep: ReadonlySet<number>): string {
    const lines = text.split('\n');
    this.segments.forEach((s, i) => {
      if (keep.has(i)) return;
      const indent = s.main !== undefined && keep.has(s.main) ? /^[ \t]*/.exec(lines[s.startLine])![0] : '';
      for (let l = s.startLine; l <= s.endLine && l < lines.length; l++) lines[l] = `${indent}pass`;
    });
    return lines.join('\n');
  }
}

function push(map: Map<string, number[]>, key: string, i: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [i]);
  else if (list[list.length - 1] !== i) list.push(i);
}

/** Segments the text (through the document's parse cache) and indexes their names. */
export function buildGraph(text: string, parseCache: ParseCache, infoCache: InfoCache): SourceGraph {
  // The analysis reads non-breaking spaces as spaces; parse the same text so the cache is shared.
  const source = text.includes('\u00a0') ? text.replace(/\u00a0/g, ' ') : text;
  const tree = parseCache.parse(source);
  const lineStarts = [0];
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const used = new Map<string, SegmentInfo>();
  const segments: Segment[] = [];
  let zoneFrom = 0;
  const add = (n: SyntaxNode | undefined, from: number, to: number, extra: { header?: boolean; main?: number }): void => {
    const key = source.slice(zoneFrom, to);
    let info = used.get(key) ?? infoCache.get(key);
    if (!info) info = n ? segmentInfo(n, source, key) : HEADER_INFO;
    used.set(key, info);
    segments.push({ from, to, zoneFrom, startLine: lineOf(from), endLine: lineOf(Math.max(from, to - 1)), key, info, header: !!extra.header, ...(extra.main !== undefined ? { main: extra.main } : {}) });
    zoneFrom = to;
  };
  for (let c = tree.topNode.firstChild; c; c = c.nextSibling) {
    if (c.name === 'Comment') continue;
    const body = mainBody(c, source, lineOf);
    if (!body) {
      add(c, c.from, c.to, {});
      continue;
    }
    const header = segments.length;
    add(undefined, c.from, lineStarts[lineOf(body[0].from)], { header: true });
    for (const s of body) add(s, s.from, s.to, { main: header });
  }
  // Keep only what this text has: the cache follows the document, not its history.
  infoCache.clear();
  for (const [k, v] of used) infoCache.set(k, v);
  return new SourceGraph(segments);
}

const HEADER_INFO: SegmentInfo = { defs: new Set(), kills: new Set(), mutates: new Set(), uses: new Set(['__name__']), deferred: false, isImport: false, hasClass: false, dynamic: false, broken: false };

/** The statements of `if __name__ == '__main__':` (no elif/else, body on lines of its own), else undefined. */
function mainBody(n: SyntaxNode, source: string, lineOf: (offset: number) => number): SyntaxNode[] | undefined {
  if (n.name !== 'IfStatement') return undefined;
  const kids = children(n);
  if (kids.length !== 3 || kids[2].name !== 'Body' || !MAIN_TEST.test(source.slice(kids[1].from, kids[1].to).trim())) return undefined;
  const stmts = children(kids[2]).filter((k) => k.name !== ':' && k.name !== 'Comment');
  if (!stmts.length || lineOf(stmts[0].from) === lineOf(n.from)) return undefined;
  return stmts;
}

function children(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function segmentInfo(n: SyntaxNode, source: string, zone: string): SegmentInfo {
  try {
    return bindSegment(n, source, zone);
  } catch (e) {
    // Code nested deeper than the stack allows (100,000 lambdas in a row; brackets are capped
    // before parsing): its names are not known, so the file is analyzed whole, where the
    // converter stops at its own depth limit and says so.
    if (!(e instanceof RangeError)) throw e;
    return { defs: new Set(), kills: new Set(), mutates: new Set(), uses: new Set(), deferred: false, isImport: false, hasClass: false, dynamic: true, broken: true };
  }
}

function bindSegment(n: SyntaxNode, source: string, zone: string): SegmentInfo {
  const b = new Binder(source);
  b.statement(n, b.module, false);
  // `# floplens: input=(1, C, H, W)` may name module constants.
  for (const m of zone.matchAll(DIRECTIVE)) for (const id of m[1].match(/[A-Za-z_]\w*/g) ?? []) if (id !== 'input') b.uses.add(id);
  const deferred = n.name === 'FunctionDefinition' || n.name === 'ClassDefinition' || n.name === 'DecoratedStatement';
  const broken = hasError(n);
  return {
    defs: b.defs,
    // The analysis skips a statement with a syntax error: what it binds may keep its earlier value.
    kills: broken ? new Set() : b.kills,
    mutates: b.mutates,
    uses: b.uses,
    deferred,
    isImport: n.name === 'ImportStatement',
    hasClass: b.hasClass,
    dynamic: b.star || [...b.uses].some((u) => DYNAMIC.has(u)),
    broken,
  };
}

function hasError(n: SyntaxNode): boolean {
  if (n.type.isError) return true;
  for (let c = n.firstChild; c; c = c.nextSibling) if (hasError(c)) return true;
  return false;
}

interface Scope {
  kind: 'module' | 'function' | 'class';
  locals: Set<string>;
  used: Set<string>;
  /** Free names of functions in a class body: they do not see the class's own names. */
  inner: Set<string>;
  /** `global` names of a function: binding them binds module names. */
  globals: Set<string>;
  /** Names changed in place inside a function (`CFG['a'] = 1`). */
  mutated: Set<string>;
  parent?: Scope;
}

/** Names bound, changed and read by one statement, with Python's function and class scopes. */
class Binder {
  readonly defs = new Set<string>();
  readonly kills = new Set<string>();
  readonly mutates = new Set<string>();
  readonly uses = new Set<string>();
  readonly module: Scope = { kind: 'module', locals: this.defs, used: this.uses, inner: new Set(), globals: new Set(), mutated: this.mutates };
  hasClass = false;
  star = false;

  constructor(private readonly source: string) {}

  private text(n: SyntaxNode): string {
    return this.source.slice(n.from, n.to);
  }

  statement(n: SyntaxNode, scope: Scope, conditional: boolean): void {
    const kids = children(n);
    switch (n.name) {
      case 'Comment':
        return;
      case 'StatementGroup':
        for (const k of kids) this.statement(k, scope, conditional);
        return;
      case 'AssignStatement': {
        const last = kids.map((k) => k.name).lastIndexOf('AssignOp');
        kids.forEach((k, i) => {
          if (k.name === 'AssignOp') return;
          if (i < last && k.name !== 'TypeDef') this.target(k, scope, conditional);
          else this.expr(k, scope);
        });
        return;
      }
      case 'UpdateStatement':
        kids.forEach((k, i) => {
          if (i === 0) this.target(k, scope, conditional);
          this.expr(k, scope);
        });
        return;
      case 'ForStatement': {
        let targets = false;
        for (const k of kids) {
          if (k.name === 'for') targets = true;
          else if (k.name === 'in') targets = false;
          else if (k.name === 'Body') this.body(k, scope);
          else if (targets) this.target(k, scope, true);
          else this.expr(k, scope);
        }
        return;
      }
      case 'FunctionDefinition':
        this.functionDef(kids, scope, conditional);
        return;
      case 'ClassDefinition':
        this.classDef(kids, scope, conditional);
        return;
      case 'DecoratedStatement':
        for (const k of kids) {
          if (k.name === 'FunctionDefinition' || k.name === 'ClassDefinition') this.statement(k, scope, conditional);
          else this.expr(k, scope);
        }
        return;
      case 'ImportStatement':
        this.importStatement(kids, scope, conditional);
        return;
      case 'ScopeStatement':
        if (kids[0]?.name === 'global') for (const k of kids) if (k.name === 'VariableName') scope.globals.add(this.text(k));
        return;
      case 'DeleteStatement':
        for (const k of kids) this.target(k, scope, true);
        return;
      case 'ExpressionStatement':
        this.expr(n, scope);
        if (scope.kind === 'module') this.mutationByCall(kids[0]);
        return;
      default:
        this.compound(kids, scope);
    }
  }

  /** if / while / try / with / match, and anything else: bodies are conditional, `as x` binds. */
  private compound(kids: SyntaxNode[], scope: Scope): void {
    kids.forEach((k, i) => {
      if (k.name === 'Body') this.body(k, scope);
      else if (k.name === 'MatchBody' || k.name === 'MatchClause') this.compound(children(k), scope);
      else if (k.name === 'VariableName' && kids[i - 1]?.name === 'as') this.target(k, scope, true);
      else this.expr(k, scope);
    });
  }

  private body(n: SyntaxNode, scope: Scope): void {
    for (const k of children(n)) if (k.name !== ':') this.statement(k, scope, true);
  }

  /** `x.append(…)`, `setattr(X, …)` at module level change X. */
  private mutationByCall(n: SyntaxNode | undefined): void {
    if (n?.name !== 'CallExpression') return;
    const callee = n.firstChild;
    if (callee?.name === 'MemberExpression') {
      const base = baseName(callee);
      if (base) this.mutates.add(this.text(base));
    } else if (callee?.name === 'VariableName' && /^(setattr|delattr)$/.test(this.text(callee))) {
      const first = children(callee.nextSibling ?? callee).find((k) => k.name === 'VariableName');
      if (first) this.mutates.add(this.text(first));
    }
  }

  private functionDef(kids: SyntaxNode[], scope: Scope, conditional: boolean): void {
    const fn = this.scope('function', scope);
    let named = false;
    for (const k of kids) {
      if (k.name === 'VariableName' && !named) {
        named = true;
        this.bind(this.text(k), scope, conditional);
      } else if (k.name === 'ParamList') this.params(k, fn, scope);
      else if (k.name === 'Body') this.body(k, fn);
      else if (k.name === 'TypeDef') this.expr(k, scope);
    }
    this.close(fn);
  }

  private classDef(kids: SyntaxNode[], scope: Scope, conditional: boolean): void {
    this.hasClass = true;
    const cls = this.scope('class', scope);
    let named = false;
    for (const k of kids) {
      if (k.name === 'VariableName' && !named) {
        named = true;
        this.bind(this.text(k), scope, conditional);
      } else if (k.name === 'ArgList') this.expr(k, scope);
      else if (k.name === 'Body') this.body(k, cls);
    }
    this.close(cls);
  }

  private params(list: SyntaxNode, fn: Scope, outer: Scope): void {
    const kids = children(list);
    kids.forEach((k, i) => {
      // Defaults and annotations are evaluated where the function is defined.
      if (k.name === 'VariableName' && kids[i - 1]?.name !== 'AssignOp') fn.locals.add(this.text(k));
      else this.expr(k, outer);
    });
  }

  private importStatement(kids: SyntaxNode[], scope: Scope, conditional: boolean): void {
    const from = kids[0]?.name === 'from';
    let i = from ? kids.findIndex((k) => k.name === 'import') + 1 : 1;
    if (i <= 0) return;
    let group: SyntaxNode[] = [];
    const flush = (): void => {
      const as = group.findIndex((k) => k.name === 'as');
      const name = as >= 0 ? group[as + 1] : group.find((k) => k.name === 'VariableName');
      if (name?.name === 'VariableName') this.bind(this.text(name), scope, conditional);
      group = [];
    };
    for (; i < kids.length; i++) {
      const k = kids[i];
      if (k.name === '*') this.star = true;
      if (k.name === ',') flush();
      else group.push(k);
    }
    flush();
  }

  private target(n: SyntaxNode, scope: Scope, conditional: boolean): void {
    switch (n.name) {
      case 'VariableName':
        this.bind(this.text(n), scope, conditional);
        return;
      case 'TupleExpression':
      case 'ArrayExpression':
      case 'ParenthesizedExpression':
        for (const k of children(n)) this.target(k, scope, conditional);
        return;
      case 'MemberExpression': {
        const base = baseName(n);
        if (base) scope.mutated.add(this.text(base));
        this.expr(n, scope);
        return;
      }
      default:
        this.expr(n, scope);
    }
  }

  private expr(n: SyntaxNode, scope: Scope): void {
    if (n.name === 'VariableName') {
      // A keyword argument's name (`Conv2d(in_channels=1)`) reads nothing.
      if (!(n.parent?.name === 'ArgList' && n.nextSibling?.name === 'AssignOp')) scope.used.add(this.text(n));
      return;
    }
    if (n.name === 'PropertyName' || n.name === 'Comment') return;
    if (n.name === 'LambdaExpression') {
      const fn = this.scope('function', scope);
      for (const k of children(n)) {
        if (k.name === 'ParamList') this.params(k, fn, scope);
        else this.expr(k, fn);
      }
      this.close(fn);
      return;
    }
    if (COMPREHENSIONS.has(n.name)) {
      const comp = this.scope('function', scope);
      let targets = false;
      for (const k of children(n)) {
        if (k.name === 'for') targets = true;
        else if (k.name === 'in') targets = false;
        else if (targets) this.target(k, comp, true);
        else this.expr(k, comp);
      }
      this.close(comp);
      return;
    }
    if (n.name === 'NamedExpression') {
      const kids = children(n);
      kids.forEach((k, i) => (i === 0 ? this.target(k, scope, true) : this.expr(k, scope)));
      return;
    }
    if (n.name === 'Body') {
      this.body(n, scope);
      return;
    }
    for (let c = n.firstChild; c; c = c.nextSibling) this.expr(c, scope);
  }

  private scope(kind: 'function' | 'class', parent: Scope): Scope {
    return { kind, locals: new Set(), used: new Set(), inner: new Set(), globals: new Set(), mutated: new Set(), parent };
  }

  private bind(name: string, scope: Scope, conditional: boolean): void {
    if (scope.kind === 'module') {
      this.defs.add(name);
      if (!conditional) this.kills.add(name);
    } else if (scope.globals.has(name)) this.defs.add(name);
    else scope.locals.add(name);
  }

  /** A function or class scope ends: its free names are read (and changed) in the scope around it. */
  private close(s: Scope): void {
    const parent = s.parent!;
    const free = [...s.used].filter((n) => !s.locals.has(n) || s.globals.has(n));
    if (s.kind === 'class') for (const i of s.inner) free.push(i);
    // A function in a class body does not see the class's names: they go past it.
    const into = parent.kind === 'class' ? parent.inner : parent.used;
    for (const n of free) into.add(n);
    for (const n of s.mutated) if (!s.locals.has(n) || s.globals.has(n)) parent.mutated.add(n);
  }
}

/** `a` of `a.b.c[0]`. */
function baseName(n: SyntaxNode): SyntaxNode | undefined {
  let c: SyntaxNode | null = n;
  while (c && c.name !== 'VariableName') {
    if (c.name !== 'MemberExpression' && c.name !== 'CallExpression') return undefined;
    c = c.firstChild;
  }
  return c ?? undefined;
}
