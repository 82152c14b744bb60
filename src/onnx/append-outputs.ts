/**
 * Exposes intermediate values as graph outputs, so a runtime (onnxruntime) reports their shapes.
 * Used by the language server's shape verification and by the tests' cross-checks.
 */
import { MemorySource } from '../io/byte-source';
import { FormatError } from '../io/errors';
import { ProtoReader, WireType } from './protobuf-reader';

export interface ExtraOutput {
  name: string;
  /** ONNX TensorProto.DataType of the value. */
  elemType: number;
}

const MODEL_GRAPH = 7;
const GRAPH_OUTPUT = 12;
const utf8 = new TextEncoder();

/**
 * A copy of `model` whose main graph has extra outputs (name + elem_type, no shape). Only the
 * graph's framing changes: repeated fields concatenate, so the new outputs are appended to the end
 * of the graph's bytes and everything else is copied untouched.
 */
export function appendGraphOutputs(model: Uint8Array, outputs: readonly ExtraOutput[]): Uint8Array {
  const span = lastGraphField(model);
  const extra = outputs.map((o) => field(GRAPH_OUTPUT, valueInfo(o)));
  const graphLength = span.end - span.bodyStart + extra.reduce((n, b) => n + b.length, 0);
  return concat([
    model.subarray(0, span.tagStart),
    varint(MODEL_GRAPH * 8 + WireType.Bytes),
    varint(graphLength),
    model.subarray(span.bodyStart, span.end),
    ...extra,
    model.subarray(span.end),
  ]);
}

/** Byte span of ModelProto.graph; a parser keeps the last occurrence of a message field, so do we. */
function lastGraphField(model: Uint8Array): { tagStart: number; bodyStart: number; end: number } {
  const r = ProtoReader.whole(new MemorySource(model));
  let found: { tagStart: number; bodyStart: number; end: number } | undefined;
  while (!r.done) {
    const tagStart = r.pos;
    const [fieldNumber, wire] = r.tag();
    if (fieldNumber === MODEL_GRAPH && wire === WireType.Bytes) {
      const { offset, length } = r.span();
      found = { tagStart, bodyStart: offset, end: offset + length };
    } else {
      r.skip(wire);
    }
  }
  if (!found) throw new FormatError('not an ONNX model: no graph field');
  return found;
}

/** ValueInfoProto { name, type: TypeProto { tensor_type: { elem_type } } }. */
function valueInfo(o: ExtraOutput): Uint8Array {
  const tensorType = concat([varint((1 << 3) | WireType.Varint), varint(o.elemType)]);
  const type = field(1, tensorType);
  return concat([field(1, utf8.encode(o.name)), field(2, type)]);
}

function field(fieldNumber: number, body: Uint8Array): Uint8Array {
  return concat([varint(fieldNumber * 8 + WireType.Bytes), varint(body.length), body]);
}

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
