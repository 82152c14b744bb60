import type { Report } from '../profile/report';
import { joinChunks, type Chunks } from './chunks';
import { COLUMNS } from './columns';
import { totalsLines } from './text';
import { visibleRows } from './rows';
import { visible } from './visible-text';

/**
 * Escapes text for Markdown (a table cell, a heading, a hover): one line, control and bidi
 * characters visible, no HTML, no pipes, no emphasis, links, code or strikethrough from names.
 */
export function mdEscape(s: string): string {
  return visible(s.replace(/[\r\n]+/g, ' '))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#~])/g, '\\$1');
}

export function toMarkdown(report: Report, depth = Infinity): string {
  return joinChunks(markdownChunks(report, depth));
}

export function* markdownChunks(report: Report, depth = Infinity): Chunks {
  yield `## ${mdEscape(report.file)}\n\n`;
  yield `| ${COLUMNS.map((c) => c.header).join(' | ')} |\n`;
  yield `|${COLUMNS.map((c) => (c.align === 'right' ? '---:' : ':---')).join('|')}|\n`;
  for (const r of visibleRows(report, depth)) {
    const cells = COLUMNS.map((c, i) => {
      const v = c.human(r, report);
      // Indentation in the first column with non-breaking spaces, which Markdown keeps.
      return i === 0 ? '\u00a0\u00a0'.repeat(r.depth) + mdEscape(v.trimStart()) : mdEscape(v);
    });
    yield `| ${cells.join(' | ')} |\n`;
  }
  // Two trailing spaces make a line break; every line is escaped since it carries names.
  yield '\n';
  for (const l of totalsLines(report)) yield l ? `${mdEscape(l)}  \n` : '\n';
}
