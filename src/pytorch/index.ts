/**
 * Static analysis of PyTorch nn.Module source: parameters, MACs and FLOPs per class and per
 * layer, without running Python. See analyze.ts for the flow and types.ts for the result.
 */
export { analyzePython } from './analyze';
export { ParseCache } from './parse';
export { cataloguedLayers } from './catalogue';
export type * from './types';
