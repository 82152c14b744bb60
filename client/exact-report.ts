/** Exact mode's texts, without VS Code: the comparison table and the one-line summary. */
import type { ExactLayer, ProfileExactlyResult } from '../common/protocol';
import { mdEscape } from '../src/report/markdown';
import { formatCount, formatExact } from '../src/report/units';

const n = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '—' : formatExact(v));
const mark = (ok: boolean | null): string => (ok === null ? '—' : ok ? '✓' : '✗');

/**
 * Markdown: what torch built and with which input, totals static vs exact, then one row per
 * module (as torch's named_modules). Every name from the file is escaped: it is text, not markup.
 */
export function exactReportMarkdown(r: ProfileExactlyResult, fileName: string): string {
  const e = mdEscape;
  const title = `# ${e(r.className)} · exact profile · ${e(fileName)}`;
  // No code spans around text from the file: escapes do not work inside them.
  if (r.error) return `${title}\n\nExact mode could not run: ${e(r.error)}\n\nInterpreter: ${e(r.python)}\n`;
  const s = r.static;
  const x = r.exact;
  const inputs = (r.inputs ?? []).map((i) => `${i.shape.join('×')}${i.dtype === 'float32' ? '' : ` ${i.dtype}`}`).join(', ');
  const lines = [
    title,
    '',
    `Built by torch ${e(r.torchVersion ?? '?')} (${e(r.python)}) as ${e(r.built ?? r.className)}, exported to ONNX and profiled by FlopLens; input ${e(inputs)}${r.inputSource ? ` (${e(r.inputSource)})` : ''}.`,
    '',
    '| Total | Static | Exact | |',
    '|:--|--:|--:|:-:|',
    `| Params | ${n(s?.params)} | ${n(r.torchParams)} | ${mark(s?.params === undefined || r.torchParams === undefined ? null : s.params === r.torchParams)} |`,
    `| MACs | ${n(s?.macs)} | ${n(x?.macs)} | ${mark(s?.macs === undefined || x === undefined ? null : s.macs === x.macs)} |`,
    `| FLOPs | ${n(s?.flops)} | ${n(x?.flops)} | |`,
    '',
    'Exact params are torch\'s `model.parameters()`; the ONNX graph holds ' +
      `${n(x?.params)} (it leaves out unused modules and stores identical initializers once). ` +
      'FLOPs are shown, not compared: the export spells some element-wise work differently.',
    '',
  ];
  if (r.unmapped.length) lines.push(`ONNX scopes matching no module (their cost is in the totals only): ${e(r.unmapped.join(', '))}.`, '');
  lines.push(
    '| Layer | Line | Type | Params static | Params torch | MACs static | MACs exact | |',
    '|:--|--:|:--|--:|--:|--:|--:|:-:|',
    ...r.layers.map((l) => layerRow(l)),
    '',
  );
  return lines.join('\n');
}

function layerRow(l: ExactLayer): string {
  const e = mdEscape;
  // Indent by depth with non-breaking spaces, which Markdown keeps.
  const indent = '\u00a0\u00a0'.repeat(l.path.split('.').length - 1);
  return `| ${indent}${e(l.path)} | ${l.line === undefined ? '' : l.line + 1} | ${e(l.type)} | ${n(l.static?.params)} | ${n(l.params)} | ${n(l.static?.macs)} | ${n(l.macs)} | ${mark(l.agrees)} |`;
}

/** One line for a notification: whether static and exact agree, and where not. */
export function exactSummary(r: ProfileExactlyResult): string {
  if (r.error) return `${r.className}: ${r.error}`;
  const differing = r.layers.filter((l) => l.agrees === false);
  const compared = r.layers.filter((l) => l.agrees !== null).length;
  const figures = `${formatCount(r.torchParams ?? 0)} params · ${formatCount(r.exact?.macs ?? 0)} MACs`;
  const layers = `${compared} layer${compared === 1 ? '' : 's'}`;
  if (r.agrees) return `${r.className}: the static analysis matches torch exactly (${figures}; ${layers} compared).`;
  const parts: string[] = [];
  if (r.static && r.torchParams !== undefined && r.static.params !== r.torchParams) parts.push(`params ${formatExact(r.static.params)} static vs ${formatExact(r.torchParams)} torch`);
  if (r.static?.macs !== r.exact?.macs) parts.push(`MACs ${n(r.static?.macs)} static vs ${n(r.exact?.macs)} exact`);
  if (differing.length) parts.push(`${differing.length} of ${layers} differ (first: ${differing[0]!.path})`);
  if (r.unmapped.length) parts.push(`${r.unmapped.length} ONNX scopes match no module`);
  return `${r.className}: the static analysis differs from torch: ${parts.join('; ')}.`;
}
