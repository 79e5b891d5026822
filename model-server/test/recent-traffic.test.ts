import { strict as assert } from 'node:assert';
import { CONFIDENCE_BUCKETS, HISTOGRAM_SIGNALS } from '@sentiment-operator/contract';
import { RECENT_WINDOW, RecentTraffic } from '../src/server/recent-traffic';

describe('recent traffic window', () => {
  it('keeps one window per histogram signal of the contract, over its bucket edges', () => {
    const recent = new RecentTraffic();
    assert.equal(recent.capacity, RECENT_WINDOW);
    for (const [signal, contract] of Object.entries(HISTOGRAM_SIGNALS)) {
      const h = recent.histogram(signal as keyof typeof HISTOGRAM_SIGNALS);
      assert.deepEqual(h, { counts: contract.buckets.map(() => 0), n: 0, oldest: undefined, fed: false });
    }
    recent.observe('inputTokens', 10);
    assert.equal(recent.histogram('inputTokens').n, 1);
    assert.equal(recent.histogram('confidence').n, 0);
  });

  it('forgets the oldest observation once the window is full, and says when the oldest left was made', () => {
    let now = 1000;
    const recent = new RecentTraffic(3, () => now);
    for (const c of [0.52, 0.97, 0.97, 1]) {
      recent.observe('confidence', c);
      now += 10;
    }
    const h = recent.histogram('confidence');
    assert.equal(h.n, 3);
    assert.equal(h.oldest, 1010);
    const expected = CONFIDENCE_BUCKETS.map(() => 0);
    expected[CONFIDENCE_BUCKETS.indexOf(0.98)] = 2;
    expected[CONFIDENCE_BUCKETS.length - 1] = 1;
    assert.deepEqual(h.counts, expected);
    assert.equal(h.fed, true);
  });

  it('ignores NaN, which is no observation', () => {
    const recent = new RecentTraffic(3);
    recent.observe('unknownTokens', Number.NaN);
    assert.equal(recent.histogram('unknownTokens').n, 0);
    assert.equal(recent.histogram('unknownTokens').fed, false);
  });

  it('refuses a window that could hold nothing', () => {
    assert.throws(() => new RecentTraffic(0), /capacity/);
  });
});
