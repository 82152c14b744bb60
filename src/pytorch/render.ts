/**
 * A result as the engine keeps it (quoted lines as positions) → as it is returned (strings).
 * Absent fields stay absent: results are compared and serialized.
 */
import { messageText, type Message } from './message';
import type { ClassAnalysis, InputInfo, LayerAnalysis, ParameterAnalysis, SourceAnalysis, SourceDiagnostic } from './types';

export function renderAnalysis(a: SourceAnalysis<Message>, renderOne: (c: ClassAnalysis<Message>) => ClassAnalysis = renderClass): SourceAnalysis {
  return { ...a, classes: a.classes.map(renderOne), diagnostics: a.diagnostics.map(renderDiagnostic) };
}

export function renderClass(c: ClassAnalysis<Message>): ClassAnalysis {
  const { instance, input, totals, layers, parameters, diagnostics, ...rest } = c;
  const out: ClassAnalysis = {
    ...rest,
    instance: { ...instance, description: messageText(instance.description) },
    totals: { ...totals, paramsUnknown: totals.paramsUnknown.map(messageText), costUnknown: totals.costUnknown.map(messageText) },
    layers: layers.map(renderLayer),
    parameters: parameters.map(renderParameter),
    diagnostics: diagnostics.map(renderDiagnostic),
  };
  if (input) out.input = renderInput(input);
  return out;
}

function renderInput(i: InputInfo<Message>): InputInfo {
  const { description, note, ...rest } = i;
  const out: InputInfo = { ...rest, description: messageText(description) };
  if (note !== undefined) out.note = messageText(note);
  return out;
}

function renderLayer(l: LayerAnalysis<Message>): LayerAnalysis {
  const { paramsUnknown, costUnknown, outputUnknown, ...rest } = l;
  const out: LayerAnalysis = rest;
  if (paramsUnknown) out.paramsUnknown = paramsUnknown.map(messageText);
  if (costUnknown) out.costUnknown = costUnknown.map(messageText);
  if (outputUnknown !== undefined) out.outputUnknown = messageText(outputUnknown);
  return out;
}

function renderParameter(p: ParameterAnalysis<Message>): ParameterAnalysis {
  const { unknown, ...rest } = p;
  const out: ParameterAnalysis = rest;
  if (unknown !== undefined) out.unknown = messageText(unknown);
  return out;
}

function renderDiagnostic(d: SourceDiagnostic<Message>): SourceDiagnostic {
  return { ...d, message: messageText(d.message) };
}
