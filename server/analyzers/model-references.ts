/**
 * model-references: in any text document (Python, YAML, JSON, Markdown, shell…), a string or
 * path token naming an existing model file of the document's workspace folder gets a code lens
 * with the model's totals and a hover with a small report.
 */
import * as path from 'node:path';
import type { CodeLens, Hover } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { METRICS, violationBrief } from '../../src/budget';
import { formatBytes, formatCount, formatDocQuantity, formatExact, type LayerDoc, mdEscape, type Poly, type Quantity, type ShapeDoc, visible } from '../../src/report';
import type { BudgetMetric, ProfileResult } from '../../common/protocol';
import { isInside, isRegularFile, uriToPath, type Folder } from '../workspace';
import type { Analyzer, AnalyzerContext } from './registry';

/** Documents larger than this are not searched; nobody keeps model paths in such files. */
const MAX_DOC_CHARS = 2_000_000;
/** Tokens looked up per document, so a generated file full of paths stays cheap. */
const MAX_TOKENS = 500;
/**
 * The search runs on the server's main thread, so its work is bounded whatever the text: at most
 * this many extension matches are looked at, each reaching back at most MAX_TOKEN_CHARS for its
 * start (a path longer than that is not a path someone wrote).
 */
const MAX_MATCHES = 10 * MAX_TOKENS;
const MAX_TOKEN_CHARS = 1024;
/** Characters that end a path token (a quoted path may hold spaces: see `tokens`). */
const DELIMITER = /[\s"'`()[\]{}<>,;=|:&*?!]/;

const OPEN_PROFILE_COMMAND = 'floplens.openProfile';

interface Token {
  start: number;
  end: number;
  text: string;
}

interface Reference extends Token {
  file: string;
}

export const modelReferences: Analyzer = {
  id: 'model-references',

  async codeLenses(doc, ctx, token) {
    const refs = await references(doc, ctx, () => true);
    const results = new Map<string, Promise<ProfileResult>>();
    for (const r of refs) if (!results.has(r.file)) results.set(r.file, ctx.profile(r.file, token));
    return Promise.all(
      refs.map(async (r): Promise<CodeLens> => ({
        range: { start: doc.positionAt(r.start), end: doc.positionAt(r.end) },
        command: { title: lensTitle(path.basename(r.file), await results.get(r.file)!), command: OPEN_PROFILE_COMMAND, arguments: [(await results.get(r.file)!).uri] },
      })),
    );
  },

  async hover(doc, position, ctx, token) {
    const at = doc.offsetAt(position);
    const [ref] = await references(doc, ctx, (t) => t.start <= at && at <= t.end);
    if (!ref) return undefined;
    const result = await ctx.profile(ref.file, token);
    // Markdown built from escaped text only: names in a model file can be anything.
    return {
      contents: { kind: 'markdown', value: hoverMarkdown(path.basename(ref.file), result) },
      range: { start: doc.positionAt(ref.start), end: doc.positionAt(ref.end) },
    } satisfies Hover;
  },
};

/** Tokens of the document that name an existing model file inside the document's workspace folder. */
async function references(doc: TextDocument, ctx: AnalyzerContext, wanted: (t: Token) => boolean): Promise<Reference[]> {
  const docPath = uriToPath(doc.uri);
  const folder = docPath && ctx.folderOf(docPath);
  if (!docPath || !folder) return [];
  const text = doc.getText();
  if (text.length > MAX_DOC_CHARS) return [];
  const found = await Promise.all(
    tokens(text, ctx.modelExtensions)
      .filter(wanted)
      .slice(0, MAX_TOKENS)
      .map(async (t) => {
        const file = await resolveToken(t.text, path.dirname(docPath), folder);
        return file ? { ...t, file } : undefined;
      }),
  );
  return found.filter((r): r is Reference => r !== undefined);
}

/** Path-like tokens ending in a model extension: `models/r.onnx`, `./m.onnx`, `"my models/m.onnx"`. */
function tokens(text: string, extensions: readonly string[]): Token[] {
  const out: Token[] = [];
  const re = new RegExp(`(?:${extensions.map((e) => e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?![\\w.-])`, 'gi');
  let matches = 0;
  for (let m = re.exec(text); m && matches < MAX_MATCHES; m = re.exec(text), matches++) {
    const end = m.index + m[0].length;
    const floor = Math.max(0, m.index - MAX_TOKEN_CHARS);
    let start = m.index;
    while (start > floor && !DELIMITER.test(text[start - 1])) start--;
    if (start === floor && floor > 0) continue;
    const quote = text[end];
    if ((quote === '"' || quote === "'" || quote === '`') && text[start - 1] !== quote) {
      // The opening quote on the same line, within reach: `"my models/m.onnx"`.
      let open = start - 1;
      while (open >= floor && text[open] !== quote && text[open] !== '\n') open--;
      if (open >= floor && text[open] === quote) start = open + 1;
    }
    // A bare extension (`*.onnx`) names no file; `//host/m.onnx` after a scheme is a URL.
    if (start === m.index || (text[start - 1] === ':' && text.startsWith('//', start))) continue;
    out.push({ start, end, text: text.slice(start, end) });
  }
  return out;
}

/**
 * The model file a token names: relative to the document's folder, then to its workspace folder.
 * A path leading outside the workspace folder is not followed; a symbolic link inside it is,
 * wherever it leads, as the workspace scan follows it (server/workspace.ts).
 */
async function resolveToken(token: string, docDir: string, folder: Folder): Promise<string | undefined> {
  if (token.includes('\0')) return undefined;
  const native = token.split(/[\\/]/).join(path.sep);
  const tries = path.isAbsolute(native) ? [path.resolve(native)] : [path.resolve(docDir, native), path.resolve(folder.path, native)];
  for (const candidate of new Set(tries)) {
    if (isInside(folder.path, candidate) && (await isRegularFile(candidate))) return candidate;
  }
  return undefined;
}

function quantity(q: Quantity, poly: Poly | undefined, unit: (n: number) => string = formatCount): string {
  return formatDocQuantity(q, poly, unit);
}

/** Plain text with names from the file and its report: made visible, since a lens title is no Markdown. */
function lensTitle(name: string, r: ProfileResult): string {
  return visible(lensText(name, r));
}

function lensText(name: string, r: ProfileResult): string {
  if (!r.report) return `${name} · cannot be profiled: ${(r.error ?? 'unknown error').replace(`${name}: `, '')}`;
  const t = r.report.totals;
  const parts = [name, `${formatCount(t.params)} params`, `${quantity(t.macs, t.macsPoly)} MACs`, `${quantity(t.flops, t.flopsPoly)} FLOPs`];
  if (r.budget.violations.length) parts.push('over budget');
  return parts.join(' · ');
}

function exact(q: Quantity, poly: Poly | undefined, unit: (n: number) => string = formatCount): string {
  return typeof q === 'number' && q >= 1000 ? `${unit(q)} (${formatExact(q)})` : quantity(q, poly, unit);
}

function shapeText(s: ShapeDoc): string {
  return s.shape === null ? '?' : s.shape.length === 0 ? 'scalar' : s.shape.join('×');
}

function hoverMarkdown(name: string, r: ProfileResult): string {
  const e = mdEscape;
  const title = `**${e(name)}** · FlopLens`;
  if (!r.report) return `${title}\n\n${e(r.error ?? 'not profiled')}`;
  const d = r.report;
  const t = d.totals;
  const dims = Object.entries(r.bindings.dims ?? {});
  const lines = [
    title,
    '',
    '| Total | |',
    '|:--|--:|',
    `| Params | ${e(exact(t.params, undefined))} |`,
    `| MACs | ${e(exact(t.macs, t.macsPoly))} |`,
    `| FLOPs | ${e(exact(t.flops, t.flopsPoly))} |`,
    `| Peak activations | ${e(quantity(t.peakActivationBytes, t.peakActivationBytesPoly, formatBytes))} |`,
    `| Weights | ${e(formatBytes(t.weightBytes))} |`,
    '',
    '| Input | Type | Shape |',
    '|:--|:--|:--|',
    ...d.inputs.map((i) => `| ${e(i.name)} | ${e(i.dtype)} | ${e(shapeText(i))} |`),
    '',
  ];
  const top = topByMacs(d.layers);
  if (top.length) {
    lines.push('| Top layers by MACs | Op | MACs |', '|:--|:--|--:|', ...top.map((l) => `| ${e(l.path)} | ${e(l.op)} | ${e(quantity(l.macs, l.macsPoly))} |`), '');
  }
  if (dims.length) lines.push(`With ${e(dims.map(([k, v]) => `${k} = ${v}`).join(', '))}.`, '');
  if (d.symbols.length) lines.push(`Depends on ${e(d.symbols.join(', '))}: bind with floplens.dims or Set Input Shape….`, '');
  lines.push(budgetLine(r));
  return lines.join('\n');
}

function budgetLine(r: ProfileResult): string {
  const e = mdEscape;
  const b = r.budget;
  if (b.source === undefined) return 'Budget: none (floplens.budgets, floplens.defaultBudget).';
  const setting = b.source === 'default' ? 'floplens.defaultBudget' : `floplens.budgets "${b.source}"`;
  if (!b.limits) return `Budget: ${e(setting)} is invalid, see Problems.`;
  if (!b.violations.length) {
    const within = (Object.entries(b.limits) as [BudgetMetric, number][]).map(([m, v]) => `${METRICS[m].label} ≤ ${METRICS[m].unit(v)}`);
    return `Budget: within ${e(setting)} (${e(within.join(', '))}).`;
  }
  return `**Over budget** ${e(setting)}: ${e(b.violations.map(violationBrief).join('; '))}.`;
}

/**
 * The three leaf layers with the most MACs. Symbolic figures rank as the symbols grow: by
 * degree, then by their value with every symbol at 1.
 */
function topByMacs(layers: LayerDoc[]): LayerDoc[] {
  const key = (l: LayerDoc): [number, number] => {
    if (typeof l.macs === 'number') return [0, l.macs];
    const poly = l.macsPoly ?? [];
    return [poly.reduce((m, [, atoms]) => Math.max(m, Object.values(atoms).reduce((a, b) => a + b, 0)), 0), poly.reduce((s, [c]) => s + c, 0)];
  };
  const leaves = layers.filter((l, i) => {
    const next = layers[i + 1];
    return !(next && next.depth > l.depth) && l.macs !== 0;
  });
  return leaves
    .map((l) => ({ l, k: key(l) }))
    .sort((a, b) => b.k[0] - a.k[0] || b.k[1] - a.k[1])
    .slice(0, 3)
    .map((x) => x.l);
}
