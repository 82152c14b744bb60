/**
 * The engine's PythonDocument of each open Python file, shared by the analyzers that read it
 * (pytorch-source's lenses, hovers and diagnostics; exact-mode-lens): one parse cache and one
 * analysis per edit, whoever asks first.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { PythonDocument, type SourceAnalysis } from '../../src/pytorch';
import { DEFAULT_SETTINGS, type Settings } from '../../common/protocol';
import type { AnalyzerContext } from './registry';

/** Beyond this the file is not analyzed (a generated file, not model code people read). */
const MAX_DOC_CHARS = 2_000_000;

export class PythonDocuments {
  private readonly docs = new Map<string, PythonDocument>();

  /**
   * The analysis of the document as it is now, at the default input setting: made from the
   * previous one after an edit unless `whole`. Undefined for a file too large.
   */
  analysis(doc: TextDocument, ctx: AnalyzerContext, whole = false): SourceAnalysis | undefined {
    const text = doc.getText();
    if (text.length > MAX_DOC_CHARS) return undefined;
    let d = this.docs.get(doc.uri);
    if (!d) this.docs.set(doc.uri, (d = new PythonDocument()));
    d.update(text);
    return d.analysis({ defaultInput: settingsOf(ctx).defaultInputShape, whole });
  }

  delete(uri: string): void {
    this.docs.delete(uri);
  }

  clear(): void {
    this.docs.clear();
  }
}

/** The documents of the server's analyzers. */
export const openPythonDocuments = new PythonDocuments();

export function settingsOf(ctx: AnalyzerContext): Settings {
  return ctx.settings?.() ?? DEFAULT_SETTINGS;
}
