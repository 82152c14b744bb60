import type { OpDef } from './types';

/**
 * Op definitions keyed by `domain:opType` ('' is ai.onnx). Families register themselves from
 * their own modules; `ops/index.ts` imports them all, so adding an op is adding an entry.
 */
const registry = new Map<string, OpDef>();

export function defineOps(opTypes: readonly string[], def: OpDef, domain = ''): void {
  for (const op of opTypes) {
    const key = `${domain}:${op}`;
    if (registry.has(key)) throw new Error(`op ${key} defined twice`);
    registry.set(key, def);
  }
}

export function lookupOp(domain: string, opType: string): OpDef | undefined {
  return registry.get(`${domain === 'ai.onnx' ? '' : domain}:${opType}`);
}

export function registeredOps(): string[] {
  return [...registry.keys()].sort();
}
