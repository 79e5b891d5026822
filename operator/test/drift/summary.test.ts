import { strict as assert } from 'node:assert';
import { BIN_MIDPOINTS, meanConfidence, positiveRate, positiveRateShift } from '../../src/drift/summary';

const close = (actual: number | undefined, expected: number): void =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${actual} is not ${expected}`);

describe('drift summary figures', () => {
  it('places each bin at its midpoint, the first starting at confidence 0.5', () => {
    close(BIN_MIDPOINTS[0], 0.525);
    close(BIN_MIDPOINTS[1], 0.575);
    close(BIN_MIDPOINTS[9], 0.965);
    close(BIN_MIDPOINTS[11], 0.995);
  });

  it('estimates mean confidence from fractions or counts', () => {
    const half = [0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5];
    close(meanConfidence(half), (0.525 + 0.995) / 2);
    close(meanConfidence(half.map((f) => f * 800)), (0.525 + 0.995) / 2);
    close(meanConfidence([0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 0, 0]), (0.925 + 3 * 0.965) / 4);
  });

  it('has no mean confidence for an empty window and refuses the wrong number of bins', () => {
    assert.equal(meanConfidence(new Array<number>(12).fill(0)), undefined);
    assert.throws(() => meanConfidence([1, 2, 3]), /12 confidence bins/);
  });

  it('computes the positive rate, undefined without predictions', () => {
    close(positiveRate({ negative: 30, positive: 10 }), 0.25);
    close(positiveRate({ negative: 0, positive: 4.5 }), 1);
    assert.equal(positiveRate({ negative: 0, positive: 0 }), undefined);
    close(positiveRate({ negative: -0.2, positive: 2 }), 1); // extrapolation noise is clamped
  });

  it('reports the shift against the baseline positive rate when both are known', () => {
    close(positiveRateShift(0.7, 0.5128), 0.7 - 0.5128);
    assert.equal(positiveRateShift(undefined, 0.5), undefined);
    assert.equal(positiveRateShift(0.5, undefined), undefined);
  });
});
