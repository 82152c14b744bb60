/**
 * Bindings: values for a model's symbolic dims and replacement input shapes. One type, one parser
 * for what people type, one set of rules, one structured error with one sentence per mistake.
 */
export { isDimValue, modelNames, type Bindings, type ModelNames } from './bindings';
export { bindingsMessage, BindingsError, type BindingsProblem } from './problems';
export { bindingsTextProblem, formatBindingsText, parseBindingsText, parseDimArg, parseDimValue, parseInputArg, parseShape } from './parse';
export { addDim, addInputShape, checkAgainst, checkValues, resolveBindings } from './validate';
