import { checkBudget, parseBudget, type BudgetViolation } from '../budget';
import { describeFailure, profileFileCompared } from '../formats/profile-file';
import type { ProfileOptions } from '../formats/types';
import type { Report } from '../profile/report';
import { toCsv } from '../report/csv';
import { toJson } from '../report/json';
import { toMarkdown } from '../report/markdown';
import { printable } from '../report/rows';
import { toText } from '../report/text';
import { formatCount, formatBytes, formatQuantity } from '../report/units';
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
  let budget;
  try {
    args = parseProfileArgs(rest);
    budget = parseBudget(args.budget);
  } catch (e) {
    return usage((e as Error).message);
  }
  const options: ProfileOptions = {
    inputShapes: Object.fromEntries(args.inputs.map((i) => [i.name ?? '', i.dims])),
    dims: args.dims,
  };
  let report: Report;
  try {
    report = profileFileCompared(args.file, options);
  } catch (e) {
    process.stderr.write(`floplens: ${describeFailure(args.file, e)}\n`);
    return EXIT.badModel;
  }
  process.stdout.write(render(report, args));
  const violations = checkBudget(report, budget);
  for (const v of violations) process.stderr.write(`floplens: ${violationLine(report.file, v)}\n`);
  return violations.length ? EXIT.overBudget : EXIT.ok;
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

function violationLine(file: string, v: BudgetViolation): string {
  const unit = v.metric === 'activations' ? formatBytes : formatCount;
  const name = { macs: 'MACs', flops: 'FLOPs', params: 'parameters', activations: 'peak activation memory' }[v.metric];
  const top = v.top.length ? `; largest: ${v.top.map((t) => `${t.path} ${unit(t.value)}`).join(', ')}` : '';
  if (v.value === undefined) {
    const expr = typeof v.expr === 'number' ? unit(v.expr) : formatQuantity(v.expr, unit);
    return printable(`${file}: cannot check the ${name} budget of ${unit(v.budget)}: ${name} = ${expr} depends on unbound symbols; bind them with --dim`);
  }
  return printable(`${file}: ${name} ${unit(v.value)} exceed the budget of ${unit(v.budget)}${top}`);
}

function usage(message: string): number {
  process.stderr.write(`floplens: ${message}\n${USAGE}\n`);
  return EXIT.usage;
}

process.exitCode = main(process.argv.slice(2));
