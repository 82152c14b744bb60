/** ONNX models: the loader, the model types and element types, and the extra-outputs rewrite Verify Shapes runs. */
export { appendGraphOutputs, type ExtraOutput } from './append-outputs';
export { loadOnnx } from './load';
export { readTensorValues } from './tensor-data';
export { DataType, type OnnxGraph } from './model';
