import { MemorySource } from '../../src/io/byte-source';
import { profileModel } from '../../src/formats/registry';
import type { ProfileOptions } from '../../src/formats/types';
import type { LayerRow, Report } from '../../src/profile/report';
import type { Expr } from '../../src/symbolic/expr';
import { encodeModel, type ModelSpec } from './onnx-builder';

/** Profiles a model built in memory. */
export function profileSpec(spec: ModelSpec, options: ProfileOptions = {}): Report {
  return profileModel('test.onnx', new MemorySource(encodeModel(spec)), undefined, options);
}

/** Every layer row, depth first. */
export function allRows(report: Report): LayerRow[] {
  const out: LayerRow[] = [];
  const walk = (rows: LayerRow[]): void => rows.forEach((r) => (out.push(r), walk(r.children)));
  walk(report.layers);
  return out;
}

/** The node row whose op type (or path) matches; fails when there is not exactly one. */
export function row(report: Report, opOrPath: string): LayerRow {
  const rows = allRows(report).filter((r) => r.kind === 'node' && (r.op === opOrPath || r.path === opOrPath));
  if (rows.length !== 1) throw new Error(`expected one row for ${opOrPath}, found ${rows.length}`);
  return rows[0];
}

/** The numeric value of a constant expression; fails on a symbolic one. */
export function num(e: Expr): number {
  const c = e.constant;
  if (c === undefined) throw new Error(`expected a number, got ${e}`);
  return c;
}

/** Shape as plain numbers/strings for deepEqual. */
export function dims(shape: readonly Expr[] | undefined): (number | string)[] | undefined {
  return shape?.map((d) => d.constant ?? d.toString());
}
