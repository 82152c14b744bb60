import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { Severity } from '../src/budget';
import { visibleLines } from '../src/report';

/** Severities by name (`floplens.budgetSeverity`, the engine's diagnostics) as LSP numbers them. */
export const LSP_SEVERITY: Readonly<Record<Severity, DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/**
 * LSP publishes all diagnostics of a URI at once, replacing the previous set; several parts of the
 * server (model profiles, analyzers of text documents) speak about the same URIs. Each publishes
 * its own list under its name here, and the client gets their union.
 */
export class DiagnosticsHub {
  private readonly byUri = new Map<string, Map<string, Diagnostic[]>>();

  constructor(private readonly send: (uri: string, diagnostics: Diagnostic[]) => void) {}

  /**
   * Replaces what `owner` says about `uri` (an empty list withdraws it). Every message passes here,
   * so here its names from files are made visible (control and bidi characters as escapes).
   */
  publish(owner: string, uri: string, given: Diagnostic[]): void {
    const diagnostics = given.map((d) => ({ ...d, message: visibleLines(d.message) }));
    let owners = this.byUri.get(uri);
    if (!owners) {
      if (!diagnostics.length) {
        // Nothing known here yet: still clear the URI, as the owner asked.
        this.send(uri, []);
        return;
      }
      owners = new Map();
      this.byUri.set(uri, owners);
    }
    if (diagnostics.length) owners.set(owner, diagnostics);
    else owners.delete(owner);
    if (!owners.size) this.byUri.delete(uri);
    this.send(uri, [...owners.values()].flat());
  }
}
