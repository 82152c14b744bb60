/**
 * exact-mode-lens: a `Profile exactly with Python` lens over every nn.Module class of a Python
 * file, when exact mode can run (trusted workspace, floplens.exactMode.enabled). Only a parse:
 * the figures come when the user asks (server/exact-mode.ts).
 */
import type { CodeLens } from 'vscode-languageserver';
import type { PyExpr } from '../../src/pytorch/ast';
import { ParseCache, parsePython } from '../../src/pytorch/parse';
import type { ProfileExactlyParams } from '../../common/protocol';
import type { Analyzer } from './registry';

export const PROFILE_EXACTLY_COMMAND = 'floplens.profileExactly';

/** torch.nn classes a model class derives from. */
const NN_BASES = new Set(['Module', 'Sequential', 'ModuleList', 'ModuleDict'].map((n) => `torch.nn.${n}`));
/** Parse trees kept for incremental re-parsing, one per recently asked document. */
const MAX_CACHED = 32;
const caches = new Map<string, ParseCache>();

export const exactModeLens: Analyzer = {
  id: 'exact-mode-lens',

  async codeLenses(doc, ctx) {
    if (doc.languageId !== 'python' || !ctx.exactModeAvailable()) return [];
    return moduleClasses(doc.uri, doc.getText()).map(
      (c): CodeLens => ({
        range: c.range,
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
};

/** Top-level classes deriving (through the file's classes) from nn.Module and its containers. */
function moduleClasses(uri: string, text: string): { name: string; range: CodeLens['range'] }[] {
  let cache = caches.get(uri);
  if (cache) caches.delete(uri);
  else cache = new ParseCache();
  caches.set(uri, cache); // most recent last
  if (caches.size > MAX_CACHED) caches.delete(caches.keys().next().value!);

  const module = parsePython(text, cache);
  // What the imports bind: `nn` → torch.nn, `Module` → torch.nn.Module.
  const names = new Map<string, string>();
  for (const s of module.body) {
    if (s.kind === 'import') for (const n of s.names) names.set(n.alias ?? n.module.split('.')[0]!, n.alias ? n.module : n.module.split('.')[0]!);
    if (s.kind === 'from' && s.level === 0) for (const n of s.names) names.set(n.alias ?? n.name, `${s.module}.${n.name}`);
  }
  const modules = new Set<string>();
  const found: { name: string; range: CodeLens['range'] }[] = [];
  for (const s of module.body) {
    if (s.kind !== 'class') continue;
    const isModule = s.bases.some((b) => {
      const dotted = dottedName(b);
      if (dotted === undefined) return false;
      const [head, ...rest] = dotted.split('.');
      if (rest.length === 0 && modules.has(head!)) return true;
      const full = [names.get(head!) ?? head, ...rest].join('.');
      return NN_BASES.has(full) || NN_BASES.has(full.replace('torch.nn.modules.module.', 'torch.nn.').replace('torch.nn.modules.container.', 'torch.nn.'));
    });
    if (!isModule) continue;
    modules.add(s.name);
    found.push({ name: s.name, range: s.nameRange });
  }
  return found;
}

function dottedName(e: PyExpr): string | undefined {
  if (e.kind === 'name') return e.id;
  if (e.kind === 'attr') {
    const head = dottedName(e.object);
    return head === undefined ? undefined : `${head}.${e.name}`;
  }
  return undefined;
}
