/**
 * The JSON report (`floplens profile --json`, schemaVersion 1), also what the language server
 * sends to the editor and the profile panel. Types only: safe to import from any side.
 */

/** `[coefficient, {atom: power}]` terms of a polynomial in the model's symbols. */
export type Poly = [number, Record<string, number>][];

/** An exact integer, or the formula text when the value depends on unbound symbols. */
export type Quantity = number | string;

export interface ShapeDoc {
  name: string;
  dtype: string;
  /** Numbers, or symbol / formula text; null when the rank is unknown. */
  shape: (number | string)[] | null;
  /** The shape came from the file's value_info because inference failed upstream. */
  hinted?: boolean;
}

export interface LayerDoc {
  path: string;
  name: string;
  depth: number;
  kind: 'module' | 'node';
  op: string;
  inputShapes: ShapeDoc[];
  outputShapes: ShapeDoc[];
  params: number;
  sharedParams: number;
  macs: Quantity;
  macsPoly?: Poly;
  flops: Quantity;
  flopsPoly?: Poly;
  activationBytes: Quantity;
  activationBytesPoly?: Poly;
  weightBytes: number;
  memoryBytes: Quantity;
  memoryBytesPoly?: Poly;
  /** Share of the total MACs in percent; null when either is symbolic or the total is 0. */
  macsPercent: number | null;
  unknownNodes: number;
  formula?: string;
  unknown?: string;
  notes?: string[];
}

export interface TotalsDoc {
  params: number;
  storedParams: number;
  sharedParams: number;
  buffers: number;
  constants: number;
  macs: Quantity;
  macsPoly?: Poly;
  flops: Quantity;
  flopsPoly?: Poly;
  activationBytes: Quantity;
  activationBytesPoly?: Poly;
  peakActivationBytes: Quantity;
  peakActivationBytesPoly?: Poly;
  weightBytes: number;
  memoryBytes: Quantity;
  memoryBytesPoly?: Poly;
  nodes: number;
}

export interface ReportDoc {
  schemaVersion: 1;
  file: string;
  format: string;
  producer: string;
  opsets: Record<string, number>;
  inputs: ShapeDoc[];
  outputs: ShapeDoc[];
  bindings: Record<string, number>;
  symbols: string[];
  totals: TotalsDoc;
  unknownOps: { op: string; count: number; reasons: string[] }[];
  shared: { name: string; elements: number; users: string[] }[];
  unusedWeights: { name: string; elements: number }[];
  warnings: string[];
  /** Tree order; a row's parent is the nearest earlier row with a smaller depth. */
  layers: LayerDoc[];
}
