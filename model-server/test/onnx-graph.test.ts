import { strict as assert } from 'node:assert';
import { onnx } from 'onnx-proto';
import { CONFIDENCE_BUCKETS, INPUT_NAME, META, OUTPUT_NAME } from '../src/contract';
import { ModelContractError, parseMetadata, readMetadataProps } from '../src/model/metadata';
import { OnnxModel } from '../src/model/onnx-model';
import { exportOnnx } from '../src/training/onnx-graph';
import { recoverLinearModel, trainerProbability } from './support/linear-from-onnx';

const toy = { vocabulary: ['good', 'bad', 'not good', 'great'], weights: [1, -1, -2, 2], bias: 0.1 };
const meta = {
  [META.labels]: 'negative,positive',
  [META.version]: 'toy-1',
  [META.baselineConfidence]: JSON.stringify({
    edges: [...CONFIDENCE_BUCKETS],
    counts: CONFIDENCE_BUCKETS.map(() => 1),
    ratios: CONFIDENCE_BUCKETS.map((_, i) => (i + 1) / CONFIDENCE_BUCKETS.length),
    n: CONFIDENCE_BUCKETS.length,
  }),
};
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

describe('ONNX export', () => {
  let model: OnnxModel;
  before(async () => {
    model = await OnnxModel.fromBytes(exportOnnx(toy, { producerVersion: 't', metadata: meta }));
  });
  after(() => model.release());

  it('takes "text" [N] and returns "probabilities" [N, 2] that sum to one', async () => {
    const probs = await model.predict(['great', 'bad', '']);
    assert.equal(probs.length, 6);
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(probs[2 * i] + probs[2 * i + 1] - 1) < 1e-6);
  });

  it('lower-cases, counts an n-gram once and divides by sqrt of the distinct known n-grams', async () => {
    // distinct known: good, great, "not good" -> (1 + 2 - 2) / sqrt(3) + 0.1
    const [p] = await model.predictPositive(['Not good. GREAT not good good']);
    assert.ok(Math.abs(p - sigmoid(1 / Math.sqrt(3) + 0.1)) < 1e-6, `p=${p}`);
  });

  it('scores text with no known n-gram, or no token at all, by the bias alone', async () => {
    const p = await model.predictPositive(['', '...', 'zebra', 'a']);
    for (const x of p) assert.ok(Math.abs(x - sigmoid(0.1)) < 1e-6);
  });

  it('describes each input: its tokens and how many unigrams the vocabulary does not know', async () => {
    const texts = ['Not good. GREAT not good good', '', '...', 'zebra good zebra', 'bad'];
    const { descriptors } = await model.infer(texts);
    assert.ok(descriptors, 'the graph returns the descriptor outputs');
    // "not good" is a known bigram but "not" is an unknown unigram
    assert.deepEqual(Array.from(descriptors.tokens), [6, 0, 0, 3, 1]);
    assert.deepEqual(Array.from(descriptors.unknown), [2, 0, 0, 2, 0]);
    assert.ok(model.hasDescriptors);
  });

  it('describes texts of very different lengths in one call like one at a time', async () => {
    const long = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? 'good' : `w${i}`)).join(' ');
    const texts = ['good', long, 'zebra bad'];
    const together = (await model.infer(texts)).descriptors!;
    for (let i = 0; i < texts.length; i++) {
      const alone = (await model.infer([texts[i]])).descriptors!;
      assert.equal(together.tokens[i], alone.tokens[0]);
      assert.equal(together.unknown[i], alone.unknown[0]);
    }
    assert.deepEqual([together.tokens[1], together.unknown[1]], [3000, 2000]);
  });

  it('refuses a baseline whose ratios cannot be le buckets', () => {
    const bad = JSON.stringify({ edges: [...CONFIDENCE_BUCKETS], counts: [], ratios: [2], n: 1 });
    assert.throws(
      () => parseMetadata({ ...meta, [META.baselineConfidence]: bad }),
      /ratios must be 12 numbers/,
    );
  });

  it('round-trips: the weights read back from the file score like onnxruntime', async () => {
    const bytes = exportOnnx(toy, { producerVersion: 't', metadata: meta });
    const rec = recoverLinearModel(bytes);
    const texts = ['good', 'not good at all', 'GREAT, great, bad', 'nothing known here'];
    const p = await model.predictPositive(texts);
    texts.forEach((t, i) => assert.ok(Math.abs(p[i] - trainerProbability(rec, t)) < 1e-6, t));
  });

  it('tokenizes like the trainer: contractions whole, ! and ? as tokens of their own', async () => {
    const words = {
      vocabulary: ["didn't", 'like', "didn't like", '!', 'like !', '?'],
      weights: [-1, 1, -2, 0.5, 1.5, -0.3],
      bias: 0,
    };
    const bytes = exportOnnx(words, { producerVersion: 't', metadata: meta });
    const m = await OnnxModel.fromBytes(bytes);
    const texts = ["I DIDN'T like it!", 'like!?', 'didn’t like', ''];
    const { probs, descriptors } = await m.infer(texts);
    await m.release();
    const rec = recoverLinearModel(bytes);
    texts.forEach((t, i) => assert.ok(Math.abs(probs[2 * i + 1] - trainerProbability(rec, t)) < 1e-6, t));
    // i didn't like it ! -> "didn't like" known, "like !" not adjacent; (-1 + 1 - 2 + 0.5) / sqrt(4)
    assert.ok(Math.abs(probs[1] - sigmoid(-1.5 / 2)) < 1e-6, `p=${probs[1]}`);
    assert.deepEqual(Array.from(descriptors!.tokens), [5, 3, 3, 0]);
    assert.deepEqual(Array.from(descriptors!.unknown), [2, 0, 2, 0]);
  });

  it('declares its input and output names and types in the graph', () => {
    const g = onnx.ModelProto.decode(exportOnnx(toy, { producerVersion: 't', metadata: meta }))
      .graph as onnx.GraphProto;
    assert.equal(g.input[0].name, INPUT_NAME);
    assert.equal((g.input[0].type as onnx.TypeProto).tensorType!.elemType, onnx.TensorProto.DataType.STRING);
    assert.equal(g.output[0].name, OUTPUT_NAME);
    assert.deepEqual(
      g.output.map((o) => o.name),
      [OUTPUT_NAME, 'input_tokens', 'unknown_tokens'],
    );
    assert.equal((g.output[0].type as onnx.TypeProto).tensorType!.elemType, onnx.TensorProto.DataType.FLOAT);
  });

  it('is byte-identical for the same inputs', () => {
    const a = exportOnnx(toy, { producerVersion: 't', metadata: meta });
    const b = exportOnnx(toy, { producerVersion: 't', metadata: { ...meta } });
    assert.ok(Buffer.from(a).equals(Buffer.from(b)));
  });

  it('writes metadata_props that read back and parse', () => {
    const raw = readMetadataProps(exportOnnx(toy, { producerVersion: 't', metadata: meta }));
    assert.deepEqual(raw, meta);
    const parsed = parseMetadata(raw);
    assert.equal(parsed.version, 'toy-1');
    assert.deepEqual(parsed.labels, ['negative', 'positive']);
  });

  it('refuses metadata that breaks the contract', () => {
    assert.throws(() => parseMetadata({ ...meta, [META.labels]: 'pos,neg' }), ModelContractError);
    assert.throws(
      () => parseMetadata({ [META.labels]: 'negative,positive' }),
      /sentimentops.version is missing/,
    );
    const otherEdges = JSON.stringify({ edges: [0.6, 1], counts: [], ratios: [], n: 0 });
    assert.throws(() => parseMetadata({ ...meta, [META.baselineConfidence]: otherEdges }), /bucket edges/);
  });
});
