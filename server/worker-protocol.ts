/** Messages between the language server and its profile workers (server/profile-worker.ts). Types only. */
import type { BudgetFigures } from '../src/budget';
import type { ProfileOptions } from '../src/formats';
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
}

export type Job =
  | { kind: 'profile'; file: string; bindings: ProfileOptions }
  | { kind: 'export'; file: string; bindings: ProfileOptions; format: 'csv' | 'md' }
  | { kind: 'verify'; file: string; bindings: ProfileOptions };

export interface WorkerRequest {
  id: number;
  job: Job;
}

export type WorkerReply = { id: number; result: JobResults[Job['kind']] } | { id: number; failure: string };
