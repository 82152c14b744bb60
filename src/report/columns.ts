import type { Expr } from '../symbolic/expr';
import type { LayerRow, Report } from '../profile/report';
import { formatBytes, formatCount, formatQuantity } from './units';
import { formatShapes, percentOf } from './rows';

/**
 * One column of the layer table, in human units (`human`) and exact form (`exact`, for CSV). Both
 * hold names as the file has them: each view makes them safe its own way (visible-text.ts).
 */
export interface Column {
  header: string;
  align: 'left' | 'right';
  human(r: LayerRow, report: Report): string;
  exact(r: LayerRow, report: Report): string;
}

/** Costs of layers with uncosted nodes are marked: `?` alone, or `+?` after the part we know. */
const cost = (header: string, get: (r: LayerRow) => Expr): Column => ({
  header,
  align: 'right',
  human: (r) => (r.unknown !== undefined ? '?' : `${formatQuantity(get(r))}${r.unknownNodes ? '+?' : ''}`),
  exact: (r) => (r.unknown !== undefined ? '?' : `${get(r)}${r.unknownNodes ? '+?' : ''}`),
});

function status(r: LayerRow): string {
  const parts: string[] = [];
  if (r.unknown !== undefined) parts.push(`unknown: ${r.unknown}`);
  else if (r.unknownNodes > 0) parts.push(`${r.unknownNodes} unknown op${r.unknownNodes > 1 ? 's' : ''} inside`);
  if (r.sharedParams > 0) parts.push(`shared params ${formatCount(r.sharedParams)}`);
  for (const n of r.notes) parts.push(n);
  return parts.join('; ');
}

/** A module's op summary cut to its first few entries: the full list is in JSON and CSV. */
function shortOps(op: string, keep = 4): string {
  const parts = op.split(' ');
  return parts.length > keep ? `${parts.slice(0, keep).join(' ')} …` : op;
}

export const COLUMNS: Column[] = [
  {
    header: 'Layer',
    align: 'left',
    human: (r) => `${'  '.repeat(r.depth)}${r.name}`,
    exact: (r) => r.path,
  },
  { header: 'Op', align: 'left', human: (r) => shortOps(r.op), exact: (r) => r.op },
  { header: 'Input shape', align: 'left', human: (r) => formatShapes(r.inputShapes), exact: (r) => formatShapes(r.inputShapes) },
  { header: 'Output shape', align: 'left', human: (r) => formatShapes(r.outputShapes), exact: (r) => formatShapes(r.outputShapes) },
  { header: 'Params', align: 'right', human: (r) => (r.params ? formatCount(r.params) : '–'), exact: (r) => String(r.params) },
  cost('MACs', (r) => r.macs),
  cost('FLOPs', (r) => r.flops),
  {
    header: '% MACs',
    align: 'right',
    human: (r, rep) => {
      const p = percentOf(r.macs, rep.totals.macs);
      return p === undefined ? '' : `${p.toFixed(1)}%`;
    },
    exact: (r, rep) => percentOf(r.macs, rep.totals.macs)?.toFixed(4) ?? '',
  },
  {
    header: 'Activations',
    align: 'right',
    human: (r) => formatQuantity(r.activationBytes, formatBytes),
    exact: (r) => r.activationBytes.toString(),
  },
  { header: 'Notes', align: 'left', human: status, exact: status },
];
