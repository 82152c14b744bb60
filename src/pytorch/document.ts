/**
 * One Python file as an editor holds it: its text, the one parse cache every use of it shares
 * (lezer trees reused around an edit, the AST of the current text), and its analysis, made after
 * an edit from the one before (incremental/) unless a whole-file analysis is asked for.
 *
 *   const doc = new PythonDocument(text);
 *   doc.analysis({ defaultInput: [1, 3, 224, 224] });   // the whole file, the first time
 *   doc.update(edited);
 *   doc.analysis({ defaultInput: [1, 3, 224, 224] });   // only the classes the edit reaches
 *   doc.analysis({ defaultInput: [1, 3, 224, 224], whole: true });   // once typing pauses
 */
import { analyzeModule } from './analyze';
import type { PyModule } from './ast';
import { mergeEdit, type Analyzed } from './incremental/merge';
import { buildGraph, type InfoCache, type SourceGraph } from './incremental/slices';
import type { Message } from './message';
import { ParseCache, parsePython } from './parse';
import { renderAnalysis, renderClass } from './render';
import type { AnalyzeOptions, ClassAnalysis, SourceAnalysis } from './types';

/**
 * Wall-clock budget of a whole-file analysis. The engine's default (400 ms) is cut for hostile
 * code; an editor's first analysis runs before the JIT has warmed up (a 2,000-line file: ~450 ms
 * cold, ~70 ms warm), and a budget cut there would stay until the next edit. Slices keep the
 * default.
 */
const WHOLE_FILE_BUDGET_MS = 1500;

export interface DocumentAnalysisOptions {
  /** Input shape for classes the file does not feed (AnalyzeOptions.defaultInput); empty = none. */
  defaultInput?: readonly number[];
  /** Of the whole file, not merged from the previous analysis (file-level diagnostics come only from these). */
  whole?: boolean;
}

interface Current extends Analyzed {
  /** Of the whole file; otherwise merged from a slice and the previous analysis. */
  whole: boolean;
  /** The default input it was made with. */
  inputKey: string;
  rendered: SourceAnalysis;
}

export class PythonDocument {
  private text: string;
  /** Trees of the document's text. */
  private readonly trees = new ParseCache();
  /** Trees of its slices: other texts, kept apart so that neither parse starts over. */
  private readonly sliceTrees = new ParseCache();
  /** Segment facts by zone text (incremental/slices.ts). */
  private readonly infos: InfoCache = new Map();
  private parsed?: { text: string; module: PyModule };
  private graphed?: { text: string; graph: SourceGraph };
  private current?: Current;
  /** Classes as returned, by the class as kept: a class an edit did not move is not rendered again. */
  private readonly rendered = new WeakMap<ClassAnalysis<Message>, ClassAnalysis>();

  constructor(text = '') {
    this.text = text;
  }

  /** The document's text is now `text`; nothing is analyzed until asked. */
  update(text: string): void {
    this.text = text;
  }

  getText(): string {
    return this.text;
  }

  /** The AST of the current text. */
  module(): PyModule {
    if (this.parsed?.text !== this.text) this.parsed = { text: this.text, module: parsePython(this.text, this.trees) };
    return this.parsed.module;
  }

  /**
   * The analysis of the current text: the last one if the text and input are unchanged, else one
   * merged from the previous analysis and a slice (unless `whole`), else of the whole file.
   */
  analysis(options: DocumentAnalysisOptions = {}): SourceAnalysis {
    const text = this.text;
    const defaultInput = options.defaultInput ?? [];
    const inputKey = defaultInput.join(',');
    const cur = this.current;
    if (cur && cur.text === text && cur.inputKey === inputKey && (cur.whole || !options.whole)) return cur.rendered;
    const graph = this.graph();
    const input: AnalyzeOptions = defaultInput.length ? { defaultInput: [...defaultInput] } : {};
    const prev = cur && cur.inputKey === inputKey && cur.text !== text ? cur : undefined;
    const merged = !options.whole && prev ? mergeEdit(prev, text, graph, (slice) => analyzeModule(parsePython(slice, this.sliceTrees), slice, input)) : undefined;
    const result = merged ?? analyzeModule(this.module(), text, { ...input, timeBudgetMs: WHOLE_FILE_BUDGET_MS });
    const rendered = renderAnalysis(result, (c) => this.render(c));
    this.current = { text, graph, result, whole: !merged, inputKey, rendered };
    return rendered;
  }

  private render(c: ClassAnalysis<Message>): ClassAnalysis {
    let r = this.rendered.get(c);
    if (!r) this.rendered.set(c, (r = renderClass(c)));
    return r;
  }

  private graph(): SourceGraph {
    if (this.graphed?.text !== this.text) this.graphed = { text: this.text, graph: buildGraph(this.text, this.trees, this.infos) };
    return this.graphed.graph;
  }
}
