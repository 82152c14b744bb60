/** ONNX models: the loader, the model types and element types, and the extra-outputs rewrite Verify Shapes runs. */
export { appendGraphOutputs, type ExtraOutput } from './append-outputs';
export { loadOnnx, readTensorValues } from './load';
export { DataType, type OnnxGraph } from './model';
