import { strict as assert } from 'node:assert';
import {
  HISTOGRAM_SIGNALS,
  INPUT_TOKENS_BUCKETS,
  UNKNOWN_TOKENS_BUCKETS,
} from '@sentiment-operator/contract';
import {
  BIN_COUNT,
  BucketError,
  CONFIDENCE_EDGES,
  CumulativeBucket,
  binCount,
  binsFromBuckets,
  edgesOf,
  fractionsFromBaseline,
} from '../../src/drift/bins';

/** Cumulative `le` buckets (with +Inf) of per-bin counts, as `sum by (le)` would answer. */
function cumulative(counts: readonly number[], overflow = 0): CumulativeBucket[] {
  let sum = 0;
  const out = CONFIDENCE_EDGES.map((le, i) => ({ le, value: (sum += counts[i]) }));
  return [...out, { le: Infinity, value: sum + overflow }];
}

const COUNTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 34];

describe('confidence bins', () => {
  it('bins by the edges the model server histogram uses (@sentiment-operator/contract)', () => {
    assert.deepEqual(
      [...CONFIDENCE_EDGES],
      [0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 1],
    );
    assert.equal(BIN_COUNT, 12);
  });

  it('turns cumulative buckets into per-bin counts, the total and fractions', () => {
    const h = binsFromBuckets(cumulative(COUNTS));
    assert.deepEqual(h.counts, COUNTS);
    assert.equal(h.n, 100);
    assert.deepEqual(
      h.fractions,
      COUNTS.map((c) => c / 100),
    );
  });

  it('accepts the buckets in any order and matches 1.0 with 1', () => {
    const shuffled = cumulative(COUNTS).reverse();
    shuffled[1] = { le: 1.0, value: shuffled[1].value };
    assert.deepEqual(binsFromBuckets(shuffled).counts, COUNTS);
  });

  it('adds duplicates of one edge, as an upgrade that renames le="1" to le="1.0" leaves them', () => {
    const a = cumulative(COUNTS);
    const b = cumulative(COUNTS.map((c) => 2 * c));
    assert.deepEqual(
      binsFromBuckets([...a, ...b]).counts,
      COUNTS.map((c) => 3 * c),
    );
  });

  it('folds anything above the edge 1 into the last bin', () => {
    const h = binsFromBuckets(cumulative(COUNTS, 6));
    assert.equal(h.counts[11], 40);
    assert.equal(h.n, 106);
  });

  it('never produces a negative bin from non-monotone buckets (resets, extrapolation)', () => {
    const b = cumulative(COUNTS);
    b[4] = { le: b[4].le, value: b[4].value + 7.5 }; // le=0.75 reads above le=0.8
    b[0] = { le: b[0].le, value: -0.3 }; // extrapolation below zero
    const h = binsFromBuckets(b);
    assert.ok(
      h.counts.every((c) => c >= 0),
      JSON.stringify(h.counts),
    );
    assert.equal(h.counts[0], 0);
    assert.equal(h.counts[5], 0); // absorbed by the inflated bin before it
    assert.equal(h.n, 100);
    assert.ok(Math.abs(h.fractions.reduce((s, f) => s + f, 0) - 1) < 1e-12);
  });

  it('keeps fractional counts, since increase() extrapolates', () => {
    const h = binsFromBuckets(cumulative(COUNTS.map((c) => c * 1.25)));
    assert.equal(h.n, 125);
    assert.equal(h.counts[11], 42.5);
  });

  it('reports zero fractions for an empty window', () => {
    const h = binsFromBuckets(cumulative(new Array<number>(12).fill(0)));
    assert.equal(h.n, 0);
    assert.deepEqual(h.fractions, new Array<number>(12).fill(0));
  });

  it('names a missing edge', () => {
    const b = cumulative(COUNTS).filter((x) => x.le !== 0.85);
    assert.throws(
      () => binsFromBuckets(b),
      (e: Error) => e instanceof BucketError && /le="0\.85"/.test(e.message),
    );
    const noInf = cumulative(COUNTS).filter((x) => x.le !== Infinity);
    assert.throws(() => binsFromBuckets(noInf), /le="\+Inf"/);
  });

  it('refuses a value that is not a number, naming its edge', () => {
    const b = cumulative(COUNTS);
    b[2] = { le: b[2].le, value: NaN };
    assert.throws(() => binsFromBuckets(b), /le="0\.65" is NaN/);
  });

  describe('baseline ratios', () => {
    const ratios = [0.0152, 0.03, 0.0504, 0.0736, 0.096, 0.1188, 0.1576, 0.206, 0.2692, 0.3684, 0.4428, 1];
    const gauge = ratios.map((value, i) => ({ le: CONFIDENCE_EDGES[i], value }));

    it('turns cumulative fractions into bin fractions', () => {
      const f = fractionsFromBaseline(gauge);
      assert.equal(f.length, 12);
      assert.ok(Math.abs(f[0] - 0.0152) < 1e-12);
      assert.ok(Math.abs(f[1] - 0.0148) < 1e-12);
      assert.ok(Math.abs(f[11] - 0.5572) < 1e-12);
      assert.ok(Math.abs(f.reduce((s, x) => s + x, 0) - 1) < 1e-12);
    });

    it('renormalises ratios that were rounded below 1', () => {
      const f = fractionsFromBaseline(gauge.map((g) => ({ le: g.le, value: g.value * 0.9998 })));
      assert.ok(Math.abs(f.reduce((s, x) => s + x, 0) - 1) < 1e-12);
      assert.ok(Math.abs(f[0] - 0.0152) < 1e-12);
    });

    it('names a missing edge and refuses an empty baseline', () => {
      assert.throws(() => fractionsFromBaseline(gauge.slice(1)), /baseline ratios: no bucket le="0\.55"/);
      assert.throws(
        () => fractionsFromBaseline(gauge.map((g) => ({ le: g.le, value: 0 }))),
        /baseline is empty/,
      );
    });
  });
});

describe('the bins of the input signals', () => {
  const cumulativeOver = (edges: readonly number[], counts: readonly number[], overflow = 0) => {
    let sum = 0;
    const out: CumulativeBucket[] = edges.map((le, i) => ({ le, value: (sum += counts[i]) }));
    return [...out, { le: Infinity, value: sum + overflow }];
  };

  it('bins each signal by the edges of its histogram in the contract', () => {
    for (const signal of Object.keys(HISTOGRAM_SIGNALS) as (keyof typeof HISTOGRAM_SIGNALS)[]) {
      assert.deepEqual(edgesOf(signal), HISTOGRAM_SIGNALS[signal].buckets, signal);
      assert.equal(binCount(signal), HISTOGRAM_SIGNALS[signal].buckets.length, signal);
    }
    assert.deepEqual([...edgesOf('inputTokens')], [...INPUT_TOKENS_BUCKETS]);
    assert.equal(binCount('inputTokens'), 12);
    assert.equal(binCount('unknownTokens'), 10);
  });

  it('counts texts above 1024 tokens in the last inputTokens bin, as the baseline does', () => {
    const counts = [5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 30, 15];
    const h = binsFromBuckets(cumulativeOver(INPUT_TOKENS_BUCKETS, counts, 25), 'inputTokens');
    assert.equal(h.counts.length, 12);
    assert.deepEqual(h.counts.slice(0, 11), counts.slice(0, 11));
    assert.equal(h.counts[11], 40);
    assert.equal(h.n, 525);
  });

  it('keeps the texts whose every token is known in the first unknownTokens bin, le="0"', () => {
    const counts = [400, 200, 100, 50, 20, 10, 10, 5, 3, 2];
    const h = binsFromBuckets(cumulativeOver(UNKNOWN_TOKENS_BUCKETS, counts), 'unknownTokens');
    assert.deepEqual(h.counts, counts);
    assert.equal(h.fractions[0], 0.5);
    const noZero = cumulativeOver(UNKNOWN_TOKENS_BUCKETS, counts).filter((b) => b.le !== 0);
    assert.throws(
      () => binsFromBuckets(noZero, 'unknownTokens'),
      /unknownTokens histogram: no bucket le="0"/,
    );
  });

  it("reads each signal's baseline ratios over its own edges, naming the signal when one is missing", () => {
    const ratios = [0.001, 0.004, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.6, 0.9, 0.99, 1];
    const gauge = ratios.map((value, i) => ({ le: INPUT_TOKENS_BUCKETS[i], value }));
    const f = fractionsFromBaseline(gauge, 'inputTokens');
    assert.equal(f.length, 12);
    assert.ok(Math.abs(f[11] - 0.01) < 1e-12);
    assert.throws(
      () => fractionsFromBaseline(gauge.slice(0, 11), 'inputTokens'),
      /inputTokens baseline ratios: no bucket le="1024"/,
    );
    assert.throws(
      () =>
        fractionsFromBaseline(
          gauge.map((g) => ({ le: g.le, value: 0 })),
          'inputTokens',
        ),
      /ratio at le="1024" is 0, the baseline is empty/,
    );
    // an inputTokens gauge is not an unknownTokens one
    assert.throws(() => fractionsFromBaseline(gauge, 'unknownTokens'), /no bucket le="0"/);
  });
});
