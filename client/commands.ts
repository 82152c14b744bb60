/** The `floplens.*` commands. Each acts on the model it is given, else the active one, else asks. */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  type ExportFormat, ListModelsRequest, type ModelSummary, SetBindingsRequest, VerifyShapesRequest, type VerifyShapesResult,
} from '../common/protocol';
import { bindingsTextProblem, formatBindingsText, modelNames, parseBindingsText } from '../src/bindings';
import { formatCount } from '../src/report/units';
import { copySummary, errorText, exportReport, fileName, profile } from './actions';
import type { ProfileViews } from './panel';

export function registerCommands(client: LanguageClient, views: ProfileViews): vscode.Disposable[] {
  const target = (arg: unknown) => targetModel(client, views, arg);
  const register = (id: string, run: (uri: vscode.Uri) => Promise<void> | void) =>
    vscode.commands.registerCommand(id, async (arg: unknown) => {
      const uri = await target(arg);
      if (uri) await run(uri);
    });

  return [
    register('floplens.openProfile', (uri) => views.openPanel(uri)),

    register('floplens.setInputShape', async (uri) => {
      const current = await profile(client, uri);
      const names = current.report ? modelNames(current.report) : undefined;
      const example = names?.symbols.length
        ? names.symbols.map((s) => `${s}=N`).join(', ')
        : `${names?.inputs[0] ?? 'input'}=1x3x224x224`;
      const text = await vscode.window.showInputBox({
        title: `Set Input Shape — ${fileName(uri)}`,
        prompt: 'Symbolic dims (batch=8, seq=2048) and/or input shapes (input=1x3x320x320). Empty: back to the floplens.dims setting.',
        placeHolder: example,
        value: formatBindingsText(current.bindings),
        // The rules' own sentence, as the CLI and the panel's what-if say it.
        validateInput: (t) => bindingsTextProblem(t, names),
      });
      if (text === undefined) return; // validateInput keeps the box open while the text is wrong
      try {
        const result = await client.sendRequest(SetBindingsRequest, { uri: uri.toString(), bindings: parseBindingsText(text, names) });
        views.showModelResult(uri, result); // the status bar follows the server's ModelChangedNotification
        if (result.error) void vscode.window.showWarningMessage(`FlopLens: ${result.error}`);
      } catch (e) {
        void vscode.window.showErrorMessage(`FlopLens: could not set the input shape of ${fileName(uri)}: ${errorText(e)}`);
      }
    }),

    register('floplens.exportReport', async (uri) => {
      const formats: (vscode.QuickPickItem & { format: ExportFormat })[] = [
        { label: 'CSV', description: 'one row per layer, for spreadsheets', format: 'csv' },
        { label: 'JSON', description: 'the full report (schemaVersion 1)', format: 'json' },
        { label: 'Markdown', description: 'a table for READMEs and pull requests', format: 'md' },
      ];
      const picked = await vscode.window.showQuickPick(formats, { title: `Export the ${fileName(uri)} profile`, placeHolder: 'Format' });
      if (picked) await exportReport(client, uri, picked.format, views.bindingsFor(uri));
    }),

    register('floplens.copySummary', async (uri) => {
      await copySummary(uri, views.resultFor(uri) ?? (await profile(client, uri)));
    }),

    register('floplens.verifyShapes', async (uri) => {
      // Running a model in native code is more than reading it: only for trusted workspaces.
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('FlopLens: Verify Shapes runs the model in ONNX Runtime; trust this workspace first.');
        return;
      }
      let result: VerifyShapesResult;
      try {
        result = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Running ${fileName(uri)} in ONNX Runtime…` },
          () => client.sendRequest(VerifyShapesRequest, { uri: uri.toString() }),
        );
      } catch (e) {
        void vscode.window.showErrorMessage(`FlopLens: could not verify ${fileName(uri)}: ${errorText(e)}`);
        return;
      }
      showVerifyResult(client, uri, result);
    }),
  ];
}

function showVerifyResult(client: LanguageClient, uri: vscode.Uri, result: VerifyShapesResult): void {
  const name = fileName(uri);
  if (result.error) {
    void vscode.window.showErrorMessage(`FlopLens: could not verify shapes: ${result.error}`); // the error names the file
    return;
  }
  const { compared, mismatches } = result;
  if (mismatches.length === 0) {
    void vscode.window.showInformationMessage(`FlopLens: all ${compared} inferred shapes of ${name} match ONNX Runtime.`);
    return;
  }
  const shape = (s: (number | string)[] | null) => (s ? `[${s.join(', ')}]` : 'unknown');
  // Every mismatch goes to the output channel; the notification names the first.
  const out = client.outputChannel;
  out.appendLine(`Shape check of ${uri.fsPath}: ${mismatches.length} of ${compared} differ from ONNX Runtime`);
  for (const m of mismatches) out.appendLine(`  ${m.value}: ours ${shape(m.ours)}, ONNX Runtime ${shape(m.runtime)}`);
  const first = mismatches[0]!;
  void vscode.window
    .showWarningMessage(
      `FlopLens: ${mismatches.length} of ${compared} shapes of ${name} differ from ONNX Runtime ` +
        `(${first.value}: ours ${shape(first.ours)}, runtime ${shape(first.runtime)}).`,
      'Show All',
    )
    .then((choice) => choice && out.show(true));
}

/** The model a command acts on: its argument, else the active model, else the user's pick. */
async function targetModel(client: LanguageClient, views: ProfileViews, arg: unknown): Promise<vscode.Uri | undefined> {
  return uriFromArg(arg) ?? views.activeModel ?? pickModel(client);
}

/**
 * Explorer and editor-title menus pass a Uri (a `webview-panel:` one on our own panel's title,
 * which is not a model); code lenses from the server pass the model's URI as a string or as
 * `{ uri }`.
 */
function uriFromArg(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg.scheme === 'file' ? arg : undefined;
  if (typeof arg === 'string' && arg !== '') {
    const uri = /^[a-z][\w+.-]+:/i.test(arg) ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
    return uri.scheme === 'file' ? uri : undefined;
  }
  if (typeof arg === 'object' && arg !== null && 'uri' in arg) return uriFromArg((arg as { uri: unknown }).uri);
  return undefined;
}

async function pickModel(client: LanguageClient): Promise<vscode.Uri | undefined> {
  let models: ModelSummary[];
  try {
    models = await client.sendRequest(ListModelsRequest, undefined);
  } catch (e) {
    void vscode.window.showErrorMessage(`FlopLens: could not list the workspace's models: ${errorText(e)}`);
    return undefined;
  }
  if (models.length === 0) {
    void vscode.window.showInformationMessage('FlopLens: no ONNX models (*.onnx) found in this workspace.');
    return undefined;
  }
  if (models.length === 1) return vscode.Uri.parse(models[0]!.uri);
  const items = models.map((m) => {
    const uri = vscode.Uri.parse(m.uri);
    const macs = m.macs === undefined ? undefined : typeof m.macs === 'number' ? `${formatCount(m.macs)} MACs` : 'symbolic MACs';
    const figures = m.error ? '$(error) does not profile' : [macs, m.params !== undefined ? `${formatCount(m.params)} params` : undefined].filter(Boolean).join(' · ');
    return {
      label: vscode.workspace.asRelativePath(uri),
      description: `${figures}${m.overBudget ? ' $(warning) over budget' : ''}`,
      detail: m.error,
      uri,
    };
  });
  return (await vscode.window.showQuickPick(items, { title: 'FlopLens: choose a model', matchOnDescription: true }))?.uri;
}
