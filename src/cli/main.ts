import { BindingsError } from '../bindings';
import { budgetMessage, checkBudget, CLI_BIND_HINT, parseBudget, reportFigures, type BudgetLimits } from '../budget';
import { describeFailure, profileFileCompared } from '../formats/profile-file';
import type { Report } from '../profile/report';
import { toCsv } from '../report/csv';
import { toJson } from '../report/json';
import { toMarkdown } from '../report/markdown';
import { printable } from '../report/rows';
import { toText } from '../report/text';
import { parseProfileArgs, USAGE, type ProfileArgs } from './args';

declare const FLOPLENS_VERSION: string | undefined;

const EXIT = { ok: 0, usage: 1, badModel: 2, overBudget: 3 } as const;

function main(argv: string[]): number {
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
  } catch (e) {
    if (e instanceof BindingsError) {
      // The arguments name what the model does not have: the sentence says what it has.
      process.stderr.write(`floplens: ${printable(e.message)}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`floplens: ${describeFailure(args.file, e)}\n`);
    return EXIT.badModel;
  }
  process.stdout.write(render(report, args));
  const failing = checkBudget(limits, reportFigures(report)).filter((c) => c.verdict !== 'holds');
  for (const c of failing) process.stderr.write(`floplens: ${budgetMessage(c, { subject: report.file, bindHint: CLI_BIND_HINT })}\n`);
  return failing.length ? EXIT.overBudget : EXIT.ok;
}

function render(report: Report, args: ProfileArgs): string {
  switch (args.format) {
    case 'json':
      return `${toJson(report, args.depth)}\n`;
    case 'csv':
      return toCsv(report, args.depth);
    case 'md':
      return toMarkdown(report, args.depth);
    case 'text':
      return toText(report, args.depth);
  }
}

function usage(message: string): number {
  process.stderr.write(`floplens: ${message}\n${USAGE}\n`);
  return EXIT.usage;
}

process.exitCode = main(process.argv.slice(2));
