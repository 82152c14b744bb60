/** Messages between the language server and its profile workers (server/profile-worker.ts). Types only. */
import type { ReportDoc } from '../src/report';
import type { Bindings, BudgetMetric, VerifyShapesResult } from '../common/protocol';

/** One budgeted figure of a profile, with what a budget message needs, whatever the limit. */
export interface Figure {
  /** Exact number, or the formula text (as in the ReportDoc) when symbolic. */
  value: number | string;
  /** The figure for people, in its unit (`1.814 G`, `6.125 MiB`, or a formula). */
  text: string;
  /** Symbols the figure still depends on. */
  symbols: string[];
  /** Up to three leaf layers contributing most, largest first. */
  top: { path: string; value: number }[];
}

export interface ProfileOutcome {
  report?: ReportDoc;
  /** One line naming the file, when it could not be profiled. */
  error?: string;
  /** Set with `report`. Limits are applied on the server's side, so a budget change needs no re-profile. */
  figures?: Record<BudgetMetric, Figure>;
}

export interface JobResults {
  profile: ProfileOutcome;
  export: { text?: string; error?: string };
  verify: VerifyShapesResult;
}

export type Job =
  | { kind: 'profile'; file: string; bindings: Bindings }
  | { kind: 'export'; file: string; bindings: Bindings; format: 'csv' | 'md' }
  | { kind: 'verify'; file: string; bindings: Bindings };

export interface WorkerRequest {
  id: number;
  job: Job;
}

export type WorkerReply = { id: number; result: JobResults[Job['kind']] } | { id: number; failure: string };
