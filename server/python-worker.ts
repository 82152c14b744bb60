/**
 * Worker thread of the language server for the PyTorch source analysis: parsing and analyzing a
 * file's text is unbounded work over content someone else may have written, so the server's
 * main thread never does it. One PythonDocument per open document lives here, so an edit is
 * analyzed from the previous analysis (src/pytorch/incremental); the server sends the text and
 * gets plain data back. One job at a time.
 */
import { parentPort } from 'node:worker_threads';
import { ExactError, planExact, PythonDocument } from '../src/pytorch';
import { injectFault } from './worker-faults';
import type { Job, JobResults, WorkerReply, WorkerRequest } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('python-worker.js runs as a worker thread of the FlopLens language server');

const documents = new Map<string, PythonDocument>();

port.on('message', (req: WorkerRequest) => {
  injectFault(req.job.file);
  try {
    port.postMessage({ id: req.id, result: run(req.job) } satisfies WorkerReply);
  } catch (e) {
    port.postMessage({ id: req.id, failure: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
  }
});

function run(job: Job): JobResults[Job['kind']] {
  switch (job.kind) {
    case 'python': {
      let doc = documents.get(job.file);
      if (!doc) documents.set(job.file, (doc = new PythonDocument()));
      doc.update(job.text);
      return doc.analysis({ defaultInput: job.defaultInput, whole: job.whole });
    }
    case 'python-close':
      documents.delete(job.file);
      return null;
    case 'exact-plan':
      // The saved file, as torch imports it: not the editor's document.
      try {
        return { plan: planExact(new PythonDocument(job.text), job.className, job.line, job.defaultInput) };
      } catch (e) {
        if (e instanceof ExactError) return { error: e.message };
        throw e;
      }
    default:
      throw new Error(`the Python worker does not run ${job.kind} jobs`);
  }
}

port.postMessage({ ready: true } satisfies WorkerReply);
