import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { OnnxModel } from '../src/model/onnx-model';
import { parseJsonl, rng } from '../src/training/dataset';
import { recoverLinearModel, trainerProbability } from './support/linear-from-onnx';
import { IMDB_TRAIN, SAMPLE_MODEL, requireFile } from './support/paths';

describe('sample model parity: onnxruntime graph vs the trainer’s scoring', function () {
  this.timeout(60_000);

  it('agrees to 1e-5 on 200 random IMDB training reviews', async () => {
    const bytes = readFileSync(requireFile(SAMPLE_MODEL, 'run `make model` to train it'));
    const file = requireFile(
      IMDB_TRAIN,
      'the IMDB data set lives in ../shared/datasets/imdb (set SHARED_DIR)',
    );
    const rows = parseJsonl(readFileSync(file, 'utf8'), file);
    const rand = rng(2024);
    const texts = Array.from({ length: 200 }, () => rows[Math.floor(rand() * rows.length)].text);

    const rec = recoverLinearModel(bytes);
    const model = await OnnxModel.fromBytes(bytes);
    const p = await model.predictPositive(texts);
    await model.release();
    let worst = 0;
    texts.forEach((t, i) => (worst = Math.max(worst, Math.abs(p[i] - trainerProbability(rec, t)))));
    assert.ok(worst <= 1e-5, `largest difference ${worst}`);
    // the reviews must exercise the model, not just the bias: both labels, many distinct scores
    const positives = Array.from(p).filter((x) => x >= 0.5).length;
    assert.ok(positives > 50 && positives < 150, `${positives} of 200 positive`);
    assert.ok(new Set(Array.from(p)).size > 150);
  });
});
