/**
 * The PyTorch analysis of each open Python file, shared by the analyzers that read it
 * (pytorch-source's lenses, hovers and diagnostics; exact-mode-lens): one analysis per edit,
 * whoever asks first. The analysis runs in the Python worker (server/python-worker.ts), which
 * keeps the engine's PythonDocument of each file so an edit is analyzed from the one before; the
 * server's main thread only sends the text and reads the result.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { groupDigits, type SourceAnalysis } from '../../src/pytorch';
import { DEFAULT_SETTINGS, type Settings } from '../../common/protocol';
import { JobHold, WorkerPool, WorkerStopped } from '../worker-pool';
import { BOUNDS, poolOptions } from '../workers';
import type { AnalyzerContext } from './registry';

/** Beyond this the file is not analyzed (a generated file, not model code people read). */
export const MAX_DOC_CHARS = 2_000_000;

/** Why a file has no analysis, said once on its first line. */
export interface Skipped {
  message: string;
  severity: 'information' | 'warning';
  /** Also shown as a lens on the first line (the analysis was tried and stopped). */
  lens: boolean;
}

export type PythonAnalysis = { analysis: SourceAnalysis } | { skipped: Skipped };

interface Entry {
  /** The worker's name for the document: its URI and how many times it was opened, so a reopened one starts afresh whatever order the worker gets the jobs in. */
  key: string;
  version: number;
  inputKey: string;
  whole: boolean;
  result: Promise<PythonAnalysis>;
  settled?: boolean;
  /** The analysis stopped for this version: not tried again until the text changes. */
  stopped?: boolean;
}

/** The Python worker pool: one worker, since it holds the documents; a cancelled request only stops waiting. */
export function pythonPool(): WorkerPool {
  return new WorkerPool(poolOptions('python-worker', BOUNDS.python, { size: 1, stopOnCancel: false, hold: JobHold.fromEnv(process.env) }));
}

export class PythonDocuments {
  private readonly entries = new Map<string, Entry>();
  private opened = 0;
  private pool?: WorkerPool;

  constructor(private readonly makePool: () => WorkerPool = pythonPool) {}

  /**
   * The analysis of the document as it is now, at the default input setting: made from the
   * previous one after an edit unless `whole`. Skipped, with the reason, for a file too large or
   * an analysis its worker could not finish.
   */
  analysis(doc: TextDocument, ctx: AnalyzerContext, whole = false): Promise<PythonAnalysis> {
    const text = doc.getText();
    if (text.length > MAX_DOC_CHARS) return Promise.resolve({ skipped: tooLarge(text.length) });
    const defaultInput = settingsOf(ctx).defaultInputShape;
    const inputKey = defaultInput.join(',');
    const e = this.entries.get(doc.uri);
    if (e && e.version === doc.version && e.inputKey === inputKey) {
      if (e.whole || !whole || e.stopped) return e.result;
      // An analysis of this text under way: a second job would meet whatever stops the first.
      if (!e.settled) return e.result.then((r) => ('skipped' in r ? r : this.analysis(doc, ctx, whole)));
    }
    const key = e?.key ?? `${doc.uri}#${++this.opened}`;
    // Someone is waiting on lenses or a hover: before a whole-file pass in the background.
    const job = this.workers().submit({ kind: 'python', file: key, text, defaultInput, whole }, { urgent: !whole });
    const entry = { key, version: doc.version, inputKey, whole } as Entry;
    entry.result = job.result.then(
      (analysis): PythonAnalysis => {
        entry.settled = true;
        return { analysis };
      },
      (err: unknown): PythonAnalysis => {
        entry.settled = true;
        if (!(err instanceof WorkerStopped)) {
          if (this.entries.get(doc.uri) === entry) this.entries.delete(doc.uri);
          throw err;
        }
        entry.stopped = true;
        return { skipped: { message: err.message, severity: 'warning', lens: true } };
      },
    );
    // Waiters may all have gone (a cancelled request); a failure is theirs to see, not an unhandled one.
    entry.result.catch(() => undefined);
    this.entries.set(doc.uri, entry);
    return entry.result;
  }

  delete(uri: string): void {
    const e = this.entries.get(uri);
    if (!e) return;
    this.entries.delete(uri);
    this.pool?.submit({ kind: 'python-close', file: e.key }).result.catch(() => undefined);
  }

  clear(): void {
    for (const uri of [...this.entries.keys()]) this.delete(uri);
  }

  /** Stops the worker (tests, benchmarks). */
  dispose(): void {
    this.entries.clear();
    this.pool?.dispose();
    this.pool = undefined;
  }

  private workers(): WorkerPool {
    return (this.pool ??= this.makePool());
  }
}

function tooLarge(chars: number): Skipped {
  return {
    message: `FlopLens does not analyze this file: it has ${groupDigits(chars)} characters, more than the ${groupDigits(MAX_DOC_CHARS)} it reads in a Python file`,
    severity: 'information',
    lens: false,
  };
}

/** The documents of the server's analyzers. */
export const openPythonDocuments = new PythonDocuments();

export function settingsOf(ctx: AnalyzerContext): Settings {
  return ctx.settings?.() ?? DEFAULT_SETTINGS;
}
