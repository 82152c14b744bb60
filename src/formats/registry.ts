import * as path from 'node:path';
import type { ByteSource, ModelHost } from '../io/byte-source';
import { FormatError } from '../io/errors';
import type { Report } from '../profile/report';
import { onnxFormat } from './onnx-format';
import { ModelError, type ModelFormat, type ProfileOptions } from './types';

const formats: ModelFormat[] = [onnxFormat];

export function formatFor(file: string): ModelFormat | undefined {
  const lower = file.toLowerCase();
  return formats.find((f) => f.extensions.some((e) => lower.endsWith(e)));
}

export function supportedExtensions(): string[] {
  return formats.flatMap((f) => f.extensions);
}

/**
 * Profiles a model. Every problem with the file itself comes back as a ModelError naming the
 * file; a bug of ours still throws as itself so it is not mistaken for a bad file.
 */
export function profileModel(file: string, src: ByteSource, host: ModelHost | undefined, options: ProfileOptions = {}): Report {
  const format = formatFor(file) ?? onnxFormat;
  try {
    return format.profile(path.basename(file), src, host, options);
  } catch (e) {
    if (e instanceof ModelError) throw e;
    // A read past the end (RangeError) is a truncated file, not a bug.
    if (e instanceof FormatError || e instanceof RangeError) throw new ModelError(path.basename(file), oneLine(e.message));
    throw e;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
