/**
 * The profile panel's hosts: the read-only custom editor for `.onnx` files and the Open Profile
 * Panel webview panel. Both load the same webview (media/) and speak media/protocol.ts with it.
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { FromPanel, PanelState, ToPanel } from '../media/protocol';
import { panelHtml } from '../media/panel.html';
import type { Bindings, ExportFormat, ProfileResult } from '../common/protocol';
import { copySummary, exportReport, fileName, profile } from './actions';

export const EDITOR_VIEW_TYPE = 'floplens.modelProfile';
export const PANEL_VIEW_TYPE = 'floplens.profilePanel';

const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json', 'md'];

/** One webview showing one model's profile. */
class ProfileView {
  /** What-if bindings in force here; undefined: the model's own bindings. */
  bindings: Bindings | undefined;
  result: ProfileResult | undefined;
  /** The webview's script has said `ready` and not been unloaded since (hidden webviews are). */
  ready = false;
  private latest = 0;

  constructor(
    readonly uri: vscode.Uri,
    readonly panel: vscode.WebviewPanel,
    private readonly client: LanguageClient,
  ) {}

  get key(): string {
    return this.uri.toString();
  }

  /** Profiles with this view's bindings; only the newest of overlapping requests is shown. */
  async load(busy: boolean): Promise<void> {
    const request = ++this.latest;
    if (busy) this.post({ type: 'busy' });
    const result = await profile(this.client, this.uri, this.bindings);
    if (request === this.latest) this.show(result);
  }

  show(result: ProfileResult): void {
    this.latest++; // a result from elsewhere (Set Input Shape…) supersedes requests in flight
    this.result = result;
    this.post({ type: 'profile', result });
  }

  private post(message: ToPanel): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }
}

/** Every open profile view, and which model was focused last (the "active model"). */
export class ProfileViews implements vscode.Disposable {
  private readonly views = new Set<ProfileView>();
  private active: ProfileView | undefined;
  private readonly activeChanged = new vscode.EventEmitter<vscode.Uri | undefined>();
  /** Fires when the last focused model changes (undefined: no view of it is left). */
  readonly onDidChangeActiveModel = this.activeChanged.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: LanguageClient,
  ) {}

  get activeModel(): vscode.Uri | undefined {
    return this.active?.uri;
  }

  /** A view's what-if bindings for the model, the focused view's first. */
  bindingsFor(uri: vscode.Uri): Bindings | undefined {
    return this.viewsOf(uri.toString())[0]?.bindings;
  }

  /** The profile a view of the model shows, the focused view's first. */
  resultFor(uri: vscode.Uri): ProfileResult | undefined {
    return this.viewsOf(uri.toString()).find((v) => v.result)?.result;
  }

  /** Reveals the model's profile where it is open already (panel or editor), else opens a panel. */
  openPanel(uri: vscode.Uri): void {
    const existing = this.viewsOf(uri.toString())[0];
    if (existing) {
      existing.panel.reveal();
      return;
    }
    // Beside the code that mentions the model (code lens), in place otherwise.
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, panelTitle(uri), column, this.webviewOptions());
    this.attach(panel, uri);
  }

  /** Re-profiles every loaded view of a model (ModelChangedNotification). */
  refresh(uri: string): void {
    for (const view of this.viewsOf(uri)) if (view.ready) void view.load(true);
  }

  /** New bindings for the model (Set Input Shape…): views drop their what-ifs and show them. */
  showModelResult(uri: vscode.Uri, result: ProfileResult): void {
    for (const view of this.viewsOf(uri.toString())) {
      view.bindings = undefined;
      view.show(result);
    }
  }

  editorProvider(): vscode.CustomReadonlyEditorProvider {
    return {
      openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
      resolveCustomEditor: (document, panel) => {
        panel.webview.options = this.webviewOptions();
        this.attach(panel, document.uri);
      },
    };
  }

  /** Brings back the panels open before a reload; the panel's own state names the model. */
  panelSerializer(): vscode.WebviewPanelSerializer<PanelState> {
    return {
      deserializeWebviewPanel: async (panel, state) => {
        if (typeof state?.uri !== 'string') {
          panel.dispose();
          return;
        }
        panel.webview.options = this.webviewOptions();
        this.attach(panel, vscode.Uri.parse(state.uri), state.bindings);
      },
    };
  }

  dispose(): void {
    this.activeChanged.dispose();
  }

  /** The focused view's first, so commands act on what the user looks at. */
  private viewsOf(key: string): ProfileView[] {
    const views = [...this.views].filter((v) => v.key === key);
    return views.sort((a, b) => Number(b === this.active) - Number(a === this.active));
  }

  private webviewOptions(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      // Only the built script and stylesheet: nothing from the workspace is loaded into the webview.
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel, uri: vscode.Uri, bindings?: Bindings): void {
    const view = new ProfileView(uri, panel, this.client);
    view.bindings = bindings;
    this.views.add(view);
    panel.webview.html = this.html(panel.webview);
    panel.webview.onDidReceiveMessage((message: FromPanel) => this.onMessage(view, message));
    panel.onDidChangeViewState(() => {
      // A hidden webview is unloaded; it says `ready` again when shown.
      if (!panel.visible) view.ready = false;
      if (panel.active) this.setActive(view);
    });
    panel.onDidDispose(() => {
      this.views.delete(view);
      if (this.active === view) this.setActive(this.viewsOf(view.key)[0]);
    });
    if (panel.active) this.setActive(view);
  }

  private setActive(view: ProfileView | undefined): void {
    const changed = this.active?.key !== view?.key;
    this.active = view;
    if (changed) this.activeChanged.fire(view?.uri);
  }

  private html(webview: vscode.Webview): string {
    return panelHtml({
      cspSource: webview.cspSource,
      nonce: crypto.randomBytes(18).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'media', 'panel.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'media', 'panel.css')).toString(),
    });
  }

  private onMessage(view: ProfileView, message: FromPanel): void {
    switch (message?.type) {
      case 'ready':
        view.ready = true;
        void view.load(false);
        break;
      case 'whatIf':
        view.bindings = message.bindings;
        void view.load(true);
        break;
      case 'export':
        if (EXPORT_FORMATS.includes(message.format)) void exportReport(this.client, view.uri, message.format, view.bindings);
        break;
      case 'copySummary':
        void (async () => copySummary(view.uri, view.result ?? (await profile(this.client, view.uri, view.bindings))))();
        break;
    }
  }
}

function panelTitle(uri: vscode.Uri): string {
  return `Profile: ${fileName(uri)}`;
}
