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
