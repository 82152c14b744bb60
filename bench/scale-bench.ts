/**
 * Prints what the CLI's reports of very large graphs cost: wall time and peak RSS of
 * `floplens profile` (text table and --json) for 130,000- and 1,000,000-node chains.
 *
 *   npm run bench:scale
 *
 * Each run is its own process (the built dist/cli.js), its report written to a file; its peak RSS
 * is reported by the process itself at exit. Models are generated into bench/.work/ (ignored by
 * git) and reused between runs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatBytes } from '../src/report/units';
import { bigModel, reluChain } from '../test/helpers/big-graphs';

const WORK = path.join(__dirname, '.work');
const CLI = path.join(__dirname, '..', 'dist', 'cli.js');
/** Loaded before the CLI: writes the process's own peak RSS (KiB) to stderr as it exits. */
const PEAK_RSS_HOOK = 'data:text/javascript,import fs from "node:fs";process.on("exit",()=>fs.writeSync(2,`\\npeak-rss-kib ${process.resourceUsage().maxRSS}\\n`))';

const CASES = [
  { name: '130,000 nodes', nodes: 130_000 },
  { name: '1,000,000 nodes', nodes: 1_000_000 },
];

const FORMATS: { name: string; args: string[] }[] = [
  { name: 'text', args: [] },
  { name: 'json', args: ['--json'] },
];

async function main(): Promise<void> {
  const rows: string[][] = [];
  for (const c of CASES) {
    const file = await bigModel(WORK, `chain-${c.nodes}`, () => reluChain(c.nodes));
    for (const f of FORMATS) {
      const out = path.join(WORK, `report.${f.name}`);
      const fd = fs.openSync(out, 'w');
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['--import', PEAK_RSS_HOOK, CLI, 'profile', file, ...f.args], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
      const ms = performance.now() - t0;
      fs.closeSync(fd);
      const peak = /peak-rss-kib (\d+)/.exec(r.stderr);
      const problem = r.stderr.replace(/\n?peak-rss-kib \d+\n/, '').trim();
      rows.push([
        c.name,
        formatBytes(fs.statSync(file).size),
        f.name,
        String(r.status),
        `${(ms / 1000).toFixed(1)} s`,
        peak ? formatBytes(Number(peak[1]) * 1024) : '?',
        formatBytes(fs.statSync(out).size),
        problem.split('\n')[0] ?? '',
      ]);
      fs.rmSync(out);
    }
  }
  const header = ['model', 'file', 'format', 'exit', 'wall time', 'peak RSS', 'report', 'stderr'];
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, r[i].length), h.length));
  const line = (r: string[]): string => r.map((v, i) => (i < 3 || i === 7 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  rows.forEach((r) => console.log(line(r)));
  console.log('\nWall time includes node start-up and reading the model; the report is written to a file.');
}

void main();
