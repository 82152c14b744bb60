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
 * file; anything else (a RangeError from a stack overflow, a bug) is ours and throws as itself, so
 * it is never mistaken for a bad file.
 */
export function profileModel(file: string, src: ByteSource, host: ModelHost | undefined, options: ProfileOptions = {}): Report {
  const format = formatFor(file) ?? onnxFormat;
  try {
    return format.profile(path.basename(file), fileBytes(src), host && fileHost(host), options);
  } catch (e) {
    if (e instanceof ModelError) throw e;
    if (e instanceof FormatError) throw new ModelError(path.basename(file), oneLine(e.message));
    throw e;
  }
}

/**
 * A ByteSource throws RangeError for a read past its end: the file is shorter than it says (or
 * shrank while read), which is the file's fault. Said as a FormatError here, where the reads
 * happen, so a RangeError from anywhere else stays ours.
 */
function fileBytes(src: ByteSource): ByteSource {
  return {
    get size() {
      return src.size;
    },
    read: (offset, length) => fileRead(() => src.read(offset, length)),
  };
}

function fileHost(host: ModelHost): ModelHost {
  return {
    readSibling: (relativePath, offset, length) => fileRead(() => host.readSibling(relativePath, offset, length)),
    siblingExists: (relativePath) => host.siblingExists(relativePath),
  };
}

function fileRead(read: () => Uint8Array): Uint8Array {
  try {
    return read();
  } catch (e) {
    if (e instanceof RangeError) throw new FormatError(`truncated: ${e.message}`);
    throw e;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
