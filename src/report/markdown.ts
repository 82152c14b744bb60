import type { Report } from '../profile/report';
import { COLUMNS } from './columns';
import { totalsLines } from './text';
import { visibleRows } from './rows';

/** Escapes text for a Markdown table cell: no HTML, no pipes, no emphasis from names. */
export function mdEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#])/g, '\\$1')
    .replace(/[\r\n]+/g, ' ');
}

export function toMarkdown(report: Report, depth = Infinity): string {
  const rows = visibleRows(report, depth);
  const out: string[] = [`## ${mdEscape(report.file)}`, ''];
  out.push(`| ${COLUMNS.map((c) => c.header).join(' | ')} |`);
  out.push(`|${COLUMNS.map((c) => (c.align === 'right' ? '---:' : ':---')).join('|')}|`);
  for (const r of rows) {
    const cells = COLUMNS.map((c, i) => {
      const v = c.human(r, report);
      // Indentation in the first column with non-breaking spaces, which Markdown keeps.
      return i === 0 ? '\u00a0\u00a0'.repeat(r.depth) + mdEscape(v.trimStart()) : mdEscape(v);
    });
    out.push(`| ${cells.join(' | ')} |`);
  }
  // Two trailing spaces make a line break; every line is escaped since it carries names.
  out.push('', ...totalsLines(report).map((l) => (l ? `${mdEscape(l)}  ` : '')), '');
  return out.join('\n');
}
