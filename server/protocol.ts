/**
 * The one protocol between the FlopLens extension (client/) and its language server (server/):
 * custom requests and notifications on top of LSP, and the settings the server reads.
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { ReportDoc } from '../src/report/report-doc';

/** What-if input: values for symbolic dims and replacement input shapes. */
export interface Bindings {
  dims?: Record<string, number>;
  /** Input name → dims (numbers or symbol names); '' names the model's only input. */
  inputShapes?: Record<string, (number | string)[]>;
}

export type BudgetMetric = 'macs' | 'flops' | 'params' | 'activations';

export interface BudgetViolationDoc {
  metric: BudgetMetric;
  budget: number;
  /** The figure; formula text when it still depends on unbound symbols. */
  value: number | string;
  /** Up to three leaf layers contributing most, largest first. */
  top: { path: string; value: number }[];
}

export interface BudgetState {
  /** Limits in force for this model, undefined when no budget applies. */
  limits?: Partial<Record<BudgetMetric, number>>;
  /** Where the limits come from: the matching glob of `floplens.budgets`, or `default`. */
  source?: string;
  violations: BudgetViolationDoc[];
}

export interface ProfileParams {
  uri: string;
  /** Omitted: the model's current bindings (settings, then Set Input Shape…). */
  bindings?: Bindings;
}

export interface ProfileResult {
  uri: string;
  bindings: Bindings;
  /** Set when the model profiled; `error` is set otherwise (one line naming the file). */
  report?: ReportDoc;
  error?: string;
  budget: BudgetState;
  /** Wall time of the profile on the server, 0 when served from the cache. */
  profileMs: number;
}

/** Profiles a model (cached by path, size, mtime and bindings). Does not change its bindings. */
export const ProfileRequest = new RequestType<ProfileParams, ProfileResult, void>('floplens/profile');

/** Sets the bindings a model is profiled with from now on (diagnostics and status follow). */
export const SetBindingsRequest = new RequestType<{ uri: string; bindings: Bindings }, ProfileResult, void>('floplens/setBindings');

export interface ModelSummary {
  uri: string;
  /** Totals under the model's current bindings; absent when it failed to profile. */
  params?: number;
  macs?: number | string;
  flops?: number | string;
  error?: string;
  overBudget: boolean;
}

/** Every model in the workspace the server knows about. */
export const ListModelsRequest = new RequestType<void, ModelSummary[], void>('floplens/listModels');

export type ExportFormat = 'csv' | 'json' | 'md';

/** The report rendered as text in one of the CLI's formats. */
export const ExportReportRequest = new RequestType<{ uri: string; format: ExportFormat; bindings?: Bindings }, { text: string }, void>('floplens/exportReport');

export interface VerifyShapesResult {
  compared: number;
  mismatches: { value: string; ours: (number | string)[] | null; runtime: number[] }[];
  error?: string;
}

/** Runs the model in onnxruntime-node (loaded on first use) and compares every inferred shape. */
export const VerifyShapesRequest = new RequestType<{ uri: string }, VerifyShapesResult, void>('floplens/verifyShapes');

/** Sent when a model was re-profiled (file changed, settings or bindings changed). */
export const ModelChangedNotification = new NotificationType<{ uri: string }>('floplens/modelChanged');

/** `floplens.*` settings, as the server reads them. */
export interface Settings {
  budgets: { glob: string; macs?: string | number; flops?: string | number; params?: string | number; activations?: string | number }[];
  defaultBudget: { macs?: string | number; flops?: string | number; params?: string | number; activations?: string | number };
  budgetSeverity: 'error' | 'warning' | 'information' | 'hint';
  /** Default values for symbolic dims, e.g. { "batch": 1 }. */
  dims: Record<string, number>;
}

export const DEFAULT_SETTINGS: Settings = { budgets: [], defaultBudget: {}, budgetSeverity: 'warning', dims: {} };
