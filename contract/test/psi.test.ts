import { strict as assert } from 'node:assert';
import { PSEUDO_COUNT, UNKNOWN_N_EPSILON, jsDistance, psi, smooth, smoothedPsi } from '../src/psi';

const close = (actual: number, expected: number, tolerance = 1e-12): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected}`);

describe('PSI', () => {
  it('matches a hand-computed case: (.5,.5) against (.25,.75) is ln(3)/4', () => {
    // 0.25·ln(0.5/0.25) + (−0.25)·ln(0.5/0.75) = 0.25·(ln 2 + ln 1.5) = 0.25·ln 3
    close(psi([0.5, 0.5], [0.25, 0.75]), Math.log(3) / 4);
  });

  it('is symmetric and 0 for identical distributions', () => {
    const p = [0.1, 0.2, 0.3, 0.4];
    const q = [0.25, 0.25, 0.25, 0.25];
    close(psi(p, q), psi(q, p));
    assert.equal(psi(p, p), 0);
  });

  it('refuses unsmoothed empty bins and mismatched lengths', () => {
    assert.throws(() => psi([0, 1], [0.5, 0.5]), /bin 0 .*smooth first/);
    assert.throws(() => psi([1], [0.5, 0.5]), /same, non-zero number of bins/);
  });

  it('smooths with half an observation per bin', () => {
    assert.equal(PSEUDO_COUNT, 0.5);
    // counts (0, 3): (0 + .5)/(3 + 1), (3 + .5)/(3 + 1)
    assert.deepEqual(smooth([0, 1], 3), [0.125, 0.875]);
    assert.deepEqual(smooth([0, 0, 0, 0], 0), [0.25, 0.25, 0.25, 0.25]);
  });

  it('smooths a baseline of unknown size by the ratio resolution', () => {
    const s = smooth([0, 1], Infinity);
    close(s[0], UNKNOWN_N_EPSILON / (1 + 2 * UNKNOWN_N_EPSILON));
    close(s[0] + s[1], 1);
  });

  it('stays finite when a bin is empty on either side', () => {
    const live = [0, 0.5, 0.5];
    const baseline = [0.2, 0.8, 0];
    const value = smoothedPsi(live, 1000, baseline, 2500);
    assert.ok(Number.isFinite(value) && value > 1, `${value}`);
    // hand-computed: live smoothed (0.5, 500.5, 500.5)/1001.5, baseline (500.5, 2000.5, 0.5)/2501.5
    const p = [0.5 / 1001.5, 500.5 / 1001.5, 500.5 / 1001.5];
    const q = [500.5 / 2501.5, 2000.5 / 2501.5, 0.5 / 2501.5];
    close(
      value,
      p.reduce((s, pi, i) => s + (pi - q[i]) * Math.log(pi / q[i]), 0),
    );
  });

  it('is about 0 for identical histograms', () => {
    const f = [
      0.0152, 0.0148, 0.0204, 0.0232, 0.0224, 0.0228, 0.0388, 0.0484, 0.0632, 0.0992, 0.0744, 0.5572,
    ];
    assert.ok(smoothedPsi(f, 2500, f, 2500) < 1e-12);
    assert.ok(smoothedPsi(f, 1000, f, 2500) < 1e-3); // different smoothing weights only
  });
});

describe('Jensen-Shannon distance', () => {
  it('matches a hand-computed case', () => {
    // M = (.75, .25); KL(p‖M) = .5·log2(.5/.75) + .5·log2(.5/.25); KL(q‖M) = log2(1/.75)
    const divergence = (0.5 * Math.log2(2 / 3) + 0.5 * 1 + Math.log2(4 / 3)) / 2;
    close(jsDistance([0.5, 0.5], [1, 0]), Math.sqrt(divergence));
  });

  it('is 0 for identical, 1 for disjoint distributions, and symmetric', () => {
    assert.equal(jsDistance([0.2, 0.8], [0.2, 0.8]), 0);
    close(jsDistance([1, 0, 0], [0, 0.5, 0.5]), 1);
    close(jsDistance([0.1, 0.9], [0.6, 0.4]), jsDistance([0.6, 0.4], [0.1, 0.9]));
  });

  it('accepts counts as well as fractions', () => {
    close(jsDistance([1, 3], [2, 2]), jsDistance([0.25, 0.75], [0.5, 0.5]));
  });

  it('refuses an empty distribution', () => {
    assert.throws(() => jsDistance([0, 0], [1, 1]), /non-empty/);
  });
});
