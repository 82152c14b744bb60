/**
 * Runs the built CLI (dist/cli.js) as a user would, and says how it ended, what it printed and
 * the peak resident memory of its process (read by a preload hook at exit, so no outside tool
 * is needed). A run killed by a signal has no peak.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { WAIT_MS } from './limits';

const ROOT = path.join(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident set size in bytes, as the process saw it on exit. */
  peakRssBytes?: number;
  /** Wall time from spawn to exit: a figure to print, never to assert. */
  ms: number;
}

const hookDir = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-rss-'));
const HOOK = path.join(hookDir, 'peak-rss.cjs');
fs.writeFileSync(
  HOOK,
  `process.on('exit', () => { try { require('fs').writeFileSync(process.env.FLOPLENS_PEAK_RSS_FILE, String(process.resourceUsage().maxRSS * 1024)); } catch {} });\n`,
);

/** A run still going after `hangMs` (default: the tests' hang guard) is killed, and says so by its signal. */
export function runCli(args: string[], options: { cwd?: string; hangMs?: number } = {}): Promise<CliRun> {
  const rssFile = path.join(hookDir, `rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--require', HOOK, CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, FLOPLENS_PEAK_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const guard = setTimeout(() => child.kill('SIGKILL'), options.hangMs ?? WAIT_MS);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      const ms = performance.now() - t0;
      let peakRssBytes: number | undefined;
      if (fs.existsSync(rssFile)) {
        peakRssBytes = Number(fs.readFileSync(rssFile, 'utf8'));
        fs.rmSync(rssFile);
      }
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), peakRssBytes, ms });
    });
  });
}
