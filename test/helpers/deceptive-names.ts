/**
 * A model whose names hold terminal escapes and direction overrides, for the views that must show
 * them as visible escapes (text, Markdown, hovers, lenses, the panel) and the formats that must
 * keep them byte for byte (JSON, CSV).
 */
import type { ModelSpec } from './onnx-builder';

/** A dim_param that clears the terminal. */
export const CLEAR_SCREEN = '\u001b[2J';
/** An opset domain that sets the terminal's title. */
export const SET_TITLE = 'evil\u001b]0;pwned\u0007';
/** A node name that reads `invoice…exe.png` once U+202E reverses its tail. */
export const REVERSED = 'invoice\u202Egnp.exe';

/** Every character that must never reach a view raw. */
// eslint-disable-next-line no-control-regex -- exactly the characters under test
export const INVISIBLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

export function deceptiveModel(): ModelSpec {
  return {
    producerName: 'exporter\u200f 2.0',
    opset: [{ domain: '', version: 17 }, { domain: SET_TITLE, version: 1 }],
    graph: {
      nodes: [
        { opType: 'Relu', name: REVERSED, inputs: ['x\u2066'], outputs: ['a'] },
        { opType: 'Custom\u009b', domain: SET_TITLE, name: 'del\u007f', inputs: ['a'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x\u2066', shape: [CLEAR_SCREEN, 8] }],
      outputs: [{ name: 'y' }],
    },
  };
}
