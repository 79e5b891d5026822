import { strict as assert } from 'node:assert';
import { FLOOR_QUANTILE, chiSquareCdf, chiSquareQuantile, noiseFloor } from '../../src/drift/noise-floor';

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
});
