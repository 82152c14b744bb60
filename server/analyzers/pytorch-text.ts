/**
 * What the PyTorch source analysis says in the editor: lens titles and hover Markdown for
 * classes and layers. Every name, formula and message from the file is escaped (mdEscape): a
 * module or class name can be anything.
 */
import { groupDigits, shapeText, type ClassAnalysis, type LayerAnalysis } from '../../src/pytorch';
import { mdEscape } from '../../src/report';
import { topLayers } from '../../src/budget';

const UNITS: [number, string][] = [
  [1e15, 'P'],
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'K'],
];

/** 132862184 → `132.86 M`, 9 → `9`: two decimals, as the articles people count by hand quote totals. */
export function compact(n: number): string {
  const abs = Math.abs(n);
  for (let i = 0; i < UNITS.length; i++) {
    const [scale, unit] = UNITS[i];
    if (abs < scale) continue;
    const fixed = (n / scale).toFixed(2);
    // 999.996 M rounds to 1000.00 M: say 1 G.
    if (Math.abs(Number(fixed)) >= 1000 && i > 0) return `${trim((n / UNITS[i - 1][0]).toFixed(2))} ${UNITS[i - 1][1]}`;
    return `${trim(fixed)} ${unit}`;
  }
  return String(n);
}

const trim = (s: string): string => s.replace(/\.?0+$/, '');

/** `132.86 M (132,862,184)` for hovers. */
function both(n: number): string {
  return n >= 1000 ? `${compact(n)} (${groupDigits(n)})` : String(n);
}

/** `5,549,064,192 (5.55 G)`: after a formula, the exact figure first. */
function exact(n: number): string {
  return n >= 1000 ? `${groupDigits(n)} (${compact(n)})` : String(n);
}

export function shapesText(shapes: readonly ((number | string)[] | null)[]): string {
  return shapes.map((s) => (s ? shapeText(s) : '(?)')).join(', ');
}

/** `shape unknown after line 90` from an engine reason `after line 90: …` or message `shape unknown after line 90: …`. */
function shapeStop(reason: string | undefined): string {
  const m = /after line (\d+)/.exec(reason ?? '');
  return m ? `shape unknown after line ${m[1]}` : 'shape unknown';
}

/** Where the class's input came from, short, for the lens; `callee` is the call's name as written (`summary`). */
export function inputSourceShort(c: ClassAnalysis, callee: string | undefined): string {
  const input = c.input!;
  const line = input.range ? input.range.start.line + 1 : undefined;
  switch (input.source) {
    case 'comment':
      return `from # floplens line ${line}`;
    case 'setting':
      return 'from setting floplens.defaultInputShape';
    case 'first-use':
      return `from ${input.description}`;
    default:
      return `from ${callee ?? input.source}(...)${line ? ` line ${line}` : ''}`;
  }
}

export const NO_INPUT_HINT = 'no input shape: add "# floplens: input=(1, 3, 224, 224)" or set floplens.defaultInputShape';

/** `MyNet · 132.86 M params · 90.62 G MACs @ input (12, 1, 224, 224) · from summary(...) line 102`. */
export function classLensTitle(c: ClassAnalysis, source: string | undefined, overBudget: boolean): string {
  const t = c.totals;
  const atLeast = (unknown: readonly string[]): string => (unknown.length ? '≥ ' : '');
  const parts = [c.name];
  const params = `${atLeast(t.paramsUnknown)}${compact(t.unusedParams ? t.usedParams : t.params)} params`;
  parts.push(t.unusedParams ? `${params} + ${compact(t.unusedParams)} unused` : params);
  if (!c.input) parts.push(NO_INPUT_HINT);
  else {
    const macs = t.macs === undefined ? 'MACs unknown' : `${atLeast(t.costUnknown)}${compact(t.macs)} MACs`;
    parts.push(`${macs} @ input ${shapesText(c.input.shapes)}`);
    if (source) parts.push(source);
    const stop = c.diagnostics.find((d) => d.code === 'shape-unknown');
    if (stop) parts.push(shapeStop(stop.message));
  }
  if (overBudget) parts.push('over budget');
  return parts.join(' · ');
}

/** `2,359,808 params · 5.55 G MACs · out (12, 512, 14, 14)` for one layer; a summary for several built on one line. */
export function layerLensTitle(layers: readonly LayerAnalysis[], c: ClassAnalysis, prefix: boolean): string {
  const head = prefix ? `${c.name}: ` : '';
  if (layers.length === 1) return head + oneLayer(layers[0], !!c.input).join(' · ');
  const parts = [typesText(layers), paramsText(sum(layers.map((l) => l.params)), layers.some((l) => l.paramsUnknown?.length))];
  const macs = sum(layers.map((l) => l.macs));
  if (c.input && layers.every((l) => l.macs !== undefined || l.unused)) parts.push(`${compact(macs)} MACs`);
  const unused = layers.filter((l) => l.unused).length;
  if (unused) parts.push(`${unused} never used in forward()`);
  return head + parts.join(' · ');
}

function oneLayer(l: LayerAnalysis, hasInput: boolean): string[] {
  const parts = [paramsText(l.params ?? 0, !!l.paramsUnknown?.length)];
  if (l.unused) return [...parts, 'never used in forward()'];
  if (hasInput && l.outputShape === null) parts.push(shapeStop(l.outputUnknown));
  else {
    if (hasInput && l.macs !== undefined) parts.push(`${l.costUnknown?.length ? '≥ ' : ''}${compact(l.macs)} MACs`);
    if (l.outputShape) parts.push(`out ${shapeText(l.outputShape)}`);
  }
  if (l.callsNote) parts.push(l.callsNote);
  return parts;
}

function paramsText(n: number, unknown: boolean): string {
  if (!unknown) return `${groupDigits(n)} params`;
  return n ? `≥ ${groupDigits(n)} params` : 'params unknown';
}

/** `13 × Conv2d`, `Conv2d, BatchNorm2d, ReLU`, `12 layers`. */
function typesText(layers: readonly LayerAnalysis[]): string {
  const counts = new Map<string, number>();
  for (const l of layers) counts.set(l.type, (counts.get(l.type) ?? 0) + 1);
  if (counts.size > 3) return `${layers.length} layers`;
  return [...counts].map(([type, n]) => (n > 1 ? `${n} × ${type}` : type)).join(', ');
}

function sum(values: readonly (number | undefined)[]): number {
  return values.reduce<number>((a, b) => a + (b ?? 0), 0);
}

export function classHover(c: ClassAnalysis, budget: string): string {
  const e = mdEscape;
  const t = c.totals;
  const lines = [`**${e(c.name)}** · nn.${e(c.base)} · FlopLens (static analysis)`, '', '| Total | |', '|:--|--:|', `| Params | ${e(both(t.params))} |`];
  if (t.unusedParams) lines.push(`| of which unused | ${e(both(t.unusedParams))} |`);
  if (t.buffers) lines.push(`| Buffers (not params) | ${e(both(t.buffers))} |`);
  if (t.macs !== undefined) lines.push(`| MACs | ${t.costUnknown.length ? '≥ ' : ''}${e(both(t.macs))} |`);
  if (t.flops !== undefined) lines.push(`| FLOPs | ${t.costUnknown.length ? '≥ ' : ''}${e(both(t.flops))} |`);
  lines.push('');
  if (c.input) {
    lines.push(`Input ${e(shapesText(c.input.shapes))}: ${e(c.input.description)}.${c.input.note ? ` ${e(c.input.note)}.` : ''}`, '');
  } else lines.push(`MACs need an input shape: add \`# floplens: input=(1, 3, 224, 224)\` on or above the class line, call the model in the file, or set floplens.defaultInputShape.`, '');
  lines.push(`Built as ${e(c.instance.description)}.`, '');
  if (c.outputShapes?.length) lines.push(`Output ${e(shapesText(c.outputShapes))}.`, '');
  const top = topLayers(c, (l) => l.macs);
  if (top.length) {
    const byPath = new Map(c.layers.map((l) => [l.path, l]));
    lines.push('| Top layers by MACs | Type | MACs | Params |', '|:--|:--|--:|--:|');
    for (const x of top) {
      const l = byPath.get(x.path)!;
      lines.push(`| ${e(l.path)} | ${e(l.type)} | ${e(compact(x.value))} | ${e(groupDigits(l.params ?? 0))} |`);
    }
    lines.push('');
  }
  if (t.paramsUnknown.length) lines.push(`Parameters not known: ${e(t.paramsUnknown.slice(0, 5).join('; '))}.`, '');
  if (t.costUnknown.length) lines.push(`Not costed (the figures are lower bounds): ${e(t.costUnknown.slice(0, 5).join('; '))}.`, '');
  lines.push(budget);
  return lines.join('\n');
}

export function layerHover(l: LayerAnalysis, c: ClassAnalysis): string {
  const e = mdEscape;
  const lines = [`**${e(l.path)}** · ${e(l.type)} · in ${e(c.name)}`, ''];
  const params = l.paramsFormula ?? groupDigits(l.params ?? 0);
  lines.push(`Params = ${e(params)}${l.buffers ? ` (and ${e(groupDigits(l.buffers))} buffer values, not params)` : ''}`, '');
  if (l.paramsUnknown?.length) lines.push(`Parameters not known: ${e(l.paramsUnknown.join('; '))}.`, '');
  if (l.unused) {
    const n = l.params ?? 0;
    lines.push(`Never used in forward(): ${n ? `its ${e(groupDigits(n))} parameters are counted by model.parameters() but do no work.` : 'it does no work.'}`, '');
  } else if (c.input) {
    if (l.macs !== undefined) {
      const at = l.macsFormula ? `${l.macsFormula} = ` : '';
      lines.push(`MACs = ${e(`${at}${exact(l.macs)}`)}`, '');
    }
    if (l.flops !== undefined) lines.push(`FLOPs = ${e(exact(l.flops))}`, '');
    if (l.inputShapes?.length || l.outputShape !== undefined) {
      const out = l.outputShape === null ? `unknown ${l.outputUnknown ?? ''}`.trim() : l.outputShape ? shapeText(l.outputShape) : '?';
      lines.push(`Input ${e(l.inputShapes?.length ? shapesText(l.inputShapes) : '?')} → output ${e(out)}`, '');
    }
    if (l.costUnknown?.length) lines.push(`Not costed: ${e(l.costUnknown.join('; '))}.`, '');
  } else lines.push(`MACs need an input shape for ${e(c.name)}.`, '');
  if (l.callsNote) lines.push(e(l.callsNote), '');
  if (l.aliases?.length) lines.push(`Also registered as ${e(l.aliases.join(', '))} (counted once).`, '');
  return lines.join('\n').trimEnd();
}

/** Several layers built by one line (a loop, a helper): a table. */
export function groupHover(layers: readonly LayerAnalysis[], c: ClassAnalysis): string {
  const e = mdEscape;
  const lines = [`**${e(typesText(layers))}** built here · in ${e(c.name)}`, '', '| Layer | Type | Params | MACs | Output |', '|:--|:--|--:|--:|:--|'];
  for (const l of layers) {
    const macs = l.unused ? 'never used' : l.macs !== undefined && c.input ? compact(l.macs) : '';
    const out = l.outputShape ? shapeText(l.outputShape) : l.outputShape === null ? shapeStop(l.outputUnknown) : '';
    lines.push(`| ${e(l.path)} | ${e(l.type)} | ${e(paramsText(l.params ?? 0, !!l.paramsUnknown?.length).replace(/ params$/, ''))} | ${e(macs)} | ${e(out)} |`);
  }
  return lines.join('\n');
}
