// Recovers the linear model (vocabulary, weights, bias) from an exported file, so the trainer's
// own scoring function can be checked against onnxruntime on the very same artifact.
import { onnx } from 'onnx-proto';
import { Vocabulary, encode, textGrams } from '../../src/training/features';

export interface RecoveredModel {
  vocab: Vocabulary;
  weights: Float32Array; // indexed by id; [0] = 0
  bias: number;
}

function floats(t: onnx.ITensorProto): Float32Array {
  const raw = t.rawData!;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

export function recoverLinearModel(bytes: Uint8Array): RecoveredModel {
  const g = onnx.ModelProto.decode(bytes).graph as onnx.GraphProto;
  const le = g.node.find((n) => n.opType === 'LabelEncoder') as onnx.NodeProto;
  const keys = (le.attribute.find((a) => a.name === 'keys_strings') as onnx.AttributeProto).strings.map((s) =>
    Buffer.from(s).toString('utf8'),
  );
  const values = (le.attribute.find((a) => a.name === 'values_int64s') as onnx.AttributeProto).ints.map(
    Number,
  );
  const index = new Map<string, number>();
  keys.forEach((k, i) => index.set(k, values[i]));
  const terms: string[] = [];
  keys.forEach((k, i) => (terms[values[i] - 1] = k));
  const weights = floats(g.initializer.find((t) => t.name === 'weights')!);
  const bias = floats(g.initializer.find((t) => t.name === 'bias')!)[0];
  return { vocab: { terms, index }, weights, bias };
}

/** The trainer's scoring function in float64: tokenize, look up, sum, normalize, sigmoid. */
export function trainerProbability(m: RecoveredModel, text: string): number {
  const ids = encode(textGrams(text), m.vocab);
  let s = 0;
  for (const id of ids) s += m.weights[id];
  const z = m.bias + s / Math.sqrt(Math.max(ids.length, 1));
  return 1 / (1 + Math.exp(-z));
}
