/**
 * PyTorch source in the language server, end to end: dist/server.js over stdio with a JSON-RPC
 * client as the editor. Lenses over classes and layer definitions, hovers with the formulas,
 * diagnostics (unused modules, shapes not followed, per-class budgets), edits, the default input
 * setting, half-typed code, names that are Markdown or HTML. Then the analyzer in process: its
 * lenses between edits, and how diagnostics of several owners are published together.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationToken, CodeLensRefreshRequest, ConfigurationRequest, type CodeLens, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { exactModeLens } from '../server/analyzers/exact-mode-lens';
import { openPythonDocuments, PythonDocuments } from '../server/analyzers/pytorch-documents';
import { pytorchSource, PytorchSource } from '../server/analyzers/pytorch-source';
import type { AnalyzerContext } from '../server/analyzers/registry';
import { DiagnosticsHub } from '../server/diagnostics';
import { DEFAULT_SETTINGS, ProfileExactlyRequest, ProfileRequest } from '../common/protocol';
import { FIXTURES } from './helpers/fixtures';
import { SUITE_MS } from './helpers/limits';
import { LspClient, uri, waitFor } from './helpers/lsp-client';
import { generatedPythonFile, PYTORCH_FIXTURES, random, randomEdit } from './helpers/python-source';

const HALF_TYPED = `import torch
import torch.nn as nn


class Good(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4096, 1000)

    def forward(self, x):
        return self.fc(x)


class Typing(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 64, kernel_size=3
        self.fc = nn.Linear(64,

    def forw
`;

const HOSTILE = `import torch
import torch.nn as nn


# floplens: input=(2, 4)
class _Evil_Net_(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleDict({'<img src=x onerror=alert(1)>': nn.Linear(4, 4), '**b**|[x](y)': nn.Linear(4, 2)})

    def forward(self, x):
        return self.heads['<img src=x onerror=alert(1)>'](x)
`;

describe('PyTorch source lenses, hovers and diagnostics over stdio', { timeout: SUITE_MS }, () => {
  let root: string;
  let ws: string;
  let client: LspClient;
  let refreshes = 0;
  const file = (name: string): string => path.join(ws, name);
  const lensAt = async (name: string, line: number): Promise<string[]> =>
    (await client.lenses(file(name))).filter((l: CodeLens) => l.range.start.line === line).map((l) => l.command!.title);

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-py-'));
    ws = path.join(root, 'ws');
    fs.mkdirSync(ws);
    for (const name of ['seed002_mynet.py', 'seed004_unused.py', 'seed004_shared.py']) fs.copyFileSync(path.join(PYTORCH_FIXTURES, name), file(name));
    // Copies for the tests that edit or budget them, so each test reads its own file.
    fs.copyFileSync(path.join(PYTORCH_FIXTURES, 'seed002_mynet.py'), file('edited.py'));
    fs.copyFileSync(path.join(PYTORCH_FIXTURES, 'seed002_mynet.py'), file('budgeted.py'));
    fs.writeFileSync(file('half_typed.py'), HALF_TYPED);
    fs.writeFileSync(file('hostile.py'), HOSTILE);
    client = await LspClient.start({
      workspace: ws,
      capabilities: { workspace: { configuration: true, workspaceFolders: true, codeLens: { refreshSupport: true } } },
      setup: (conn) => conn.onRequest(CodeLensRefreshRequest.type, () => void refreshes++),
    });
    for (const name of fs.readdirSync(ws)) await client.open(file(name), 'python');
  });

  after(async () => {
    await client?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test("seed 002: the class lens with totals at the file's own input, conv7's and fc3's lenses", async () => {
    const [cls] = await lensAt('seed002_mynet.py', 3);
    assert.equal(cls, 'MyNet · 132.86 M params · 90.62 G MACs @ input (12, 1, 224, 224) · from summary(...) line 102');
    assert.deepEqual(await lensAt('seed002_mynet.py', 58), ['2,359,808 params · 5.55 G MACs · out (12, 512, 14, 14)']);
    const [fc3] = await lensAt('seed002_mynet.py', 75);
    assert.match(fc3, /^4,097,000 params · 49\.15 M MACs · out \(12, 1000\)$/);
    // Every layer line has its lens, no line twice.
    const lines = (await client.lenses(file('seed002_mynet.py'))).map((l) => l.range.start.line);
    assert.equal(lines.length, 17);
    assert.equal(new Set(lines).size, 17);
  });

  test('hover on conv7: the parameter formula, the MACs formula, shapes and FLOPs', async () => {
    const h = await client.hover(file('seed002_mynet.py'), 60, 15);
    assert.ok(h);
    assert.ok(h.includes('(3·3·512 + 1)·512 = 2,359,808'), h);
    assert.ok(h.includes('MACs = 3·3·512 · 512·14·14 · batch 12 = 5,549,064,192 (5.55 G)'), h);
    assert.ok(h.includes('Input (12, 512, 14, 14) → output (12, 512, 14, 14)'), h);
    assert.match(h, /FLOPs = [\d,]+ \(11\.1 G\)/);
    const cls = await client.hover(file('seed002_mynet.py'), 3, 8);
    assert.ok(cls?.includes('| Params | 132.86 M (132,862,184) |'), cls);
    assert.ok(cls?.includes('Input (12, 1, 224, 224): summary(net, (12,1,224,224)) (torchinfo) on line 102.'), cls);
    assert.ok(cls?.includes('| conv4 | Conv2d | 22.2 G | 590,080 |'), cls);
    assert.equal(await client.hover(file('seed002_mynet.py'), 0, 3), undefined, 'nothing over the imports');
  });

  test('seed 004: an unused module gets a warning with the exact message on its line; its params are counted apart', async () => {
    const d = await waitFor('diagnostics of seed004_unused.py', () => client.diagnosticsOf(file('seed004_unused.py')));
    const unused = d.filter((x) => x.code === 'unused-module');
    assert.equal(unused.length, 1);
    assert.equal(unused[0].message, 'conv2 is never used in forward(): its 9 parameters are counted by model.parameters() but do no work');
    assert.equal(unused[0].severity, 2);
    assert.equal(unused[0].source, 'floplens');
    assert.equal(unused[0].range.start.line, 11);
    assert.match((await lensAt('seed004_unused.py', 7))[0], /^BaseNet · 9 params \+ 9 unused · 4\.72 M MACs @ input \(1, 1, 512, 512\)/);
    assert.deepEqual(await lensAt('seed004_unused.py', 11), ['9 params · never used in forward()']);
  });

  test('seed 004: a shared conv is counted once and costed twice', async () => {
    assert.deepEqual(await lensAt('seed004_shared.py', 10), ['9 params · 4.72 M MACs · out (1, 1, 512, 512) · called 2× · params counted once · MACs ×2']);
    assert.match((await lensAt('seed004_shared.py', 7))[0], /^BaseNet · 9 params · 4\.72 M MACs/);
  });

  test("an edit of conv7's out_channels updates the lenses; the shape stops at conv8, said in a lens and a diagnostic", async () => {
    await client.edit(file('edited.py'), { start: { line: 60, character: 24 }, end: { line: 60, character: 27 } }, '256');
    assert.deepEqual(await lensAt('edited.py', 58), ['1,179,904 params · 2.77 G MACs · out (12, 256, 14, 14)']);
    assert.deepEqual(await lensAt('edited.py', 65), ['2,359,808 params · shape unknown after line 90']);
    assert.equal((await lensAt('edited.py', 3))[0], 'MyNet · 131.68 M params · ≥ 80.81 G MACs @ input (12, 1, 224, 224) · from summary(...) line 102 · shape unknown after line 90');
    const d = await waitFor('the shape diagnostic', () => client.diagnosticsOf(file('edited.py'))?.find((x) => x.code === 'shape-unknown'));
    assert.equal(d.severity, 3);
    assert.equal(d.range.start.line, 89);
    assert.match(d.message, /^shape unknown after line 90: Conv2d: Conv: input has 256 channels but the weight expects 512/);
    // A line added above moves every lens; the figures stay.
    await client.edit(file('edited.py'), { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, '# floplens: input=(2, 1, 224, 224)\n');
    assert.deepEqual(await lensAt('edited.py', 59), ['1,179,904 params · 462.42 M MACs · out (2, 256, 14, 14)']);
    assert.match((await lensAt('edited.py', 4))[0], /@ input \(2, 1, 224, 224\) · from # floplens line 4 · shape unknown after line 91$/);
  });

  test('a budget for the class: a diagnostic on the class line naming the figure, the budget and the top layers', async () => {
    await client.configure({ budgets: [{ glob: '**/budgeted.py', class: 'MyNet', macs: '50G', params: '1G' }] });
    const d = await waitFor('the budget diagnostic', () => client.diagnosticsOf(file('budgeted.py'))?.find((x) => x.code === 'budget'));
    assert.equal(d.message, 'MyNet: MACs 90.62 G exceed the budget of 50 G (floplens.budgets "**/budgeted.py" class "MyNet"); largest: conv4 22.2 G, conv6 22.2 G, conv2 11.1 G');
    assert.equal(d.severity, 2);
    assert.equal(d.range.start.line, 3);
    assert.match((await lensAt('budgeted.py', 3))[0], / · over budget$/);
    assert.match((await client.hover(file('budgeted.py'), 3, 8)) ?? '', /\*\*Budget\*\*: MACs 90\.62 G exceed the budget of 50 G/);
    // Another class name, or the budget raised: the diagnostic goes.
    await client.configure({ budgets: [{ glob: '**/budgeted.py', class: 'Other*', macs: '50G' }] });
    await waitFor('the budget diagnostic gone', () => !client.diagnosticsOf(file('budgeted.py'))?.some((x) => x.code === 'budget'));
    // Settings changes republish every open file's diagnostics: wait for that, not for a time.
    const published = client.publications.get(uri(file('budgeted.py'))) ?? 0;
    await client.configure({ budgets: [{ glob: '**/*.py', macs: '100G' }], budgetSeverity: 'error' });
    await waitFor('diagnostics under the 100 G budget', () => (client.publications.get(uri(file('budgeted.py'))) ?? 0) > published);
    assert.ok(!client.diagnosticsOf(file('budgeted.py'))?.some((x) => x.code === 'budget'));
    await client.configure({ budgets: [{ glob: '**/*.py', macs: '1G' }], budgetSeverity: 'error' });
    const over = await waitFor('every class over 1 G', () => client.diagnosticsOf(file('budgeted.py'))?.find((x) => x.code === 'budget'));
    assert.equal(over.severity, 1);
    assert.match(over.message, /\(floplens\.budgets "\*\*\/\*\.py"\)/);
    await client.configure({});
  });

  test('a half-typed class does not take the lenses of the classes that parse', async () => {
    assert.match((await lensAt('half_typed.py', 4))[0], /^Good · 4\.1 M params · no input shape: add "# floplens: input=\(1, 3, 224, 224\)" or set floplens\.defaultInputShape$/);
    assert.deepEqual(await lensAt('half_typed.py', 7), ['4,097,000 params']);
    // Typing on: the lenses follow, and the class that parses keeps its figures.
    await client.edit(file('half_typed.py'), { start: { line: 16, character: 50 }, end: { line: 16, character: 50 } }, ')');
    assert.deepEqual(await lensAt('half_typed.py', 7), ['4,097,000 params']);
  });

  test('floplens.defaultInputShape: classes the file gives no input get MACs, and the lens says where the shape came from', async () => {
    const before = refreshes;
    await client.configure({ defaultInputShape: [2, 4096] });
    await waitFor('the editor asked to fetch lenses again', () => refreshes > before);
    const lens = await waitFor('the lens with the setting', async () => (await lensAt('half_typed.py', 4)).find((t) => t.includes('@ input')));
    assert.equal(lens, 'Good · 4.1 M params · 8.19 M MACs @ input (2, 4096) · from setting floplens.defaultInputShape');
    assert.deepEqual(await lensAt('half_typed.py', 7), ['4,097,000 params · 8.19 M MACs · out (2, 1000)']);
    await client.configure({ defaultInputShape: [1, 'x'] as unknown as number[] });
    await waitFor('the setting rejected', () => client.messages.find((m) => m.includes('floplens.defaultInputShape')));
    await client.configure({});
    assert.match((await lensAt('half_typed.py', 4))[0], /no input shape/);
  });

  test('names from the file are escaped in hovers', async () => {
    const cls = await client.hover(file('hostile.py'), 5, 8);
    assert.ok(cls);
    assert.ok(cls.includes('**\\_Evil\\_Net\\_**'), cls);
    assert.ok(cls.includes('heads.&lt;img src=x onerror=alert(1)&gt;'), cls);
    assert.ok(!cls.includes('<img'), 'no raw HTML from a module name');
    const layer = await client.hover(file('hostile.py'), 8, 110);
    assert.ok(layer?.includes('**heads.\\*\\*b\\*\\*\\|\\[x\\](y)**'), layer);
  });

  test('a file over 2,000,000 characters: no lenses, and one Information diagnostic on line 1 saying why and the limit', async () => {
    const big = file('generated_big.py');
    const text = `${HALF_TYPED}${'# padding\n'.repeat(200_001)}`;
    await client.open(big, 'python', text);
    const [d, ...more] = await waitFor('the diagnostic of the large file', () => (client.diagnosticsOf(big)?.length ? client.diagnosticsOf(big) : undefined));
    assert.deepEqual(more, []);
    assert.equal(d.message, `FlopLens does not analyze this file: it has ${text.length.toLocaleString('en-US')} characters, more than the 2,000,000 it reads in a Python file`);
    assert.equal(d.severity, 3);
    assert.equal(d.range.start.line, 0);
    assert.deepEqual(await client.lenses(big), []);
    await client.close(big);
  });

  test('closing a document withdraws its diagnostics', async () => {
    await waitFor('diagnostics of seed004_unused.py', () => client.diagnosticsOf(file('seed004_unused.py'))?.length);
    await client.close(file('seed004_unused.py'));
    await waitFor('diagnostics cleared', () => client.diagnosticsOf(file('seed004_unused.py'))?.length === 0);
  });

  test('the server logged no errors', () => {
    assert.deepEqual(client.errors(), []);
  });
});

describe('a worker that dies or runs out of time: the file says why, the server serves the others', { timeout: SUITE_MS }, () => {
  // The hooks of server/worker-faults.ts: files named floplens-fault-exit/-oom/-hang make the
  // worker that analyzes them exit, run out of its (small, here) heap, or block forever.
  // The budget every job of this server gets, the small files' too: the product's own 30 s, so
  // only the hanging job can reach it, however loaded the machine (the hang test waits it out).
  const JOB_SECONDS = 30;
  let root: string;
  let client: LspClient;
  const file = (name: string): string => path.join(root, name);
  const SMALL = ['import torch.nn as nn', '', '', '# floplens: input=(1, 4)', 'class Small(nn.Module):', '    def __init__(self):', '        super().__init__()', '        self.fc = nn.Linear(4, 2)', '', '    def forward(self, x):', '        return self.fc(x)', ''].join('\n');

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-faults-'));
    for (const name of ['floplens-fault-exit.py', 'floplens-fault-oom.py', 'floplens-fault-hang.py', 'after_exit.py', 'after_oom.py', 'after_hang.py']) fs.writeFileSync(file(name), SMALL);
    for (const name of ['floplens-fault-exit.onnx', 'fine.onnx']) fs.copyFileSync(path.join(FIXTURES, 'shared_conv.onnx'), file(name));
    client = await LspClient.start({
      workspace: root,
      env: { FLOPLENS_TEST_WORKER_FAULTS: '1', FLOPLENS_WORKER_HEAP_MB: '128', FLOPLENS_JOB_SECONDS: String(JOB_SECONDS) },
    });
  });

  after(async () => {
    await client?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  /** Opens the faulty file: its one lens and its diagnostic say why; a file opened after it gets its lenses. */
  async function stopsThenServes(fault: string, after: string, reason: RegExp): Promise<void> {
    await client.open(file(fault), 'python');
    const lenses = await client.lenses(file(fault));
    assert.equal(lenses.length, 1, JSON.stringify(lenses));
    assert.equal(lenses[0].range.start.line, 0);
    assert.match(lenses[0].command!.title, reason);
    const [d, ...more] = await waitFor(`the diagnostic of ${fault}`, () => (client.diagnosticsOf(file(fault))?.length ? client.diagnosticsOf(file(fault)) : undefined));
    assert.deepEqual(more, []);
    assert.equal(d.message, lenses[0].command!.title);
    assert.equal(d.severity, 2);
    await client.open(file(after), 'python');
    const titles = (await client.lenses(file(after))).map((l) => l.command!.title);
    assert.deepEqual(titles, ['Small · 10 params · 8 MACs @ input (1, 4) · from # floplens line 4', '10 params · 8 MACs · out (1, 2)']);
  }

  test('a worker that crashes (exits)', async () => {
    await stopsThenServes('floplens-fault-exit.py', 'after_exit.py', /^analysis stopped: the worker crashed \(exit code 70\)$/);
  });

  test('a worker out of memory', async () => {
    await stopsThenServes('floplens-fault-oom.py', 'after_oom.py', /^analysis stopped: out of memory \(over the 128 MB the analysis may use\)$/);
  });

  test('a job that never ends is stopped at the budget', async () => {
    await stopsThenServes('floplens-fault-hang.py', 'after_hang.py', new RegExp(`^analysis stopped: took longer than ${JOB_SECONDS} s$`));
  });

  test('a profile worker that dies: the model gets one error saying why, the other models are profiled', async () => {
    const dead = await client.conn.sendRequest(ProfileRequest, { uri: uri(file('floplens-fault-exit.onnx')) });
    assert.equal(dead.error, 'floplens-fault-exit.onnx: analysis stopped: the worker crashed (exit code 70)');
    const fine = await client.conn.sendRequest(ProfileRequest, { uri: uri(file('fine.onnx')) });
    assert.equal(fine.error, undefined);
    assert.equal(fine.report?.totals.params, 9);
  });

  test('a stopped analysis is not tried again until the text changes; an edit tries again', async () => {
    // Jobs handed to the worker while held are said on stderr: none for the same text.
    const held = (): number => client.logs.join('').split('FlopLens: holding python floplens-fault-exit.py').length - 1;
    client.holdJobs();
    const before = held();
    assert.match((await client.lenses(file('floplens-fault-exit.py')))[0].command!.title, /^analysis stopped/);
    client.releaseJobs();
    assert.equal(held(), before);
    await client.edit(file('floplens-fault-exit.py'), { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, '# edited\n');
    assert.match((await client.lenses(file('floplens-fault-exit.py')))[0].command!.title, /^analysis stopped: the worker crashed/);
    // Hovers on the other files are still answered.
    assert.match((await client.hover(file('after_exit.py'), 4, 8)) ?? '', /\*\*Small\*\*/);
  });

  test('the server logged no errors', () => {
    assert.deepEqual(client.errors(), []);
  });
});

describe('requests that arrive before the settings are read wait for them', { timeout: SUITE_MS }, () => {
  let root: string;
  let client: LspClient;
  let asked!: () => void;
  const settingsAsked = new Promise<void>((resolve) => (asked = resolve));
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  const PYTHON = '/nonexistent/floplens-configured-python';

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-settings-'));
    fs.writeFileSync(path.join(root, 'net.py'), ['import torch.nn as nn', '', '', '# floplens: input=(1, 4)', 'class Small(nn.Module):', '    def __init__(self):', '        super().__init__()', '        self.fc = nn.Linear(4, 2)', '', '    def forward(self, x):', '        return self.fc(x)', ''].join('\n'));
    client = await LspClient.start({
      workspace: root,
      initializationOptions: { workspaceTrusted: true },
      // The settings are answered only when the test says so.
      setup: (conn) =>
        conn.onRequest(ConfigurationRequest.type, async (params) => {
          asked();
          await answered;
          return params.items.map((i) => (i.section === 'floplens' ? { pythonPath: PYTHON } : null));
        }),
    });
  });

  after(async () => {
    answer();
    await client?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('exact mode asked before the settings: runs the configured interpreter, never python3 from PATH', async () => {
    await settingsAsked;
    // Sent before the settings' answer, so the server reads it first (one stream, in order).
    const pending = client.conn.sendRequest(ProfileExactlyRequest, { uri: uri(path.join(root, 'net.py')), className: 'Small' });
    answer();
    const r = await pending;
    assert.equal(r.python, PYTHON);
    assert.equal(r.error, `the Python interpreter "${PYTHON}" was not found: set floplens.pythonPath to a Python with PyTorch`);
  });
});

describe('the analyzer in process', () => {
  const ctx: AnalyzerContext = {
    folderOf: () => undefined,
    modelExtensions: ['.onnx'],
    profile: () => Promise.reject(new Error('no models here')),
    exactModeAvailable: () => false,
    settings: () => DEFAULT_SETTINGS,
  };
  const titles = (ls: CodeLens[]): string[] => ls.map((l) => `${l.range.start.line + 1}: ${l.command?.title}`);
  // The analyzers' shared documents run a Python worker in this process.
  after(() => openPythonDocuments.dispose());

  test('lenses after edits are those of a fresh analyzer', async () => {
    const rnd = random(7);
    let doc = TextDocument.create('file:///ws/models.py', 'python', 1, generatedPythonFile(400));
    const analyzer = new PytorchSource();
    await analyzer.codeLenses(doc, ctx);
    // The fresh analyzers share one worker, each a first analysis of the text.
    const wholeFile = new PythonDocuments();
    for (let i = 0; i < 10; i++) {
      const e = randomEdit(doc.getText(), rnd);
      doc = TextDocument.update(doc, [{ range: { start: doc.positionAt(e.start), end: doc.positionAt(e.end) }, text: e.text }], doc.version + 1);
      analyzer.changed(doc, ctx);
      const got = await analyzer.codeLenses(doc, ctx);
      const fresh = new PytorchSource(undefined, wholeFile);
      const expected = await fresh.codeLenses(doc, ctx);
      fresh.dispose();
      assert.deepEqual(titles(got), titles(expected), `edit ${i}: ${JSON.stringify(e)}`);
    }
    analyzer.dispose();
    wholeFile.dispose();
  });

  test("exact mode's lens: the top-level module classes of the analysis the source lenses use", async () => {
    const text = [
      'import torch.nn as nn',
      'import pytorch_lightning as pl',
      'class Net(nn.Module):',
      '    def forward(self, x):',
      '        return x',
      'class Lit(pl.LightningModule):',
      '    pass',
      'def make():',
      '    class Local(nn.Module):',
      '        pass',
      '    return Local()',
      'net = make()',
      '',
    ].join('\n');
    const doc = TextDocument.create('file:///ws/lens.py', 'python', 1, text);
    const available = { ...ctx, exactModeAvailable: () => true };
    await pytorchSource.codeLenses(doc, available);
    const analysis = await openPythonDocuments.analysis(doc, available);
    assert.ok('analysis' in analysis);
    assert.deepEqual(analysis.analysis.classes.map((c) => c.name), ['Net', 'Lit', 'Local']);
    const lenses = await exactModeLens.codeLenses(doc, available, CancellationToken.None);
    assert.equal(await openPythonDocuments.analysis(doc, available), analysis, 'analyzed once for both');
    assert.deepEqual(
      lenses.map((l) => [l.range.start.line, (l.command?.arguments?.[0] as { className: string }).className]),
      [[2, 'Net'], [5, 'Lit']],
    );
    pytorchSource.closed(doc.uri, available);
    exactModeLens.closed!(doc.uri, available);
  });

  test('DiagnosticsHub: each owner replaces its own diagnostics of a URI, the client gets them all', () => {
    const sent: [string, string[]][] = [];
    const hub = new DiagnosticsHub((uri, ds) => sent.push([uri, ds.map((d) => d.message)]));
    const d = (message: string): Diagnostic => ({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message });
    hub.publish('models', 'file:///a.py', [d('model')]);
    hub.publish('pytorch-source', 'file:///a.py', [d('unused'), d('budget')]);
    hub.publish('models', 'file:///a.py', []);
    hub.publish('pytorch-source', 'file:///a.py', []);
    assert.deepEqual(sent, [
      ['file:///a.py', ['model']],
      ['file:///a.py', ['model', 'unused', 'budget']],
      ['file:///a.py', ['unused', 'budget']],
      ['file:///a.py', []],
    ]);
  });
});
