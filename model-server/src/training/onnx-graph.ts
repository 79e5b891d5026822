// Builds the ONNX artifact from a trained linear model. The graph does the whole job the model
// contract (docs/model.md) asks of the file: lower-case, tokenize, form bigrams, look n-grams up,
// de-duplicate them (features are binary presence), sum their weights, normalize and apply the
// sigmoid. Beside the probabilities it returns two input descriptors per text, the number of tokens
// and how many of them the vocabulary does not know, which the server exports for drift
// (DESCRIPTOR_OUTPUTS in the contract, docs/drift.md).
//
// Cost is per token, not per vocabulary entry: LabelEncoder maps n-grams to ids and Gather picks
// weights, where TfIdfVectorizer would build a dense [N, vocabulary] tensor.
import { onnx } from 'onnx-proto';
import { DESCRIPTOR_OUTPUTS, INPUT_NAME, OUTPUT_NAME } from '../contract';
import { BIGRAM_SEPARATOR, PAD_TOKEN, TOKEN_PATTERN } from './tokenize';

export const ONNX_IR_VERSION = 9;
export const OPSET_AI_ONNX = 20; // StringConcat first appears in opset 20
export const OPSET_AI_ONNX_ML = 3;
export const OPSET_MS = 1;

export interface LinearTextModel {
  /** n-gram strings; id i+1 is vocabulary[i], id 0 means "unknown". */
  vocabulary: readonly string[];
  /** Effective weight of each vocabulary entry (classifier weight times NB ratio), same order. */
  weights: Float32Array | Float64Array | readonly number[];
  bias: number;
}

export interface ExportOptions {
  producerVersion: string;
  docString?: string;
  metadata: Record<string, string>;
}

const AT = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;
const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

type AttrValue = number | string | string[] | number[] | { floats: number[] } | onnx.ITensorProto;

function attribute(name: string, v: AttrValue): onnx.IAttributeProto {
  if (typeof v === 'string') return { name, type: AT.STRING, s: utf8(v) };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return { name, type: AT.FLOAT, f: v };
    return { name, type: AT.INT, i: v };
  }
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string')
      return { name, type: AT.STRINGS, strings: (v as string[]).map(utf8) };
    return { name, type: AT.INTS, ints: v as number[] };
  }
  if ('floats' in v) return { name, type: AT.FLOATS, floats: v.floats };
  return { name, type: AT.TENSOR, t: v };
}

function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttrValue> = {},
  domain = '',
): onnx.INodeProto {
  return {
    opType,
    domain,
    input: inputs,
    output: outputs,
    name: outputs[0],
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  };
}

function int64Tensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  return { name, dims, dataType: DT.INT64, int64Data: values };
}

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): onnx.ITensorProto {
  // raw little-endian bytes keep large weight vectors compact and encode deterministically
  const f = Float32Array.from(values as ArrayLike<number>);
  return { name, dims, dataType: DT.FLOAT, rawData: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) };
}

function stringTensor(name: string, dims: number[], values: string[]): onnx.ITensorProto {
  return { name, dims, dataType: DT.STRING, stringData: values.map(utf8) };
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** The graph as a list of nodes and initializers; see the file comment for what it computes. */
export function buildGraph(model: LinearTextModel): onnx.IGraphProto {
  if (model.weights.length !== model.vocabulary.length) {
    throw new Error(
      `weights (${model.weights.length}) and vocabulary (${model.vocabulary.length}) differ in length`,
    );
  }
  const weights = new Float32Array(model.vocabulary.length + 1); // index 0: unknown n-gram, weight 0
  for (let i = 0; i < model.vocabulary.length; i++) weights[i + 1] = model.weights[i];
  const ids = model.vocabulary.map((_, i) => i + 1);
  const INT64_MAX = Number.MAX_SAFE_INTEGER; // Slice clamps; any value past the end works

  const initializer: onnx.ITensorProto[] = [
    floatTensor('weights', [weights.length], weights),
    floatTensor('bias', [], [model.bias]),
    floatTensor('one_f', [], [1]),
    floatTensor('sign', [1, 2], [-1, 1]),
    stringTensor('bigram_sep', [], [BIGRAM_SEPARATOR]),
    stringTensor('pad', [], [PAD_TOKEN]),
    int64Tensor('axis0', [1], [0]),
    int64Tensor('axis1', [1], [1]),
    int64Tensor('zero_1', [1], [0]),
    int64Tensor('one_1', [1], [1]),
    int64Tensor('minus1_1', [1], [-1]),
    int64Tensor('max_1', [1], [INT64_MAX]),
    int64Tensor('zero', [], [0]),
    int64Tensor('one', [], [1]),
    int64Tensor('stride', [], [weights.length]),
  ];

  // Every node costs a few microseconds per call whatever the batch size, so the graph is kept short.
  const nodes: onnx.INodeProto[] = [
    node('StringNormalizer', [INPUT_NAME], ['lower'], {
      case_change_action: 'LOWER',
      is_case_sensitive: 0,
      locale: 'C',
    }),
    node(
      'Tokenizer',
      ['lower'],
      ['tokens'],
      { mark: 0, mincharnum: 1, pad_value: PAD_TOKEN, tokenexp: TOKEN_PATTERN },
      'com.microsoft',
    ),
    // bigrams: tokens[:, :-1] + " " + tokens[:, 1:]
    node('Slice', ['tokens', 'zero_1', 'minus1_1', 'axis1'], ['left']),
    node('Slice', ['tokens', 'one_1', 'max_1', 'axis1'], ['right']),
    node('StringConcat', ['left', 'bigram_sep'], ['left_sep']),
    node('StringConcat', ['left_sep', 'right'], ['bigrams']),
    node('Concat', ['tokens', 'bigrams'], ['grams'], { axis: 1 }),
    // padding ("#", "w #", "# #") is never in the vocabulary, so it maps to 0 like unknown n-grams
    node(
      'LabelEncoder',
      ['grams'],
      ['ids'],
      { keys_strings: model.vocabulary.slice(), values_int64s: ids, default_int64: 0 },
      'ai.onnx.ml',
    ),
    // key = row * (V+1) + id names a (text, n-gram) pair across the whole batch
    node('Shape', [INPUT_NAME], ['n_1']),
    node('Squeeze', ['n_1', 'axis0'], ['n']),
    node('Range', ['zero', 'n', 'one'], ['row_ids']),
    node('Mul', ['row_ids', 'stride'], ['row_base']),
    node('Unsqueeze', ['row_base', 'axis1'], ['row_base_col']),
    node('Add', ['ids', 'row_base_col'], ['keys_2d']),
    // keep known n-grams only, flattened, so what follows costs what the texts hold, not the padding
    node('Greater', ['ids', 'zero'], ['known_2d']),
    node('Reshape', ['keys_2d', 'minus1_1'], ['keys_flat']),
    node('Reshape', ['known_2d', 'minus1_1'], ['known_flat']),
    node('Compress', ['keys_flat', 'known_flat'], ['key']),
    // binary presence: sort the keys (a -1 sentinel sorts last, so every key has a successor) and
    // drop a key equal to its successor
    node('Concat', ['key', 'minus1_1'], ['keys'], { axis: 0 }),
    node('Shape', ['keys'], ['n_keys']),
    node('TopK', ['keys', 'n_keys'], ['sorted', 'sorted_idx'], { axis: 0, largest: 1, sorted: 1 }),
    node('Slice', ['sorted', 'zero_1', 'minus1_1', 'axis0'], ['cur']),
    node('Slice', ['sorted', 'one_1', 'max_1', 'axis0'], ['nxt']),
    node('Equal', ['cur', 'nxt'], ['dup']),
    node('Not', ['dup'], ['first']),
    node('Cast', ['first'], ['first_f'], { to: DT.FLOAT }),
    node('Div', ['cur', 'stride'], ['u_row']),
    node('Mod', ['cur', 'stride'], ['u_id']),
    node('Gather', ['weights', 'u_id'], ['w'], { axis: 0 }),
    node('Mul', ['w', 'first_f'], ['u_w']),
    node('ConstantOfShape', ['n_1'], ['zeros_n'], { value: floatTensor('v', [1], [0]) }),
    node('ScatterElements', ['zeros_n', 'u_row', 'u_w'], ['wsum'], { axis: 0, reduction: 'add' }),
    node('ScatterElements', ['zeros_n', 'u_row', 'first_f'], ['count'], { axis: 0, reduction: 'add' }),
    // binary features scaled by 1/sqrt(#distinct known n-grams): the L2 norm of the presence vector
    node('Max', ['count', 'one_f'], ['count1']),
    node('Sqrt', ['count1'], ['norm']),
    node('Div', ['wsum', 'norm'], ['wnorm']),
    node('Add', ['wnorm', 'bias'], ['logit']),
    // [sigmoid(-z), sigmoid(z)] = [1 - p, p]
    node('Unsqueeze', ['logit', 'axis1'], ['logit_col']),
    node('Mul', ['logit_col', 'sign'], ['signed']),
    node('Sigmoid', ['signed'], [OUTPUT_NAME]),
    // input descriptors: tokens are the non-padding cells of `tokens`; unknown ones are those whose
    // unigram id (the first columns of `ids`, in the order `grams` concatenates) is 0
    node('Equal', ['tokens', 'pad'], ['is_pad']),
    node('Not', ['is_pad'], ['is_token']),
    node('Cast', ['is_token'], ['is_token_f'], { to: DT.FLOAT }),
    node('ReduceSum', ['is_token_f', 'axis1'], [DESCRIPTOR_OUTPUTS.inputTokens], { keepdims: 0 }),
    node('Shape', ['tokens'], ['width_1'], { start: 1, end: 2 }),
    node('Slice', ['ids', 'zero_1', 'width_1', 'axis1'], ['uni_ids']),
    node('Equal', ['uni_ids', 'zero'], ['uni_unknown']),
    node('And', ['uni_unknown', 'is_token'], ['unknown_token']),
    node('Cast', ['unknown_token'], ['unknown_token_f'], { to: DT.FLOAT }),
    node('ReduceSum', ['unknown_token_f', 'axis1'], [DESCRIPTOR_OUTPUTS.unknownTokens], { keepdims: 0 }),
  ];

  return {
    name: 'sentiment',
    node: nodes,
    initializer,
    input: [valueInfo(INPUT_NAME, DT.STRING, ['N'])],
    output: [
      valueInfo(OUTPUT_NAME, DT.FLOAT, ['N', 2]),
      valueInfo(DESCRIPTOR_OUTPUTS.inputTokens, DT.FLOAT, ['N']),
      valueInfo(DESCRIPTOR_OUTPUTS.unknownTokens, DT.FLOAT, ['N']),
    ],
  };
}

/** Serializes the model; the same inputs always give the same bytes. */
export function exportOnnx(model: LinearTextModel, opts: ExportOptions): Uint8Array {
  const proto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    producerName: 'sentiment-operator-trainer',
    producerVersion: opts.producerVersion,
    domain: 'dev.sentimentops',
    modelVersion: 1,
    docString: opts.docString ?? '',
    opsetImport: [
      { domain: '', version: OPSET_AI_ONNX },
      { domain: 'ai.onnx.ml', version: OPSET_AI_ONNX_ML },
      { domain: 'com.microsoft', version: OPSET_MS },
    ],
    graph: buildGraph(model),
    metadataProps: Object.keys(opts.metadata)
      .sort()
      .map((key) => ({ key, value: opts.metadata[key] })),
  });
  return onnx.ModelProto.encode(proto).finish();
}
