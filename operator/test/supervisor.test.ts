import { strict as assert } from 'node:assert';
import { DEFAULT_RESTART_POLICY, restartDelay } from '../src/supervisor';

describe('restartDelay', () => {
  const policy = { minDelayMs: 1_000, maxDelayMs: 30_000, healthyAfterMs: 60_000 };

  it('waits minDelayMs after the first short-lived worker and doubles per further one', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => restartDelay(n, policy)),
      [1_000, 2_000, 4_000, 8_000, 16_000],
    );
  });

  it('never waits longer than maxDelayMs', () => {
    assert.equal(restartDelay(6, policy), 30_000);
    assert.equal(restartDelay(10_000, policy), 30_000);
  });

  it('treats zero failures like the first', () => {
    assert.equal(restartDelay(0, policy), 1_000);
  });

  it('restarts within a second at first and within half a minute at worst by default', () => {
    assert.equal(restartDelay(1, DEFAULT_RESTART_POLICY), 1_000);
    assert.equal(restartDelay(100, DEFAULT_RESTART_POLICY), 30_000);
    assert.ok(DEFAULT_RESTART_POLICY.healthyAfterMs > DEFAULT_RESTART_POLICY.maxDelayMs);
  });
});
