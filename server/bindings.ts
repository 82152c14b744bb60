import { BindingsError, checkValues, type Bindings } from '../src/bindings';
import type { ProfileOptions } from '../src/formats';
import type { ReportDoc } from '../src/report';

/** What a model is profiled with: what Set Input Shape… gave it, over `floplens.dims` for the symbols it has. */
export function modelOptions(settingsDims: Record<string, number>, own: Bindings | undefined): ProfileOptions {
  return {
    ...(own?.dims && Object.keys(own.dims).length ? { dims: own.dims } : {}),
    ...(own?.inputShapes && Object.keys(own.inputShapes).length ? { inputShapes: own.inputShapes } : {}),
    ...(Object.keys(settingsDims).length ? { defaultDims: settingsDims } : {}),
  };
}

/** Canonical text of profile options (keys sorted), for cache keys: equal options, equal text. */
export function optionsKey(o: ProfileOptions): string {
  const sorted = <T>(r: Record<string, T> | undefined): [string, T][] => Object.entries(r ?? {}).sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0));
  return JSON.stringify([sorted(o.dims), sorted(o.inputShapes), sorted(o.defaultDims)]);
}

/** The rules' sentence for bindings from a request or the settings, undefined when their values are usable. */
export function bindingsProblem(b: Bindings): string | undefined {
  try {
    checkValues(b);
    return undefined;
  } catch (e) {
    if (e instanceof BindingsError) return e.message;
    throw e;
  }
}

/** The bindings a profile used: the dims its report bound (defaults included) and the shapes asked for. */
export function usedBindings(options: ProfileOptions, report: ReportDoc | undefined): Bindings {
  const dims = report ? report.bindings : options.dims;
  return {
    ...(dims && Object.keys(dims).length ? { dims } : {}),
    ...(options.inputShapes && Object.keys(options.inputShapes).length ? { inputShapes: options.inputShapes } : {}),
  };
}
