import * as path from 'node:path';
import { BindingsError } from '../bindings';
import { FormatError } from '../io/errors';
import { FileSource, FolderHost } from '../io/file-source';
import { compareWithBaseline, type Report } from '../profile/report';
import { visible } from '../report/visible-text';
import { profileModel } from './registry';
import { ModelError, type ProfileOptions } from './types';

/** Profiles a model file on disk; external data may be opened only inside its folder. */
export function profileFile(file: string, options: ProfileOptions = {}): Report {
  const src = openModel(file);
  try {
    return profileModel(file, src, new FolderHost(file), options);
  } finally {
    src.close();
  }
}

/**
 * Profiles with the given shapes and, when they differ from the file's own, compares with the
 * file's shapes: what changing batch or resolution did (params stay, MACs scale).
 */
export function profileFileCompared(file: string, options: ProfileOptions): Report {
  const report = profileFile(file, options);
  if (Object.keys(report.bindings).length || Object.keys(options.inputShapes ?? {}).length) {
    report.comparison = compareWithBaseline(profileFile(file, {}));
  }
  return report;
}

function openModel(file: string): FileSource {
  try {
    return FileSource.open(file);
  } catch (e) {
    if (e instanceof FormatError) throw new ModelError(file, e.message);
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelError(file, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message);
  }
}

/** Whose fault a failure is: the model file's, the bindings asked for, or FlopLens's own. */
export type FailureKind = 'model' | 'bindings' | 'internal';

export function failureKind(e: unknown): FailureKind {
  return e instanceof ModelError ? 'model' : e instanceof BindingsError ? 'bindings' : 'internal';
}

/**
 * The one sentence for a failure, visible text naming the file. Anything but a ModelError or a
 * BindingsError is our bug (a stack overflow, an exhausted heap): it says FlopLens failed, never
 * that the file is bad.
 */
export function describeFailure(file: string, e: unknown): string {
  switch (failureKind(e)) {
    case 'model':
      return visible(`${(e as ModelError).file}: ${(e as ModelError).reason}`);
    case 'bindings':
      return visible(`${path.basename(file)}: ${(e as BindingsError).message}`);
    case 'internal':
      return visible(`${path.basename(file)}: FlopLens failed (internal error, please report it): ${oneLine(e instanceof Error ? e.message : String(e))}`);
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
