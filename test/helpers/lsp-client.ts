/**
 * A JSON-RPC client acting as the editor for the language server tests: starts dist/server.js
 * over stdio (building it when a source is newer), answers its configuration requests with the
 * test's settings, records diagnostics, messages and logs, and wraps the requests tests make.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRequest,
  ConfigurationRequest,
  createProtocolConnection,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  ShowMessageNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type CodeLens,
  type Diagnostic,
  type InitializeResult,
  type MarkupContent,
  type ProtocolConnection,
  type Range,
} from 'vscode-languageserver-protocol/node';
import type { Settings } from '../../common/protocol';
import { WAIT_MS } from './limits';

const ROOT = path.join(__dirname, '..', '..');
const SERVER = path.join(ROOT, 'dist', 'server.js');
const WORKERS = ['profile-worker.js', 'python-worker.js'].map((f) => path.join(ROOT, 'dist', f));

export const uri = (file: string): string => pathToFileURL(file).href;

/** Builds the bundles when a source file is newer than them (the tests run the built server). */
export function buildIfStale(): void {
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, d) => {
      const p = path.join(dir, d.name);
      return Math.max(m, d.isDirectory() ? newest(p) : d.name.endsWith('.ts') ? fs.statSync(p).mtimeMs : 0);
    }, 0);
  const built = [SERVER, ...WORKERS].map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0));
  const sources = Math.max(newest(path.join(ROOT, 'server')), newest(path.join(ROOT, 'src')));
  if (Math.min(...built) < sources) execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

/** Polls until `check` returns a value (not undefined/false); only a hang fails, naming what it waited for. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = WAIT_MS): Promise<T> {
  // performance.now: test files that stop the analysis clock (Date.now) still end a hang.
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface LspClientOptions {
  /** The workspace folder. */
  workspace: string;
  /** Added to the client capabilities the tests always announce. */
  capabilities?: ClientCapabilities;
  /** Registers more handlers before the connection listens, so nothing early is missed (a handler of a method replaces the client's). */
  setup?: (conn: ProtocolConnection) => void;
  /** The client's initializationOptions, e.g. `{ workspaceTrusted: true }` (the extension sends VS Code's trust). */
  initializationOptions?: unknown;
  /** Added to the server's environment (the test hooks of server/worker-faults.ts and server/workers.ts). */
  env?: NodeJS.ProcessEnv;
}

export class LspClient {
  /** `floplens.*` as the client answers configuration requests. */
  settings: Partial<Settings> = {};
  readonly diagnostics = new Map<string, Diagnostic[]>();
  /** How many times each URI's diagnostics were published: a republish leaving them unchanged counts. */
  readonly publications = new Map<string, number>();
  readonly messages: string[] = [];
  /** The server's stderr and log messages. */
  readonly logs: string[] = [];
  private readonly versions = new Map<string, number>();

  /** The server's answer to initialize. */
  init!: InitializeResult;

  private constructor(
    readonly conn: ProtocolConnection,
    private readonly proc: ChildProcess,
    /** The server's FLOPLENS_TEST_HOLD_JOBS file (server/worker-pool.ts JobHold). */
    private readonly holdFile: string,
  ) {}

  static async start(options: LspClientOptions): Promise<LspClient> {
    buildIfStale();
    const holdFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-hold-')), 'hold');
    const proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, FLOPLENS_TEST_HOLD_JOBS: holdFile, ...options.env } });
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const client = new LspClient(conn, proc, holdFile);
    proc.stderr!.on('data', (d: Buffer) => client.logs.push(d.toString()));
    conn.onRequest(ConfigurationRequest.type, (params) => params.items.map((i) => (i.section === 'floplens' ? client.settings : null)));
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      client.diagnostics.set(p.uri, p.diagnostics);
      client.publications.set(p.uri, (client.publications.get(p.uri) ?? 0) + 1);
    });
    conn.onNotification(ShowMessageNotification.type, (p) => client.messages.push(p.message));
    conn.onNotification(LogMessageNotification.type, (p) => client.logs.push(p.message));
    options.setup?.(conn);
    conn.listen();
    client.init = await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: uri(options.workspace),
      workspaceFolders: [{ uri: uri(options.workspace), name: path.basename(options.workspace) }],
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true },
        window: { workDoneProgress: true },
        textDocument: { hover: { contentFormat: ['markdown'] } },
        ...options.capabilities,
      },
      ...(options.initializationOptions === undefined ? {} : { initializationOptions: options.initializationOptions }),
    });
    await conn.sendNotification(InitializedNotification.type, {});
    return client;
  }

  /** The server's process id (its memory is read from /proc in the benches). */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** New settings; the server is told and pulls them. */
  async configure(next: Partial<Settings>): Promise<void> {
    this.settings = next;
    await this.conn.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
  }

  diagnosticsOf(file: string): Diagnostic[] | undefined {
    return this.diagnostics.get(uri(file));
  }

  async open(file: string, languageId: string, text = fs.readFileSync(file, 'utf8')): Promise<void> {
    this.versions.set(file, 1);
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uri(file), languageId, version: 1, text } });
  }

  /** An edit as an editor sends it: the range replaced by `text` (incremental sync). */
  async edit(file: string, range: Range, text: string): Promise<void> {
    const version = (this.versions.get(file) ?? 1) + 1;
    this.versions.set(file, version);
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: uri(file), version }, contentChanges: [{ range, text }] });
  }

  async close(file: string): Promise<void> {
    await this.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: uri(file) } });
  }

  async lenses(file: string): Promise<CodeLens[]> {
    return (await this.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: uri(file) } })) ?? [];
  }

  async hover(file: string, line: number, character: number): Promise<string | undefined> {
    const h = await this.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uri(file) }, position: { line, character } });
    return h ? (h.contents as MarkupContent).value : undefined;
  }

  /**
   * From now on the server's profile jobs wait, counted as running, until `releaseJobs()`: a test
   * can cancel or supersede a job that is certainly under way, however fast the machine.
   */
  holdJobs(): void {
    fs.writeFileSync(this.holdFile, '');
  }

  releaseJobs(): void {
    fs.rmSync(this.holdFile, { force: true });
  }

  /** How many jobs for `file` the server has held so far (it says so on stderr). */
  heldJobs(file: string): number {
    return this.logs.join('').split(`FlopLens: holding profile ${path.basename(file)}\n`).length - 1;
  }

  /** Log lines that say something failed. */
  errors(): string[] {
    return this.logs.filter((l) => /unhandled|failed|Error/.test(l));
  }

  async stop(): Promise<void> {
    await this.conn.sendRequest(ShutdownRequest.type).catch(() => undefined);
    await this.conn.sendNotification(ExitNotification.type).catch(() => undefined);
    await Promise.race([new Promise((r) => this.proc.once('exit', r)), new Promise((r) => setTimeout(r, 3000))]);
    this.conn.dispose();
    if (this.proc.exitCode === null) this.proc.kill();
    fs.rmSync(path.dirname(this.holdFile), { recursive: true, force: true });
  }
}
