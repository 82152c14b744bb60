/**
 * exact-mode-lens: a `Profile exactly with Python` lens over every nn.Module class of a Python
 * file that exact mode can build, when exact mode can run (trusted workspace,
 * floplens.exactMode.enabled). The classes are those of the document's analysis, which
 * pytorch-source's lenses share; the figures come when the user asks (server/exact-mode.ts).
 */
import type { CodeLens } from 'vscode-languageserver';
import { buildableClasses } from '../../src/pytorch';
import type { ProfileExactlyParams } from '../../common/protocol';
import { raceToken } from '../worker-pool';
import { openPythonDocuments } from './pytorch-documents';
import type { Analyzer } from './registry';

export const PROFILE_EXACTLY_COMMAND = 'floplens.profileExactly';

export const exactModeLens: Analyzer = {
  id: 'exact-mode-lens',

  async codeLenses(doc, ctx, token) {
    if (doc.languageId !== 'python' || !ctx.exactModeAvailable()) return [];
    const r = await raceToken(openPythonDocuments.analysis(doc, ctx), token);
    if (!('analysis' in r)) return [];
    return buildableClasses(r.analysis).map(
      (c): CodeLens => ({
        range: c.nameRange,
        command: {
          title: 'Profile exactly with Python',
          command: PROFILE_EXACTLY_COMMAND,
          arguments: [{ uri: doc.uri, className: c.name, line: c.range.start.line } satisfies ProfileExactlyParams],
        },
      }),
    );
  },

  async hover() {
    return undefined;
  },

  closed(uri) {
    openPythonDocuments.delete(uri);
  },
};
