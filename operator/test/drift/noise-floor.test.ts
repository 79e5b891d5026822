import { strict as assert } from 'node:assert';
import {
  FLOOR_QUANTILE,
  chiSquareCdf,
  chiSquareQuantile,
  noiseFloor,
  proportionNoiseFloor,
} from '../../src/drift/noise-floor';

const close = (actual: number, expected: number, tolerance: number): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected} ± ${tolerance}`);

describe('the noise floor', () => {
  it('computes χ² quantiles that match the printed tables', () => {
    close(chiSquareQuantile(0.95, 1), 3.841459, 1e-6);
    close(chiSquareQuantile(0.95, 2), -2 * Math.log(0.05), 1e-9); // χ²(2) is exponential
    close(chiSquareQuantile(0.99, 11), 24.72497, 1e-5);
    close(chiSquareQuantile(0.999, 11), 31.26413, 1e-5);
    close(chiSquareQuantile(0.5, 100), 99.33413, 1e-5);
    close(chiSquareQuantile(0.001, 11), 1.833853, 1e-6);
  });

  it('has a CDF that is a CDF', () => {
    assert.equal(chiSquareCdf(0, 11), 0);
    close(chiSquareCdf(1e6, 11), 1, 1e-15);
    close(chiSquareCdf(2, 2), 1 - Math.exp(-1), 1e-14);
    assert.throws(() => chiSquareCdf(1, 1.5), /positive integer/);
  });

  it('is (1/n + 1/m)·χ²₀.₉₉₉(11) for 12 bins', () => {
    assert.equal(FLOOR_QUANTILE, 0.999);
    close(noiseFloor(500, 2500), 31.26413 * (1 / 500 + 1 / 2500), 1e-6);
    close(noiseFloor(500, 2500), 0.07503, 1e-5);
    close(noiseFloor(1000, 2500), 0.04377, 1e-5);
    close(noiseFloor(10000, 2500), 0.01563, 1e-5);
  });

  it('counts only the live sample when the baseline size is unknown', () => {
    close(noiseFloor(1000), 0.031264, 1e-6);
    close(noiseFloor(1000, Infinity), noiseFloor(1000), 0);
    close(noiseFloor(1000, 0), noiseFloor(1000), 0);
  });

  it('shrinks as windows grow and is infinite for an empty one', () => {
    assert.ok(noiseFloor(100, 2500) > noiseFloor(500, 2500));
    assert.ok(noiseFloor(500, 2500) > noiseFloor(5000, 2500));
    assert.equal(noiseFloor(0, 2500), Infinity);
  });

  it('takes the degrees of freedom from the number of bins: 9 for the 10 unknownTokens bins', () => {
    close(noiseFloor(500, 2500, 10), chiSquareQuantile(0.999, 9) * (1 / 500 + 1 / 2500), 1e-9);
    close(chiSquareQuantile(0.999, 9), 27.87716, 1e-5);
    assert.equal(noiseFloor(500, 2500, 12), noiseFloor(500, 2500));
  });

  it('is √(χ²₀.₉₉₉(1)·q(1 − q)·(1/n + 1/m)) for the positive rate: 3.29 standard deviations', () => {
    close(Math.sqrt(chiSquareQuantile(0.999, 1)), 3.290527, 1e-6);
    close(proportionNoiseFloor(500, 0.5), 3.290527 * Math.sqrt(0.25 / 500), 1e-6);
    close(proportionNoiseFloor(500, 0.5), 0.07358, 1e-5);
    close(proportionNoiseFloor(500, 0.5, 2500), 3.290527 * Math.sqrt(0.25 * (1 / 500 + 1 / 2500)), 1e-6);
    assert.equal(proportionNoiseFloor(0, 0.5), Infinity);
    assert.equal(proportionNoiseFloor(500, 1), 0, 'a baseline of all one label has no spread');
  });
});
