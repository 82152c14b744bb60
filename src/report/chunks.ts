/**
 * Renderers produce a report in pieces (a generator of strings): the CLI writes the pieces as they
 * come, so a million-layer report is never one string, which V8 caps at 2^29 characters.
 */
export type Chunks = Iterable<string>;

/** The pieces as one string, for callers that want it whole (the server's export, tests). */
export function joinChunks(chunks: Chunks): string {
  let out = '';
  for (const c of chunks) out += c;
  return out;
}
