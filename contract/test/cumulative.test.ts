import { strict as assert } from 'node:assert';
import { CONFIDENCE_BUCKETS } from '../src/index';
import { bucketIndex, fractionsFromRatios, monotone, toBins } from '../src/cumulative';

const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

describe('cumulative buckets to bins', () => {
  it('bins a value as a Prometheus le bucket does: the first edge it does not exceed', () => {
    const edges = [0, 0.02, 0.05, 1];
    assert.deepEqual(
      [0, 0.01, 0.02, 0.021, 1].map((v) => bucketIndex(v, edges)),
      [0, 1, 1, 2, 3],
    );
    assert.equal(bucketIndex(0.5, CONFIDENCE_BUCKETS), 0);
    assert.equal(bucketIndex(0.5500001, CONFIDENCE_BUCKETS), 1);
  });

  it('counts a value above the last edge in the last bin, as the drift evaluator folds +Inf into it', () => {
    assert.equal(bucketIndex(5000, [4, 8, 1024]), 2);
    assert.equal(bucketIndex(Infinity, [4, 8, 1024]), 2);
  });

  it('absorbs a dip with a running maximum, so no bin is negative', () => {
    assert.deepEqual(monotone([3, 2, 5, 5]), [3, 3, 5, 5]);
    assert.deepEqual(toBins(monotone([3, 2, 5, 5])), [3, 0, 2, 0]);
  });

  it('turns baseline ratios into fractions renormalised by the last ratio (files round it below 1)', () => {
    const f = fractionsFromRatios([0.25, 0.2, 0.5, 0.98])!;
    [0.25 / 0.98, 0, 0.25 / 0.98, 0.48 / 0.98].forEach((x, i) => close(f[i], x));
    close(
      f.reduce((a, b) => a + b, 0),
      1,
    );
  });

  it('gives nothing for ratios that hold nothing or are not numbers', () => {
    assert.equal(fractionsFromRatios([0, 0, 0]), undefined);
    assert.equal(fractionsFromRatios([0.5, Number.NaN, 1]), undefined);
  });
});
