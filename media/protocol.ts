/** Messages between the profile panel (webview) and the extension that hosts it. */
import type { Bindings, ExportFormat, ProfileResult } from '../common/protocol';

export type ToPanel =
  /** A fresh profile for the panel's model. */
  | { type: 'profile'; result: ProfileResult }
  /** A profile is being computed (what-if or file change). */
  | { type: 'busy' };

export type FromPanel =
  /** The panel's script is loaded and listening. */
  | { type: 'ready' }
  /** Re-profile with these bindings (what-if: batch, resolution, any symbol). */
  | { type: 'whatIf'; bindings: Bindings }
  | { type: 'export'; format: ExportFormat }
  | { type: 'copySummary' };

/** What the panel keeps across reloads (webview setState). */
export interface PanelState {
  uri: string;
  bindings?: Bindings;
  sort?: { column: string; descending: boolean };
  filter?: string;
  depth?: number;
  collapsed?: string[];
}
