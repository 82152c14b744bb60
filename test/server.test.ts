/**
 * The language server end to end: dist/server.js over stdio, driven by a real JSON-RPC client
 * acting as the editor, in a temporary workspace of fixture and generated models.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CancellationTokenSource,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
  type CodeLens,
  type Diagnostic,
  type WorkDoneProgressBegin,
} from 'vscode-languageserver-protocol/node';
import {
  ExportReportRequest,
  ListModelsRequest,
  ModelChangedNotification,
  ProfileRequest,
  SetBindingsRequest,
  VerifyShapesRequest,
  WorkspaceTrustNotification,
  type ModelSummary,
  type Settings,
} from '../common/protocol';
import { FIXTURES } from './helpers/fixtures';
import { SUITE_MS } from './helpers/limits';
import { LspClient, uri, waitFor } from './helpers/lsp-client';
import { writeModelFile, type NodeSpec } from './helpers/onnx-builder';

const HOSTILE = '<img src=x onerror=alert(1)>';

describe('language server over stdio', { timeout: SUITE_MS }, () => {
  let root: string;
  let ws: string;
  let client: LspClient;
  const changed: string[] = [];
  const progress = new Map<string, { begin?: WorkDoneProgressBegin; end: boolean }>();
  const model = (name: string): string => path.join(ws, 'models', name);

  const configure = (next: Partial<Settings>): Promise<void> => client.configure(next);
  const diagnosticsOf = (file: string): Diagnostic[] | undefined => client.diagnosticsOf(file);
  const listModels = (): Promise<ModelSummary[]> => client.conn.sendRequest(ListModelsRequest, undefined);

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-ls-'));
    ws = path.join(root, 'ws');
    fs.mkdirSync(path.join(ws, 'models'), { recursive: true });
    for (const name of ['resnet18', 'tiny_transformer', 'shared_conv']) fs.copyFileSync(path.join(FIXTURES, `${name}.onnx`), model(`${name}.onnx`));
    fs.copyFileSync(path.join(FIXTURES, 'shared_conv.onnx'), model('swap.onnx'));
    // Truncated in the middle of the graph: a malformed file.
    fs.writeFileSync(model('broken.onnx'), fs.readFileSync(path.join(FIXTURES, 'resnet18.onnx')).subarray(0, 7000));
    await writeModelFile(model('hostile.onnx'), {
      graph: {
        nodes: [
          { opType: 'MatMul', inputs: ['X', 'W'], outputs: ['H'], name: HOSTILE },
          { opType: 'MatMul', inputs: ['H', 'W2'], outputs: ['Y'], name: '**bold** | [x](javascript:alert(1))' },
        ],
        inputs: [{ name: 'X', shape: [1, 64] }],
        outputs: [{ name: 'Y' }],
        initializers: [
          { name: 'W', dims: [64, 64], rawBytes: 64 * 64 * 4 },
          { name: 'W2', dims: [64, 8], rawBytes: 64 * 8 * 4 },
        ],
      },
    });
    // Tests hold its jobs under way (LspClient.holdJobs) rather than count on it being slow.
    const nodes: NodeSpec[] = [];
    for (let i = 0; i < 20_000; i++) nodes.push({ opType: 'Relu', inputs: [i ? `v${i}` : 'X'], outputs: [`v${i + 1}`], name: `block${Math.floor(i / 10)}/relu${i}` });
    await writeModelFile(model('big.onnx'), { graph: { nodes, inputs: [{ name: 'X', shape: ['n', 64] }], outputs: [{ name: 'v20000' }] } });
    // Real weights inline, so onnxruntime can run it.
    const seq = (n: number, k: number): number[] => Array.from({ length: n }, (_, i) => ((i * k) % 7) / 7 - 0.5);
    await writeModelFile(model('small.onnx'), {
      graph: {
        nodes: [
          { opType: 'Conv', inputs: ['X', 'Wc', 'Bc'], outputs: ['C'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
          { opType: 'Relu', inputs: ['C'], outputs: ['R'] },
          { opType: 'MaxPool', inputs: ['R'], outputs: ['P'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
          { opType: 'Flatten', inputs: ['P'], outputs: ['F'] },
          { opType: 'Gemm', inputs: ['F', 'Wg', 'Bg'], outputs: ['Y'], attrs: { transB: 1 } },
        ],
        inputs: [{ name: 'X', shape: [1, 3, 8, 8] }],
        outputs: [{ name: 'Y' }],
        initializers: [
          { name: 'Wc', dims: [4, 3, 3, 3], values: seq(108, 3) },
          { name: 'Bc', dims: [4], values: [0.1, -0.1, 0.2, 0] },
          { name: 'Wg', dims: [10, 64], values: seq(640, 5) },
          { name: 'Bg', dims: [10], values: seq(10, 1) },
        ],
      },
    });
    // Not models of this workspace: skipped folders.
    for (const dir of ['node_modules/pkg', '.cache']) {
      fs.mkdirSync(path.join(ws, dir), { recursive: true });
      fs.copyFileSync(path.join(FIXTURES, 'shared_conv.onnx'), path.join(ws, dir, 'skipped.onnx'));
    }
    // The user's links: to a model outside the workspace (a data drive, a Hugging Face cache), a
    // dangling one, a loop, and a folder linking back to the workspace (never walked).
    fs.copyFileSync(path.join(FIXTURES, 'shared_conv.onnx'), path.join(root, 'outside.onnx'));
    fs.symlinkSync(path.join(root, 'outside.onnx'), model('link.onnx'));
    fs.symlinkSync(path.join(root, 'gone.onnx'), model('dangling.onnx'));
    fs.symlinkSync(model('loop-b.onnx'), model('loop-a.onnx'));
    fs.symlinkSync(model('loop-a.onnx'), model('loop-b.onnx'));
    fs.symlinkSync(ws, model('again'));
    // Linked models with external weights: beside the real file (found), beside the link only (not).
    fs.mkdirSync(path.join(root, 'cache'));
    for (const name of ['beside.onnx', 'apart.onnx']) {
      await writeModelFile(path.join(root, 'cache', name), {
        graph: {
          nodes: [{ opType: 'MatMul', inputs: ['X', 'W'], outputs: ['Y'] }],
          inputs: [{ name: 'X', shape: [1, 4] }],
          outputs: [{ name: 'Y' }],
          initializers: [{ name: 'W', dims: [4, 2], external: { location: `${name}.data` } }],
        },
      });
      fs.symlinkSync(path.join(root, 'cache', name), model(name));
    }
    const weights = Buffer.from(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]).buffer);
    fs.writeFileSync(path.join(root, 'cache', 'beside.onnx.data'), weights);
    fs.writeFileSync(model('apart.onnx.data'), weights);
    fs.writeFileSync(
      path.join(ws, 'app.py'),
      [
        'import onnxruntime as ort',
        'sess = ort.InferenceSession("models/resnet18.onnx")',
        "tiny = load('models/tiny_transformer.onnx')",
        'hostile = "models/hostile.onnx"',
        'missing = "models/nope.onnx"',
        'outside = "../outside.onnx"',
        'linked = "models/link.onnx"',
        'pattern = "*.onnx"',
        '',
      ].join('\n'),
    );
    fs.mkdirSync(path.join(ws, 'conf'));
    fs.writeFileSync(path.join(ws, 'conf', 'train.yaml'), 'weights: ../models/shared_conv.onnx\nfrom_root: models/shared_conv.onnx\n');

    client = await LspClient.start({
      workspace: ws,
      // Verify Shapes runs the model: the server refuses it in untrusted workspaces (tested below).
      initializationOptions: { workspaceTrusted: true },
      setup: (conn) => {
        conn.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
          const entry = { end: false } as { begin?: WorkDoneProgressBegin; end: boolean };
          progress.set(String(token), entry);
          conn.onProgress(WorkDoneProgress.type, token, (value) => {
            if (value.kind === 'begin') entry.begin = value;
            if (value.kind === 'end') entry.end = true;
          });
        });
        conn.onNotification(ModelChangedNotification, (p) => changed.push(p.uri));
      },
    });
    await client.open(path.join(ws, 'app.py'), 'python');
    await client.open(path.join(ws, 'conf', 'train.yaml'), 'yaml');
  });

  after(async () => {
    await client?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('initialize announces lenses, hovers and workspace folders', () => {
    const init = client.init;
    assert.ok(init.capabilities.codeLensProvider);
    assert.equal(init.capabilities.hoverProvider, true);
    assert.equal(init.capabilities.workspace?.workspaceFolders?.supported, true);
  });

  test('ListModels: every model of the workspace with exact totals, linked ones too, nothing from skipped folders', async () => {
    const list = await listModels();
    // No dangling link, no loop, nothing through the folder linking back (models/again/…).
    const names = list.map((m) => path.relative(path.join(ws, 'models'), new URL(m.uri).pathname)).sort();
    const expected = ['apart', 'beside', 'big', 'broken', 'hostile', 'link', 'resnet18', 'shared_conv', 'small', 'swap', 'tiny_transformer'];
    assert.deepEqual(names, expected.map((n) => `${n}.onnx`));
    const resnet = list.find((m) => m.uri === uri(model('resnet18.onnx')))!;
    assert.equal(resnet.macs, 1_814_073_344);
    assert.equal(resnet.params, 11_684_712);
    assert.equal(resnet.overBudget, false);
    assert.equal(list.find((m) => m.uri.endsWith('/tiny_transformer.onnx'))!.macs, '256·batch·seq^2 + 129536·batch·seq');
    const broken = list.find((m) => m.uri.endsWith('/broken.onnx'))!;
    assert.match(broken.error ?? '', /^broken\.onnx: /);
    assert.equal(broken.macs, undefined);
  });

  test('ProfileRequest with bindings, then served from the cache', async () => {
    const params = { uri: uri(model('tiny_transformer.onnx')), bindings: { dims: { batch: 1, seq: 16 } } };
    const r = await client.conn.sendRequest(ProfileRequest, params);
    assert.equal(r.error, undefined);
    assert.equal(r.report?.totals.macs, 256 * 16 ** 2 + 129536 * 16);
    assert.deepEqual(r.bindings, { dims: { batch: 1, seq: 16 } });
    assert.deepEqual(r.budget, { violations: [] });
    const again = await client.conn.sendRequest(ProfileRequest, { uri: params.uri, bindings: { dims: { seq: 16, batch: 1 } } });
    assert.equal(again.profileMs, 0);
    assert.equal(again.report?.totals.macs, r.report?.totals.macs);
  });

  test('a malformed model gets one Error diagnostic and the others are still served', async () => {
    const d = await waitFor('diagnostics of broken.onnx', () => diagnosticsOf(model('broken.onnx')));
    assert.equal(d.length, 1);
    assert.equal(d[0].severity, 1);
    assert.equal(d[0].source, 'floplens');
    assert.match(d[0].message, /^broken\.onnx: /);
    assert.deepEqual(d[0].range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    const r = await client.conn.sendRequest(ProfileRequest, { uri: uri(model('shared_conv.onnx')) });
    assert.equal(r.report?.totals.params, 9);
    assert.deepEqual(diagnosticsOf(model('resnet18.onnx')), []);
  });

  const lenses = (file: string): Promise<CodeLens[]> => client.lenses(file);

  test('code lenses on the lines naming models, with totals, opening the profile', async () => {
    const ls = await lenses(path.join(ws, 'app.py'));
    const byLine = new Map(ls.map((l) => [l.range.start.line, l]));
    assert.deepEqual([...byLine.keys()].sort(), [1, 2, 3, 6], 'no lens for a missing file, a path outside the folder, a bare glob');
    assert.equal(byLine.get(6)!.command!.title, 'link.onnx · 9 params · 4.719 M MACs · 9.437 M FLOPs', 'a link inside the folder is followed wherever it leads');
    const resnet = byLine.get(1)!;
    assert.equal(resnet.command?.title, 'resnet18.onnx · 11.68 M params · 1.814 G MACs · 3.636 G FLOPs');
    assert.equal(resnet.command?.command, 'floplens.openProfile');
    assert.deepEqual(resnet.command?.arguments, [uri(model('resnet18.onnx'))]);
    assert.deepEqual(resnet.range, { start: { line: 1, character: 29 }, end: { line: 1, character: 49 } });
    assert.equal(byLine.get(2)!.command!.title, 'tiny_transformer.onnx · 195.9 K params · 256·batch·seq² + 129.5 K·batch·seq MACs · 552·batch·seq² + 263.4 K·batch·seq + 16 FLOPs');
    const yaml = await lenses(path.join(ws, 'conf', 'train.yaml'));
    assert.deepEqual(
      yaml.map((l) => [l.range.start.line, l.command?.title]),
      [
        [0, 'shared_conv.onnx · 9 params · 4.719 M MACs · 9.437 M FLOPs'],
        [1, 'shared_conv.onnx · 9 params · 4.719 M MACs · 9.437 M FLOPs'],
      ],
    );
  });

  const hover = (file: string, line: number, character: number): Promise<string | undefined> => client.hover(file, line, character);

  test('hover: totals, inputs and top layers, every name escaped', async () => {
    const resnet = await hover(path.join(ws, 'app.py'), 1, 40);
    assert.ok(resnet);
    assert.match(resnet, /\| Params \| 11\.68 M \(11,684,712\) \|/);
    assert.match(resnet, /\| MACs \| 1\.814 G \(1,814,073,344\) \|/);
    assert.match(resnet, /\| input \| float \| 1×3×224×224 \|/);
    assert.match(resnet, /\| conv1/);
    assert.match(resnet, /Budget: none/);
    const hostile = await hover(path.join(ws, 'app.py'), 3, 15);
    assert.ok(hostile);
    assert.ok(hostile.includes('&lt;img src=x onerror=alert(1)&gt;'), hostile);
    assert.ok(!hostile.includes('<img'), 'no raw HTML from a node name');
    assert.ok(hostile.includes('\\*\\*bold\\*\\* \\| \\[x\\](javascript:alert(1))'), hostile);
    assert.equal(await hover(path.join(ws, 'app.py'), 0, 5), undefined, 'nothing away from model paths');
  });

  test('budgets: a warning per figure over budget with the top layers, gone when the budget is raised', async () => {
    const resnet = model('resnet18.onnx');
    await configure({ budgets: [{ glob: '**/resnet18.onnx', macs: '1G' }] });
    const d = await waitFor('budget diagnostic', () => diagnosticsOf(resnet)?.length === 1 && diagnosticsOf(resnet));
    assert.equal(d[0].severity, 2);
    assert.equal(d[0].source, 'floplens');
    assert.equal(
      d[0].message,
      'MACs 1.814 G exceed the budget of 1 G (floplens.budgets "**/resnet18.onnx"); largest: conv1/Conv 118 M, layer1/layer1.0/conv1/Conv 115.6 M, layer1/layer1.0/conv2/Conv 115.6 M',
    );
    const r = await client.conn.sendRequest(ProfileRequest, { uri: uri(resnet) });
    assert.deepEqual(r.budget.limits, { macs: 1e9 });
    assert.equal(r.budget.source, '**/resnet18.onnx');
    assert.equal(r.budget.violations[0].value, 1_814_073_344);
    assert.match((await lenses(path.join(ws, 'app.py'))).find((l) => l.range.start.line === 1)!.command!.title, / · over budget$/);
    await configure({ budgets: [{ glob: '**/resnet18.onnx', macs: '2G', params: '10M' }], budgetSeverity: 'error' });
    const raised = await waitFor('params diagnostic only', () => diagnosticsOf(resnet)?.[0]?.message.startsWith('parameters') && diagnosticsOf(resnet));
    assert.equal(raised.length, 1);
    assert.equal(raised[0].severity, 1);
    await configure({ budgets: [{ glob: '**/resnet18.onnx', macs: '2G' }] });
    await waitFor('diagnostics cleared', () => diagnosticsOf(resnet)?.length === 0);
  });

  test('an invalid budget string: an Error diagnostic and a message naming the setting and the string', async () => {
    await configure({ budgets: [{ glob: '**/resnet18.onnx', macs: 'lots' }] });
    const d = await waitFor('invalid budget diagnostic', () => diagnosticsOf(model('resnet18.onnx'))?.length === 1 && diagnosticsOf(model('resnet18.onnx')));
    assert.equal(d[0].severity, 1);
    assert.match(d[0].message, /^floplens\.budgets "\*\*\/resnet18\.onnx": invalid macs budget "lots"/);
    const m = await waitFor('showMessage', () => client.messages.find((x) => x.includes('"lots"')));
    assert.match(m, /floplens\.budgets/);
  });

  test('a budget on a symbolic figure says it cannot be checked and which symbols to bind', async () => {
    await configure({ defaultBudget: { macs: '1G' } });
    const tiny = model('tiny_transformer.onnx');
    const d = await waitFor('unchecked budget', () => diagnosticsOf(tiny)?.length === 1 && diagnosticsOf(tiny));
    assert.equal(d[0].severity, 2);
    assert.match(d[0].message, /^the MACs budget of 1 G \(floplens\.defaultBudget\) cannot be checked: .*bind batch, seq/);
    // Binding the dims in the settings re-profiles: 2,138,112 MACs fit in 1 G.
    await configure({ defaultBudget: { macs: '1G' }, dims: { batch: 1, seq: 16, height: 8 } });
    await waitFor('budget met once bound', () => diagnosticsOf(tiny)?.length === 0);
    // Settings bind the symbols each model has; others are no error.
    assert.deepEqual((await client.conn.sendRequest(ProfileRequest, { uri: uri(tiny) })).bindings, { dims: { batch: 1, seq: 16 } });
    const resnet = await client.conn.sendRequest(ProfileRequest, { uri: uri(model('resnet18.onnx')) });
    assert.equal(resnet.error, undefined);
    assert.deepEqual(resnet.bindings, {});
    const list = await listModels();
    assert.equal(list.find((m) => m.uri === uri(tiny))!.macs, 2_138_112);
    await configure({});
    await waitFor('symbolic again', async () => (await client.conn.sendRequest(ProfileRequest, { uri: uri(tiny) })).report?.totals.macs !== 2_138_112);
  });

  test('a model linked from outside the workspace gets its budget diagnostic, as one found there', async () => {
    const link = model('link.onnx');
    await configure({ budgets: [{ glob: 'models/link.onnx', macs: '1M' }] });
    const d = await waitFor('budget diagnostic of link.onnx', () => diagnosticsOf(link)?.length === 1 && diagnosticsOf(link));
    assert.match(d[0].message, /^MACs 4\.719 M exceed the budget of 1 M \(floplens\.budgets "models\/link\.onnx"\)/);
    await configure({});
    await waitFor('diagnostics cleared', () => diagnosticsOf(link)?.length === 0);
  });

  test('a dangling link and a loop of links: skipped by the scan, one line when asked for', async () => {
    for (const [name, why] of [['dangling.onnx', 'no such file'], ['loop-a.onnx', 'a loop of symbolic links']] as const) {
      const r = await client.conn.sendRequest(ProfileRequest, { uri: uri(model(name)) });
      assert.equal(r.error, `${name}: ${why}`);
      assert.equal(r.report, undefined);
    }
    assert.equal(diagnosticsOf(model('dangling.onnx')), undefined, 'not a model of the workspace');
  });

  test("a linked model's external data is read beside the real file, never beside the link", async () => {
    const missing = /external data file "\w+\.onnx\.data" is (not there|missing)/;
    const beside = await client.conn.sendRequest(ProfileRequest, { uri: uri(model('beside.onnx')) });
    assert.equal(beside.report?.totals.params, 8);
    assert.deepEqual(beside.report?.warnings.filter((w) => missing.test(w)), []);
    const runs = await client.conn.sendRequest(VerifyShapesRequest, { uri: uri(model('beside.onnx')) });
    assert.deepEqual({ error: runs.error, compared: runs.compared, mismatches: runs.mismatches }, { error: undefined, compared: 1, mismatches: [] });
    // apart.onnx.data lies beside the link only.
    const apart = await client.conn.sendRequest(ProfileRequest, { uri: uri(model('apart.onnx')) });
    assert.deepEqual(apart.report?.warnings.filter((w) => missing.test(w)), ['external data file "apart.onnx.data" is not there: weights are not needed for counting, but the model cannot run as is']);
    const refused = await client.conn.sendRequest(VerifyShapesRequest, { uri: uri(model('apart.onnx')) });
    assert.match(refused.error ?? '', /^apart\.onnx: external data file "apart\.onnx\.data" is missing/);
  });

  test('SetBindings re-profiles the model with its own bindings', async () => {
    const tiny = uri(model('tiny_transformer.onnx'));
    const before = changed.length;
    const r = await client.conn.sendRequest(SetBindingsRequest, { uri: tiny, bindings: { dims: { batch: 2, seq: 8 } } });
    assert.equal(r.report?.totals.macs, 2 * (256 * 64 + 129536 * 8));
    await waitFor('ModelChanged', () => changed.slice(before).includes(tiny));
    const current = await client.conn.sendRequest(ProfileRequest, { uri: tiny });
    assert.deepEqual(current.bindings, { dims: { batch: 2, seq: 8 } });
    const bad = await client.conn.sendRequest(SetBindingsRequest, { uri: tiny, bindings: { dims: { batch: 1.5 } } });
    assert.equal(bad.error, 'tiny_transformer.onnx: dim "batch" needs a whole number ≥ 1, not 1.5');
  });

  test('bindings the model does not have: the rules\' sentence, naming what it has', async () => {
    const tiny = uri(model('tiny_transformer.onnx'));
    const dim = await client.conn.sendRequest(ProfileRequest, { uri: tiny, bindings: { dims: { 'seq-len': 3 } } });
    assert.equal(dim.error, 'tiny_transformer.onnx: unknown dim "seq-len": the model\'s symbols are batch, seq');
    const input = await client.conn.sendRequest(ProfileRequest, { uri: tiny, bindings: { inputShapes: { foo: [1, 3] } } });
    assert.equal(input.error, 'tiny_transformer.onnx: unknown input "foo": the model\'s only input is tokens');
    const zero = await client.conn.sendRequest(ProfileRequest, { uri: tiny, bindings: { inputShapes: { tokens: [0, 3] } } });
    assert.equal(zero.error, 'tiny_transformer.onnx: bad dim "0" in the shape "0x3" of input "tokens": use whole numbers ≥ 1 or symbol names');
  });

  test('a changed file is re-profiled (ModelChanged), a deleted one forgotten with its diagnostics', async () => {
    const swap = model('swap.onnx');
    const before = changed.length;
    fs.copyFileSync(path.join(FIXTURES, 'resnet18.onnx'), swap);
    await client.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri(swap), type: FileChangeType.Changed }] });
    await waitFor('ModelChanged for swap.onnx', () => changed.slice(before).includes(uri(swap)));
    const list = await listModels();
    assert.equal(list.find((m) => m.uri === uri(swap))!.macs, 1_814_073_344);

    fs.rmSync(model('broken.onnx'));
    await client.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri(model('broken.onnx')), type: FileChangeType.Deleted }] });
    await waitFor('diagnostics cleared for broken.onnx', () => diagnosticsOf(model('broken.onnx'))?.length === 0);
    assert.ok(!(await listModels()).some((m) => m.uri.endsWith('/broken.onnx')));
  });

  // The next three hold the server's jobs under way (LspClient.holdJobs), so what they catch in
  // flight is there on any machine, however fast or loaded.

  test('$/progress begin and end around a long profile', async () => {
    // A fresh profile (new bindings) of the 20,000-node model, held until its progress shows.
    const before = progress.size;
    client.holdJobs();
    try {
      const pending = client.conn.sendRequest(ProfileRequest, { uri: uri(model('big.onnx')), bindings: { dims: { n: 3 } } });
      const shown = await waitFor('progress begin for big.onnx', () => [...progress.values()].slice(before).find((p) => p.begin?.title.includes('big.onnx')));
      assert.equal(shown.begin?.cancellable, false);
      client.releaseJobs();
      const r = await pending;
      assert.equal(r.report?.totals.nodes, 20_000);
      assert.ok(r.profileMs > 0);
      await waitFor('progress end for big.onnx', () => shown.end);
    } finally {
      client.releaseJobs();
    }
  });

  test('a request for a newer version of the file supersedes the one in flight: both get the new result', async () => {
    const big = model('big.onnx');
    const params = { uri: uri(big), bindings: { dims: { n: 7 } } };
    const held = client.heldJobs(big);
    client.holdJobs();
    try {
      const older = client.conn.sendRequest(ProfileRequest, params);
      await waitFor('the older job under way', () => client.heldJobs(big) > held);
      const later = new Date(fs.statSync(big).mtimeMs + 5000);
      fs.utimesSync(big, later, later);
      const newer = client.conn.sendRequest(ProfileRequest, params);
      await waitFor('the newer job under way', () => client.heldJobs(big) > held + 1);
      client.releaseJobs();
      const [first, second] = await Promise.all([older, newer]);
      assert.equal(first.report?.totals.nodes, 20_000);
      assert.ok(second.profileMs > 0);
      assert.equal(first.profileMs, second.profileMs, 'one job answered both');
    } finally {
      client.releaseJobs();
    }
  });

  test('$/cancelRequest cancels a profile and the server goes on', async () => {
    const big = model('big.onnx');
    const held = client.heldJobs(big);
    const source = new CancellationTokenSource();
    client.holdJobs();
    try {
      const pending = client.conn.sendRequest(ProfileRequest, { uri: uri(big), bindings: { dims: { n: 5 } } }, source.token);
      await waitFor('the job under way', () => client.heldJobs(big) > held);
      source.cancel();
      await assert.rejects(pending, (e: { code?: number }) => e.code === -32800);
    } finally {
      client.releaseJobs();
    }
    const r = await client.conn.sendRequest(ProfileRequest, { uri: uri(model('shared_conv.onnx')), bindings: { inputShapes: { '': [1, 1, 512, 512] } } });
    assert.equal(r.report?.totals.params, 9);
  });

  test('export in the CLI formats', async () => {
    const u = uri(model('resnet18.onnx'));
    const md = await client.conn.sendRequest(ExportReportRequest, { uri: u, format: 'md' });
    assert.match(md.text, /^## resnet18\.onnx/);
    const csv = await client.conn.sendRequest(ExportReportRequest, { uri: u, format: 'csv' });
    assert.match(csv.text.split('\n')[0], /MACs/);
    const json = JSON.parse((await client.conn.sendRequest(ExportReportRequest, { uri: u, format: 'json' })).text);
    assert.equal(json.totals.macs, 1_814_073_344);
  });

  test('VerifyShapes runs onnxruntime and agrees; missing weights are a clear error', async () => {
    const ok = await client.conn.sendRequest(VerifyShapesRequest, { uri: uri(model('small.onnx')) });
    assert.equal(ok.error, undefined);
    assert.equal(ok.compared, 5);
    assert.deepEqual(ok.mismatches, []);
    const missing = await client.conn.sendRequest(VerifyShapesRequest, { uri: uri(model('resnet18.onnx')) });
    assert.match(missing.error ?? '', /^resnet18\.onnx: external data file "resnet18\.onnx\.data" is missing/);
    assert.equal(missing.compared, 0);
  });

  test('VerifyShapes in an untrusted workspace: refused by the server itself, whatever the client checked', async () => {
    await client.conn.sendNotification(WorkspaceTrustNotification, { trusted: false });
    const refused = await client.conn.sendRequest(VerifyShapesRequest, { uri: uri(model('small.onnx')) });
    assert.deepEqual(refused, {
      compared: 0,
      mismatches: [],
      error: 'Verify Shapes runs the model in ONNX Runtime, so it is available in trusted workspaces only: trust this workspace (Manage Workspace Trust) to use it.',
    });
    await client.conn.sendNotification(WorkspaceTrustNotification, { trusted: true });
    assert.equal((await client.conn.sendRequest(VerifyShapesRequest, { uri: uri(model('small.onnx')) })).compared, 5);
  });

  test('the server logged no errors', () => {
    assert.deepEqual(client.errors(), []);
  });
});
