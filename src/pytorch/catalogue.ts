/**
 * The torch.nn catalogue: one entry per layer class, keyed by its name in torch.nn. Families live
 * in their own modules (catalogue-conv, -linear, -norm, -recurrent, -attention, -simple); adding a
 * layer is adding an entry there.
 */
import { ATTENTION_LAYERS } from './catalogue-attention';
import { CONV_LAYERS } from './catalogue-conv';
import { LINEAR_LAYERS } from './catalogue-linear';
import { NORM_LAYERS } from './catalogue-norm';
import { RECURRENT_LAYERS } from './catalogue-recurrent';
import { PRELU, SIMPLE_LAYERS } from './catalogue-simple';
import type { LayerEntry } from './catalogue-types';

const catalogue = new Map<string, LayerEntry>();

for (const e of [...CONV_LAYERS, ...LINEAR_LAYERS, ...NORM_LAYERS, ...RECURRENT_LAYERS, ...ATTENTION_LAYERS, ...SIMPLE_LAYERS, PRELU]) {
  if (catalogue.has(e.name)) throw new Error(`layer ${e.name} catalogued twice`);
  catalogue.set(e.name, e);
}

/** The entry for a torch.nn class name (`Conv2d`), if catalogued. */
export function layerEntry(name: string): LayerEntry | undefined {
  return catalogue.get(name);
}

export function cataloguedLayers(): string[] {
  return [...catalogue.keys()].sort();
}
