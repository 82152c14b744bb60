/**
 * Text from model files (names, dim_param symbols, opset domains, producers) may hold anything. In
 * every human-facing view, characters that act instead of showing — C0/C1 controls and DEL
 * (terminal escapes such as `ESC[2J`), and the invisible direction marks and overrides that
 * reorder what a reader sees (`…\u202Egnp.exe` shown as `…exe.png`) — are written out as visible
 * escapes: `\x1b` for controls, `<U+202E>` for direction marks. JSON and CSV keep the exact bytes.
 */

// eslint-disable-next-line no-control-regex -- these characters are exactly what must be made visible
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** `s` with every control and bidi character written out, so it shows as it is and does nothing. */
export function visible(s: string): string {
  return s.replace(INVISIBLE, escape);
}

/** The same for text whose own line breaks are wanted (multi-line hovers and tooltips): each line made visible. */
export function visibleLines(s: string): string {
  return s.split('\n').map(visible).join('\n');
}
