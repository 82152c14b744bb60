/**
 * The file's classes: which of them are nn.Modules (the one answer every part of the analysis —
 * and exact mode's lens — uses), and attribute lookup through their bases.
 */
import type { SourceRange } from './ast';
import type { Interpreter } from './evaluate';
import type { ClassInfo, Value } from './values';

/** Imported classes a model class can derive from, by canonical path, and what that makes it. */
const NN_BASES: ReadonlyMap<string, NonNullable<ClassInfo['nnBase']>> = new Map([
  ['torch.nn.Module', 'Module'],
  ['torch.nn.Sequential', 'Sequential'],
  ['torch.nn.ModuleList', 'ModuleList'],
  ['torch.nn.ModuleDict', 'ModuleDict'],
]);

/**
 * Which nn container (or Module) a class with these bases derives from, through the file's
 * classes; undefined for a class that is not an nn.Module. A Lightning `LightningModule`
 * (`pytorch_lightning`, `lightning.pytorch`) is an nn.Module subclass, so its subclasses are
 * modules too.
 */
export function nnBaseOf(bases: readonly Value[]): ClassInfo['nnBase'] {
  for (const b of bases) {
    if (b.t === 'class' && b.cls.nnBase) return b.cls.nnBase;
    if (b.t === 'ext') {
      const base = NN_BASES.get(canonicalNn(b.path));
      if (base) return base;
      if (/(^|\.)LightningModule$/.test(b.path)) return 'Module';
    }
  }
  return undefined;
}

/** `torch.nn.modules.conv.Conv2d` → `torch.nn.Conv2d`. */
export function canonicalNn(path: string): string {
  const m = /^torch\.nn\.modules(?:\.[a-z_]+)?\.([A-Za-z0-9_]+)$/.exec(path);
  if (m) return `torch.nn.${m[1]}`;
  return path;
}

/** A class attribute read through an instance: methods bound, properties called, static/class methods as such. */
export function bindClassAttr(ip: Interpreter, c: Value, self: Value, site: SourceRange): Value {
  if (c.t !== 'func') return c;
  if (c.kind === 'property') return ip.callFunction(c, [self], [], site);
  if (c.kind === 'static') return c;
  if (c.kind === 'class') {
    const cls = self.t === 'module' ? self.mod.cls : self.t === 'object' ? self.obj.cls : undefined;
    return cls ? { t: 'method', fn: c, self: { t: 'class', cls } } : c;
  }
  return { t: 'method', fn: c, self };
}

/** A class attribute through the file's bases (depth-first, left to right). */
export function classAttr(cls: ClassInfo, name: string, seen = new Set<ClassInfo>()): Value | undefined {
  if (seen.has(cls)) return undefined;
  seen.add(cls);
  const v = cls.ns.get(name);
  if (v !== undefined) return v;
  for (const b of cls.bases) {
    if (b.t === 'class') {
      const hit = classAttr(b.cls, name, seen);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}
