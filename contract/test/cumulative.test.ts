import { strict as assert } from 'node:assert';
import { fractionsFromRatios, monotone, toBins } from '../src/cumulative';

const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

describe('cumulative buckets to bins', () => {
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
