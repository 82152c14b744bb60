/**
 * Random access to a model's bytes. The engine reads through this interface only, so a model
 * can live on disk, in memory (tests) or in an editor buffer, and so that reading a 2 GB+ file
 * costs only the bytes actually looked at.
 */
export interface ByteSource {
  readonly size: number;
  /** Bytes [offset, offset + length); throws when the range runs past the end. */
  read(offset: number, length: number): Uint8Array;
}

/** What the engine may open besides the model itself: external-data files in its folder. */
export interface ModelHost {
  /**
   * Bytes [offset, offset + length) of a file named relative to the model's folder, or a one-line
   * reason (absent, not a regular file, too short).
   */
  readSibling(relativePath: string, offset: number, length: number): Uint8Array;
  /** Whether such a file exists; throws when the path would leave the model's folder. */
  siblingExists(relativePath: string): boolean;
}

export class MemorySource implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}

  get size(): number {
    return this.bytes.length;
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw new RangeError(`read of ${length} bytes at ${offset} past end of ${this.bytes.length}`);
    }
    return this.bytes.subarray(offset, offset + length);
  }
}
