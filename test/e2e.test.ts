/**
 * End to end: the real .vsix (scripts/package.mjs, `npm run package`) installed into code-server,
 * driven in chromium.
 * A workspace with three models, a fourth linked from outside it, and MACs budgets: the Explorer
 * opens a model in the profile editor, the Problems panel lists the over-budget models (the linked
 * one too), the what-if re-profiles at other sizes, and Verify Shapes runs a model in the
 * onnxruntime the .vsix ships. Every wait ends on what it waits for; its limit (WAIT_MS) only
 * catches a hang, so a loaded machine is slower, never failing.
 * First run installs code-server into the cache (about 4 min); `bash scripts/setup-e2e.sh` does
 * that ahead of time. Screenshots go to test/e2e/artifacts/. FLOPLENS_E2E_VSIX=path tests that .vsix
 * instead of packaging one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import {
  type CodeServer, ensureCodeServer, openFileFromExplorer, openVsCode, problemsText, runCommand, screenshot,
  startCodeServer, waitForCommand,
} from './e2e/code-server';
import { FIXTURES } from './helpers/fixtures';
import { SUITE_MS } from './helpers/limits';
import { PYTORCH_FIXTURES } from './helpers/python-source';

const ROOT = path.join(__dirname, '..');

let tmp: string;
let server: CodeServer | undefined;
let browser: Browser | undefined;
let page: Page;

/** Runs a step and logs its wall time: the report quotes these. */
async function timed<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = Date.now();
  const out = await fn();
  console.log(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

/**
 * The profile webview in the visible editor. VS Code hosts each webview in an iframe whose
 * `#active-frame` holds the document; hidden editors' webviews are unloaded or hidden.
 */
function profileView(): FrameLocator {
  return page.frameLocator('iframe.webview.ready:visible').frameLocator('#active-frame');
}

/** A card's exact figure: its hover text, `1,814,073,344`. */
async function exactValue(metric: string): Promise<number> {
  const title = await profileView().locator(`.card[data-metric="${metric}"] .card-value`).getAttribute('title');
  return Number(title?.replace(/[^\d]/g, ''));
}

/** A totals card's value, once it shows `expected` (the panel fills cards when a profile arrives). */
async function cardValue(metric: string, expected: string): Promise<string> {
  const value = profileView().locator(`.card[data-metric="${metric}"] .card-value`);
  await value.filter({ hasText: expected }).waitFor();
  return (await value.innerText()).trim();
}

before(async () => {
  await timed('ensureCodeServer', ensureCodeServer);
  // FLOPLENS_E2E_VSIX: test a .vsix made elsewhere (skips packaging, for quick reruns).
  const vsix = process.env.FLOPLENS_E2E_VSIX ?? await timed('scripts/package.mjs (build + vsce + checks)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    // vsce lists every file it packs: show only the script's last line (path and size), or
    // everything when it fails (execFileSync's error carries the output).
    // Under `npm test` dist/ was just built, and other test files run dist/server.js meanwhile:
    // package without rewriting it.
    const build = process.env.npm_lifecycle_event === 'test' ? ['--no-build'] : [];
    const out = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'package.mjs'), ...build], {
      cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    });
    console.log(out.trim().split('\n').pop());
    // scripts/package.mjs names it so.
    return path.join(ROOT, `${pkg.name}-${process.platform}-${process.arch}-${pkg.version}.vsix`);
  });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floplens-e2e-ws-'));
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  // The .onnx files only: counting never reads the external weight data. shared_conv.onnx keeps
  // its weights inside, so onnxruntime can run it for Verify Shapes.
  for (const name of ['resnet18.onnx', 'mobilenet_v2_dyn.onnx', 'shared_conv.onnx']) {
    fs.copyFileSync(path.join(FIXTURES, name), path.join(workspace, name));
  }
  // PyTorch source: seed 002's MyNet, for the lenses over its class and layers.
  fs.copyFileSync(path.join(PYTORCH_FIXTURES, 'seed002_mynet.py'), path.join(workspace, 'seed002_mynet.py'));
  // A model kept outside the workspace (a data drive, a Hugging Face cache), linked into it.
  fs.mkdirSync(path.join(tmp, 'data'));
  fs.copyFileSync(path.join(FIXTURES, 'shared_conv.onnx'), path.join(tmp, 'data', 'shared_conv.onnx'));
  fs.symlinkSync(path.join(tmp, 'data', 'shared_conv.onnx'), path.join(workspace, 'linked_conv.onnx'));
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'floplens.budgets': [{ glob: '**/resnet18.onnx', macs: '1G' }, { glob: 'linked_*.onnx', macs: '1M' }] }, null, 2),
  );
  server = await timed('startCodeServer (install .vsix + serve)', () => startCodeServer({ vsix, workspace }));
  ({ browser, page } = await timed('openVsCode (workbench loaded)', () => openVsCode(server!.url)));
  await timed('FlopLens contributions known', () => waitForCommand(page, 'FlopLens: Open Profile Panel'));
}, { timeout: SUITE_MS });

after(async () => {
  // Evidence for a failed run before everything goes away.
  if (page) await screenshot(page, 'e2e-final').catch(() => undefined);
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('double-clicking a model in the Explorer shows its profile in the editor', async () => {
  await timed('resnet18.onnx: Explorer → profile shown', async () => {
    await openFileFromExplorer(page, 'resnet18.onnx');
    assert.equal(await cardValue('macs', '1.814 G'), '1.814 G');
    assert.equal(await cardValue('params', '11.68 M'), '11.68 M');
  });
  // Over the 1 G MACs budget: the card's budget bar and the status bar say so.
  await profileView().locator('.card.over[data-metric="macs"]').waitFor();
  const status = page.locator('.statusbar-item', { hasText: '1.814 G MACs · 11.68 M params' });
  await status.waitFor();
  assert.ok(await status.locator('.codicon-warning').count(), 'the status bar item shows the over-budget warning icon');
  console.log(`screenshot: ${await screenshot(page, 'e2e-resnet18-profile')}`);
});

test('the Problems panel lists the over-budget models, the one linked from outside the workspace too', async () => {
  const text = await timed('Problems shows the budget warnings', () =>
    problemsText(page, [/MACs 1\.814 G exceed the budget of 1 G/, /MACs 4\.719 M exceed the budget of 1 M/]));
  assert.match(text, /resnet18\.onnx/);
  assert.match(text, /MACs 1\.814 G exceed the budget of 1 G \(floplens\.budgets "\*\*\/resnet18\.onnx"\)/);
  assert.match(text, /linked_conv\.onnx/);
  assert.match(text, /MACs 4\.719 M exceed the budget of 1 M \(floplens\.budgets "linked_\*\.onnx"\)/);
  assert.doesNotMatch(text, /mobilenet_v2_dyn\.onnx/, 'no budget applies to the other model');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  console.log(`screenshot: ${await screenshot(page, 'e2e-problems')}`);
});

test('what-if on a model with symbolic dims: batch 1 at 224², then batch 8', async () => {
  await runCommand(page, 'View: Hide Panel'); // the Problems panel: room for the profile
  await openFileFromExplorer(page, 'mobilenet_v2_dyn.onnx');
  const field = (label: string) =>
    profileView().locator('vscode-text-field').filter({ hasText: new RegExp(`^\\s*${label}\\s*$`) }).locator('input');
  const apply = profileView().locator('vscode-button', { hasText: 'Apply' });
  await field('batch').waitFor();

  await timed('what-if batch=1, 224×224 → profile shown', async () => {
    await field('batch').fill('1');
    await field('height').fill('224');
    await field('width').fill('224');
    await apply.click();
    assert.equal(await cardValue('macs', '300.8 M'), '300.8 M');
  });
  assert.equal(await cardValue('params', '3.488 M'), '3.488 M');
  const macs1 = await exactValue('macs');
  const params1 = await exactValue('params');
  console.log(`screenshot: ${await screenshot(page, 'e2e-mobilenet-batch1')}`);

  await timed('what-if batch=8 → profile shown', async () => {
    await field('batch').fill('8');
    await apply.click();
    assert.equal(await cardValue('macs', '2.406 G'), '2.406 G');
  });
  // Batch scales compute exactly, never parameters.
  assert.equal(await exactValue('macs'), 8 * macs1);
  assert.equal(await cardValue('params', '3.488 M'), '3.488 M');
  assert.equal(await exactValue('params'), params1);
  console.log(`screenshot: ${await screenshot(page, 'e2e-mobilenet-batch8')}`);
});

test('Verify Shapes runs the model in the onnxruntime inside the .vsix', async () => {
  await openFileFromExplorer(page, 'shared_conv.onnx');
  await cardValue('params', '9');
  const toast = page.locator('.notification-toast', { hasText: /match ONNX Runtime|differ from ONNX Runtime|could not verify/ });
  await timed('Verify Shapes → result', async () => {
    await runCommand(page, 'FlopLens: Verify Shapes with ONNX Runtime');
    await toast.waitFor();
  });
  assert.match(await toast.innerText(), /all \d+ inferred shapes of shared_conv\.onnx match ONNX Runtime/);
  console.log(`screenshot: ${await screenshot(page, 'e2e-verify-shapes')}`);
});

test('a PyTorch file shows lenses over its class and over conv7', async () => {
  await runCommand(page, 'View: Close All Editors');
  await openFileFromExplorer(page, 'seed002_mynet.py');
  const lens = (text: string) => page.locator('.codelens-decoration', { hasText: text });
  await timed('seed002_mynet.py: open → class lens shown', () =>
    lens('MyNet · 132.86 M params · 90.62 G MACs @ input (12, 1, 224, 224)').first().waitFor());
  console.log(`screenshot: ${await screenshot(page, 'e2e-pytorch-class-lens')}`);
  // conv7 is line 59: bring it into view (lenses render for visible lines only).
  await runCommand(page, 'Go to Line/Column...');
  await page.keyboard.type('59');
  await page.keyboard.press('Enter');
  await page.locator('.view-line', { hasText: 'self.conv7 = nn.Conv2d(' }).waitFor();
  await lens('2,359,808 params · 5.55 G MACs · out (12, 512, 14, 14)').first().waitFor();
  console.log(`screenshot: ${await screenshot(page, 'e2e-pytorch-conv7-lens')}`);
});
