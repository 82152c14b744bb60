/**
 * The language server shows names from model files visibly: a dim_param that clears the screen,
 * an opset domain that sets the terminal title and names with U+202E come out as escapes in code
 * lens titles, hovers and diagnostics (dist/server.js over stdio).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deceptiveModel, INVISIBLE } from './helpers/deceptive-names';
import { SUITE_MS } from './helpers/limits';
import { LspClient, waitFor } from './helpers/lsp-client';
import { encodeModel } from './helpers/onnx-builder';

let root: string;
let client: LspClient;
const CUT = 'cut\u202Etxt.onnx';

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-names-'));
  fs.mkdirSync(path.join(root, 'models'));
  fs.writeFileSync(path.join(root, 'models', 'deceptive.onnx'), encodeModel(deceptiveModel()));
  const whole = encodeModel(deceptiveModel());
  fs.writeFileSync(path.join(root, 'models', CUT), whole.subarray(0, Math.floor(whole.length / 2)));
  fs.writeFileSync(path.join(root, 'app.py'), ['a = "models/deceptive.onnx"', `b = "models/${CUT}"`, ''].join('\n'));
  client = await LspClient.start({ workspace: root });
  await client.open(path.join(root, 'app.py'), 'python');
});

after(async () => {
  await client?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

test('lens titles, hovers and diagnostics show control and bidi characters as escapes', { timeout: SUITE_MS }, async () => {
  const lenses = await client.lenses(path.join(root, 'app.py'));
  const titles = lenses.map((l) => l.command!.title);
  assert.equal(titles.length, 2);
  for (const t of titles) assert.doesNotMatch(t, INVISIBLE);
  assert.equal(titles[0], 'deceptive.onnx · 0 params · 0 MACs · 8·\\x1b[2J FLOPs');
  assert.match(titles[1], /^cut<U\+202E>txt\.onnx · cannot be profiled: /);

  const hover = (await client.hover(path.join(root, 'app.py'), 0, 12))!;
  assert.doesNotMatch(hover, INVISIBLE);
  assert.ok(hover.includes('| x&lt;U+2066&gt; | float | \\\\x1b\\[2J×8 |'), hover);
  assert.ok(hover.includes('Depends on \\\\x1b\\[2J'), hover);

  const cut = await waitFor('diagnostic of the truncated model', () => client.diagnosticsOf(path.join(root, 'models', CUT))?.[0]);
  assert.match(cut.message, /^cut<U\+202E>txt\.onnx: /);
  await client.configure({ defaultBudget: { flops: '1G' } });
  const unchecked = await waitFor('budget diagnostic', () => client.diagnosticsOf(path.join(root, 'models', 'deceptive.onnx'))?.[0]);
  assert.doesNotMatch(unchecked.message, INVISIBLE);
  assert.match(unchecked.message, /cannot be checked: .*bind \\x1b\[2J/);
});
