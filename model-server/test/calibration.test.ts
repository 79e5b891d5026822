import { strict as assert } from 'node:assert';
import { calibratedLoss, fitCalibration, groupWeights } from '../src/training/calibration';
import { rng } from '../src/training/dataset';

describe('calibration', () => {
  // labels drawn from sigmoid(2z - 0.5): the fit should find scale 2 and shift -0.5
  const rand = rng(11);
  const z = Array.from({ length: 20_000 }, () => rand() * 8 - 4);
  const y = z.map((x) => (rand() < 1 / (1 + Math.exp(-(2 * x - 0.5))) ? 1 : 0));

  it('recovers the scale and shift the labels were drawn with', () => {
    const c = fitCalibration(z, y);
    assert.ok(Math.abs(c.scale - 2) < 0.1, `scale ${c.scale}`);
    assert.ok(Math.abs(c.shift + 0.5) < 0.1, `shift ${c.shift}`);
  });

  it('fits the scale alone in scale mode, leaving every decision as it was', () => {
    const c = fitCalibration(z, y, undefined, 'scale');
    assert.equal(c.shift, 0);
    assert.ok(c.scale > 1.5 && c.scale < 2.5, `scale ${c.scale}`);
    assert.deepEqual(fitCalibration(z, y, undefined, 'none'), { scale: 1, shift: 0 });
  });

  it('never does worse than leaving the logits as they are', () => {
    const w = new Float64Array(z.length).fill(1);
    const c = fitCalibration(z, y, w);
    assert.ok(calibratedLoss(c, z, y, w) <= calibratedLoss({ scale: 1, shift: 0 }, z, y, w));
  });

  it('is deterministic', () => {
    assert.deepEqual(fitCalibration(z, y), fitCalibration(z, y));
  });

  it('gives every group the same total weight', () => {
    const w = groupWeights(['a', 'a', 'a', 'b']);
    assert.deepEqual(Array.from(w), [1 / 3, 1 / 3, 1 / 3, 1]);
  });
});
