/**
 * pytorch-source: in Python documents, the static analysis of nn.Module classes (src/pytorch) as
 * code lenses over each class and layer definition, hovers with the formulas, and diagnostics
 * (unused modules, shapes that could not be followed, per-class budgets).
 *
 * Speed: lenses are asked for after every edit. The engine's PythonDocument analyzes only the
 * classes an edit can reach (src/pytorch/incremental); once typing pauses the whole file is
 * analyzed again: diagnostics come from that, and the lenses are refreshed if it says otherwise.
 * The analyses run in the Python worker (pytorch-documents.ts); a file it skips (too large, or an
 * analysis stopped by its worker's limits) gets the reason on its first line instead.
 */
import { DiagnosticSeverity, type CancellationToken, type CodeLens, type Diagnostic, type Hover, type Position, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ClassAnalysis, LayerAnalysis, SourceAnalysis } from '../../src/pytorch';
import { classFigures } from '../../src/budget';
import { mdEscape, visible } from '../../src/report';
import { diagnosticsOf, type Budget } from '../budgets';
import { LSP_SEVERITY } from '../diagnostics';
import { raceToken } from '../worker-pool';
import { uriToPath } from '../workspace';
import { openPythonDocuments, PythonDocuments, settingsOf, type PythonAnalysis, type Skipped } from './pytorch-documents';
import { classHover, classLensTitle, groupHover, inputSourceShort, layerHover, layerLensTitle } from './pytorch-text';
import type { Analyzer, AnalyzerContext } from './registry';

/** The whole-file analysis runs this long after the last edit. */
const SETTLE_MS = 300;

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
  /** What each analysis shows, under the budgets in force. */
  views: WeakMap<SourceAnalysis, View>;
  timer?: NodeJS.Timeout;
  /** The view key of the lenses last handed out. */
  served?: string;
}

export class PytorchSource implements Analyzer {
  readonly id = 'pytorch-source';
  private readonly docs = new Map<string, DocState>();

  private readonly documents: PythonDocuments;
  /** Documents made for this analyzer alone (tests, benchmarks): their worker stops with it. */
  private readonly ownsDocuments: boolean;

  constructor(
    private readonly settleMs = SETTLE_MS,
    documents?: PythonDocuments,
  ) {
    this.documents = documents ?? new PythonDocuments();
    this.ownsDocuments = !documents;
  }

  changed(doc: TextDocument, ctx: AnalyzerContext): void {
    if (!isPython(doc)) {
      if (this.docs.has(doc.uri)) this.closed(doc.uri, ctx);
      return;
    }
    const fresh = !this.docs.has(doc.uri);
    const st = this.state(doc);
    st.ctx = ctx;
    // A new document is analyzed at once (its diagnostics), an edited one when typing pauses.
    this.settleLater(st, fresh ? 0 : this.settleMs);
  }

  closed(uri: string, ctx: AnalyzerContext): void {
    const st = this.docs.get(uri);
    if (!st) return;
    clearTimeout(st.timer);
    this.docs.delete(uri);
    this.documents.delete(uri);
    ctx.publishDiagnostics?.(this.id, uri, []);
  }

  settingsChanged(ctx: AnalyzerContext): void {
    // The default input changes the analyses, budgets only the diagnostics: settling does both.
    for (const st of this.docs.values()) {
      st.ctx = ctx;
      // Lens titles say "over budget": made again under the new budgets.
      st.views = new WeakMap();
      this.settleLater(st, 0);
    }
  }

  async codeLenses(doc: TextDocument, ctx: AnalyzerContext, token?: CancellationToken): Promise<CodeLens[]> {
    if (!isPython(doc)) return [];
    const st = this.state(doc);
    const r = await waitFor(this.documents.analysis(doc, ctx), token);
    if ('skipped' in r) return r.skipped.lens ? [lens({ line: 0, character: 0 }, r.skipped.message)] : [];
    const a = r.analysis;
    const v = this.view(st, doc, a, ctx);
    st.served = v.key;
    return v.lenses;
  }

  async hover(doc: TextDocument, position: Position, ctx: AnalyzerContext, token?: CancellationToken): Promise<Hover | undefined> {
    if (!isPython(doc)) return undefined;
    const st = this.state(doc);
    const r = await waitFor(this.documents.analysis(doc, ctx), token);
    if ('skipped' in r) return undefined;
    const a = r.analysis;
    const cls = a.classes.find((c) => c.range.start.line === position.line);
    if (cls) {
      return { contents: { kind: 'markdown', value: classHover(cls, this.budgetLine(doc, cls, ctx)) }, range: lineRange(doc, position.line) };
    }
    // The innermost layer definition under the cursor; several built by one expression share it.
    let best: { layers: LayerAnalysis[]; cls: ClassAnalysis; size: number; range: Range } | undefined;
    for (const site of this.view(st, doc, a, ctx).sites) {
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
    this.documents.clear();
    if (this.ownsDocuments) this.documents.dispose();
  }

  private state(doc: TextDocument): DocState {
    let st = this.docs.get(doc.uri);
    if (!st) {
      st = { doc, views: new WeakMap() };
      this.docs.set(doc.uri, st);
    }
    st.doc = doc;
    return st;
  }

  private settleLater(st: DocState, ms: number): void {
    clearTimeout(st.timer);
    st.timer = setTimeout(() => {
      st.timer = undefined;
      this.settle(st).catch((e: unknown) => {
        st.ctx?.log?.(`analyzer ${this.id} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      });
    }, ms);
  }

  /** The whole-file analysis: diagnostics, and fresh lenses when they differ from those shown. */
  private async settle(st: DocState): Promise<void> {
    const ctx = st.ctx;
    if (!ctx || this.docs.get(st.doc.uri) !== st) return;
    const doc = st.doc;
    const r = await this.documents.analysis(doc, ctx, true);
    // Closed, or edited again meanwhile: the next settle speaks for it.
    if (this.docs.get(doc.uri) !== st || st.doc !== doc) return;
    if ('skipped' in r) {
      ctx.publishDiagnostics?.(this.id, doc.uri, [skippedDiagnostic(r.skipped)]);
      if (r.skipped.lens) ctx.refreshLenses?.();
      return;
    }
    const a = r.analysis;
    ctx.publishDiagnostics?.(this.id, doc.uri, this.diagnostics(a, doc, ctx));
    if (st.served !== undefined && st.served !== this.view(st, doc, a, ctx).key) ctx.refreshLenses?.();
  }

  /** The lenses of analysis `a`, of the document `doc` as it was analyzed (it may have been edited since). */
  private view(st: DocState, doc: TextDocument, a: SourceAnalysis, ctx: AnalyzerContext): View {
    const cached = st.views.get(a);
    if (cached) return cached;
    const lenses: CodeLens[] = [];
    const sites: Site[] = [];
    const classes = a.classes;
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
    const view = { lenses, key, sites };
    st.views.set(a, view);
    return view;
  }

  private diagnostics(a: SourceAnalysis, doc: TextDocument, ctx: AnalyzerContext): Diagnostic[] {
    const out: Diagnostic[] = [];
    const seen = new Set<string>();
    const add = (range: Range, severity: DiagnosticSeverity, message: string, code?: string): void => {
      const key = `${range.start.line}:${range.start.character}:${message}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ range, severity, source: 'floplens', message, ...(code ? { code } : {}) });
    };
    const classes = a.classes;
    for (const c of classes) {
      for (const d of c.diagnostics) {
        // The lens says how to give an input shape.
        if (d.code === 'no-input') continue;
        // A line inside another class is that class's to report (with its own paths).
        const owner = ownerOf(classes, d.range.start.line);
        if (owner && owner !== c) continue;
        add(d.range, LSP_SEVERITY[d.severity], d.message, d.code);
      }
      const b = this.classBudget(doc, c, ctx);
      for (const f of b?.findings ?? []) add(c.range, f.severity, f.message, 'budget');
    }
    for (const d of a.diagnostics) {
      // Syntax errors are the Python language server's to show; the analysis just goes on.
      if (d.code === 'syntax' && d.severity === 'error') continue;
      add(d.range, LSP_SEVERITY[d.severity], d.message, d.code);
    }
    return out;
  }

  /** The class's budget, its findings as diagnostics, and whether it is over. */
  private classBudget(doc: TextDocument, c: ClassAnalysis, ctx: AnalyzerContext): { budget: Budget; over: boolean; findings: { severity: DiagnosticSeverity; message: string }[] } | undefined {
    const file = uriToPath(doc.uri);
    const budget = file ? ctx.classBudget?.(file, c.name) : undefined;
    if (!budget) return undefined;
    return { budget, ...diagnosticsOf(budget, classFigures(c), settingsOf(ctx).budgetSeverity, c.name) };
  }

  private budgetLine(doc: TextDocument, c: ClassAnalysis, ctx: AnalyzerContext): string {
    const b = this.classBudget(doc, c, ctx);
    if (!b) return 'Budget: none (floplens.budgets entries with a glob matching this file, optionally a "class").';
    if (b.findings.length) return `**Budget**: ${mdEscape(b.findings.map((f) => f.message.replace(`${c.name}: `, '')).join('; '))}.`;
    return `Budget: within ${mdEscape(b.budget.setting)}.`;
  }
}

/** The one instance the server registers. */
export const pytorchSource = new PytorchSource(SETTLE_MS, openPythonDocuments);

/** Resolves like the analysis, or rejects with Cancelled once the request is cancelled (the analysis goes on, for the next ask). */
function waitFor(p: Promise<PythonAnalysis>, token: CancellationToken | undefined): Promise<PythonAnalysis> {
  return token ? raceToken(p, token) : p;
}

/** Why the file has no lenses, once, on its first line. */
function skippedDiagnostic(s: Skipped): Diagnostic {
  return { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: LSP_SEVERITY[s.severity], source: 'floplens', message: s.message };
}

function isPython(doc: TextDocument): boolean {
  return doc.languageId === 'python';
}

function lens(at: Position, title: string): CodeLens {
  // No command to run: the lens is a label (an empty command id is shown as text).
  return { range: { start: at, end: at }, command: { title: visible(title), command: '' } };
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
