import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ByteSource, ModelHost } from './byte-source';
import { FormatError } from './errors';

/** A file read with positioned reads, so files larger than a Buffer can hold still open. */
export class FileSource implements ByteSource {
  readonly size: number;
  /** Bytes actually read, for the bench's "graph bytes vs file bytes" figure. */
  bytesRead = 0;

  constructor(private readonly fd: number) {
    this.size = fs.fstatSync(fd).size;
  }

  static open(file: string): FileSource {
    return new FileSource(fs.openSync(file, 'r'));
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(`read of ${length} bytes at ${offset} past end of ${this.size}`);
    }
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, length - done, offset + done);
      if (n === 0) throw new RangeError(`file shrank while reading at ${offset + done}`);
      done += n;
    }
    this.bytesRead += length;
    return buf;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/**
 * The folder a model's external data lives in: the real model file's, when the model is reached
 * through a symbolic link (the weights sit beside the real file, e.g. in a Hugging Face cache).
 */
export function modelFolder(modelFile: string): string {
  return path.dirname(fs.realpathSync(path.resolve(modelFile)));
}

/**
 * Opens files beside a model (in its `modelFolder`), refusing any path that leaves that folder —
 * also through symbolic links — because external-data locations come from the (untrusted) model
 * file.
 */
export class FolderHost implements ModelHost {
  private readonly root: string;

  constructor(modelFile: string) {
    this.root = modelFolder(modelFile);
  }

  openSibling(relativePath: string): ByteSource {
    const real = this.resolve(relativePath);
    if (real === undefined) throw new FormatError(`external data file "${relativePath}" not found`);
    return FileSource.open(real);
  }

  siblingExists(relativePath: string): boolean {
    return this.resolve(relativePath) !== undefined;
  }

  /** The real path of a file in the model's folder, undefined when absent; throws when it leaves the folder. */
  private resolve(relativePath: string): string | undefined {
    if (path.isAbsolute(relativePath) || relativePath.includes('\0')) {
      throw new FormatError(`external data location "${relativePath}" is not a relative path`);
    }
    const target = path.resolve(this.root, relativePath);
    if (!isInside(this.root, target)) throw new FormatError(`external data location "${relativePath}" is outside the model's folder`);
    let real: string;
    try {
      real = fs.realpathSync(target);
    } catch {
      return undefined;
    }
    if (!isInside(this.root, real)) throw new FormatError(`external data location "${relativePath}" links outside the model's folder`);
    return real;
  }
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
