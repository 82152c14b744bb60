/**
 * Exact mode in VS Code: the `floplens.profileExactly` command (the server's `Profile exactly
 * with Python` lens runs it), workspace trust passed on to the server, and the comparison shown
 * as a Markdown document.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ProfileExactlyRequest, WorkspaceTrustNotification, type ProfileExactlyParams, type ProfileExactlyResult } from '../common/protocol';
import { errorText } from './actions';
import { exactReportMarkdown, exactSummary } from './exact-report';

const COMMAND = 'floplens.profileExactly';
/** Read-only documents holding the comparison tables. */
const SCHEME = 'floplens-exact';

export function registerExactMode(client: LanguageClient): vscode.Disposable[] {
  const reports = new Map<string, string>();
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    provideTextDocumentContent: (uri) => reports.get(uri.toString()) ?? '',
  };

  const run = async (arg: unknown): Promise<void> => {
    // The lens is not offered and the command is disabled there, but a keybinding could still call it.
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('FlopLens: exact mode runs the model file with Python; trust this workspace first.');
      return;
    }
    const target = targetFromArg(arg) ?? (await pickClass());
    if (!target) return;
    const uri = vscode.Uri.parse(target.uri);
    // torch imports the file from disk: what the editor shows must be what runs.
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc?.isDirty && !(await doc.save())) {
      void vscode.window.showWarningMessage(`FlopLens: save ${vscode.workspace.asRelativePath(uri)} first: exact mode runs the saved file.`);
      return;
    }
    let result: ProfileExactlyResult;
    try {
      const python = await pythonFromExtension(uri);
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `FlopLens: building ${target.className} with torch and profiling its ONNX export…`, cancellable: true },
        (_progress, token) => client.sendRequest(ProfileExactlyRequest, { ...target, ...(python ? { python } : {}) }, token),
      );
    } catch (e) {
      if (e instanceof vscode.CancellationError || /cancel/i.test(errorText(e))) return;
      void vscode.window.showErrorMessage(`FlopLens: exact mode failed for ${target.className}: ${errorText(e)}`);
      return;
    }
    const summary = `FlopLens: ${exactSummary(result)}`;
    if (result.error) {
      void vscode.window.showErrorMessage(summary);
      return;
    }
    const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
    const report = vscode.Uri.from({ scheme: SCHEME, path: `/${target.className} exact profile.md`, query: uri.toString() });
    reports.set(report.toString(), exactReportMarkdown(result, name));
    changed.fire(report);
    await showMarkdown(report);
    if (result.agrees) void vscode.window.showInformationMessage(summary);
    else void vscode.window.showWarningMessage(summary);
  };

  return [
    changed,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, provider),
    // Trust can be granted while the server runs (never taken back without a reload).
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      client.sendNotification(WorkspaceTrustNotification, { trusted: true }).catch(() => undefined);
    }),
    vscode.commands.registerCommand(COMMAND, run),
  ];
}

/** The lens passes `{ uri, className, line }`. */
function targetFromArg(arg: unknown): ProfileExactlyParams | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const a = arg as Partial<ProfileExactlyParams>;
  if (typeof a.uri !== 'string' || typeof a.className !== 'string') return undefined;
  return { uri: a.uri, className: a.className, ...(typeof a.line === 'number' ? { line: a.line } : {}) };
}

/** From the Command Palette: a class of the active Python file, found through the server's lenses. */
async function pickClass(): Promise<ProfileExactlyParams | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'python') {
    void vscode.window.showInformationMessage('FlopLens: open a Python file with an nn.Module class to profile it exactly.');
    return undefined;
  }
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[] | undefined>('vscode.executeCodeLensProvider', editor.document.uri)) ?? [];
  const targets = lenses.map((l) => (l.command?.command === COMMAND ? targetFromArg(l.command.arguments?.[0]) : undefined)).filter((t): t is ProfileExactlyParams => t !== undefined);
  if (targets.length === 0) {
    void vscode.window.showInformationMessage('FlopLens: no nn.Module class found in this file (or floplens.exactMode.enabled is off).');
    return undefined;
  }
  if (targets.length === 1) return targets[0];
  // The class around the cursor first.
  const cursor = editor.selection.active.line;
  const above = targets.filter((t) => (t.line ?? 0) <= cursor);
  const nearest = above[above.length - 1];
  const items = targets.map((t) => ({ label: t.className, description: `line ${(t.line ?? 0) + 1}`, picked: t === nearest, target: t }));
  if (nearest) items.unshift(items.splice(targets.indexOf(nearest), 1)[0]!);
  return (await vscode.window.showQuickPick(items, { title: 'FlopLens: profile exactly with Python' }))?.target;
}

/** The slice of the Python extension's API we use (it is optional and typed loosely on purpose). */
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment?(env: { path: string }): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
  settings?: { getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } | undefined };
}

/** The interpreter the Python extension selected for the file, if it is installed and says. */
async function pythonFromExtension(resource: vscode.Uri): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonApi>('ms-python.python');
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const env = api?.environments?.getActiveEnvironmentPath?.(resource);
    if (env) {
      const resolved = await api.environments?.resolveEnvironment?.(env);
      return resolved?.executable?.uri?.fsPath ?? env.path;
    }
    // Older releases: a command line; only a plain interpreter path can be used without a shell.
    const command = api?.settings?.getExecutionDetails?.(resource)?.execCommand;
    return command?.length === 1 ? command[0] : undefined;
  } catch {
    return undefined; // the extension failed: fall back to floplens.pythonPath / python3
  }
}

async function showMarkdown(uri: vscode.Uri): Promise<void> {
  try {
    await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
  } catch {
    // The built-in Markdown extension is disabled: the table as text still reads.
    await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }
}
