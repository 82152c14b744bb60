/** Messages between the language server and its workers (server/profile-worker.ts, server/python-worker.ts). Types only. */
import type { BudgetFigures } from '../src/budget';
import type { ProfileOptions } from '../src/formats';
import type { ExactPlan, SourceAnalysis } from '../src/pytorch';
import type { ReportDoc } from '../src/report';
import type { VerifyShapesResult } from '../common/protocol';

export interface ProfileOutcome {
  report?: ReportDoc;
  /** One line naming the file, when it could not be profiled. */
  error?: string;
  /** Set with `report`. Limits are applied on the server's side, so a budget change needs no re-profile. */
  figures?: BudgetFigures;
}

export interface JobResults {
  profile: ProfileOutcome;
  export: { text?: string; error?: string };
  verify: VerifyShapesResult;
  python: SourceAnalysis;
  'python-close': null;
  'exact-plan': { plan?: ExactPlan; error?: string };
}

/**
 * Python jobs name their document by URI in `file` (an editor's document may be unsaved); the
 * Python worker keeps one PythonDocument per URI, so an edit is analyzed from the previous
 * analysis, until `python-close`.
 */
export type Job =
  | { kind: 'profile'; file: string; bindings: ProfileOptions }
  | { kind: 'export'; file: string; bindings: ProfileOptions; format: 'csv' | 'md' }
  | { kind: 'verify'; file: string; bindings: ProfileOptions }
  | { kind: 'python'; file: string; text: string; defaultInput: readonly number[]; whole: boolean }
  | { kind: 'python-close'; file: string }
  | { kind: 'exact-plan'; file: string; text: string; className: string; line: number | undefined; defaultInput: readonly number[] };

export interface WorkerRequest {
  id: number;
  job: Job;
}

/** `ready` once the worker has loaded: a job's time budget starts when it is posted to a ready worker. */
export type WorkerReply = { ready: true } | { id: number; result: JobResults[Job['kind']] } | { id: number; failure: string };
