/**
 * Analyzers turn text documents into code lenses and hovers about models. Each lives in its own
 * module and is listed here; the server asks all of them and merges the answers.
 */
import type { CancellationToken, CodeLens, Hover, Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ProfileResult } from '../protocol';
import { Cancelled } from '../worker-pool';
import type { Folder } from '../workspace';
import { modelReferences } from './model-references';

/** What an analyzer may use of the server. */
export interface AnalyzerContext {
  /** The workspace folder a file is in; analyzers read nothing outside it. */
  folderOf(file: string): Folder | undefined;
  /** File name endings of the model formats the engine reads (`.onnx`). */
  modelExtensions: readonly string[];
  /** A workspace model's profile under its current bindings (tracked from then on). */
  profile(file: string, token: CancellationToken): Promise<ProfileResult>;
}

export interface Analyzer {
  readonly id: string;
  codeLenses(doc: TextDocument, ctx: AnalyzerContext, token: CancellationToken): Promise<CodeLens[]>;
  hover(doc: TextDocument, position: Position, ctx: AnalyzerContext, token: CancellationToken): Promise<Hover | undefined>;
}

const ANALYZERS: readonly Analyzer[] = [modelReferences];

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

function failed<T>(a: Analyzer, e: unknown, log: (message: string) => void, fallback: T): T {
  // A cancelled request is not a failure; anything else is a bug worth a line in the log.
  if (!(e instanceof Cancelled)) log(`analyzer ${a.id} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return fallback;
}
