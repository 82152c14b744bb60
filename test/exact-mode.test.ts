/**
 * Exact mode against torch itself: every class of every PyTorch fixture is built by Debian's
 * python3-torch (/usr/bin/python3), exported to ONNX, profiled by the engine and compared with
 * the static analysis — totals and per-layer params and MACs. Then the errors a user can meet,
 * the refusal in untrusted workspaces, the lens, the result texts, and the language server's
 * wiring (bundled script, worker pool, trust notification) over stdio.
 *
 * Nothing here depends on the machine's speed: exports run under a limit no healthy run nears
 * (SUITE_MS), the slowest fixture classes at the smallest input they take, and the timeout and
 * cancel tests use a stand-in script that waits until it is stopped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRequest,
  ConfigurationRequest,
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type CodeLens,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { exactReportMarkdown, exactSummary } from '../client/exact-report';
import { exactModeLens } from '../server/analyzers/exact-mode-lens';
import { openPythonDocuments } from '../server/analyzers/pytorch-documents';
import type { AnalyzerContext } from '../server/analyzers/registry';
import { profileExactly, timeoutMs, UNTRUSTED_MESSAGE, type ExactModeDeps } from '../server/exact-mode';
import { DEFAULT_SETTINGS, ProfileExactlyRequest, WorkspaceTrustNotification, type ProfileExactlyResult, type Settings } from '../common/protocol';
import { profileFile } from '../src/formats/profile-file';
import { analyzePython, planBuild, planExact, PythonDocument } from '../src/pytorch';
import { parsePython } from '../src/pytorch/parse';
import { toReportDoc } from '../src/report/json';
import { stopAnalysisClock } from './helpers/analysis-clock';
import { SUITE_MS } from './helpers/limits';
import { waitFor } from './helpers/lsp-client';

stopAnalysisClock();

const ROOT = path.join(__dirname, '..');
const DIR = path.join(__dirname, 'fixtures', 'pytorch');
const PYTHON = '/usr/bin/python3';
const facts: { cases: Record<string, { params: number; macs: number }> } = JSON.parse(fs.readFileSync(path.join(DIR, 'facts.json'), 'utf8'));

/** Classes torch 1.13 cannot build or export, with the error exact mode must give instead. */
const CANNOT: Record<string, { why: string; error: RegExp }> = {
  'resnet18.py:Bottleneck': { why: 'the file never builds a Bottleneck, so it has no input shape (nor arguments)', error: /Bottleneck has no input shape/ },
  'sequence.py:ProjectedLSTM': { why: 'torch 1.13 cannot export an LSTM with proj_size to ONNX', error: /LSTMs with projections/ },
  'layer_zoo.py:Zoo': { why: 'torch 1.13 cannot export an AdaptiveMaxPool2d with uneven bins to ONNX', error: /adaptive_max_pool2d/ },
};

/**
 * Classes whose own input makes the export slow (seed 002's file profiles MyNet at batch 12 ×
 * 224², 90 G MACs) run from a temporary copy whose class line carries `# floplens: input=(…)`,
 * which the analysis takes before the file's own call; at the file's own input the static
 * analysis is checked against torch in pytorch-analyze.test.ts. These are the smallest inputs the
 * models take: MyNet's fc1 expects 7×7×512 features (224²), ResNet pools adaptively. VGG16 stays
 * at its 224² (the ONNX export of its adaptive pooling to 7×7 needs an even split) and its 138 M
 * parameters take the time whatever the input: only its limit is scaled (EXPORT_LIMIT_S).
 */
const SMALL_INPUT: Record<string, string> = {
  'seed002_mynet.py:MyNet': '(1, 1, 224, 224)',
  'resnet18.py:ResNet': '(1, 3, 64, 64)',
};

/** floplens.exactMode.timeoutSeconds here: these tests check figures, not speed. */
const EXPORT_LIMIT_S = SUITE_MS / 1000;

function deps(over: { trusted?: boolean; settings?: Partial<Settings> } = {}): ExactModeDeps {
  const settings = { ...DEFAULT_SETTINGS, pythonPath: PYTHON, exactMode: { enabled: true, timeoutSeconds: EXPORT_LIMIT_S }, ...over.settings };
  return {
    trusted: () => over.trusted ?? true,
    settings: () => settings,
    profile: async (file) => toReportDoc(profileFile(file)),
    // The server plans in its Python worker; here, in process.
    plan: async (_file, text, className, line, defaultInput) => planExact(new PythonDocument(text), className, line, defaultInput),
  };
}

const run = (file: string, className: string, d = deps(), line?: number): Promise<ProfileExactlyResult> =>
  profileExactly(file, { uri: pathToFileURL(file).href, className, ...(line === undefined ? {} : { line }) }, d, new AbortController().signal);

before(() => {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(
      `exact-mode tests need Debian's PyTorch for ${PYTHON} (import torch failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n').pop()}). ` +
        'Install it with: apt-get install python3-torch python3-onnx (.ci/run does this on CI)',
      { cause: e },
    );
  }
});

describe('every fixture class torch can build: static = exact', { concurrency: 2 }, () => {
  let small: string;
  before(() => {
    small = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-exact-small-'));
  });
  after(() => fs.rmSync(small, { recursive: true, force: true }));

  for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.py')).sort()) {
    const text = fs.readFileSync(path.join(DIR, file), 'utf8');
    for (const original of analyzePython(text).classes) {
      const { name, range } = original;
      const key = `${file}:${name}`;
      const cannot = CANNOT[key];
      const input = SMALL_INPUT[key];
      test(cannot ? `${key}: cannot — ${cannot.why}; the error says so` : input ? `${key} at input ${input}` : key, async () => {
        let source = path.join(DIR, file);
        let cls = original;
        if (input) {
          // Same lines, so every layer keeps its line number.
          const lines = text.split('\n');
          lines[range.start.line] += `  # floplens: input=${input}`;
          source = path.join(small, file);
          fs.writeFileSync(source, lines.join('\n'));
          cls = analyzePython(lines.join('\n')).classes.find((c) => c.name === name)!;
          assert.equal(`(${cls.input!.shapes[0]!.join(', ')})`, input, 'the comment gives the input');
        }
        const r = await run(source, name, deps(), range.start.line);
        if (cannot) {
          assert.match(r.error ?? '', cannot.error);
          assert.equal(r.layers.length, 0);
          return;
        }
        assert.equal(r.error, undefined, r.error);
        // torch's own count, the static analysis' and the facts torch-facts.py recorded.
        assert.equal(r.torchParams, cls.totals.params, 'params: torch vs static');
        if (facts.cases[key]) assert.equal(r.torchParams, facts.cases[key]!.params, 'params: torch vs facts.json');
        // Same ONNX op costing on both sides, so MACs are equal to the unit.
        assert.equal(r.exact!.macs, cls.totals.macs, 'MACs: exact vs static');
        assert.deepEqual(r.unmapped, [], 'every ONNX scope maps to a module');
        const compared = r.layers.filter((l) => l.agrees !== null);
        assert.ok(compared.length > 0 || cls.layers.length === 0, 'some layers compared');
        for (const l of compared) {
          assert.equal(l.static!.params, l.params, `${l.path}: params`);
          assert.equal(l.static!.macs, l.macs, `${l.path}: MACs`);
        }
        // Every layer of the static analysis is a module torch has (torch has more: the
        // out_proj inside MultiheadAttention has no static row).
        const torchPaths = new Set(r.layers.map((l) => l.path));
        for (const l of cls.layers) assert.ok(torchPaths.has(l.path), `${l.path} is a module torch has`);
        for (const l of r.layers) if (l.static && l.line !== undefined) assert.equal(l.line, cls.layers.find((s) => s.path === l.path)!.range!.start.line);
        assert.equal(r.agrees, true);
        if (input) assert.deepEqual(r.inputs!.map((i) => `(${i.shape.join(', ')})`), [input], 'torch ran at the small input');
        // Token ids: the first export with float inputs fails in the embedding, ids are retried.
        if (key === 'sequence.py:TinyTransformer') assert.deepEqual(r.inputs, [{ shape: [1, 16], dtype: 'int64' }]);
      });
    }
  }
});

describe('how the module is built', () => {
  test('the file\'s own call, factories, owners; literals keep tuples and floats', () => {
    const src = [
      'import torch.nn as nn',
      'class Block(nn.Module):',
      '    def __init__(self, c):',
      '        super().__init__()',
      '        self.conv = nn.Conv2d(c, c, 3)',
      '    def forward(self, x):',
      '        return self.conv(x)',
      'class Net(nn.Module):',
      '    def __init__(self, c=3, widths=(8,), scale=1.0, act="relu", shift=-2, extra=None, opts={"a": [1, 2]}):',
      '        super().__init__()',
      '        self.block = Block(c)',
      '    def forward(self, x):',
      '        return self.block(x)',
      'def make(c):',
      '    return Net(c)',
      'def build():',
      '    return make(3)',
      'if __name__ == "__main__":',
      '    net = Net(3, widths=(8, 16), scale=1.0, act="relu", shift=-2, extra=None, opts={"a": [1, 2]})',
      '    net(torch.rand(1, 3, 8, 8))',
      '',
    ].join('\n');
    const analysis = analyzePython(src);
    const byName = (n: string) => analysis.classes.find((c) => c.name === n)!;
    const net = planBuild(parsePython(src), analysis, byName('Net'));
    assert.deepEqual(net.args, [3]);
    assert.deepEqual(net.kwargs, { widths: { $tuple: [8, 16] }, scale: { $float: 1 }, act: 'relu', shift: -2, extra: null, opts: { a: [1, 2] } });
    assert.equal(net.text, 'Net(3, widths=(8, 16), scale=1.0, act="relu", shift=-2, extra=None, opts={"a": [1, 2]})');
    const block = planBuild(parsePython(src), analysis, byName('Block'));
    assert.deepEqual({ callee: block.callee, submodule: block.submodule }, { callee: 'Net', submodule: 'block' });

    // Built inside a function with a non-literal argument: the nearest factory the file calls.
    const viaFactory = src.replace(/    net = Net\(.*\)/, '    net = build()');
    const a2 = analyzePython(viaFactory);
    const p2 = planBuild(parsePython(viaFactory), a2, a2.classes.find((c) => c.name === 'Net')!);
    assert.deepEqual({ callee: p2.callee, args: p2.args, text: p2.text }, { callee: 'build', args: [], text: 'build()' });

    // A main() that builds and trains returns nothing: never called as a factory.
    const viaMain = [
      'import torch, torch.nn as nn',
      'C = 3',
      'class Net(nn.Module):',
      '    def __init__(self, c):',
      '        super().__init__()',
      '        self.fc = nn.Linear(c, 2)',
      '    def forward(self, x):',
      '        return self.fc(x)',
      'def main():',
      '    net = Net(C)',
      '    net(torch.rand(1, 3))',
      'if __name__ == "__main__":',
      '    main()',
      '',
    ].join('\n');
    const a3 = analyzePython(viaMain);
    assert.throws(() => planBuild(parsePython(viaMain), a3, a3.classes[0]!), /arguments that are not literals/);
  });
});

describe('errors a user can meet', () => {
  let dir: string;
  /** A stand-in for export_module.py that says it started (the folder it was given) and waits to be stopped. */
  let waiting: string;
  let started: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-exact-test-'));
    started = path.join(dir, 'started');
    waiting = path.join(dir, 'wait_forever.py');
    fs.writeFileSync(
      waiting,
      [
        'import os, sys, time',
        `with open(${JSON.stringify(`${started}.tmp`)}, "w") as f: f.write(sys.argv[sys.argv.index("--out") + 1])`,
        `os.rename(${JSON.stringify(`${started}.tmp`)}, ${JSON.stringify(started)})`,
        'while True:',
        '    time.sleep(60)',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'broken.py'),
      ['import torch.nn as nn', '', '', '# floplens: input=(1, 3)', 'class Broken(nn.Module):', '    def __init__(self):', '        super().__init__()', '        raise ValueError("width must be even")', '', '    def forward(self, x):', '        return x', ''].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'missing_import.py'),
      ['import torch.nn as nn', 'import not_a_module_floplens', '', '# floplens: input=(1, 3)', 'class Net(nn.Module):', '    def forward(self, x):', '        return x', ''].join('\n'),
    );
    // An interpreter without torch: Debian's Python without its site packages.
    fs.writeFileSync(path.join(dir, 'python-no-torch'), `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`, { mode: 0o755 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a class whose __init__ raises: the call, the exception and the line', async () => {
    const r = await run(path.join(dir, 'broken.py'), 'Broken');
    assert.equal(r.error, 'Broken() raised ValueError: width must be even (broken.py line 8)');
    assert.deepEqual(r.layers, []);
  });

  test('a file that cannot be imported', async () => {
    const r = await run(path.join(dir, 'missing_import.py'), 'Net');
    assert.match(r.error ?? '', /^importing missing_import\.py failed: ModuleNotFoundError: No module named 'not_a_module_floplens' \(missing_import\.py line 2\)$/);
  });

  test('a source that is not a regular file is refused without reading it (a FIFO would block)', async () => {
    const fifo = path.join(dir, 'pipe.py');
    execFileSync('mkfifo', [fifo]);
    const r = await run(fifo, 'Net');
    assert.equal(r.error, 'cannot read pipe.py: not a regular file');
  });

  test('an interpreter that does not exist', async () => {
    const r = await run(path.join(DIR, 'seed004_shared.py'), 'BaseNet', deps({ settings: { pythonPath: '/nonexistent/bin/python3' } }));
    assert.equal(r.error, 'the Python interpreter "/nonexistent/bin/python3" was not found: set floplens.pythonPath to a Python with PyTorch');
    assert.equal(r.python, '/nonexistent/bin/python3');
  });

  test('an interpreter without torch: how to install it', async () => {
    const python = path.join(dir, 'python-no-torch');
    const r = await run(path.join(DIR, 'seed004_shared.py'), 'BaseNet', deps({ settings: { pythonPath: python } }));
    assert.match(r.error ?? '', /^torch cannot be imported by .*: No module named 'torch'\. Install PyTorch for this interpreter \(pip install torch onnx; on Debian\/Ubuntu: apt-get install python3-torch python3-onnx\) or choose another one with floplens\.pythonPath$/);
  });

  test('the timeout stops it', async () => {
    // A script that never ends: stopped by the timeout on any machine.
    const d = { ...deps({ settings: { exactMode: { enabled: true, timeoutSeconds: 0.2 } } }), script: waiting };
    const r = await run(path.join(DIR, 'seed004_shared.py'), 'BaseNet', d);
    assert.equal(r.error, `${PYTHON} did not build and export BaseNet() within 0.2 s (floplens.exactMode.timeoutSeconds)`);
  });

  test('a timeout past what a timer holds (2^31 ms) is clamped, not turned into an immediate stop', async () => {
    assert.equal(timeoutMs(120), 120_000);
    assert.equal(timeoutMs(1e7), 2 ** 31 - 1);
    assert.equal(timeoutMs(Number.MAX_VALUE), 2 ** 31 - 1);
    // 10^7 s: the script runs (it says so) until cancelled, instead of being stopped at once.
    fs.rmSync(started, { force: true });
    const abort = new AbortController();
    const d = { ...deps({ settings: { exactMode: { enabled: true, timeoutSeconds: 1e7 } } }), script: waiting };
    const pending = profileExactly(path.join(DIR, 'seed004_shared.py'), { uri: 'file:///x', className: 'BaseNet' }, d, abort.signal);
    await Promise.race([
      waitFor('the script started', () => fs.existsSync(started)),
      pending.then((r) => assert.fail(`ended before it started: ${r.error}`)),
    ]);
    abort.abort();
    await assert.rejects(pending, /cancelled/);
  });

  test("the timeout ends the processes the model's code started too (the whole process group)", async () => {
    // A stand-in that starts `sleep 1000`, says its pid, and waits. The child must be started
    // before the timeout for the test to mean anything: a limit too short for this machine is
    // doubled and the run made again, so the outcome never depends on the machine's speed.
    const pidFile = path.join(dir, 'child.pid');
    const spawner = path.join(dir, 'spawn_child.py');
    fs.writeFileSync(
      spawner,
      [
        'import os, subprocess, time',
        'child = subprocess.Popen(["sleep", "1000"])',
        `with open(${JSON.stringify(`${pidFile}.tmp`)}, "w") as f: f.write(str(child.pid))`,
        `os.rename(${JSON.stringify(`${pidFile}.tmp`)}, ${JSON.stringify(pidFile)})`,
        'while True:',
        '    time.sleep(60)',
        '',
      ].join('\n'),
    );
    /** Gone, or a zombie nobody reaps (a container's init): either way not running. */
    const running = (pid: number): boolean => {
      try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (let seconds = 2; ; seconds *= 2) {
      fs.rmSync(pidFile, { force: true });
      const d = { ...deps({ settings: { exactMode: { enabled: true, timeoutSeconds: seconds } } }), script: spawner };
      const r = await run(path.join(DIR, 'seed004_shared.py'), 'BaseNet', d);
      assert.equal(r.error, `${PYTHON} did not build and export BaseNet() within ${seconds} s (floplens.exactMode.timeoutSeconds)`);
      if (!fs.existsSync(pidFile)) continue;
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      await waitFor(`sleep (pid ${pid}) to be gone`, () => !running(pid));
      break;
    }
  });

  test('untrusted: refused before anything runs; turned off: said so', async () => {
    // A missing interpreter would give its own error: the refusal comes first.
    const untrusted = await run(path.join(DIR, 'seed004_shared.py'), 'BaseNet', deps({ trusted: false, settings: { pythonPath: '/nonexistent/python' } }));
    assert.equal(untrusted.error, UNTRUSTED_MESSAGE);
    const off = await run(path.join(DIR, 'seed004_shared.py'), 'BaseNet', deps({ settings: { exactMode: { enabled: false, timeoutSeconds: 120 } } }));
    assert.equal(off.error, 'Exact mode is turned off (floplens.exactMode.enabled).');
  });

  test('not a module class; a cancelled run leaves no temp folder', async () => {
    const r = await run(path.join(DIR, 'seed004_shared.py'), 'Nope');
    assert.equal(r.error, 'Nope is not an nn.Module class of this file (as the saved file reads)');
    // Cancelled once the script runs in its temp folder, which must then be gone.
    fs.rmSync(started, { force: true });
    const abort = new AbortController();
    const pending = profileExactly(path.join(DIR, 'seed004_shared.py'), { uri: 'file:///x', className: 'BaseNet' }, { ...deps(), script: waiting }, abort.signal);
    const temp = await waitFor('the script started', () => fs.existsSync(started) && fs.readFileSync(started, 'utf8'));
    assert.ok(fs.existsSync(temp), temp);
    abort.abort();
    await assert.rejects(pending, /cancelled/);
    assert.equal(fs.existsSync(temp), false, `${temp} removed`);
  });
});

describe('lens and texts', () => {
  // The lens reads the analysis from the Python worker the analyzers share, here in this process.
  after(() => openPythonDocuments.dispose());
  // The lens reads nothing of the server but this.
  const ctx = (available: boolean): AnalyzerContext => ({ exactModeAvailable: () => available }) as Partial<AnalyzerContext> as AnalyzerContext;
  const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
  const src = [
    'import torch',
    'from torch import nn',
    'from torch.nn import Module as M',
    'class A(nn.Module): pass',
    'class B(M): pass',
    'class C(A): pass',
    'class D(torch.nn.Sequential): pass',
    'class NotAModule(object): pass',
    'class E(nn.Linear): pass',
    '',
  ].join('\n');

  test('one lens per nn.Module class, only when exact mode can run', async () => {
    const doc = TextDocument.create('file:///w/m.py', 'python', 1, src);
    const lenses = await exactModeLens.codeLenses(doc, ctx(true), token);
    assert.deepEqual(
      lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command, (l.command?.arguments?.[0] as { className: string }).className]),
      ['A', 'B', 'C', 'D'].map((n, i) => [i + 3, 'Profile exactly with Python', 'floplens.profileExactly', n]),
    );
    assert.deepEqual(await exactModeLens.codeLenses(doc, ctx(false), token), []);
    assert.deepEqual(await exactModeLens.codeLenses(TextDocument.create('file:///w/m.txt', 'plaintext', 1, src), ctx(true), token), []);
  });

  test('the table escapes names from the file; the summary says what differs', () => {
    const base: ProfileExactlyResult = {
      uri: 'file:///w/m.py',
      className: 'Net',
      python: '/usr/bin/python3',
      built: 'Net(act="`<b>`")',
      torchVersion: '1.13',
      inputs: [{ shape: [1, 3], dtype: 'float32' }],
      torchParams: 10,
      exact: { params: 10, macs: 6, flops: 12 },
      static: { params: 10, usedParams: 10, macs: 6, flops: 12 },
      layers: [{ path: 'fc|<img src=x onerror=alert(1)>', type: 'Linear', line: 4, params: 10, macs: 6, flops: 12, static: { params: 10, macs: 6, flops: 12 }, agrees: true }],
      unmapped: [],
      agrees: true,
      elapsedMs: 1,
    };
    const md = exactReportMarkdown(base, 'm.py');
    assert.ok(!md.includes('<img') && !md.includes('<b>'), 'no raw HTML from the file');
    assert.match(md, /as Net\(act="\\`&lt;b&gt;\\`"\), exported/);
    assert.match(md, /\| fc\\\|&lt;img src=x onerror=alert\(1\)&gt; \| 5 \| Linear \| 10 \| 10 \| 6 \| 6 \| ✓ \|/);
    assert.equal(exactSummary(base), 'Net: the static analysis matches torch exactly (10 params · 6 MACs; 1 layer compared).');
    const off = { ...base, agrees: false, static: { ...base.static!, macs: 5 }, layers: [{ ...base.layers[0]!, path: 'fc', agrees: false }] };
    assert.equal(exactSummary(off), 'Net: the static analysis differs from torch: MACs 5 static vs 6 exact; 1 of 1 layer differ (first: fc).');
    assert.equal(exactSummary({ ...base, error: 'boom' }), 'Net: boom');
  });
});

describe('over the language server', { timeout: SUITE_MS }, () => {
  const SERVER = path.join(ROOT, 'dist', 'server.js');
  let proc: ChildProcess;
  let conn: ProtocolConnection;
  let ws: string;
  let file: string;

  before(async () => {
    buildIfStale(SERVER);
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-exact-ls-'));
    file = path.join(ws, 'net.py');
    fs.copyFileSync(path.join(DIR, 'seed004_shared.py'), file);
    proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const floplens = { pythonPath: PYTHON, exactMode: { enabled: true, timeoutSeconds: EXPORT_LIMIT_S } };
    conn.onRequest(ConfigurationRequest.type, (params) => params.items.map((i) => (i.section === 'floplens' ? floplens : null)));
    conn.listen();
    await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(ws).href,
      workspaceFolders: [{ uri: pathToFileURL(ws).href, name: 'ws' }],
      capabilities: { workspace: { configuration: true } },
      initializationOptions: { workspaceTrusted: false },
    });
    await conn.sendNotification(InitializedNotification.type, {});
    await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: pathToFileURL(file).href, languageId: 'python', version: 1, text: fs.readFileSync(file, 'utf8') } });
  });

  after(async () => {
    await conn.sendRequest(ShutdownRequest.type).catch(() => undefined);
    await conn.sendNotification(ExitNotification.type).catch(() => undefined);
    conn.dispose();
    proc.kill();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  const exactLenses = async (): Promise<CodeLens[]> =>
    ((await conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: pathToFileURL(file).href } })) ?? []).filter((l) => l.command?.command === 'floplens.profileExactly');

  test('untrusted: no lens, the request is refused; trusted: the lens runs the bundled script', async () => {
    assert.deepEqual(await exactLenses(), []);
    const refused = await conn.sendRequest(ProfileExactlyRequest, { uri: pathToFileURL(file).href, className: 'BaseNet' });
    assert.equal(refused.error, UNTRUSTED_MESSAGE);

    await conn.sendNotification(WorkspaceTrustNotification, { trusted: true });
    const [lens] = await exactLenses();
    assert.ok(lens, 'a lens once trusted');
    assert.equal(lens.range.start.line, 7);
    const r = await conn.sendRequest(ProfileExactlyRequest, lens.command!.arguments![0]);
    assert.equal(r.error, undefined, r.error);
    assert.deepEqual({ torchParams: r.torchParams, macs: r.exact?.macs, agrees: r.agrees, built: r.built }, { torchParams: 9, macs: 4_718_592, agrees: true, built: 'BaseNet()' });
    assert.deepEqual(r.layers.map((l) => [l.path, l.line, l.macs, l.static?.macs]), [['conv1', 10, 4_718_592, 4_718_592]]);
    assert.deepEqual(fs.readdirSync(ws), ['net.py'], 'nothing left in the workspace (no __pycache__)');
  });
});

/** The server test runs the bundles: rebuild them when a source (or the export script) is newer. */
function buildIfStale(server: string): void {
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, d) => {
      const p = path.join(dir, d.name);
      return Math.max(m, d.isDirectory() ? newest(p) : /\.(ts|py)$/.test(d.name) ? fs.statSync(p).mtimeMs : 0);
    }, 0);
  const built = [server, path.join(ROOT, 'dist', 'profile-worker.js'), path.join(ROOT, 'dist', 'python-worker.js'), path.join(ROOT, 'dist', 'python', 'export_module.py')].map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0));
  const sources = Math.max(newest(path.join(ROOT, 'server')), newest(path.join(ROOT, 'src')));
  if (Math.min(...built) < sources) execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
}
