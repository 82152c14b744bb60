/**
 * The budget figures of a PyTorch nn.Module class from the static analysis: parameters always,
 * MACs and FLOPs with an input shape, lower bounds where something could not be counted; peak
 * activation memory is not computed from source.
 */
import type { ClassAnalysis, LayerAnalysis } from '../pytorch';
import { figureOf, largest, type BudgetFigures, type Contribution, type Figure, type Missing } from './figures';

/** The three layers (not groups) of a class with the most of a figure, largest first. */
export function topLayers(c: ClassAnalysis, of: (l: LayerAnalysis) => number | undefined): Contribution[] {
  return largest(c.layers.filter((l) => l.kind === 'layer').map((l) => ({ path: l.path, value: of(l) ?? 0 })));
}

export function classFigures(c: ClassAnalysis): BudgetFigures {
  const t = c.totals;
  const noInput: Missing = { missing: `no input shape for ${c.name} (add "# floplens: input=(1, 3, 224, 224)" or set floplens.defaultInputShape)` };
  const cost = (metric: 'macs' | 'flops', value: number | undefined, of: (l: LayerAnalysis) => number | undefined): Figure | Missing =>
    value === undefined ? noInput : figureOf(metric, value, topLayers(c, of), t.costUnknown[0]);
  return {
    params: figureOf('params', t.params, topLayers(c, (l) => l.params), t.paramsUnknown[0]),
    macs: cost('macs', t.macs, (l) => l.macs),
    flops: cost('flops', t.flops, (l) => l.flops),
    activations: { missing: 'peak activation memory is not computed from source code' },
  };
}
