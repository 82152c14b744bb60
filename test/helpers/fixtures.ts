import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { profileFile } from '../../src/formats/profile-file';
import type { ProfileOptions } from '../../src/formats/types';
import type { Report } from '../../src/profile/report';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'models');

/** What scripts/export-fixtures.py recorded of every fixture model (the fields the tests read). */
interface ModelFacts {
  params: number;
  nodeCount: number;
  hookMacs: number;
  floatInitializerElements: number;
  /** Length of the model's .onnx.data file, 0 when its weights are inline. */
  externalDataBytes: number;
}

/** facts.json's models, with the extra figures some of them carry. */
interface FixtureFacts extends Record<string, ModelFacts> {
  tiny_transformer: ModelFacts & { attentionMatmulMacs: number };
  mha: ModelFacts & { attentionMatmulMacs: number };
  lstm: ModelFacts & { rnnMacs: number };
  ops_zoo: ModelFacts & { otherMatmulMacs: number };
  control_flow: ModelFacts & { controlFlowMacs: { elseBranch: number; constLoopBody: number; constLoopTripCount: number; dynLoopBody: number } };
}

export const facts: FixtureFacts = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'facts.json'), 'utf8')).models;

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
  const bytes = facts[name].externalDataBytes;
  if (bytes > 0) {
    const fd = fs.openSync(path.join(dir, `${name}.onnx.data`), 'w');
    fs.ftruncateSync(fd, bytes);
    fs.closeSync(fd);
  }
  return { dir, file };
}
