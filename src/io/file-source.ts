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

  /**
   * Opens a regular file only. A FIFO would block the open (and every later read) forever and a
   * device never ends, so the kind is checked before opening, and again on the open descriptor —
   * opened non-blocking, so a FIFO swapped in between cannot hang us either.
   */
  static open(file: string): FileSource {
    refuseSpecial(fs.statSync(file));
    const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0));
    try {
      refuseSpecial(fs.fstatSync(fd));
      return new FileSource(fd);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
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

  readSibling(relativePath: string, offset: number, length: number): Uint8Array {
    const real = this.resolve(relativePath);
    if (real === undefined) throw new FormatError(`external data file "${relativePath}" not found`);
    let file: FileSource;
    try {
      file = FileSource.open(real);
    } catch (e) {
      if (e instanceof FormatError) throw new FormatError(`external data file "${relativePath}" ${e.message}`);
      throw new FormatError(`external data file "${relativePath}" cannot be opened: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      if (offset + length > file.size) {
        throw new FormatError(`external data file "${relativePath}" has ${file.size} bytes, too few for ${length} bytes at offset ${offset}`);
      }
      return file.read(offset, length);
    } finally {
      file.close();
    }
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
    // Refused here already, so nothing (onnxruntime in Verify Shapes included) waits on a FIFO.
    const kind = specialKind(fs.statSync(real));
    if (kind !== undefined) throw new FormatError(`external data file "${relativePath}" is ${kind}, not a regular file`);
    return real;
  }
}

/** Throws (a one-line FormatError) unless the file is a regular file. */
function refuseSpecial(st: fs.Stats): void {
  const kind = specialKind(st);
  if (kind !== undefined) throw new FormatError(`is ${kind}, not a regular file`);
}

/** What a file that is not a regular file is, in words; undefined for a regular file. */
function specialKind(st: fs.Stats): string | undefined {
  if (st.isFile()) return undefined;
  return st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a FIFO (named pipe)' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'a special file';
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
