import * as fs from 'node:fs';
import { checkBudget, parseBudget, type BudgetViolation } from '../budget';
import { profileModel } from '../formats/registry';
import { ModelError, type ProfileOptions } from '../formats/types';
import { FileSource, FolderHost } from '../io/file-source';
import { compareWithBaseline, type Report } from '../profile/report';
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
    report = profileFile(args.file, options);
    if (args.inputs.length || Object.keys(args.dims).length) {
      report.comparison = compareWithBaseline(profileFile(args.file, {}));
    }
  } catch (e) {
    process.stderr.write(`floplens: ${describeFailure(args.file, e)}\n`);
    return EXIT.badModel;
  }
  process.stdout.write(render(report, args));
  const violations = checkBudget(report, budget);
  for (const v of violations) process.stderr.write(`floplens: ${violationLine(report.file, v)}\n`);
  return violations.length ? EXIT.overBudget : EXIT.ok;
}

function profileFile(file: string, options: ProfileOptions): Report {
  const src = openModel(file);
  try {
    return profileModel(file, src, new FolderHost(file), options);
  } finally {
    src.close();
  }
}

function openModel(file: string): FileSource {
  try {
    if (fs.statSync(file).isDirectory()) throw new ModelError(file, 'is a folder, not a model file');
    return FileSource.open(file);
  } catch (e) {
    if (e instanceof ModelError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelError(file, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message);
  }
}

function describeFailure(file: string, e: unknown): string {
  if (e instanceof ModelError) return printable(`${e.file}: ${e.reason}`);
  // Anything else is our bug, but the user still gets one line, not a stack trace.
  return printable(`${file}: internal error while profiling (please report): ${(e as Error)?.message ?? String(e)}`);
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
