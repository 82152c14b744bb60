/**
 * The one protocol between the FlopLens extension (client/) and its language server (server/):
 * custom requests and notifications on top of LSP, and the settings the server reads.
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { Bindings } from '../src/bindings';
import type { BudgetInput, BudgetState, Severity } from '../src/budget';
import type { ReportDoc } from '../src/report/report-doc';

/** What-if input (src/bindings): values for symbolic dims and replacement input shapes. */
export type { Bindings } from '../src/bindings';
/** Budgets (src/budget): the metrics, and a report's budget state as the views get it. */
export type { BudgetMetric, BudgetState, BudgetViolationDoc } from '../src/budget';

export interface ProfileParams {
  uri: string;
  /** Omitted: the model's current bindings (settings, then Set Input Shape…). */
  bindings?: Bindings;
}

export interface ProfileResult {
  uri: string;
  /** The bindings the profile used: the dims it bound (`floplens.dims` values included) and the shapes asked for. */
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

export interface ProfileExactlyParams {
  /** The Python file. */
  uri: string;
  className: string;
  /** 0-based line of the `class` statement: tells same-named classes apart. */
  line?: number;
  /** The interpreter the Python extension selected, if any; `floplens.pythonPath` wins over it. */
  python?: string;
}

/** One module of the class (as torch's named_modules), exact beside static. */
export interface ExactLayer {
  /** `layer1.0.conv1`, relative to the class. */
  path: string;
  /** `Conv2d`, as torch names the module's class. */
  type: string;
  /** 0-based line of its definition in the file (from the static analysis). */
  line?: number;
  /** torch: parameters of the module and its children. */
  params: number;
  /** The exported ONNX graph's nodes inside the module, over all its calls. */
  macs: number;
  flops: number;
  /** The static analysis of the same module; absent when it has no such path. */
  static?: { params?: number; macs?: number; flops?: number };
  /** Params and MACs equal; null when the static analysis has no figure to compare. */
  agrees: boolean | null;
}

export interface ProfileExactlyResult {
  uri: string;
  className: string;
  /** Set when exact mode could not run (one line); the figures below are then absent. */
  error?: string;
  /** The interpreter that ran (or was to run) torch. */
  python: string;
  /** How torch built the module: `vgg16()`, `Net(widths=(8, 16, 32)).stages.0`. */
  built?: string;
  torchVersion?: string;
  inputs?: { shape: number[]; dtype: string }[];
  /** Where the input shape came from (the static analysis' description). */
  inputSource?: string;
  /** `sum(p.numel() for p in model.parameters())` as torch counts it. */
  torchParams?: number;
  /** The exported ONNX model profiled by the engine (unused modules are not in it). */
  exact?: { params: number; macs: number; flops: number };
  /** The static analysis of the class. */
  static?: { params: number; usedParams: number; macs?: number; flops?: number };
  layers: ExactLayer[];
  /** ONNX node scopes that match no module of the class. */
  unmapped: string[];
  /** Totals and every compared layer agree. */
  agrees?: boolean;
  elapsedMs: number;
}

/**
 * Exact mode: builds the class with the configured Python's torch, exports it to ONNX in a temp
 * folder, profiles that and compares it with the static analysis. Trusted workspaces only.
 */
export const ProfileExactlyRequest = new RequestType<ProfileExactlyParams, ProfileExactlyResult, void>('floplens/profileExactly');

/**
 * Workspace trust as the client knows it (also sent as initializationOptions.workspaceTrusted):
 * the server itself refuses exact mode and Verify Shapes while it is not trusted.
 */
export const WorkspaceTrustNotification = new NotificationType<{ trusted: boolean }>('floplens/workspaceTrust');

/** `floplens.*` settings, as the server reads them. */
export interface Settings {
  /** `class`: the entry is for PyTorch classes (name or glob) in the files `glob` matches. */
  budgets: ({ glob: string; class?: string } & BudgetInput)[];
  defaultBudget: BudgetInput;
  budgetSeverity: Severity;
  /** Default values for symbolic dims, e.g. { "batch": 1 }. */
  dims: Record<string, number>;
  /** Interpreter for exact mode; '' = the Python extension's, else `python3`. */
  pythonPath: string;
  exactMode: { enabled: boolean; timeoutSeconds: number };
  /** Input shape for PyTorch classes whose file gives none, e.g. [1, 3, 224, 224]; [] = none. */
  defaultInputShape: number[];
}

export const DEFAULT_SETTINGS: Settings = {
  budgets: [],
  defaultBudget: {},
  budgetSeverity: 'warning',
  dims: {},
  pythonPath: '',
  exactMode: { enabled: true, timeoutSeconds: 120 },
  defaultInputShape: [],
};
