/**
 * Analyzers turn text documents into code lenses and hovers about models. Each lives in its own
 * module and is listed here; the server asks all of them and merges the answers.
 */
import type { CancellationToken, CodeLens, Diagnostic, Hover, Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Budget } from '../budgets';
import type { ProfileResult, Settings } from '../../common/protocol';
import { Cancelled } from '../worker-pool';
import type { Folder } from '../workspace';
import { exactModeLens } from './exact-mode-lens';
import { modelReferences } from './model-references';
import { pytorchSource } from './pytorch-source';

/** What an analyzer may use of the server. */
export interface AnalyzerContext {
  /** The workspace folder a file is in; analyzers read nothing outside it. */
  folderOf(file: string): Folder | undefined;
  /** File name endings of the model formats the engine reads (`.onnx`). */
  modelExtensions: readonly string[];
  /** A workspace model's profile under its current bindings (tracked from then on). */
  profile(file: string, token: CancellationToken): Promise<ProfileResult>;
  /** Exact mode can run: the workspace is trusted and floplens.exactMode.enabled is on. */
  exactModeAvailable(): boolean;
  // The server provides the members below; a context made for one analyzer (a test) may leave
  // them out, and analyzers then work with the default settings and publish nothing.
  /** The `floplens.*` settings in force. */
  settings?(): Settings;
  /** The floplens.budgets entry for a PyTorch class of a source file, if one matches. */
  classBudget?(file: string, className: string): Budget | undefined;
  /** Replaces what analyzer `owner` says about a document (the server adds what others say of it). */
  publishDiagnostics?(owner: string, uri: string, diagnostics: Diagnostic[]): void;
  /** Asks the editor to fetch lenses again (batched; a no-op for clients that cannot). */
  refreshLenses?(): void;
  log?(message: string): void;
}

export interface Analyzer {
  readonly id: string;
  codeLenses(doc: TextDocument, ctx: AnalyzerContext, token: CancellationToken): Promise<CodeLens[]>;
  hover(doc: TextDocument, position: Position, ctx: AnalyzerContext, token: CancellationToken): Promise<Hover | undefined>;
  /** For analyzers that keep state per document or publish diagnostics: opened or edited. */
  changed?(doc: TextDocument, ctx: AnalyzerContext): void;
  closed?(uri: string, ctx: AnalyzerContext): void;
  settingsChanged?(ctx: AnalyzerContext): void;
}

const ANALYZERS: readonly Analyzer[] = [modelReferences, pytorchSource, exactModeLens];

/** Lenses from every analyzer; one that fails is logged and the others still answer. */
export async function codeLensesFor(doc: TextDocument, ctx: AnalyzerContext, token: CancellationToken, log: (message: string) => void): Promise<CodeLens[]> {
  const all = await Promise.all(ANALYZERS.map((a) => a.codeLenses(doc, ctx, token).catch((e: unknown) => failed(a, e, log, []))));
  return all.flat();
}

/** The first analyzer with something to say at the position. */
export async function hoverFor(doc: TextDocument, position: Position, ctx: AnalyzerContext, token: CancellationToken, log: (message: string) => void): Promise<Hover | undefined> {
  for (const a of ANALYZERS) {
    const h = await a.hover(doc, position, ctx, token).catch((e: unknown) => failed(a, e, log, undefined));
    if (h) return h;
  }
  return undefined;
}

/** A document was opened or edited: analyzers that track documents hear of it. */
export function documentChanged(doc: TextDocument, ctx: AnalyzerContext): void {
  for (const a of ANALYZERS) guarded(a, ctx, () => a.changed?.(doc, ctx));
}

export function documentClosed(uri: string, ctx: AnalyzerContext): void {
  for (const a of ANALYZERS) guarded(a, ctx, () => a.closed?.(uri, ctx));
}

export function analyzerSettingsChanged(ctx: AnalyzerContext): void {
  for (const a of ANALYZERS) guarded(a, ctx, () => a.settingsChanged?.(ctx));
}

function guarded(a: Analyzer, ctx: AnalyzerContext, run: () => void): void {
  try {
    run();
  } catch (e) {
    failed(a, e, ctx.log ?? (() => undefined), undefined);
  }
}

function failed<T>(a: Analyzer, e: unknown, log: (message: string) => void, fallback: T): T {
  // A cancelled request is not a failure; anything else is a bug worth a line in the log.
  if (!(e instanceof Cancelled)) log(`analyzer ${a.id} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return fallback;
}
