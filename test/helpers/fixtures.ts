import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { profileFile } from '../../src/formats/profile-file';
import type { ProfileOptions } from '../../src/formats/types';
import type { Report } from '../../src/profile/report';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'models');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const facts: Record<string, any> = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'facts.json'), 'utf8')).models;

export function profileFixture(name: string, options: ProfileOptions = {}): Report {
  return profileFile(path.join(FIXTURES, `${name}.onnx`), options);
}

/**
 * Copies a fixture to a temp folder with its external data recreated as a zero-filled (sparse)
 * file of the recorded length, so onnxruntime can load it. Weights are zeros: shapes are what
 * the tests compare.
 */
export function materialize(name: string): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `floplens-${name}-`));
  const file = path.join(dir, `${name}.onnx`);
  fs.copyFileSync(path.join(FIXTURES, `${name}.onnx`), file);
  const bytes = facts[name].externalDataBytes as number;
  if (bytes > 0) {
    const fd = fs.openSync(path.join(dir, `${name}.onnx.data`), 'w');
    fs.ftruncateSync(fd, bytes);
    fs.closeSync(fd);
  }
  return { dir, file };
}
