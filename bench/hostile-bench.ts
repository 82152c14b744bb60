/**
 * How the hostile-input corpus (test/helpers/hostile-corpus.ts) is answered, in figures:
 *
 *   npm run bench:hostile
 *
 * Each ONNX case through the CLI (exit code, wall time, peak RSS, what it said); each Python case
 * through the language server (time from opening the file to its lenses, the server's peak RSS),
 * then a normal file opened afterwards. Targets: the CLI answers in under 2 s in bounded memory;
 * the server answers each file in under 2 s and a normal file afterwards in under 200 ms.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { visible } from '../src/report';
import { formatBytes } from '../src/report/units';
import { writeHostileCorpus } from '../test/helpers/hostile-corpus';
import { buildIfStale, LspClient } from '../test/helpers/lsp-client';
import { runCli } from '../test/helpers/run-cli';

/** The kernel's high-water mark of a process's resident memory. */
function peakRss(pid: number | undefined): string {
  const status = pid === undefined ? '' : fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? '?' : formatBytes(Number(kb) * 1024);
}

/** First line of what was said, as the CLI's own views show names (control characters written out). */
function said(text: string): string {
  const line = visible(text.trim().split('\n')[0] ?? '');
  return line.length > 90 ? `${line.slice(0, 90)}…` : line;
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((v, i) => (i === 0 || i === r.length - 1 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  rows.forEach((r) => console.log(line(r)));
}

async function main(): Promise<void> {
  buildIfStale();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-hostile-bench-'));
  try {
    const cases = await writeHostileCorpus(dir);
    const cli: string[][] = [];
    for (const c of cases.filter((x) => x.kind === 'onnx')) {
      const run = await runCli(['profile', path.join(dir, c.name)], { hangMs: 60_000 });
      const status = run.signal ?? `exit ${run.code}`;
      cli.push([c.name, status, `${(run.ms / 1000).toFixed(2)} s`, run.peakRssBytes === undefined ? '?' : formatBytes(run.peakRssBytes), said(run.code === 0 ? run.stdout : run.stderr)]);
    }
    console.log('ONNX cases through the CLI (floplens profile <file>)\n');
    table(['file', 'ended', 'time', 'peak RSS', 'said'], cli);

    const client = await LspClient.start({ workspace: dir });
    const server: string[][] = [];
    const timeOpen = async (file: string, attack: string): Promise<string[]> => {
      const t0 = performance.now();
      await client.open(file, 'python');
      const lenses = await client.lenses(file);
      const ms = performance.now() - t0;
      await client.close(file);
      return [path.basename(file), `${ms.toFixed(0)} ms`, String(lenses.length), peakRss(client.pid), attack.length > 70 ? `${attack.slice(0, 70)}…` : attack];
    };
    for (const c of cases.filter((x) => x.kind === 'python')) server.push(await timeOpen(path.join(dir, c.name), c.attack));
    const normal = path.join(dir, 'normal.py');
    fs.copyFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'pytorch', 'seed004_plain.py'), normal);
    server.push(await timeOpen(normal, 'a normal model, opened after the rest'));
    await client.stop();
    console.log('\nPython cases in the language server (open → lenses), then a normal file\n');
    table(['file', 'answered in', 'lenses', 'server peak RSS', 'attack'], server);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
