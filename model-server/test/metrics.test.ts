import { strict as assert } from 'node:assert';
import { CONFIDENCE_BUCKETS } from '../src/contract';
import { bucketIndex } from '@sentiment-operator/contract';
import { classificationMetrics, confidenceHistogram, rocAuc } from '../src/training/metrics';

describe('metrics', () => {
  it('computes ROC AUC by ranks, ties counting one half', () => {
    assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    assert.equal(rocAuc([0.5, 0.5], [0, 1]), 0.5);
  });

  it('computes accuracy, precision, recall and F1 for the positive class', () => {
    // predictions: 1 1 0 0 1 ; labels: 1 0 0 1 1  -> tp 2, fp 1, tn 1, fn 1
    const m = classificationMetrics([0.9, 0.6, 0.2, 0.4, 0.5], [1, 0, 0, 1, 1]);
    assert.equal(m.accuracy, 0.6);
    assert.equal(m.precision, 0.666667);
    assert.equal(m.recall, 0.666667);
    assert.equal(m.f1, 0.666667);
    assert.equal(m.n, 5);
  });

  it('puts a confidence on its bucket edge into that bucket, as Prometheus le does', () => {
    assert.equal(bucketIndex(0.5, CONFIDENCE_BUCKETS), 0);
    assert.equal(bucketIndex(0.55, CONFIDENCE_BUCKETS), 0);
    assert.equal(bucketIndex(0.5500001, CONFIDENCE_BUCKETS), 1);
    assert.equal(bucketIndex(1, CONFIDENCE_BUCKETS), CONFIDENCE_BUCKETS.length - 1);
  });

  it('builds a cumulative histogram over the contract bucket edges from P(positive)', () => {
    // confidences: 0.9 (p=0.1), 0.52, 0.99, 1.0
    const h = confidenceHistogram([0.1, 0.52, 0.99, 1]);
    assert.deepEqual(h.edges, [...CONFIDENCE_BUCKETS]);
    assert.equal(h.n, 4);
    assert.equal(
      h.counts.reduce((a, b) => a + b, 0),
      4,
    );
    assert.equal(h.counts[0], 1);
    assert.equal(h.counts[CONFIDENCE_BUCKETS.indexOf(0.9)], 1);
    assert.equal(h.ratios[h.ratios.length - 1], 1);
    assert.equal(h.ratios[CONFIDENCE_BUCKETS.indexOf(0.9)], 0.5);
  });
});
