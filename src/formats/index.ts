/** Profiling a model file of any supported format, alone or against a baseline. */
export { describeFailure, profileFile, profileFileCompared } from './profile-file';
export { supportedExtensions } from './registry';
export { inferOptions } from './onnx-format';
export type { ProfileOptions } from './types';
