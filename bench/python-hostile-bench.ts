/**
 * How long each hostile Python source (test/helpers/hostile-python.ts) takes to be stopped, and
 * the memory it costs, through a PythonDocument as the language server opens a file (the
 * whole-file analysis, its 1.5 s budget). Each case runs in a fresh process so its peak RSS is its
 * own.
 *
 *   npm run bench:python-hostile
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { PythonDocument } from '../src/pytorch';
import { HOSTILE_CASES, hostileSource } from '../test/helpers/hostile-python';

interface Outcome {
  ms: number;
  /** Peak resident memory of the process, and before the analysis. */
  peakMb: number;
  baseMb: number;
  /** The first reason the analysis gave. */
  said: string;
}

function runCase(index: number): Outcome {
  const c = HOSTILE_CASES[index];
  const text = hostileSource(c);
  const baseMb = process.resourceUsage().maxRSS / 1024;
  const started = performance.now();
  const r = new PythonDocument(text).analysis({});
  const ms = performance.now() - started;
  const said = [...r.diagnostics.map((d) => d.message), ...(r.classes.find((k) => k.name === 'Net')?.totals.paramsUnknown ?? [])].find((m) => c.reason.test(m)) ?? '(reason not found)';
  return { ms, peakMb: process.resourceUsage().maxRSS / 1024, baseMb, said };
}

const caseArg = process.argv.indexOf('--case');
if (caseArg >= 0) {
  process.stdout.write(JSON.stringify(runCase(Number(process.argv[caseArg + 1]))));
} else {
  console.log('case | stopped after | peak RSS (before) | what it says');
  for (let i = 0; i < HOSTILE_CASES.length; i++) {
    const out = JSON.parse(execFileSync(process.execPath, [...process.execArgv, __filename, '--case', String(i)], { encoding: 'utf8', maxBuffer: 1 << 20 })) as Outcome;
    const said = out.said.length > 110 ? `${out.said.slice(0, 109)}…` : out.said;
    console.log(`${HOSTILE_CASES[i].name} | ${out.ms.toFixed(0)} ms | ${out.peakMb.toFixed(0)} MB (${out.baseMb.toFixed(0)} MB) | ${said}`);
  }
}
