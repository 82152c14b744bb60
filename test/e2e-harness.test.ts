/**
 * Proves the end-to-end harness (test/e2e/code-server.ts) on a throwaway extension made here, so
 * it holds before and independently of FlopLens' own extension: package a .vsix, install it into
 * code-server, and see its code lens and command in a real workbench in chromium.
 * First run installs code-server into the cache (about 4 min); `bash scripts/setup-e2e.sh`
 * does that ahead of time.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  type CodeServer, ensureCodeServer, openFileFromExplorer, openVsCode, packVsix, problemsText, runCommand,
  screenshot, startCodeServer,
} from './e2e/code-server';

const EXTENSION_JS = `
const vscode = require('vscode');
exports.activate = (context) => {
  context.subscriptions.push(
    vscode.commands.registerCommand('harness.hello', () => vscode.window.showInformationMessage('Hello from the harness')),
    vscode.languages.registerCodeLensProvider({ pattern: '**/*.txt' }, {
      provideCodeLenses: () => [
        new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), { title: 'harness lens', command: 'harness.hello' }),
      ],
    }),
  );
};
`;

function buildHarnessVsix(dir: string): string {
  const ext = path.join(dir, 'harness-extension');
  fs.mkdirSync(ext, { recursive: true });
  fs.writeFileSync(path.join(ext, 'package.json'), JSON.stringify({
    name: 'e2e-harness',
    displayName: 'E2E Harness',
    description: 'Throwaway extension that proves the FlopLens e2e harness.',
    publisher: 'floplens-test',
    version: '0.0.1',
    engines: { vscode: '^1.80.0' },
    main: './extension.js',
    // onStartupFinished too, so the command palette run does not depend on opening a .txt first.
    activationEvents: ['onLanguage:plaintext', 'onStartupFinished'],
    contributes: { commands: [{ command: 'harness.hello', title: 'Hello', category: 'Harness' }] },
  }, null, 2));
  fs.writeFileSync(path.join(ext, 'extension.js'), EXTENSION_JS);
  return packVsix(ext, path.join(dir, 'e2e-harness-0.0.1.vsix'));
}

let tmp: string;
let server: CodeServer | undefined;
let browser: Browser | undefined;
let page: Page;

before(async () => {
  let t0 = Date.now();
  await ensureCodeServer();
  console.log(`ensureCodeServer: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-harness-'));
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace);
  fs.writeFileSync(path.join(workspace, 'a.txt'), 'first line\nsecond line\n');
  t0 = Date.now();
  server = await startCodeServer({ vsix: buildHarnessVsix(tmp), workspace, settings: { 'editor.codeLens': true } });
  console.log(`startCodeServer (install .vsix + serve): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  t0 = Date.now();
  ({ browser, page } = await openVsCode(server.url));
  console.log(`openVsCode (workbench loaded): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, { timeout: 10 * 60_000 });

after(async () => {
  // Evidence for a failed run before everything goes away.
  if (page) await screenshot(page, 'e2e-harness-final').catch(() => undefined);
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('code lens from the installed .vsix shows on a .txt file', { timeout: 120_000 }, async () => {
  await openFileFromExplorer(page, 'a.txt');
  const lens = page.locator('.codelens-decoration', { hasText: 'harness lens' });
  await lens.waitFor({ timeout: 60_000 });
  assert.equal((await lens.innerText()).trim(), 'harness lens');
  console.log(`screenshot: ${await screenshot(page, 'e2e-harness-codelens')}`);
});

test('command from the .vsix runs from the palette and shows its notification', { timeout: 120_000 }, async () => {
  await runCommand(page, 'Harness: Hello');
  const toast = page.locator('.notification-toast', { hasText: 'Hello from the harness' });
  await toast.waitFor({ timeout: 30_000 });
  assert.match(await toast.innerText(), /Hello from the harness/);
  console.log(`screenshot: ${await screenshot(page, 'e2e-harness-notification')}`);
});

test('Problems panel text is readable', { timeout: 60_000 }, async () => {
  // Plain text yields no diagnostics; this only proves the helper opens and reads the panel.
  assert.match(await problemsText(page), /No problems have been detected/);
});
