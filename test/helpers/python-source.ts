import * as fs from 'node:fs';
import * as path from 'node:path';

export const PYTORCH_FIXTURES = path.join(__dirname, '..', 'fixtures', 'pytorch');

/**
 * A large Python file of real model code: the fixtures of test/fixtures/pytorch/ repeated until
 * the file has `lines` lines, the classes and functions of each copy renamed (`MyNet_5`) so every
 * class stays its own.
 */
export function generatedPythonFile(lines: number): string {
  const files = fs.readdirSync(PYTORCH_FIXTURES).filter((f) => f.endsWith('.py')).sort();
  const parts: string[] = [];
  let count = 0;
  for (let copy = 0; count < lines; copy++) {
    for (const f of files) {
      let text = fs.readFileSync(path.join(PYTORCH_FIXTURES, f), 'utf8');
      const names = new Set([...text.matchAll(/^(?:class|def)\s+(\w+)/gm)].map((m) => m[1]));
      for (const n of names) text = text.replace(new RegExp(`\\b${n}\\b`, 'g'), `${n}_${parts.length}`);
      parts.push(`# ---- ${f}, copy ${copy}\n${text}`);
      count += text.split('\n').length + 1;
      if (count >= lines) break;
    }
  }
  return parts.join('\n');
}

/** A deterministic stream of numbers in [0, 1). */
export function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** One edit of the kinds people make while writing a model, somewhere in the text. */
export function randomEdit(text: string, rnd: () => number): TextEdit {
  const lines = text.split('\n');
  for (;;) {
    const li = Math.floor(rnd() * lines.length);
    const line = lines[li];
    const at = lines.slice(0, li).reduce((n, l) => n + l.length + 1, 0);
    switch (Math.floor(rnd() * 7)) {
      case 0: {
        const m = /\d+/.exec(line);
        if (m) return { start: at + m.index, end: at + m.index + m[0].length, text: String(Number(m[0]) + 1) };
        break;
      }
      case 1:
        return { start: at, end: at, text: `${/^\s*/.exec(line)![0]}# note\n` };
      case 2:
        return { start: at, end: at + line.length + 1, text: '' };
      case 3:
        return { start: at + line.length, end: at + line.length, text: '(' };
      case 4: {
        const m = /input=\((\d+)|rand\((\d+)|\((\d+),/.exec(line);
        const n = m?.[1] ?? m?.[2] ?? m?.[3];
        if (m && n) return { start: at + m.index + m[0].length - n.length, end: at + m.index + m[0].length, text: String(Number(n) * 2) };
        break;
      }
      case 5: {
        const start = at + Math.floor(rnd() * (line.length + 1));
        return { start, end: Math.min(text.length, start + Math.floor(rnd() * 40)), text: '' };
      }
      default:
        return { start: at, end: at, text: 'WIDTH = 3\n' };
    }
  }
}
