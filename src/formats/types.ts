import type { Bindings } from '../bindings';
import type { ByteSource, ModelHost } from '../io/byte-source';
import type { Report } from '../profile/report';

/**
 * Bindings, checked against the model (a BindingsError names what it does not have), and values
 * meant for every model (`floplens.dims`): those bind the symbols this one has, the rest are unused.
 */
export interface ProfileOptions extends Bindings {
  defaultDims?: Record<string, number>;
}

/** A model file format the engine can profile. Later formats (safetensors, GGUF...) register here too. */
export interface ModelFormat {
  id: string;
  /** File name endings, lower case, with the dot. */
  extensions: readonly string[];
  /** Profiles the file; throws ModelError (one line) when the file is unusable. */
  profile(file: string, src: ByteSource, host: ModelHost | undefined, options: ProfileOptions): Report;
}

/** A model file that cannot be used, with one line saying what is wrong. */
export class ModelError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}
