/**
 * What `analyzePython` returns: plain data (JSON-serializable), ranges 0-based. Counts are exact
 * integers; a quantity that could not be known is absent, with the reasons beside it.
 *
 * Texts that can quote a source line (messages, descriptions, reasons) are of type `T`: a
 * `string` as returned, a `Message` (its quoted lines kept as positions, message.ts) inside the
 * engine, where results are moved after an edit before they are rendered.
 */
import type { SourceRange } from './ast';

export type { Position, SourceRange } from './ast';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export type DiagnosticCode =
  /** A module defined in __init__ that forward() never reaches. */
  | 'unused-module'
  /** Modules kept in a plain list/dict attribute: torch does not register (or count) them. */
  | 'unregistered'
  /** An nn.Parameter attribute forward() never reads. */
  | 'unused-parameter'
  /** A shape could not be followed past a line. */
  | 'shape-unknown'
  /** A layer's constructor arguments could not be evaluated (or are invalid). */
  | 'unevaluable'
  /** The class has no input shape, so MACs are not computed. */
  | 'no-input'
  /** An evaluation limit was hit (hostile or very large code). */
  | 'limit'
  /** A syntax error; the rest of the file is still analyzed. */
  | 'syntax'
  /** Something the evaluator followed with an assumption (an unknown condition). */
  | 'note'
  /** A bug of the analysis met on this code: reported instead of thrown. */
  | 'internal';

export interface SourceDiagnostic<T = string> {
  range: SourceRange;
  severity: Severity;
  code: DiagnosticCode;
  message: T;
}

/** Where the input shape of a class came from. */
export type InputSourceKind =
  /** `# floplens: input=(1, 3, 224, 224)` on or above the class. */
  | 'comment'
  /** torchinfo.summary(model, input_size / input_data) — the size includes the batch. */
  | 'torchinfo'
  /** torchsummary.summary(model, (3, 224, 224)) — no batch dim: batch 1 is used. */
  | 'torchsummary'
  /** thop.profile(model, inputs=(x,)). */
  | 'thop'
  /** ptflops.get_model_complexity_info(model, (3, 224, 224)) — batch 1, as ptflops does. */
  | 'ptflops'
  /** fvcore FlopCountAnalysis(model, x). */
  | 'fvcore'
  /** torch.onnx.export(model, x, ...) / torch.jit.trace(model, x). */
  | 'export'
  /** torchstat.stat(model, (3, 224, 224)) — batch 1. */
  | 'torchstat'
  /** The file calls the model: `out = net(x)` with `x = torch.rand(...)`. */
  | 'call'
  /** The input this class received at its first use inside another analyzed class. */
  | 'first-use'
  /** `options.defaultInput`. */
  | 'setting';

export interface InputInfo<T = string> {
  /** One shape per forward input; a dim is a number (or a symbol name). */
  shapes: (number | string)[][];
  source: InputSourceKind;
  /** How to say it: `summary(net, (12, 1, 224, 224)) (torchinfo) on line 93`. */
  description: T;
  range?: SourceRange;
  /** An assumption made (torchsummary's batch). */
  note?: T;
}

/** How the analyzed instance of the class was constructed. */
export interface InstanceInfo<T = string> {
  /** `file`: the file constructs it (module level / `if __name__ == '__main__':`); `first-use`: built by another class; `defaults`: its __init__ defaults. */
  source: 'file' | 'first-use' | 'defaults';
  description: T;
  range?: SourceRange;
}

export interface LayerAnalysis<T = string> {
  /** `conv7`, `features.0`, `layer1.0.conv1` (as named_modules). */
  path: string;
  /** Attribute name: the last path segment. */
  name: string;
  /** 0 for the class's own attributes. */
  depth: number;
  /** `Conv2d`, `Sequential`, `BasicBlock`. */
  type: string;
  kind: 'layer' | 'container' | 'module';
  /** The definition: the `self.conv7 = ...` statement, else the constructor call (a line in a helper or loop). */
  range?: SourceRange;
  /** The constructor call. */
  createdAt?: SourceRange;
  /** The file class or function whose code holds `range`. */
  definedIn?: string;
  /** Parameters of the module and its children, each counted once. */
  params?: number;
  /** `(3·3·512 + 1)·512 = 2,359,808` for catalogue layers. */
  paramsFormula?: string;
  /** Why (some) parameters are unknown; `params` then counts the known ones. */
  paramsUnknown?: T[];
  buffers?: number;
  /** Times forward() called it (0 = never). */
  calls: number;
  /** For a module called more than once: `called 2× · params counted once · MACs ×2`. */
  callsNote?: string;
  /** Over all calls. */
  macs?: number;
  flops?: number;
  /** First call: `3·3·512 · 512·14·14 · batch 12`. */
  macsFormula?: string;
  /** Why (some of) its work could not be costed. */
  costUnknown?: T[];
  inputShapes?: ((number | string)[] | null)[];
  /** First call's output (the first tensor of a tuple); null when unknown. */
  outputShape?: (number | string)[] | null;
  /** Why the output shape is unknown. */
  outputUnknown?: T;
  /** Never reached from forward(): its parameters count in model.parameters() but do no work. */
  unused: boolean;
  /** Other paths registering the same module object. */
  aliases?: string[];
}

export interface ParameterAnalysis<T = string> {
  /** `cls_token`, `blocks.0.gamma`. */
  path: string;
  name: string;
  shape?: number[];
  elements?: number;
  unknown?: T;
  range?: SourceRange;
  requiresGrad: boolean;
  used: boolean;
}

export interface ClassTotals<T = string> {
  /** model.parameters(): every parameter once, used or not (known ones). */
  params: number;
  /** Parameters forward() reaches. */
  usedParams: number;
  /** Parameters of modules (and nn.Parameters) forward() never reaches. */
  unusedParams: number;
  /** Why some parameters are unknown (then the counts are lower bounds). */
  paramsUnknown: T[];
  buffers: number;
  /** One forward pass at the input shape; absent without an input shape. */
  macs?: number;
  flops?: number;
  /** Work that could not be costed (then macs/flops are lower bounds). */
  costUnknown: T[];
}

export interface ClassAnalysis<T = string> {
  name: string;
  /** The `class X(...):` line. */
  range: SourceRange;
  nameRange: SourceRange;
  /** The whole class. */
  bodyRange: SourceRange;
  /** The nn base it derives from (through the file's classes). */
  base: 'Module' | 'Sequential' | 'ModuleList' | 'ModuleDict';
  instance: InstanceInfo<T>;
  input?: InputInfo<T>;
  /** Output shapes of forward (the first tensor of each returned item). */
  outputShapes?: ((number | string)[] | null)[];
  totals: ClassTotals<T>;
  layers: LayerAnalysis<T>[];
  /** nn.Parameter attributes (torchsummary does not count these). */
  parameters: ParameterAnalysis<T>[];
  diagnostics: SourceDiagnostic<T>[];
}

export interface SourceAnalysis<T = string> {
  classes: ClassAnalysis<T>[];
  /** Diagnostics outside any class (syntax errors, module-level code). */
  diagnostics: SourceDiagnostic<T>[];
  /** Milliseconds the analysis took. */
  elapsedMs: number;
}

export interface AnalyzeOptions {
  /** Input shape for classes the file does not feed (a setting), e.g. [1, 3, 224, 224]. */
  defaultInput?: number[];
  /** Wall-clock budget for the whole file (default 400 ms): hostile code stops with a reason. */
  timeBudgetMs?: number;
}
