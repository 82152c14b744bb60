/** Report renderers (CSV, JSON document, Markdown), row text and number formats, for the server. */
export { toCsv } from './csv';
export { toReportDoc } from './json';
export { mdEscape, toMarkdown } from './markdown';
export type { LayerDoc, Poly, Quantity, ReportDoc, ShapeDoc } from './report-doc';
export { visible, visibleLines } from './visible-text';
export { formatBytes, formatCount, formatDocQuantity, formatExact, formatQuantity } from './units';
