/**
 * The FlopLens language server: tracks the workspace's model files, profiles them in worker
 * threads, and answers with diagnostics (budgets, broken files), code lenses and hovers (via the
 * analyzer registry) and the custom requests of common/protocol.ts.
 * Transport from the command line: --stdio or --node-ipc.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CodeLensRefreshRequest,
  createConnection,
  ErrorCodes,
  FileChangeType,
  LSPErrorCodes,
  MessageType,
  ProposedFeatures,
  ResponseError,
  ShowMessageNotification,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { supportedExtensions } from '../src/formats';
import { analyzerSettingsChanged, codeLensesFor, documentChanged, documentClosed, hoverFor, type AnalyzerContext } from './analyzers/registry';
import { bindingsProblem } from './bindings';
import { BudgetRules } from './budgets';
import { DiagnosticsHub } from './diagnostics';
import { planInPool, profileExactly, profileInPool, type ExactModeDeps } from './exact-mode';
import { openPythonDocuments, pythonPool } from './analyzers/pytorch-documents';
import { ModelStore } from './models';
import {
  DEFAULT_SETTINGS,
  ExportReportRequest,
  ListModelsRequest,
  ModelChangedNotification,
  ProfileExactlyRequest,
  ProfileRequest,
  SetBindingsRequest,
  VerifyShapesRequest,
  WorkspaceTrustNotification,
  type Settings,
} from '../common/protocol';
import { readSettings } from './settings';
import { Cancelled, JobHold, raceToken, WorkerPool } from './worker-pool';
import { BOUNDS, poolOptions } from './workers';
import { uriToPath, Workspace, type Folder } from './workspace';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const workspace = new Workspace();
const extensions = supportedExtensions();

let settings: Settings = DEFAULT_SETTINGS;
let budgetRules = new BudgetRules(settings);
/** Settings problems already shown, so each is shown once rather than on every change. */
let shownProblems = new Set<string>();
const client = { configuration: false, workspaceFolders: false, codeLensRefresh: false };
/** Exact mode runs the user's Python: only when the client says the workspace is trusted. */
let workspaceTrusted = false;
/**
 * The settings are read once the client has initialized; every request and document event waits
 * for them, so nothing runs with the defaults (exact mode with `python3` from PATH instead of the
 * configured interpreter, a profile without the configured dims).
 */
let settingsRead!: () => void;
const settingsLoaded = new Promise<void>((resolve) => (settingsRead = resolve));
/** The first scan of the workspace folders (after the settings are read); ListModels waits for it. */
let scanDone!: () => void;
const scanned = new Promise<void>((resolve) => (scanDone = resolve));

/** Profiles: up to two at a time, leaving a core to the editor; a cancelled one stops its worker. */
const profilePool = new WorkerPool(
  poolOptions('profile-worker', BOUNDS.profile, { size: Math.max(1, Math.min(2, os.availableParallelism() - 1)), stopOnCancel: true, hold: JobHold.fromEnv(process.env) }),
);
/** Verify Shapes loads onnxruntime in its own worker (started on first use) so profiles go on meanwhile. */
const verifyPool = new WorkerPool(poolOptions('profile-worker', BOUNDS.verify, { size: 1, stopOnCancel: false }));
/** Exact mode's build plans: the file's analysis, in a Python worker of its own (started on first use). */
const planPool = pythonPool();

/** Model profiles and analyzers may both speak about a URI: the client gets the union. */
const diagnosticsHub = new DiagnosticsHub((uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }));

const store = new ModelStore(
  {
    settings: () => settings,
    budgetFor: (file) => budgetRules.forPath(workspace.relative(file)),
    publishDiagnostics: (uri, diagnostics) => diagnosticsHub.publish('models', uri, diagnostics),
    modelChanged: (uri) => {
      void connection.sendNotification(ModelChangedNotification, { uri });
      scheduleLensRefresh();
    },
    beginProgress: async (title) => {
      try {
        const reporter = await connection.window.createWorkDoneProgress();
        reporter.begin(title, undefined, undefined, false);
        return reporter;
      } catch {
        return { done: () => undefined }; // the client declined: no progress UI, nothing lost
      }
    },
  },
  profilePool,
);

const analyzerContext: AnalyzerContext = {
  folderOf: (file) => workspace.folderOf(file),
  modelExtensions: extensions,
  profile: (file, token) => store.current(file, token),
  exactModeAvailable: () => workspaceTrusted && settings.exactMode.enabled,
  settings: () => settings,
  classBudget: (file, className) => budgetRules.forClass(workspace.relative(file), className),
  publishDiagnostics: (owner, uri, diagnostics) => diagnosticsHub.publish(owner, uri, diagnostics),
  refreshLenses: () => scheduleLensRefresh(),
  log: (message) => log(message),
};

const exactModeDeps: ExactModeDeps = { trusted: () => workspaceTrusted, settings: () => settings, profile: profileInPool(profilePool), plan: planInPool(planPool) };

/** Verify Shapes runs the model in onnxruntime: like exact mode, trusted workspaces only, whatever the client checked. */
const VERIFY_UNTRUSTED_MESSAGE =
  'Verify Shapes runs the model in ONNX Runtime, so it is available in trusted workspaces only: trust this workspace (Manage Workspace Trust) to use it.';

const log = (message: string): void => connection.console.error(`FlopLens: ${message}`);

connection.onInitialize(async (params) => {
  const c = params.capabilities;
  client.configuration = c.workspace?.configuration === true;
  client.workspaceFolders = c.workspace?.workspaceFolders === true;
  client.codeLensRefresh = c.workspace?.codeLens?.refreshSupport === true;
  workspaceTrusted = (params.initializationOptions as { workspaceTrusted?: unknown } | undefined)?.workspaceTrusted === true;
  const folders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: '' }] : []);
  for (const f of folders) await workspace.add(f.uri);
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      codeLensProvider: { resolveProvider: false },
      hoverProvider: true,
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'floplens' },
  };
});

connection.onInitialized(async () => {
  if (client.workspaceFolders) {
    connection.workspace.onDidChangeWorkspaceFolders(async (e) => {
      for (const f of e.removed) {
        const gone = workspace.remove(f.uri);
        if (gone) store.forget(gone.path);
      }
      const added: Folder[] = [];
      for (const f of e.added) {
        const folder = await workspace.add(f.uri);
        if (folder) added.push(folder);
      }
      await scan(added);
    });
  }
  try {
    await loadSettings(undefined);
  } finally {
    settingsRead(); // read or not, requests must not wait forever
  }
  await scan(workspace.list()).catch((e: unknown) => log(`scan failed: ${String(e)}`));
  scanDone();
});

async function loadSettings(pushed: unknown): Promise<void> {
  let raw = pushed;
  if (client.configuration) {
    try {
      raw = await connection.workspace.getConfiguration('floplens');
    } catch (e) {
      log(`could not read the floplens settings: ${(e as Error).message}`);
    }
  }
  const read = readSettings(raw);
  settings = read.settings;
  budgetRules = new BudgetRules(settings);
  // Never a silent ignore: every unusable setting is shown, once while it stays wrong.
  const problems = [...read.problems, ...budgetRules.errors];
  const before = shownProblems;
  shownProblems = new Set(problems);
  for (const p of problems) {
    // A notification: a message request would wait for a click nobody owes us.
    if (!before.has(p)) void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Error, message: `FlopLens: ${p}` });
  }
}

// The client sends this for `floplens` changes (its synchronize.configurationSection); the settings
// are then pulled again, or taken from the notification when the client cannot be asked.
connection.onDidChangeConfiguration(async (change) => {
  const pushed = (change.settings as { floplens?: unknown } | null | undefined)?.floplens;
  await loadSettings(pushed);
  store.settingsChanged();
  analyzerSettingsChanged(analyzerContext);
  scheduleLensRefresh(); // floplens.exactMode.enabled shows or hides lenses
});

connection.onNotification(WorkspaceTrustNotification, ({ trusted }) => {
  workspaceTrusted = trusted === true;
  scheduleLensRefresh();
});

async function scan(folders: readonly Folder[]): Promise<void> {
  for (const f of folders) {
    const { files, capped } = await workspace.scan(f, extensions);
    if (capped) connection.console.warn(`FlopLens: the scan of ${f.path} stopped at its cap with ${files.length} models; others are picked up when referenced or changed`);
    for (const file of files) store.track(file);
  }
}

connection.onDidChangeWatchedFiles(async ({ changes }) => {
  for (const change of changes) {
    const file = uriToPath(change.uri);
    if (!file) continue;
    if (change.type === FileChangeType.Deleted) store.forget(file);
    else if (extensions.some((e) => file.toLowerCase().endsWith(e)) && (await workspace.admits(file))) store.changed(file);
  }
});

let lensRefresh: NodeJS.Timeout | undefined;

/** Lenses show totals: ask the editor to fetch them again after models change (batched). */
function scheduleLensRefresh(): void {
  if (!client.codeLensRefresh || lensRefresh) return;
  lensRefresh = setTimeout(() => {
    lensRefresh = undefined;
    connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  }, 100);
}

/** Runs a request; cancellation and failures become the LSP errors a client expects. */
async function answer<T>(token: CancellationToken, run: () => Promise<T>): Promise<T | ResponseError<void>> {
  try {
    await raceToken(settingsLoaded, token);
    return await run();
  } catch (e) {
    if (e instanceof Cancelled || token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
    if (e instanceof ResponseError) return e;
    log(e instanceof Error ? (e.stack ?? e.message) : String(e));
    return new ResponseError(ErrorCodes.InternalError, e instanceof Error ? e.message : String(e));
  }
}

function fileOf(uri: string): string {
  const file = uriToPath(uri);
  if (!file) throw new ResponseError(ErrorCodes.InvalidParams, `FlopLens reads files on disk only, not ${uri}`);
  return file;
}

connection.onRequest(ProfileRequest, (params, token) =>
  answer(token, async () => {
    const file = fileOf(params.uri);
    const options = params.bindings ?? store.optionsOf(file);
    const problem = bindingsProblem(options);
    const timed = problem ? { outcome: { error: `${path.basename(file)}: ${problem}` }, profileMs: 0 } : await store.profile(file, options, token, true);
    return store.resultOf(file, options, timed);
  }),
);

connection.onRequest(SetBindingsRequest, (params, token) =>
  answer(token, async () => {
    const file = fileOf(params.uri);
    const problem = bindingsProblem(params.bindings);
    if (problem) return store.resultOf(file, params.bindings, { outcome: { error: `${path.basename(file)}: ${problem}` }, profileMs: 0 });
    return store.setBindings(file, params.bindings, token);
  }),
);

connection.onRequest(ListModelsRequest, (_params, token) =>
  answer(token, async () => {
    await raceToken(scanned, token);
    return store.list(token);
  }),
);

connection.onRequest(ExportReportRequest, (params, token) =>
  answer(token, async () => {
    const file = fileOf(params.uri);
    const options = params.bindings ?? store.optionsOf(file);
    const problem = bindingsProblem(options);
    if (problem) throw new ResponseError(ErrorCodes.InvalidParams, problem);
    if (params.format === 'json') {
      const { outcome } = await store.profile(file, options, token, true);
      if (!outcome.report) throw new ResponseError(LSPErrorCodes.RequestFailed, outcome.error ?? 'not profiled');
      return { text: `${JSON.stringify(outcome.report, null, 2)}\n` };
    }
    if (params.format !== 'csv' && params.format !== 'md') throw new ResponseError(ErrorCodes.InvalidParams, `unknown export format "${String(params.format)}"`);
    const job = profilePool.submit({ kind: 'export', file, bindings: options, format: params.format }, { urgent: true });
    const sub = token.onCancellationRequested(() => job.cancel());
    try {
      const r = await job.result;
      if (r.text === undefined) throw new ResponseError(LSPErrorCodes.RequestFailed, r.error ?? 'not exported');
      return { text: r.text };
    } finally {
      sub.dispose();
    }
  }),
);

connection.onRequest(VerifyShapesRequest, (params, token) =>
  answer(token, async () => {
    const file = fileOf(params.uri);
    if (!workspaceTrusted) return { compared: 0, mismatches: [], error: VERIFY_UNTRUSTED_MESSAGE };
    const job = verifyPool.submit({ kind: 'verify', file, bindings: store.optionsOf(file) }, { urgent: true });
    const sub = token.onCancellationRequested(() => job.cancel());
    try {
      return await raceToken(job.result, token);
    } catch (e) {
      if (e instanceof Cancelled) throw e;
      return { compared: 0, mismatches: [], error: `${path.basename(file)}: ${(e as Error).message}` };
    } finally {
      sub.dispose();
    }
  }),
);

connection.onRequest(ProfileExactlyRequest, (params, token) =>
  answer(token, async () => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      return await profileExactly(fileOf(params.uri), params, exactModeDeps, abort.signal);
    } finally {
      sub.dispose();
    }
  }),
);

connection.onCodeLens((params, token) =>
  answer(token, async () => {
    const doc = documents.get(params.textDocument.uri);
    return doc ? codeLensesFor(doc, analyzerContext, token, log) : [];
  }),
);

connection.onHover((params, token) =>
  answer(token, async () => {
    const doc = documents.get(params.textDocument.uri);
    return (doc && (await hoverFor(doc, params.position, analyzerContext, token, log))) ?? null;
  }),
);

connection.onShutdown(() => {
  profilePool.dispose();
  verifyPool.dispose();
  planPool.dispose();
  openPythonDocuments.dispose();
});

// A bug in one request must not take the server (and every model's diagnostics) down.
process.on('unhandledRejection', (e) => log(`unhandled: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));

// Analyzers that keep per-document state (and publish diagnostics) follow the open documents,
// once the settings they analyze with are read (events keep their order: one promise).
documents.onDidChangeContent((e) => void settingsLoaded.then(() => documentChanged(e.document, analyzerContext)));
documents.onDidClose((e) => void settingsLoaded.then(() => documentClosed(e.document.uri, analyzerContext)));

documents.listen(connection);
connection.listen();
