/**
 * Worker thread of the language server: profiling is synchronous and can take seconds on a large
 * graph, so it runs here and the server's connection never waits on it. One job at a time.
 */
import { parentPort } from 'node:worker_threads';
import { BUDGET_METRICS, checkBudget } from '../src/budget';
import { describeFailure, profileFile, profileFileCompared } from '../src/formats';
import type { Report } from '../src/profile';
import { formatBytes, formatCount, formatQuantity, printable, toCsv, toMarkdown, toReportDoc } from '../src/report';
import { verifyShapes } from './ort-verify';
import type { Bindings, BudgetMetric } from '../common/protocol';
import type { Figure, Job, JobResults, ProfileOutcome, WorkerReply, WorkerRequest } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('profile-worker.js runs as a worker thread of the FlopLens language server');

port.on('message', (req: WorkerRequest) => {
  run(req.job).then(
    (result) => port.postMessage({ id: req.id, result } satisfies WorkerReply),
    (e: unknown) => port.postMessage({ id: req.id, failure: e instanceof Error ? e.message : String(e) } satisfies WorkerReply),
  );
});

async function run(job: Job): Promise<JobResults[Job['kind']]> {
  switch (job.kind) {
    case 'profile':
      return profileJob(job.file, job.bindings);
    case 'export':
      return exportJob(job.file, job.bindings, job.format);
    case 'verify':
      return verifyShapes(job.file, job.bindings);
  }
}

function profileJob(file: string, bindings: Bindings): ProfileOutcome {
  let report: Report;
  try {
    report = profileFile(file, bindings);
  } catch (e) {
    return { error: describeFailure(file, e) };
  }
  return { report: toReportDoc(report), figures: figuresOf(report) };
}

function exportJob(file: string, bindings: Bindings, format: 'csv' | 'md'): JobResults['export'] {
  try {
    // As the CLI does for --input/--dim: say what the bindings changed against the file's own shapes.
    const report = profileFileCompared(file, bindings);
    return { text: format === 'csv' ? toCsv(report) : toMarkdown(report) };
  } catch (e) {
    return { error: describeFailure(file, e) };
  }
}

/**
 * Every budgeted figure with its largest layers: checkBudget against limits nothing can meet
 * returns all four, so the server applies the real limits without asking for a new profile.
 */
function figuresOf(report: Report): Record<BudgetMetric, Figure> {
  const all = checkBudget(report, Object.fromEntries(BUDGET_METRICS.map((m) => [m, -Infinity])));
  const out = {} as Record<BudgetMetric, Figure>;
  for (const v of all) {
    const unit = v.metric === 'activations' ? formatBytes : formatCount;
    const expr = v.expr;
    out[v.metric] = {
      value: v.value ?? expr.toString(),
      text: typeof expr === 'number' ? unit(expr) : formatQuantity(expr, unit),
      symbols: typeof expr === 'number' ? [] : [...expr.symbols()],
      top: v.top.map((t) => ({ path: printable(t.path), value: t.value })),
    };
  }
  return out;
}
