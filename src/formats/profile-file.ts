import * as path from 'node:path';
import { BindingsError } from '../bindings';
import { FormatError } from '../io/errors';
import { FileSource, FolderHost } from '../io/file-source';
import { compareWithBaseline, type Report } from '../profile/report';
import { printable } from '../report/rows';
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

/** One printable line naming the file; anything but a ModelError or BindingsError is our bug, still said in one line. */
export function describeFailure(file: string, e: unknown): string {
  if (e instanceof ModelError) return printable(`${e.file}: ${e.reason}`);
  if (e instanceof BindingsError) return printable(`${path.basename(file)}: ${e.message}`);
  return printable(`${file}: internal error while profiling (please report): ${(e as Error)?.message ?? String(e)}`);
}
