import type { Bindings } from '../common/protocol';

/** The bindings a model is profiled with: `floplens.dims` first, then what Set Input Shape… gave it. */
export function effectiveBindings(settingsDims: Record<string, number>, own: Bindings | undefined): Bindings {
  const dims = { ...settingsDims, ...own?.dims };
  return {
    ...(Object.keys(dims).length ? { dims } : {}),
    ...(own?.inputShapes && Object.keys(own.inputShapes).length ? { inputShapes: own.inputShapes } : {}),
  };
}

/** Canonical text of bindings (keys sorted), for cache keys: equal bindings, equal text. */
export function bindingsKey(b: Bindings): string {
  const sorted = <T>(r: Record<string, T> | undefined): [string, T][] => Object.entries(r ?? {}).sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0));
  return JSON.stringify([sorted(b.dims), sorted(b.inputShapes)]);
}

/** What is wrong with bindings from a request or the settings, undefined when they are usable. */
export function bindingsProblem(b: Bindings): string | undefined {
  for (const [name, v] of Object.entries(b.dims ?? {})) {
    if (!Number.isSafeInteger(v) || v < 0) return `dim ${name} = ${JSON.stringify(v)} is not a whole number ≥ 0`;
  }
  for (const [input, dims] of Object.entries(b.inputShapes ?? {})) {
    if (!Array.isArray(dims)) return `the shape of input "${input}" is not a list of dims`;
    const bad = dims.find((d) => !(typeof d === 'string' ? /^[A-Za-z_][\w.]*$/.test(d) : Number.isSafeInteger(d) && d >= 0));
    if (bad !== undefined) return `input "${input}" has the dim ${JSON.stringify(bad)}: use whole numbers ≥ 0 or symbol names`;
  }
  return undefined;
}
