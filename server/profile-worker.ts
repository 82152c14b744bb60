/**
 * Worker thread of the language server: profiling is synchronous and can take seconds on a large
 * graph, so it runs here and the server's connection never waits on it. One job at a time.
 */
import { parentPort } from 'node:worker_threads';
import { reportFigures } from '../src/budget';
import { describeFailure, profileFile, profileFileCompared, type ProfileOptions } from '../src/formats';
import type { Report } from '../src/profile';
import { toCsv, toMarkdown, toReportDoc } from '../src/report';
import { verifyShapes } from './ort-verify';
import { injectFault } from './worker-faults';
import type { Job, JobResults, ProfileOutcome, WorkerReply, WorkerRequest } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('profile-worker.js runs as a worker thread of the FlopLens language server');

port.on('message', (req: WorkerRequest) => {
  injectFault(req.job.file);
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
    default:
      throw new Error(`the profile worker does not run ${job.kind} jobs`);
  }
}

function profileJob(file: string, options: ProfileOptions): ProfileOutcome {
  let report: Report;
  try {
    report = profileFile(file, options);
  } catch (e) {
    return { error: describeFailure(file, e) };
  }
  // Every figure, not just the budgeted ones: the server applies the limits in force.
  return { report: toReportDoc(report), figures: reportFigures(report) };
}

function exportJob(file: string, options: ProfileOptions, format: 'csv' | 'md'): JobResults['export'] {
  try {
    // As the CLI does for --input/--dim: say what the bindings changed against the file's own shapes.
    const report = profileFileCompared(file, options);
    return { text: format === 'csv' ? toCsv(report) : toMarkdown(report) };
  } catch (e) {
    return { error: describeFailure(file, e) };
  }
}

port.postMessage({ ready: true } satisfies WorkerReply);
