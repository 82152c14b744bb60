/** The active model's totals and budget state in the status bar; a click opens its profile. */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ProfileResult } from '../common/protocol';
import { fileName, profile } from './actions';
import { statusText, statusTooltipLines } from './summary';

export class ModelStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('floplens.model', vscode.StatusBarAlignment.Right, 100);
  private uri: vscode.Uri | undefined;
  private latest = 0;

  constructor(private readonly client: LanguageClient) {
    this.item.name = 'FlopLens Model';
  }

  /** Follows another model (or hides when undefined). */
  show(uri: vscode.Uri | undefined): void {
    this.uri = uri;
    if (uri) void this.update();
    else {
      this.latest++;
      this.item.hide();
    }
  }

  /** The model was re-profiled on the server (file, settings or bindings changed). */
  refresh(uri: string): void {
    if (this.uri?.toString() === uri) void this.update();
  }

  dispose(): void {
    this.item.dispose();
  }

  /** Totals under the model's own bindings, the ones its diagnostics use — not a panel's what-if. */
  private async update(): Promise<void> {
    const uri = this.uri!;
    const request = ++this.latest;
    const result = await profile(this.client, uri);
    if (request === this.latest) this.render(uri, result);
  }

  private render(uri: vscode.Uri, result: ProfileResult): void {
    const over = result.budget.violations.length > 0;
    this.item.text = statusText(result);
    const tooltip = new vscode.MarkdownString();
    // appendText: the file name and figures are shown as text, never as markdown.
    for (const line of statusTooltipLines(fileName(uri), result)) tooltip.appendText(line).appendMarkdown('\n\n');
    tooltip.appendMarkdown('*Click to open the profile.*');
    this.item.tooltip = tooltip;
    this.item.backgroundColor = result.error
      ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : over
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : undefined;
    this.item.command = { command: 'floplens.openProfile', title: 'Open Profile Panel', arguments: [uri] };
    this.item.show();
  }
}
