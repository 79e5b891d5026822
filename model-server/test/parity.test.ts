import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { OnnxModel } from '../src/model/onnx-model';
import { parseJsonl, rng } from '../src/training/dataset';
import { tokenize } from '../src/training/tokenize';
import { recoverLinearModel, trainerProbability } from './support/linear-from-onnx';
import { IMDB_TRAIN, REVIEWS_TRAIN, SAMPLE_MODEL, requireFile } from './support/paths';

function sample(file: string, n: number, seed: number): string[] {
  const rows = parseJsonl(readFileSync(file, 'utf8'), file);
  const rand = rng(seed);
  return Array.from({ length: n }, () => rows[Math.floor(rand() * rows.length)].text);
}

describe('sample model parity: onnxruntime graph vs the trainer’s scoring', function () {
  this.timeout(60_000);
  let bytes: Buffer;
  let model: OnnxModel;
  before(async () => {
    bytes = readFileSync(requireFile(SAMPLE_MODEL, 'run `make model` to train it'));
    model = await OnnxModel.fromBytes(bytes);
  });
  after(() => model.release());

  const sources: [string, string, string][] = [
    [
      'IMDB training reviews',
      IMDB_TRAIN,
      'the IMDB data set lives in ../shared/datasets/imdb (set SHARED_DIR)',
    ],
    [
      'product, restaurant and tweet texts',
      REVIEWS_TRAIN,
      'the reviews data set lives in ../shared/datasets/reviews (set SHARED_DIR)',
    ],
  ];
  for (const [what, file, how] of sources) {
    it(`agrees to 1e-5 on 200 random ${what}, tokens and unknown unigrams included`, async () => {
      const texts = sample(requireFile(file, how), 200, 2024);
      const rec = recoverLinearModel(bytes);
      const { probs, descriptors } = await model.infer(texts);
      let worst = 0;
      texts.forEach(
        (t, i) => (worst = Math.max(worst, Math.abs(probs[2 * i + 1] - trainerProbability(rec, t)))),
      );
      assert.ok(worst <= 1e-5, `largest difference ${worst}`);
      // the descriptors count what the trainer's tokenizer sees
      assert.ok(descriptors, 'the sample model returns the input descriptors');
      texts.forEach((t, i) => {
        const tokens = tokenize(t);
        assert.equal(descriptors.tokens[i], tokens.length, t);
        assert.equal(descriptors.unknown[i], tokens.filter((w) => !rec.vocab.index.has(w)).length, t);
      });
      // the texts must exercise the model, not just the bias: both labels, many distinct scores
      const p = Array.from(texts, (_, i) => probs[2 * i + 1]);
      const positives = p.filter((x) => x >= 0.5).length;
      assert.ok(positives > 50 && positives < 150, `${positives} of 200 positive`);
      assert.ok(new Set(p).size > 150);
    });
  }

  it('agrees on contractions, ! and ?, non-ASCII text and empty input, one call for all', async () => {
    const texts = [
      "I didn't like it, it's not good!!",
      'Worth it? NO. Never again?!',
      'Très bien, l’été — naïve café',
      '',
      '... :)',
      'great',
    ];
    const rec = recoverLinearModel(bytes);
    const p = await model.predictPositive(texts);
    texts.forEach((t, i) => assert.ok(Math.abs(p[i] - trainerProbability(rec, t)) <= 1e-5, t));
  });
});
