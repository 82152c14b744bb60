/**
 * The hostile-input corpus (test/helpers/hostile-corpus.ts) through the CLI and through the
 * language server: every file gets an answer — a one-line error naming it, or a report whose
 * gaps carry reasons — in bounded memory, and the server stays up for the next normal file.
 * Outcomes only: how long each case takes is printed by `npm run bench:hostile`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ListModelsRequest } from '../common/protocol';
import { CORPUS_CASES, writeHostileCorpus, type CorpusCase } from './helpers/hostile-corpus';
import { SUITE_MS } from './helpers/limits';
import { buildIfStale, LspClient, waitFor } from './helpers/lsp-client';
import { runCli } from './helpers/run-cli';

/** What a CLI run may use at most, whatever the file: a laptop's worth, not the machine's. */
const CLI_PEAK_BYTES = 1024 * 1024 * 1024;

// eslint-disable-next-line no-control-regex -- the point: no raw control character reaches a terminal
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-hostile-'));
let cases: CorpusCase[] = [];
let made = new Set<string>();

before(async () => {
  buildIfStale();
  cases = await writeHostileCorpus(dir);
  made = new Set(cases.map((c) => c.name));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the hostile corpus through the CLI', { timeout: SUITE_MS }, () => {
  for (const c of CORPUS_CASES.filter((x) => x.kind === 'onnx')) {
    const outcome = c.expect === 'error' ? 'exit 2, one line naming the file' : 'a report, no raw control character';
    test(`${c.name} (${c.attack}): ${outcome}; bounded memory`, async (t) => {
      if (!made.has(c.name)) return t.skip('this machine cannot make it');
      const run = await runCli(['profile', path.join(dir, c.name)]);
      assert.equal(run.signal, null, `killed by ${run.signal}`);
      if (c.expect === 'error') {
        assert.equal(run.code, 2, `exit ${run.code}\n${run.stderr.slice(0, 500)}`);
        const lines = run.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, `one line, not\n${run.stderr.slice(0, 500)}`);
        assert.ok(lines[0].startsWith('floplens: ') && lines[0].includes(c.name), `names the file: ${lines[0]}`);
        assert.doesNotMatch(lines[0], RAW_CONTROL);
      } else {
        assert.equal(run.code, 0, `exit ${run.code}\n${run.stderr.slice(0, 500)}`);
        assert.doesNotMatch(run.stdout + run.stderr, RAW_CONTROL, 'a raw control character reached the terminal');
      }
      assert.ok(run.peakRssBytes !== undefined && run.peakRssBytes < CLI_PEAK_BYTES, `peak ${run.peakRssBytes} bytes`);
    });
  }
});

describe('the hostile corpus in the language server', { timeout: SUITE_MS }, () => {
  let client: LspClient;
  before(async () => {
    client = await LspClient.start({ workspace: dir });
  });
  after(() => client.stop());

  test('the workspace scan answers for every model file: totals or an error naming it; special files are not models', async () => {
    // A FIFO, a device or a folder named *.onnx is not a model file: the scan passes it over.
    const special = new Set(['fifo.onnx', 'device-link.onnx', 'folder.onnx']);
    const names = cases.filter((c) => c.kind === 'onnx' && !special.has(c.name)).map((c) => c.name);
    const models = await waitFor('every model of the corpus profiled or refused', async () => {
      const list = await client.conn.sendRequest(ListModelsRequest, undefined);
      const settled = list.filter((m) => m.params !== undefined || m.error !== undefined);
      return settled.length === names.length && settled;
    });
    const byName = new Map(models.map((m) => [path.basename(new URL(m.uri).pathname), m]));
    for (const c of cases.filter((x) => x.kind === 'onnx')) {
      const m = byName.get(c.name);
      if (special.has(c.name)) {
        assert.equal(m, undefined, `${c.name} is not listed as a model`);
        continue;
      }
      assert.ok(m, `${c.name} listed`);
      if (c.expect === 'error') assert.ok(m.error?.startsWith(`${c.name}: `), `${c.name}: one line naming the file: ${m.error}`);
      else assert.equal(m.error, undefined, `${c.name}: profiled`);
      assert.doesNotMatch(m.error ?? '', RAW_CONTROL);
    }
  });

  test('every Python case gets an answer, and the server stays up', async () => {
    for (const c of cases.filter((x) => x.kind === 'python')) {
      const file = path.join(dir, c.name);
      await client.open(file, 'python');
      const lenses = await client.lenses(file);
      assert.ok(Array.isArray(lenses), `${c.name}: answered`);
      if (c.name === 'huge-source.py') {
        const said = await waitFor('the word on a file too large to read', () => client.diagnosticsOf(file)?.find((d) => /does not analyze this file/.test(d.message)));
        assert.match(said.message, /more than the 2,000,000/);
      }
      await client.close(file);
    }
  });

  test('a normal file opened afterwards gets its lenses', async () => {
    const file = path.join(dir, 'normal.py');
    fs.copyFileSync(path.join(__dirname, 'fixtures', 'pytorch', 'seed004_plain.py'), file);
    await client.open(file, 'python');
    const lenses = await client.lenses(file);
    assert.ok(lenses.length > 0, 'lenses over the normal model');
    assert.deepEqual(client.errors(), []);
  });
});
