/**
 * Text that quotes source lines ("on line 12", "shape unknown after line 40"). A quoted line stays
 * the position it names until the text is rendered, so a result moved by an edit
 * (incremental/merge.ts) moves its quotes with its ranges, and no number is ever rewritten in a
 * string.
 */
import type { Position, SourceRange } from './ast';

/** A quoted line: the position it names (rendered as its 1-based line). */
export type Quote = Position;

/** Literal text, or literal text and quoted lines. */
export type Message = string | readonly (string | Quote)[];

/**
 * A message from a template: `msg\`shape unknown after line ${at(site)}: ${reason}\``. Plain
 * strings, numbers and messages are spliced in; a plain string comes back when nothing is quoted.
 */
export function msg(strings: TemplateStringsArray, ...values: readonly (string | number | Message | Quote)[]): Message {
  const parts: (string | Quote)[] = [];
  let literal = strings[0];
  const add = (p: string | Quote): void => {
    if (typeof p === 'string') {
      literal += p;
      return;
    }
    if (literal) parts.push(literal);
    parts.push(p);
    literal = '';
  };
  values.forEach((v, i) => {
    if (typeof v === 'number') add(String(v));
    else if (typeof v === 'string' || isQuote(v)) add(v);
    else v.forEach(add);
    literal += strings[i + 1];
  });
  if (!parts.length) return literal;
  if (literal) parts.push(literal);
  return parts;
}

/** The line a range starts on, quoted. */
export function at(r: SourceRange): Quote {
  return r.start;
}

/** A 1-based line number (`Why.line`), quoted. */
export function lineAt(line: number): Quote {
  return { line: line - 1, character: 0 };
}

/** The text, quoted lines as 1-based numbers. */
export function messageText(m: Message): string {
  if (typeof m === 'string') return m;
  let out = '';
  for (const p of m) out += typeof p === 'string' ? p : String(p.line + 1);
  return out;
}

/** Messages once each, by their text. */
export function uniqueMessages(ms: readonly Message[]): Message[] {
  const seen = new Set<string>();
  return ms.filter((m) => {
    const key = messageText(m);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isQuote(v: Exclude<Message, string> | Quote): v is Quote {
  return !Array.isArray(v);
}
