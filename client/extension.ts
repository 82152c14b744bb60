/**
 * FlopLens in VS Code: starts the language server (dist/server.js), which does all profiling, and
 * wires its results into the profile views, commands and the status bar.
 */
import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { ModelChangedNotification } from '../common/protocol';
import { registerCommands } from './commands';
import { registerExactMode } from './exact-mode';
import { EDITOR_VIEW_TYPE, PANEL_VIEW_TYPE, ProfileViews } from './panel';
import { ModelStatusBar } from './status-bar';

/** Languages whose files can name models; the server's model-references analyzer reads them. */
const LANGUAGES = ['python', 'yaml', 'json', 'markdown', 'shellscript', 'plaintext'];

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.onnx');
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.map((language) => ({ scheme: 'file', language })),
    synchronize: { fileEvents: watcher, configurationSection: 'floplens' },
    // Exact mode (running Python) is offered only in trusted workspaces; later grants are notified.
    initializationOptions: { workspaceTrusted: vscode.workspace.isTrusted },
  };
  client = new LanguageClient('floplens', 'FlopLens', serverOptions, clientOptions);

  const views = new ProfileViews(context.extensionUri, client);
  const status = new ModelStatusBar(client);
  context.subscriptions.push(
    watcher,
    views,
    status,
    views.onDidChangeActiveModel((uri) => status.show(uri)),
    client.onNotification(ModelChangedNotification, ({ uri }) => {
      const key = vscode.Uri.parse(uri).toString(); // the same spelling as our own Uri keys
      views.refresh(key);
      status.refresh(key);
    }),
    vscode.window.registerCustomEditorProvider(EDITOR_VIEW_TYPE, views.editorProvider(), {
      supportsMultipleEditorsPerDocument: true,
    }),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, views.panelSerializer()),
    ...registerCommands(client, views),
    ...registerExactMode(client),
  );

  // Everything above is registered first: views and commands then report a server that fails to
  // start as an error in place instead of the extension failing to activate.
  try {
    await client.start();
  } catch (e) {
    void vscode.window.showErrorMessage(`FlopLens: the language server did not start: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function deactivate(): Promise<void> | undefined {
  return client?.stop();
}
