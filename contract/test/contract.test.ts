// What the two sides rely on, pinned: renaming one of these breaks dashboards, alerts, stored
// annotations or trained model files, so a change must be deliberate (and change docs/metrics.md).
import { strict as assert } from 'node:assert';
import { ANNOTATIONS, CONFIDENCE_BUCKETS, META, MODEL_SERIES_LABELS, SERVER_METRICS } from '../src/index';

describe('the server-operator contract', () => {
  it('bins confidence in (0.5, 1] with strictly increasing edges ending at 1', () => {
    assert.ok(CONFIDENCE_BUCKETS.every((edge, i) => edge > (i === 0 ? 0.5 : CONFIDENCE_BUCKETS[i - 1])));
    assert.equal(CONFIDENCE_BUCKETS.at(-1), 1);
  });

  it('names every server metric sentiment_*, counters *_total', () => {
    for (const name of Object.values(SERVER_METRICS)) assert.match(name, /^sentiment_[a-z_]+$/);
    assert.equal(SERVER_METRICS.confidence, 'sentiment_prediction_confidence');
    assert.equal(SERVER_METRICS.baselineRatio, 'sentiment_baseline_confidence_ratio');
  });

  it('labels series by model and model_version', () => {
    assert.deepEqual(MODEL_SERIES_LABELS, ['model', 'model_version']);
  });

  it('keeps the stored keys: model metadata and annotations', () => {
    assert.equal(META.baselineConfidence, 'sentimentops.baseline.confidence');
    assert.equal(ANNOTATIONS.driftStatus, 'sentimentops.dev/drift-status');
  });
});
