import { once } from 'node:events';
import { budgetMessage, checkBudget, CLI_BIND_HINT, parseBudget, reportFigures, type BudgetLimits } from '../budget';
import { describeFailure, failureKind, profileFileCompared } from '../formats/profile-file';
import type { Report } from '../profile/report';
import type { Chunks } from '../report/chunks';
import { csvChunks } from '../report/csv';
import { jsonChunks } from '../report/json';
import { markdownChunks } from '../report/markdown';
import { textChunks } from '../report/text';
import { visible } from '../report/visible-text';
import { parseProfileArgs, USAGE, type ProfileArgs } from './args';

declare const FLOPLENS_VERSION: string | undefined;

/** `internal`: FlopLens itself failed (sysexits' EX_SOFTWARE), never the model's fault. */
const EXIT = { ok: 0, usage: 1, badModel: 2, overBudget: 3, internal: 70 } as const;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === '--version') {
    process.stdout.write(`${typeof FLOPLENS_VERSION === 'string' ? FLOPLENS_VERSION : 'dev'}\n`);
    return EXIT.ok;
  }
  if (command !== 'profile') return usage(`unknown command "${command}"`);
  if (rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  let args: ProfileArgs;
  let limits: BudgetLimits;
  try {
    args = parseProfileArgs(rest);
    limits = parseBudget(args.budget);
  } catch (e) {
    return usage((e as Error).message);
  }
  let report: Report;
  try {
    report = profileFileCompared(args.file, args.bindings);
    await write(render(report, args));
  } catch (e) {
    const kind = failureKind(e);
    // The arguments name what the model does not have: the sentence says what it has.
    if (kind === 'bindings') process.stderr.write(`floplens: ${visible((e as Error).message)}\n`);
    else process.stderr.write(`floplens: ${describeFailure(args.file, e)}\n`);
    return kind === 'bindings' ? EXIT.usage : kind === 'model' ? EXIT.badModel : EXIT.internal;
  }
  const failing = checkBudget(limits, reportFigures(report)).filter((c) => c.verdict !== 'holds');
  for (const c of failing) process.stderr.write(`floplens: ${budgetMessage(c, { subject: report.file, bindHint: CLI_BIND_HINT })}\n`);
  return failing.length ? EXIT.overBudget : EXIT.ok;
}

function render(report: Report, args: ProfileArgs): Chunks {
  switch (args.format) {
    case 'json':
      return lastLine(jsonChunks(report, args.depth));
    case 'csv':
      return csvChunks(report, args.depth);
    case 'md':
      return markdownChunks(report, args.depth);
    case 'text':
      return textChunks(report, args.depth);
  }
}

function* lastLine(chunks: Chunks): Chunks {
  yield* chunks;
  yield '\n';
}

/**
 * Writes the report in pieces of about a megabyte, never the whole report as one string, and waits
 * whenever the reader of a pipe falls behind: a slow reader must not make the output pile up here.
 */
async function write(chunks: Chunks): Promise<void> {
  let pending = '';
  for (const c of chunks) {
    pending += c;
    if (pending.length >= 1 << 20) {
      if (!process.stdout.write(pending)) await once(process.stdout, 'drain');
      pending = '';
    }
  }
  process.stdout.write(pending);
}

function usage(message: string): number {
  process.stderr.write(`floplens: ${message}\n${USAGE}\n`);
  return EXIT.usage;
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
