/**
 * End-to-end harness: a real VS Code (code-server) with a .vsix installed, driven by
 * playwright-core on Debian's /usr/bin/chromium.
 *
 * code-server is not a project dependency: it needs Node 24 and builds native modules, so it is
 * installed once into a cache outside the repo (FLOPLENS_E2E_CACHE, default
 * ~/.cache/floplens-e2e) and reused. `scripts/setup-e2e.sh` pre-warms that cache.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WAIT_MS } from '../helpers/limits';

const NODE_VERSION = '24.11.1';
const CODE_SERVER_VERSION = '4.139.1';
const CHROMIUM = process.env.FLOPLENS_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const CACHE = process.env.FLOPLENS_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'floplens-e2e');
export const ARTIFACTS = path.join(__dirname, 'artifacts');

const log = (msg: string) => process.stderr.write(`[e2e] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Processes

interface RunOptions { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }

/** Runs a command to completion; on failure the error carries the tail of its output, since
 *  npm/node-gyp failures are only diagnosable from their last lines. */
function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(out);
      const tail = out.trimEnd().split('\n').slice(-25).map((l) => `    ${l}`).join('\n');
      reject(new Error(`\`${cmd} ${args.join(' ')}\` exited with ${code ?? signal}\n  last output:\n${tail}`));
    });
  });
}

/** Wraps one install step so a failure says which step, where, and what to try. */
async function step<T>(name: string, hint: string, fn: () => Promise<T>): Promise<T> {
  log(`${name} ...`);
  const t0 = Date.now();
  try {
    const result = await fn();
    log(`${name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return result;
  } catch (e) {
    throw new Error(
      `ensureCodeServer: step "${name}" failed.\n  cache: ${CACHE}\n  hint: ${hint}\n  cause: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/** code-server (and the extension host it forks) must find Node 24 as `node`. */
export function codeServerEnv(node24Dir: string): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${path.join(node24Dir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}` };
}

// ---------------------------------------------------------------------------------------------
// Install (cached)

const nodeArch = () => ({ x64: 'x64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;

function cachePaths() {
  const node24Dir = path.join(CACHE, `node-${NODE_VERSION}-linux-${nodeArch()}`, 'package');
  const prefix = path.join(CACHE, `code-server-${CODE_SERVER_VERSION}-node-${NODE_VERSION}`);
  return { node24Dir, prefix, bin: path.join(prefix, 'bin', 'code-server'), done: path.join(prefix, '.complete') };
}

/** Lock by atomic mkdir; a lock whose owner pid is gone (or is over an hour old) is stale. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = path.join(CACHE, '.install.lock');
  let announced = false;
  for (const deadline = Date.now() + 20 * 60_000; ; ) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try { owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8')); } catch { /* owner still writing */ }
    const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if ((owner && !alive(owner)) || age > 60 * 60_000) {
      fs.rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`ensureCodeServer: timed out waiting for lock ${lock} (pid ${owner})`);
    if (!announced) log(`another install (pid ${owner}) holds ${lock}; waiting`);
    announced = true;
    await sleep(1000);
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Installs Node 24 and code-server into the cache once; later calls return at once. */
export async function ensureCodeServer(): Promise<{ bin: string; node24Dir: string }> {
  const p = cachePaths();
  const ready = () => fs.existsSync(p.done) && fs.existsSync(path.join(p.node24Dir, 'bin', 'node'));
  if (ready()) return { bin: p.bin, node24Dir: p.node24Dir };
  fs.mkdirSync(CACHE, { recursive: true });
  return withLock(async () => {
    if (ready()) return { bin: p.bin, node24Dir: p.node24Dir }; // another run finished while we waited
    await ensureSystemPackages();
    if (!fs.existsSync(path.join(p.node24Dir, 'bin', 'node'))) {
      await step(`Node ${NODE_VERSION} from npm (node-linux-${nodeArch()})`, 'needs the npm registry', async () => {
        const dir = path.dirname(p.node24Dir);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true });
        const out = await run('npm', ['pack', `node-linux-${nodeArch()}@${NODE_VERSION}`, '--silent'], { cwd: dir });
        const tgz = out.trim().split('\n').pop()!;
        await run('tar', ['xzf', tgz], { cwd: dir });
        fs.rmSync(path.join(dir, tgz));
        await run(path.join(p.node24Dir, 'bin', 'node'), ['--version']);
      });
    }
    await step(
      `code-server ${CODE_SERVER_VERSION} (npm install -g, builds native modules; 2-3 min)`,
      'native builds need python3, make, g++ and libkrb5-dev; the full log is in ~/.npm/_logs',
      async () => {
        fs.rmSync(p.prefix, { recursive: true, force: true }); // a half-finished earlier attempt
        const env = { ...codeServerEnv(p.node24Dir), npm_config_nodedir: p.node24Dir };
        await run(
          'npm',
          ['install', '-g', '--prefix', p.prefix, '--no-audit', '--no-fund',
            '--allow-scripts=code-server,argon2', `code-server@${CODE_SERVER_VERSION}`],
          { env, timeoutMs: 20 * 60_000 },
        );
        await run(p.bin, ['--version'], { env });
        fs.writeFileSync(p.done, new Date().toISOString());
      },
    );
    return { bin: p.bin, node24Dir: p.node24Dir };
  });
}

/** chromium to drive, libkrb5-dev for code-server's kerberos module. A fresh machine has
 *  neither, and CI runs as root, so install them here rather than fail. */
async function ensureSystemPackages(): Promise<void> {
  const missing = [
    ['chromium', CHROMIUM],
    ['libkrb5-dev', '/usr/bin/krb5-config'],
  ].filter(([, file]) => !fs.existsSync(file!)).map(([pkg]) => pkg!);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`ensureCodeServer: missing Debian packages; run: sudo apt-get install -y ${missing.join(' ')}`);
  }
  await step(`apt-get install ${missing.join(' ')}`, 'needs Debian package mirrors', async () => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update'], { env });
    await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
  });
}

// ---------------------------------------------------------------------------------------------
// Server

export interface CodeServer { url: string; stop(): Promise<void>; userDataDir: string }

/** Settings that keep a fresh profile from covering the editor with prompts and tours. */
const QUIET_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden', // an empty chat bar took 300 px
};

export async function startCodeServer(opts: {
  vsix: string;
  workspace: string;
  settings?: Record<string, unknown>;
}): Promise<CodeServer> {
  const { bin, node24Dir } = await ensureCodeServer();
  const env = codeServerEnv(node24Dir);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-e2e-'));
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_SETTINGS, ...opts.settings }, null, 2),
  );
  const dirs = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  const installed = await run(bin, ['--install-extension', path.resolve(opts.vsix), ...dirs], { env, timeoutMs: WAIT_MS });
  if (!/successfully installed/i.test(installed)) throw new Error(`code-server did not install ${opts.vsix}:\n${installed}`);

  const port = await freePort();
  // detached: its own process group, so stop() also ends the extension host and file watcher.
  const child = spawn(
    bin,
    ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
      ...dirs, path.resolve(opts.workspace)],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // A crashed test must not leave a server behind holding the port.
  const killGroup = (signal: NodeJS.Signals) => { try { process.kill(-child.pid!, signal); } catch { /* gone */ } };
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      killGroup('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      killGroup('SIGKILL');
    }
    if (!process.env.FLOPLENS_E2E_KEEP) fs.rmSync(root, { recursive: true, force: true });
  };

  const base = `http://127.0.0.1:${port}`;
  try {
    for (const deadline = Date.now() + WAIT_MS; ; await sleep(250)) {
      if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`code-server did not answer HTTP within ${WAIT_MS / 1000} s`);
      const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
    }
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n  output:\n${output.trimEnd()}`, { cause: e });
  }
  return { url: `${base}/?folder=${encodeURIComponent(path.resolve(opts.workspace))}`, stop, userDataDir };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Browser

export async function openVsCode(url: string): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: WAIT_MS,
    // The machine has no network but loopback: without the background flags chromium keeps
    // dialling Google services and logs refusals. --no-sandbox because tests run as root.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Every wait ends on what it waits for; the limit only catches a hang, however loaded the machine.
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor();
    // The explorer tree appears once the remote file system answers: a usable workbench.
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor();
    return { browser, page };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/** Runs a command by its palette title, e.g. 'FlopLens: Open Profile Panel'. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await page.keyboard.press('Escape'); // close whatever quick input was left open
  await page.keyboard.press('F1');
  await input.waitFor();
  await input.fill(`>${title}`);
  // Click the row rather than press Enter: Enter would take whichever row the filter left on
  // top a moment earlier.
  const row = page.locator('.quick-input-list .monaco-list-row', {
    has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
  });
  await row.first().click();
}

/**
 * Waits until the command palette lists a command: the sign that the workbench has read the
 * installed extensions' contributions. Until then a double click opens a model in the text
 * editor, because no custom editor is known for it yet.
 */
export async function waitForCommand(page: Page, title: string, timeoutMs = WAIT_MS): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', {
    has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
  });
  try {
    for (const deadline = Date.now() + timeoutMs; ; await sleep(500)) {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await input.fill(`>${title}`);
      if (await row.first().waitFor({ timeout: 1000 }).then(() => true, () => false)) return;
      if (Date.now() > deadline) throw new Error(`the command palette did not list "${title}" within ${timeoutMs / 1000} s`);
    }
  } finally {
    await page.keyboard.press('Escape');
  }
}

/** Opens a top-level workspace file with a double click in the Explorer. */
export async function openFileFromExplorer(page: Page, name: string): Promise<void> {
  const rows = page.locator('.explorer-folders-view .monaco-list-row');
  if (!(await rows.first().isVisible())) await runCommand(page, 'View: Show Explorer');
  await rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }) })
    .first().dblclick();
  await page.locator(`.tabs-container .tab[data-resource-name="${name}"]`).waitFor();
}

/**
 * Opens the Problems panel and returns its text (markers, or the "No problems" message) once it
 * shows every one of `expected` (the server publishes diagnostics when its profiles are done).
 */
export async function problemsText(page: Page, expected: RegExp[] = []): Promise<string> {
  await runCommand(page, 'Problems: Focus on Problems View');
  const panel = expected.reduce((l, re) => l.filter({ hasText: re }), page.locator('.markers-panel-container'));
  await panel.waitFor();
  return panel.innerText();
}

/** Saves test/e2e/artifacts/<name>.png (gitignored) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
