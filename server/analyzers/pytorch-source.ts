/**
 * pytorch-source: in Python documents, the static analysis of nn.Module classes (src/pytorch) as
 * code lenses over each class and layer definition, hovers with the formulas, and diagnostics
 * (unused modules, shapes that could not be followed, per-class budgets).
 *
 * Speed: lenses are asked for after every edit. The first analysis of a document is of the whole
 * file; after an edit only the classes the edit can reach (pytorch-slices.ts) are analyzed again,
 * on the file with every other top-level statement blanked out, and the other classes keep their
 * results, moved by the lines the edit added or removed. Once typing pauses the whole file is
 * analyzed again: diagnostics come from that, and the lenses are refreshed if it says otherwise.
 */
import { DiagnosticSeverity, type CodeLens, type Diagnostic, type Hover, type Position, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { editRegion, type Edit } from '../../src/pytorch/parse';
import { analyzePython, ParseCache, type ClassAnalysis, type LayerAnalysis, type Severity, type SourceAnalysis } from '../../src/pytorch';
import { formatBytes, formatCount, mdEscape } from '../../src/report';
import { budgetFindings, budgetState, type Budget } from '../budgets';
import { DEFAULT_SETTINGS, type BudgetMetric, type Settings } from '../../common/protocol';
import { uriToPath } from '../workspace';
import type { Figure } from '../worker-protocol';
import { buildGraph, type InfoCache, type SourceGraph } from './pytorch-slices';
import { classHover, classLensTitle, groupHover, inputSourceShort, layerHover, layerLensTitle, topLayers } from './pytorch-text';
import type { Analyzer, AnalyzerContext } from './registry';

/** The whole-file analysis runs this long after the last edit. */
const SETTLE_MS = 300;
/** Beyond this the file is not analyzed (a generated file, not model code people read). */
const MAX_DOC_CHARS = 2_000_000;
/**
 * Wall-clock budget of a whole-file analysis. The engine's default (400 ms) is cut for hostile
 * code; a fresh server analyzes before the JIT has warmed up (a 2,000-line file: ~450 ms cold,
 * ~70 ms warm), and a budget cut there would stay until the next edit. Slices keep the default.
 */
const WHOLE_FILE_BUDGET_MS = 1500;

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

const METRIC_NAMES: Record<BudgetMetric, string> = { macs: 'MACs', flops: 'FLOPs', params: 'parameters', activations: 'peak activation memory' };

interface Analysis {
  version: number;
  text: string;
  graph: SourceGraph;
  result: SourceAnalysis;
  /** Of the whole file; otherwise merged from a slice and the previous analysis. */
  whole: boolean;
  /** The default input setting it was made with. */
  inputKey: string;
  view?: View;
}

/** What the editor is shown for one analysis. */
interface View {
  lenses: CodeLens[];
  /** The lens titles with their lines: tells whether a refresh shows something new. */
  key: string;
  sites: Site[];
}

/** Layers whose lens is on one line, with the class that reports them. */
interface Site {
  cls: ClassAnalysis;
  layers: LayerAnalysis[];
}

interface DocState {
  doc: TextDocument;
  ctx?: AnalyzerContext;
  parseCache: ParseCache;
  sliceCache: ParseCache;
  infos: InfoCache;
  current?: Analysis;
  timer?: NodeJS.Timeout;
  /** The view key of the lenses last handed out. */
  served?: string;
}

export class PytorchSource implements Analyzer {
  readonly id = 'pytorch-source';
  private readonly docs = new Map<string, DocState>();

  constructor(private readonly settleMs = SETTLE_MS) {}

  changed(doc: TextDocument, ctx: AnalyzerContext): void {
    if (!isPython(doc)) {
      if (this.docs.has(doc.uri)) this.closed(doc.uri, ctx);
      return;
    }
    const st = this.state(doc);
    st.ctx = ctx;
    // A new document is analyzed at once (its diagnostics), an edited one when typing pauses.
    this.settleLater(st, st.current ? this.settleMs : 0);
  }

  closed(uri: string, ctx: AnalyzerContext): void {
    const st = this.docs.get(uri);
    if (!st) return;
    clearTimeout(st.timer);
    this.docs.delete(uri);
    ctx.publishDiagnostics?.(this.id, uri, []);
  }

  settingsChanged(ctx: AnalyzerContext): void {
    // The default input changes the analyses, budgets only the diagnostics: settling does both.
    for (const st of this.docs.values()) {
      st.ctx = ctx;
      // Lens titles say "over budget": made again under the new budgets.
      if (st.current) st.current.view = undefined;
      this.settleLater(st, 0);
    }
  }

  async codeLenses(doc: TextDocument, ctx: AnalyzerContext): Promise<CodeLens[]> {
    if (!isPython(doc)) return [];
    const st = this.state(doc);
    const a = this.analysis(st, ctx, false);
    if (!a) return [];
    const v = this.view(a, doc, ctx);
    st.served = v.key;
    return v.lenses;
  }

  async hover(doc: TextDocument, position: Position, ctx: AnalyzerContext): Promise<Hover | undefined> {
    if (!isPython(doc)) return undefined;
    const a = this.analysis(this.state(doc), ctx, false);
    if (!a) return undefined;
    const cls = a.result.classes.find((c) => c.range.start.line === position.line);
    if (cls) {
      return { contents: { kind: 'markdown', value: classHover(cls, this.budgetLine(doc, cls, ctx)) }, range: lineRange(doc, position.line) };
    }
    // The innermost layer definition under the cursor; several built by one expression share it.
    let best: { layers: LayerAnalysis[]; cls: ClassAnalysis; size: number; range: Range } | undefined;
    for (const site of this.view(a, doc, ctx).sites) {
      for (const l of site.layers) {
        const r = l.range!;
        if (!contains(r, position)) continue;
        const size = (r.end.line - r.start.line) * 1e6 + (r.end.character - r.start.character);
        if (!best || size < best.size) best = { layers: [l], cls: site.cls, size, range: r };
        else if (size === best.size && sameRange(r, best.range)) best.layers.push(l);
      }
    }
    if (!best) return undefined;
    const value = best.layers.length === 1 ? layerHover(best.layers[0], best.cls) : groupHover(best.layers, best.cls);
    return { contents: { kind: 'markdown', value }, range: best.range };
  }

  /** Stops pending work (tests, benchmarks). */
  dispose(): void {
    for (const st of this.docs.values()) clearTimeout(st.timer);
    this.docs.clear();
  }

  /**
   * The analysis of the document as it is now: the current one, else one made incrementally from
   * the previous (unless `whole`), else of the whole file. Undefined for a file too large.
   */
  private analysis(st: DocState, ctx: AnalyzerContext, whole: boolean): Analysis | undefined {
    const doc = st.doc;
    const defaultInput = settingsOf(ctx).defaultInputShape;
    const inputKey = defaultInput.join(',');
    const cur = st.current;
    if (cur && cur.version === doc.version && cur.inputKey === inputKey && (cur.whole || !whole)) return cur;
    const text = doc.getText();
    if (text.length > MAX_DOC_CHARS) return undefined;
    const graph = cur && cur.version === doc.version ? cur.graph : buildGraph(text, st.parseCache, st.infos);
    const options = { defaultInput: defaultInput.length ? defaultInput : undefined };
    const prev = cur && cur.inputKey === inputKey && cur.version !== doc.version ? cur : undefined;
    const merged = !whole && prev ? incremental(prev, text, graph, st.sliceCache, options) : undefined;
    const result = merged ?? analyzePython(text, { ...options, parseCache: st.parseCache, timeBudgetMs: WHOLE_FILE_BUDGET_MS });
    st.current = { version: doc.version, text, graph, result, whole: !merged, inputKey };
    return st.current;
  }

  private state(doc: TextDocument): DocState {
    let st = this.docs.get(doc.uri);
    if (!st) {
      st = { doc, parseCache: new ParseCache(), sliceCache: new ParseCache(), infos: new Map() };
      this.docs.set(doc.uri, st);
    }
    st.doc = doc;
    return st;
  }

  private settleLater(st: DocState, ms: number): void {
    clearTimeout(st.timer);
    st.timer = setTimeout(() => {
      st.timer = undefined;
      try {
        this.settle(st);
      } catch (e) {
        st.ctx?.log?.(`analyzer ${this.id} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    }, ms);
  }

  /** The whole-file analysis: diagnostics, and fresh lenses when they differ from those shown. */
  private settle(st: DocState): void {
    const ctx = st.ctx;
    if (!ctx || this.docs.get(st.doc.uri) !== st) return;
    const a = this.analysis(st, ctx, true);
    ctx.publishDiagnostics?.(this.id, st.doc.uri, a ? this.diagnostics(a, st.doc, ctx) : []);
    if (a && st.served !== undefined && st.served !== this.view(a, st.doc, ctx).key) ctx.refreshLenses?.();
  }

  private view(a: Analysis, doc: TextDocument, ctx: AnalyzerContext): View {
    if (a.view) return a.view;
    const lenses: CodeLens[] = [];
    const sites: Site[] = [];
    const classes = a.result.classes;
    for (const c of classes) {
      const over = this.classBudget(doc, c, ctx)?.over ?? false;
      const source = c.input ? inputSourceShort(c, calleeAt(doc, c)) : undefined;
      lenses.push(lens(c.range.start, classLensTitle(c, source, over)));
    }
    // Each line's layers, from the class whose body holds the line (a helper's lines: the first
    // class using it); of a layer and its children on one line, the layer.
    const byLine = new Map<number, { cls: ClassAnalysis; layers: LayerAnalysis[] }>();
    for (const c of classes) {
      for (const l of c.layers) {
        if (!l.range) continue;
        const line = l.range.start.line;
        const owner = ownerOf(classes, line);
        if (owner ? owner !== c : byLine.get(line)?.cls !== undefined && byLine.get(line)!.cls !== c) continue;
        let entry = byLine.get(line);
        if (!entry) byLine.set(line, (entry = { cls: c, layers: [] }));
        entry.layers.push(l);
      }
    }
    for (const [line, entry] of [...byLine].sort((x, y) => x[0] - y[0])) {
      const paths = new Set(entry.layers.map((l) => l.path));
      const top = entry.layers.filter((l) => !ancestors(l.path).some((p) => paths.has(p)));
      const prefix = !contains(entry.cls.bodyRange, { line, character: 0 });
      lenses.push(lens(top[0].range!.start, layerLensTitle(top, entry.cls, prefix)));
      sites.push({ cls: entry.cls, layers: entry.layers });
    }
    const key = lenses.map((l) => `${l.range.start.line}:${l.command!.title}`).join('\n');
    a.view = { lenses, key, sites };
    return a.view;
  }

  private diagnostics(a: Analysis, doc: TextDocument, ctx: AnalyzerContext): Diagnostic[] {
    const out: Diagnostic[] = [];
    const seen = new Set<string>();
    const add = (range: Range, severity: DiagnosticSeverity, message: string, code?: string): void => {
      const key = `${range.start.line}:${range.start.character}:${message}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ range, severity, source: 'floplens', message, ...(code ? { code } : {}) });
    };
    const classes = a.result.classes;
    for (const c of classes) {
      for (const d of c.diagnostics) {
        // The lens says how to give an input shape.
        if (d.code === 'no-input') continue;
        // A line inside another class is that class's to report (with its own paths).
        const owner = ownerOf(classes, d.range.start.line);
        if (owner && owner !== c) continue;
        add(d.range, SEVERITY[d.severity], d.message, d.code);
      }
      const b = this.classBudget(doc, c, ctx);
      for (const f of b?.findings ?? []) add(c.range, f.severity, f.message, 'budget');
    }
    for (const d of a.result.diagnostics) {
      // Syntax errors are the Python language server's to show; the analysis just goes on.
      if (d.code === 'syntax' && d.severity === 'error') continue;
      add(d.range, SEVERITY[d.severity], d.message, d.code);
    }
    return out;
  }

  /** The class's budget, its findings as diagnostics, and whether it is over. */
  private classBudget(doc: TextDocument, c: ClassAnalysis, ctx: AnalyzerContext): { budget: Budget; over: boolean; findings: { severity: DiagnosticSeverity; message: string }[] } | undefined {
    const file = uriToPath(doc.uri);
    const budget = file ? ctx.classBudget?.(file, c.name) : undefined;
    if (!budget) return undefined;
    if (budget.error) return { budget, over: false, findings: [{ severity: DiagnosticSeverity.Error, message: budget.error }] };
    const t = c.totals;
    const figures: Partial<Record<BudgetMetric, Figure>> = { params: figure(t.params, topLayers(c, (l) => l.params)) };
    if (t.macs !== undefined) figures.macs = figure(t.macs, topLayers(c, (l) => l.macs));
    if (t.flops !== undefined) figures.flops = figure(t.flops, topLayers(c, (l) => l.flops));
    const all = figures as Record<BudgetMetric, Figure>;
    const state = budgetState(budget, all);
    const severity = SEVERITY[settingsOf(ctx).budgetSeverity];
    const findings = budgetFindings(budget, state, all).map((f) => ({ severity: f.kind === 'over' ? severity : DiagnosticSeverity.Warning, message: `${c.name}: ${f.message}` }));
    // What the source cannot tell, said rather than skipped.
    for (const [metric, limit] of Object.entries(budget.limits ?? {}) as [BudgetMetric, number][]) {
      const unit = metric === 'activations' ? formatBytes : formatCount;
      const head = `${c.name}: the ${METRIC_NAMES[metric]} budget of ${unit(limit)} (${budget.setting}) cannot be checked`;
      const f = figures[metric];
      if (metric === 'activations') findings.push({ severity: DiagnosticSeverity.Warning, message: `${head}: peak activation memory is not computed from source code` });
      else if (!f) findings.push({ severity: DiagnosticSeverity.Warning, message: `${head}: no input shape for ${c.name} (add "# floplens: input=(1, 3, 224, 224)" or set floplens.defaultInputShape)` });
      else if (typeof f.value === 'number' && f.value <= limit) {
        const unknown = metric === 'params' ? t.paramsUnknown : t.costUnknown;
        if (unknown.length) findings.push({ severity: DiagnosticSeverity.Warning, message: `${head}: ${f.text} is a lower bound (${unknown[0]})` });
      }
    }
    return { budget, over: state.violations.length > 0, findings };
  }

  private budgetLine(doc: TextDocument, c: ClassAnalysis, ctx: AnalyzerContext): string {
    const b = this.classBudget(doc, c, ctx);
    if (!b) return 'Budget: none (floplens.budgets entries with a glob matching this file, optionally a "class").';
    if (b.findings.length) return `**Budget**: ${mdEscape(b.findings.map((f) => f.message.replace(`${c.name}: `, '')).join('; '))}.`;
    return `Budget: within ${mdEscape(b.budget.setting)}.`;
  }
}

/** The one instance the server registers. */
export const pytorchSource = new PytorchSource();

function settingsOf(ctx: AnalyzerContext): Settings {
  return ctx.settings?.() ?? DEFAULT_SETTINGS;
}

function isPython(doc: TextDocument): boolean {
  return doc.languageId === 'python';
}

function figure(value: number, top: { path: string; value: number }[]): Figure {
  return { value, text: formatCount(value), symbols: [], top };
}

function lens(at: Position, title: string): CodeLens {
  // No command to run: the lens is a label (an empty command id is shown as text).
  return { range: { start: at, end: at }, command: { title, command: '' } };
}

function lineRange(doc: TextDocument, line: number): Range {
  const start = { line, character: 0 };
  const next = doc.offsetAt({ line: line + 1, character: 0 });
  return { start, end: doc.positionAt(Math.max(doc.offsetAt(start), next - 1)) };
}

/** `summary` of `summary(net, (12, 1, 224, 224))`: how the file fed the class, for the lens. */
function calleeAt(doc: TextDocument, c: ClassAnalysis): string | undefined {
  const r = c.input?.range;
  if (!r) return undefined;
  const text = doc.getText({ start: r.start, end: { line: r.start.line + 1, character: 0 } });
  const m = /^\s*([A-Za-z_][\w.]*)\s*\(/.exec(text);
  return m?.[1];
}

/** The innermost class whose body holds the line. */
function ownerOf(classes: readonly ClassAnalysis[], line: number): ClassAnalysis | undefined {
  let best: ClassAnalysis | undefined;
  for (const c of classes) if (c.bodyRange.start.line <= line && line <= lastLine(c) && (!best || c.bodyRange.start.line >= best.bodyRange.start.line)) best = c;
  return best;
}

/** A class body's range ends at the start of the next statement's line: that line is not the class's. */
function lastLine(c: ClassAnalysis): number {
  const end = c.bodyRange.end;
  return end.character === 0 && end.line > c.bodyRange.start.line ? end.line - 1 : end.line;
}

function ancestors(path: string): string[] {
  const parts = path.split('.');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('.'));
}

function contains(r: Range, p: Position): boolean {
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return afterStart && beforeEnd;
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

// ---------------------------------------------------------------------------------------------
// Incremental analysis

/**
 * The analysis of `text` from the previous one: the classes the edit can reach are analyzed on a
 * slice of the file, the others keep their results (moved). Undefined when the whole file is the
 * better answer: a dynamic file, an edited main-block header, or every class reached.
 */
function incremental(prev: Analysis, text: string, graph: SourceGraph, sliceCache: ParseCache, options: { defaultInput?: number[] }): SourceAnalysis | undefined {
  const started = performance.now();
  if (graph.dynamic || prev.graph.dynamic) return undefined;
  const edit = editRegion(prev.text, text);
  const delta = edit.newEnd - edit.oldEnd;
  const olds = prev.graph.segments;
  const oldByZone = new Map(olds.map((s, i) => [s.zoneFrom, i]));
  // Unchanged segments: the same zone text, before the edit or after it (moved).
  const toOld = new Map<number, number>();
  graph.segments.forEach((s, i) => {
    const oldFrom = s.to <= edit.start ? s.zoneFrom : s.zoneFrom >= edit.newEnd ? s.zoneFrom - delta : undefined;
    const o = oldFrom === undefined ? undefined : oldByZone.get(oldFrom);
    if (o !== undefined && olds[o].key === s.key) toOld.set(i, o);
  });
  const toNew = new Map([...toOld].map(([n, o]) => [o, n]));
  const changed = graph.segments.map((_, i) => i).filter((i) => !toOld.has(i));
  const removed = olds.map((_, i) => i).filter((o) => !toNew.has(o));
  if (changed.some((i) => graph.segments[i].header) || removed.some((o) => olds[o].header)) return undefined;

  // Classes whose slice holds a changed segment now, or held a removed one before.
  const classSegs = graph.classSegments();
  const affected = new Set<number>();
  for (const c of classSegs) {
    const slice = graph.slice(c);
    if (!toOld.has(c) || changed.some((i) => slice.has(i))) affected.add(c);
  }
  if (removed.length) {
    for (const oc of prev.graph.classSegments()) {
      const c = toNew.get(oc);
      if (c === undefined || affected.has(c)) continue;
      const slice = prev.graph.slice(oc);
      if (removed.some((o) => slice.has(o))) affected.add(c);
    }
  }
  if (classSegs.length && affected.size === classSegs.length) return undefined;

  const keep = new Set<number>();
  for (const c of affected) for (const i of graph.slice(c)) keep.add(i);
  // A syntax error left out of the slice could change how the parser reads the rest of the file.
  if (graph.segments.some((s, i) => s.info.broken && !keep.has(i))) return undefined;

  const inSegs = (line: number, segs: Iterable<number>, list: SourceGraph['segments']): boolean => {
    for (const i of segs) if (list[i].startLine <= line && line <= list[i].endLine) return true;
    return false;
  };
  const classes: ClassAnalysis[] = [];
  if (affected.size) {
    const part = analyzePython(graph.sliceText(text, keep), { ...options, parseCache: sliceCache });
    classes.push(...part.classes.filter((c) => inSegs(c.range.start.line, affected, graph.segments)));
  }
  const unaffectedOld = [...toNew].filter(([, n]) => !affected.has(n)).map(([o]) => o);
  const move = mover(prev.text, text, edit);
  for (const c of prev.result.classes) if (inSegs(c.range.start.line, unaffectedOld, olds)) classes.push(move(c));
  classes.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  // File-level diagnostics come from whole-file analyses only (see settle).
  return { classes, diagnostics: [], elapsedMs: Math.round((performance.now() - started) * 100) / 100 };
}

/**
 * Moves every position after the edit by the lines (and, on its last line, columns) it changed,
 * and the `line N` the engine's texts quote (`on line 102`, `shape unknown after line 90`).
 */
function mover(old: string, text: string, edit: Edit): <T>(v: T) => T {
  const at = (s: string, offset: number): Position => {
    let line = 0;
    let lineStart = 0;
    for (let i = s.indexOf('\n'); i >= 0 && i < offset; i = s.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return { line, character: offset - lineStart };
  };
  const oldEnd = at(old, edit.oldEnd);
  const newEnd = at(text, edit.newEnd);
  if (oldEnd.line === newEnd.line && oldEnd.character === newEnd.character) return (v) => v;
  const movePos = (p: Position): Position => {
    if (p.line < oldEnd.line || (p.line === oldEnd.line && p.character < oldEnd.character)) return p;
    if (p.line === oldEnd.line) return { line: newEnd.line, character: p.character - oldEnd.character + newEnd.character };
    return { line: p.line + newEnd.line - oldEnd.line, character: p.character };
  };
  // A quoted line holds a statement: it moved when the edit ended before its first character.
  const moveLine = (l: number): number => (l > oldEnd.line || (l === oldEnd.line && oldEnd.character === 0) ? l + newEnd.line - oldEnd.line : l);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.includes('line ') ? v.replace(/\bline (\d+)\b/g, (_, n: string) => `line ${moveLine(Number(n) - 1) + 1}`) : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (typeof o.line === 'number' && typeof o.character === 'number') return movePos(o as unknown as Position);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) out[k] = walk(o[k]);
    return out;
  };
  return <T>(v: T): T => walk(v) as T;
}
