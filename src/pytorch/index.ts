/**
 * Static analysis of PyTorch nn.Module source: parameters, MACs and FLOPs per class and per
 * layer, without running Python. See analyze.ts for the flow and types.ts for the result;
 * PythonDocument keeps one file's parse and analysis across edits.
 */
export { analyzePython } from './analyze';
export { PythonDocument, type DocumentAnalysisOptions } from './document';
export { cataloguedLayers } from './catalogue';
export { buildableClasses, ExactError, planBuild, planExact, type BuildPlan, type ExactPlan } from './exact/plan';
export { groupDigits, shapeText } from './format';
export type * from './types';
