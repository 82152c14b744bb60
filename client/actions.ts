/** What both the commands and the panel's buttons do: profile, export, copy the summary. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { type Bindings, type ExportFormat, ExportReportRequest, ProfileRequest, type ProfileResult } from '../common/protocol';
import { summaryLine } from './summary';

export const fileName = (uri: vscode.Uri) => path.basename(uri.fsPath);

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Profiles through the server. A failed request (server down, crashed) comes back as a result
 * with `error`, so every view shows it the same way as a bad model file.
 */
export async function profile(client: LanguageClient, uri: vscode.Uri, bindings?: Bindings): Promise<ProfileResult> {
  try {
    return await client.sendRequest(ProfileRequest, { uri: uri.toString(), ...(bindings ? { bindings } : {}) });
  } catch (e) {
    return {
      uri: uri.toString(),
      bindings: bindings ?? {},
      error: `${fileName(uri)}: the FlopLens server did not answer (${errorText(e)})`,
      budget: { violations: [] },
      profileMs: 0,
    };
  }
}

const FORMATS: Record<ExportFormat, { extension: string; filter: string }> = {
  csv: { extension: 'csv', filter: 'CSV' },
  json: { extension: 'json', filter: 'JSON' },
  md: { extension: 'md', filter: 'Markdown' },
};

/** Renders the report on the server, asks where to save it and writes it. */
export async function exportReport(client: LanguageClient, uri: vscode.Uri, format: ExportFormat, bindings?: Bindings): Promise<void> {
  let text: string;
  try {
    ({ text } = await client.sendRequest(ExportReportRequest, { uri: uri.toString(), format, ...(bindings ? { bindings } : {}) }));
  } catch (e) {
    void vscode.window.showErrorMessage(`FlopLens: could not export ${fileName(uri)}: ${errorText(e)}`);
    return;
  }
  const { extension, filter } = FORMATS[format];
  const target = await vscode.window.showSaveDialog({
    title: `Export the ${fileName(uri)} profile`,
    defaultUri: vscode.Uri.joinPath(uri, '..', `${path.parse(uri.fsPath).name}.profile.${extension}`),
    filters: { [filter]: [extension] },
    saveLabel: 'Export',
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
  const open = await vscode.window.showInformationMessage(`FlopLens: exported to ${vscode.workspace.asRelativePath(target)}`, 'Open');
  if (open) await vscode.window.showTextDocument(target);
}

export async function copySummary(uri: vscode.Uri, result: ProfileResult): Promise<void> {
  const line = summaryLine(fileName(uri), result);
  await vscode.env.clipboard.writeText(line);
  void vscode.window.showInformationMessage(`Copied: ${line}`);
}
