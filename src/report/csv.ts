import type { Report } from '../profile/report';
import { joinChunks, type Chunks } from './chunks';
import { COLUMNS } from './columns';
import { visibleRows } from './rows';

/**
 * RFC 4180 cells. A cell that a spreadsheet would run as a formula (= + - @ first) gets a leading
 * apostrophe: layer names come from model files.
 */
function cell(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(report: Report, depth = Infinity): string {
  return joinChunks(csvChunks(report, depth));
}

export function* csvChunks(report: Report, depth = Infinity): Chunks {
  yield `${['depth', ...COLUMNS.map((c) => c.header)].map(cell).join(',')}\r\n`;
  for (const r of visibleRows(report, depth)) {
    yield `${[String(r.depth), ...COLUMNS.map((c) => c.exact(r, report))].map(cell).join(',')}\r\n`;
  }
}
