/** Something wrong with a model file (or how it was asked for), said in one line. */
export class FormatError extends Error {
  override name = 'FormatError';
}
