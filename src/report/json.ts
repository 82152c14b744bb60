import type { Expr } from '../symbolic/expr';
import type { ValueShape } from '../ops/types';
import type { LayerRow, Report } from '../profile/report';
import type { LayerDoc, Poly, Quantity, ReportDoc, ShapeDoc, TotalsDoc } from './report-doc';
import { joinChunks, type Chunks } from './chunks';
import { formatDtype, percentOf, visibleRows } from './rows';

/** JSON schema version: bump when a field changes meaning or goes away. */
export const JSON_SCHEMA_VERSION = 1;

/**
 * A number when exact and constant; otherwise the formula as a string, with the machine form
 * beside it under `<key>Poly`.
 */
function quantity<K extends string>(key: K, e: Expr): { [P in K]: Quantity } & Partial<{ [P in `${K}Poly`]: Poly }> {
  const c = e.constant;
  const out: Record<string, unknown> = { [key]: c ?? e.toString() };
  if (c === undefined) out[`${key}Poly`] = e.toPoly();
  return out as { [P in K]: Quantity } & Partial<{ [P in `${K}Poly`]: Poly }>;
}

function shapeDoc(v: ValueShape): ShapeDoc {
  return {
    name: v.name,
    dtype: formatDtype(v.dtype),
    shape: v.shape ? v.shape.map((d) => d.constant ?? d.toString()) : null,
    ...(v.hinted ? { hinted: true } : {}),
  };
}

function layerDoc(r: LayerRow, totals: Report['totals']): LayerDoc {
  const pct = percentOf(r.macs, totals.macs);
  return {
    path: r.path,
    name: r.name,
    depth: r.depth,
    kind: r.kind,
    op: r.op,
    inputShapes: r.inputShapes.map(shapeDoc),
    outputShapes: r.outputShapes.map(shapeDoc),
    params: r.params,
    sharedParams: r.sharedParams,
    ...quantity('macs', r.macs),
    ...quantity('flops', r.flops),
    ...quantity('activationBytes', r.activationBytes),
    weightBytes: r.weightBytes,
    ...quantity('memoryBytes', r.memoryBytes),
    macsPercent: pct === undefined ? null : Number(pct.toFixed(4)),
    unknownNodes: r.unknownNodes,
    ...(r.formula ? { formula: r.formula } : {}),
    ...(r.unknown !== undefined ? { unknown: r.unknown } : {}),
    ...(r.notes.length ? { notes: r.notes } : {}),
  };
}

export function toReportDoc(report: Report, depth = Infinity): ReportDoc {
  return { ...reportHead(report), layers: visibleRows(report, depth).map((r) => layerDoc(r, report.totals)) };
}

/** Everything but the layers, in the document's key order. */
function reportHead(report: Report): Omit<ReportDoc, 'layers'> {
  const t = report.totals;
  const totals: TotalsDoc = {
    params: t.params,
    storedParams: t.storedParams,
    sharedParams: t.sharedParams,
    buffers: t.buffers,
    constants: t.constants,
    ...quantity('macs', t.macs),
    ...quantity('flops', t.flops),
    ...quantity('activationBytes', t.activationBytes),
    ...quantity('peakActivationBytes', t.peakActivationBytes),
    weightBytes: t.weightBytes,
    ...quantity('memoryBytes', t.memoryBytes),
    nodes: t.nodes,
  };
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    file: report.file,
    format: report.format,
    producer: report.producer,
    opsets: report.opsets,
    inputs: report.inputs.map(shapeDoc),
    outputs: report.outputs.map(shapeDoc),
    bindings: report.bindings,
    symbols: report.symbols,
    totals,
    unknownOps: report.unknownOps,
    shared: report.shared,
    unusedWeights: report.unusedWeights,
    warnings: report.warnings,
  };
}

export function toJson(report: Report, depth = Infinity): string {
  return joinChunks(jsonChunks(report, depth));
}

/**
 * The same bytes as `JSON.stringify(toReportDoc(report, depth), null, 2)`, a layer at a time: a
 * million layers never become one object tree or one string. Indenting a nested value's own
 * output is safe because JSON strings never hold a raw line break.
 */
export function* jsonChunks(report: Report, depth = Infinity): Chunks {
  const nested = (value: unknown, indent: string): string => JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);
  yield '{';
  for (const [key, value] of Object.entries(reportHead(report))) if (value !== undefined) yield `\n  ${JSON.stringify(key)}: ${nested(value, '  ')},`;
  const rows = visibleRows(report, depth);
  if (!rows.length) {
    yield '\n  "layers": []\n}';
    return;
  }
  yield '\n  "layers": [';
  for (let i = 0; i < rows.length; i++) yield `${i ? ',' : ''}\n    ${nested(layerDoc(rows[i], report.totals), '    ')}`;
  yield '\n  ]\n}';
}
