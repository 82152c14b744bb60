import type { Expr } from '../symbolic/expr';
import type { ValueShape } from '../ops/types';
import type { LayerRow, Report } from '../profile/report';
import { formatDtype, percentOf, visibleRows } from './rows';

/** JSON schema version: bump when a field changes meaning or goes away. */
export const JSON_SCHEMA_VERSION = 1;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * A number when exact and constant; otherwise the formula as a string, with the machine form
 * beside it under `<key>Poly`.
 */
function putQuantity(into: Record<string, Json>, key: string, e: Expr): void {
  const c = e.constant;
  if (c !== undefined) {
    into[key] = c;
    return;
  }
  into[key] = e.toString();
  into[`${key}Poly`] = e.toPoly().map(([coef, atoms]) => [coef, atoms]);
}

function shapeJson(v: ValueShape): Json {
  return {
    name: v.name,
    dtype: formatDtype(v.dtype),
    shape: v.shape ? v.shape.map((d) => d.constant ?? d.toString()) : null,
    ...(v.hinted ? { hinted: true } : {}),
  };
}

function rowJson(r: LayerRow, totals: Report['totals']): Json {
  const o: Record<string, Json> = {
    path: r.path,
    name: r.name,
    depth: r.depth,
    kind: r.kind,
    op: r.op,
    inputShapes: r.inputShapes.map(shapeJson),
    outputShapes: r.outputShapes.map(shapeJson),
    params: r.params,
    sharedParams: r.sharedParams,
  };
  putQuantity(o, 'macs', r.macs);
  putQuantity(o, 'flops', r.flops);
  putQuantity(o, 'activationBytes', r.activationBytes);
  o.weightBytes = r.weightBytes;
  putQuantity(o, 'memoryBytes', r.memoryBytes);
  const pct = percentOf(r.macs, totals.macs);
  o.macsPercent = pct === undefined ? null : Number(pct.toFixed(4));
  o.unknownNodes = r.unknownNodes;
  if (r.formula) o.formula = r.formula;
  if (r.unknown !== undefined) o.unknown = r.unknown;
  if (r.notes.length) o.notes = r.notes;
  return o;
}

export function toJson(report: Report, depth = Infinity): string {
  const totals: Record<string, Json> = {
    params: report.totals.params,
    storedParams: report.totals.storedParams,
    sharedParams: report.totals.sharedParams,
    buffers: report.totals.buffers,
    constants: report.totals.constants,
  };
  putQuantity(totals, 'macs', report.totals.macs);
  putQuantity(totals, 'flops', report.totals.flops);
  putQuantity(totals, 'activationBytes', report.totals.activationBytes);
  putQuantity(totals, 'peakActivationBytes', report.totals.peakActivationBytes);
  totals.weightBytes = report.totals.weightBytes;
  putQuantity(totals, 'memoryBytes', report.totals.memoryBytes);
  totals.nodes = report.totals.nodes;
  const doc: Record<string, Json> = {
    schemaVersion: JSON_SCHEMA_VERSION,
    file: report.file,
    format: report.format,
    producer: report.producer,
    opsets: report.opsets,
    inputs: report.inputs.map(shapeJson),
    outputs: report.outputs.map(shapeJson),
    bindings: report.bindings,
    symbols: report.symbols,
    totals,
    unknownOps: report.unknownOps,
    shared: report.shared as unknown as Json,
    unusedWeights: report.unusedWeights as unknown as Json,
    warnings: report.warnings,
    layers: visibleRows(report, depth).map((r) => rowJson(r, report.totals)),
  };
  return JSON.stringify(doc, null, 2);
}
