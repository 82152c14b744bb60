/**
 * How long PyTorch source lenses take to come back after an edit, on a 2,000-line file.
 *
 *   npm run bench:lens
 *
 * The file is the fixtures of test/fixtures/pytorch/ repeated (their classes and functions
 * renamed per copy), so it has many classes of every kind the analysis knows. The bench goes the
 * server's way: the document is updated as a client's didChange updates it, the analyzers hear
 * of the change (registry documentChanged), and the time until the lenses of every analyzer are
 * ready (registry codeLensesFor, what answers textDocument/codeLens; exact mode available, as in
 * a trusted workspace) is taken. Edits change a layer's channel count (a number on
 * its line), or add and remove a line (which moves every class below). A sample of the edits is
 * checked against an analysis of the whole file: the lenses must be the same.
 */
import { performance } from 'node:perf_hooks';
import { CancellationToken, type CodeLens } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { openPythonDocuments, PythonDocuments } from '../server/analyzers/pytorch-documents';
import { PytorchSource, pytorchSource } from '../server/analyzers/pytorch-source';
import { codeLensesFor, documentChanged, type AnalyzerContext } from '../server/analyzers/registry';
import { DEFAULT_SETTINGS } from '../common/protocol';
import { generatedPythonFile } from '../test/helpers/python-source';

const LINES = 2000;
/** Edits of each kind timed. */
const EDITS = 120;
/** Every this many edits, the lenses are compared with a whole-file analysis. */
const CHECK_EVERY = 6;

const ctx: AnalyzerContext = {
  folderOf: () => undefined,
  modelExtensions: ['.onnx'],
  profile: () => Promise.reject(new Error('no models here')),
  exactModeAvailable: () => true,
  settings: () => DEFAULT_SETTINGS,
  classBudget: () => undefined,
  publishDiagnostics: () => undefined,
  refreshLenses: () => undefined,
  log: (m) => console.error(m),
};

/** The source analysis' lenses (labels: no command), as text. */
const titles = (ls: CodeLens[]): string =>
  ls
    .filter((l) => l.command?.command === '')
    .map((l) => `${l.range.start.line}:${l.command?.title}`)
    .join('\n');

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return `median ${at(0.5).toFixed(1)} ms · p95 ${at(0.95).toFixed(1)} ms · max ${s[s.length - 1].toFixed(1)} ms (${s.length} edits)`;
}

/** Another number as wide (64 → 65, 9 → 8): offsets of the other sites stay put. */
function sameWidth(value: string): string {
  const up = String(Number(value) + 1);
  return up.length === value.length ? up : String(Number(value) - 1);
}

/** Lines that build a layer with a number on them (`nn.Conv2d(64, 128, 3)`): the offset and text of that number. */
function numberSites(text: string): { offset: number; value: string }[] {
  const out: { offset: number; value: string }[] = [];
  const re = /nn\.(?:Conv[123]d|Linear|BatchNorm[123]d|LayerNorm|Embedding)\([^\n]*?\b(\d+)\b/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ offset: m.index + m[0].length - m[1].length, value: m[1] });
  return out;
}

/** How one pass hears of an edit and answers for lenses. */
interface Path {
  name: string;
  changed(doc: TextDocument): void;
  lenses(doc: TextDocument): Promise<CodeLens[]>;
}

const PATHS: Path[] = [
  {
    name: 'every analyzer, as textDocument/codeLens is answered',
    changed: (doc) => documentChanged(doc, ctx),
    lenses: (doc) => codeLensesFor(doc, ctx, CancellationToken.None, (m) => console.error(m)),
  },
  {
    name: 'the PyTorch source analyzer alone',
    changed: (doc) => pytorchSource.changed(doc, ctx),
    lenses: (doc) => pytorchSource.codeLenses(doc, ctx),
  },
];

/**
 * The whole-file analyses the lenses are checked against, and the warm whole-file timing: fresh
 * analyzers, one Python worker for all of them (a worker of its own each would be timed cold).
 */
const wholeFile = new PythonDocuments();
const freshAnalyzer = (): PytorchSource => new PytorchSource(undefined, wholeFile);

let checks = 0;
let mismatches = 0;

/** The incremental lenses must be those of an analysis of the whole text. */
async function check(doc: TextDocument, got: CodeLens[]): Promise<void> {
  const fresh = freshAnalyzer();
  const whole = await fresh.codeLenses(doc, ctx);
  fresh.dispose();
  checks++;
  if (titles(whole) === titles(got)) return;
  mismatches++;
  const a = titles(got).split('\n');
  const b = titles(whole).split('\n');
  const i = a.findIndex((x, k) => x !== b[k]);
  console.log(`  mismatch after edit ${checks}: incremental "${a[i]}" vs whole file "${b[i]}"`);
}

async function run(path: Path, uri: string, text: string, firstInProcess: boolean): Promise<void> {
  let doc = TextDocument.create(uri, 'python', 1, text);
  let t0 = performance.now();
  path.changed(doc);
  const first = await path.lenses(doc);
  const openMs = performance.now() - t0;
  // Class lenses start with the class name (`MyNet · …`); layer lenses with a count.
  const classes = first.filter((l) => /^[A-Za-z_]\w* · /.test(l.command!.title));
  console.log(`\n${path.name}: ${first.length} lenses (${classes.length} classes)`);
  console.log(`  open (whole-file analysis${firstInProcess ? ', cold: the first in this process' : ''}): ${openMs.toFixed(1)} ms`);

  const edit = async (start: number, end: number, insert: string, checkIt: boolean): Promise<number> => {
    const started = performance.now();
    doc = TextDocument.update(doc, [{ range: { start: doc.positionAt(start), end: doc.positionAt(end) }, text: insert }], doc.version + 1);
    path.changed(doc);
    const got = await path.lenses(doc);
    const ms = performance.now() - started;
    if (checkIt) await check(doc, got);
    return ms;
  };

  // Warm-up: the first edits compile the analysis; a user's server has done that long before.
  const sites = numberSites(text);
  for (let i = 0; i < 10; i++) {
    const s = sites[(i * 7) % sites.length];
    await edit(s.offset, s.offset + s.value.length, sameWidth(s.value), false);
    await edit(s.offset, s.offset + s.value.length, s.value, false);
  }

  // 1. A layer's channel count: 64 → 65 → 64 … at sites spread over the file.
  const typing: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    const s = sites[(i * 37) % sites.length];
    const now = doc.getText().slice(s.offset, s.offset + s.value.length);
    typing.push(await edit(s.offset, s.offset + s.value.length, now === s.value ? sameWidth(s.value) : s.value, i % CHECK_EVERY === 0));
  }
  // Back to the generated text, so the next kind starts from the same file.
  for (const s of sites) {
    if (doc.getText().slice(s.offset, s.offset + s.value.length) !== s.value) await edit(s.offset, s.offset + s.value.length, s.value, false);
  }

  // 2. A new line inside a class (a comment), then removed: every class below moves.
  const lines: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    const s = sites[(i * 53) % sites.length];
    const lineStart = doc.getText().lastIndexOf('\n', s.offset) + 1;
    const added = `${/^\s*/.exec(doc.getText().slice(lineStart))![0]}# note\n`;
    lines.push(await edit(lineStart, lineStart, added, i % CHECK_EVERY === 0));
    lines.push(await edit(lineStart, lineStart + added.length, '', false));
  }

  t0 = performance.now();
  const fresh = freshAnalyzer();
  await fresh.codeLenses(doc, ctx);
  const wholeMs = performance.now() - t0;
  fresh.dispose();
  pytorchSource.dispose();

  console.log('  edit → lenses ready (incremental, what the server does while you type):');
  console.log(`    change a number in a layer line:     ${stats(typing)}`);
  console.log(`    add or remove a line (classes move):  ${stats(lines)}`);
  console.log(`  whole-file analysis, warm (once typing pauses, for diagnostics): ${wholeMs.toFixed(1)} ms`);
}

async function main(): Promise<void> {
  const text = generatedPythonFile(LINES);
  console.log(`file: ${text.split('\n').length} lines, ${(text.length / 1024).toFixed(0)} KiB (the fixtures of test/fixtures/pytorch, repeated)`);
  // One document per pass: each starts cold for its document.
  for (const [i, path] of PATHS.entries()) await run(path, `file:///bench/generated_models_${i}.py`, text, i === 0);
  console.log(`\nincremental lenses equal whole-file lenses: ${checks - mismatches}/${checks} checked edits`);
  console.log('Target: under 50 ms from an edit to lenses ready.');
  wholeFile.dispose();
  openPythonDocuments.dispose();
  if (mismatches) process.exitCode = 1;
}

void main();
