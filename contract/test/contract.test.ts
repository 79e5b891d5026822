// What the two sides rely on, pinned: renaming one of these breaks dashboards, alerts, stored
// annotations or trained model files, so a change must be deliberate (and change docs/metrics.md).
import { strict as assert } from 'node:assert';
import {
  ANNOTATIONS,
  CONFIDENCE_BUCKETS,
  DRIFT_SIGNALS,
  HISTOGRAM_SIGNALS,
  INPUT_TOKENS_BUCKETS,
  META,
  MODEL_SERIES_LABELS,
  SERVER_METRICS,
  byLabels,
  metricTypes,
  parseMetrics,
  sumOf,
} from '../src/index';

describe('the server-operator contract', () => {
  it('bins confidence in (0.5, 1] with strictly increasing edges ending at 1', () => {
    assert.ok(CONFIDENCE_BUCKETS.every((edge, i) => edge > (i === 0 ? 0.5 : CONFIDENCE_BUCKETS[i - 1])));
    assert.equal(CONFIDENCE_BUCKETS.at(-1), 1);
  });

  it('bins the input descriptors with strictly increasing edges: tokens from 1, the unknown share over [0, 1]', () => {
    const increasing = (edges: readonly number[]): boolean =>
      edges.every((e, i) => i === 0 || e > edges[i - 1]);
    assert.ok(increasing(INPUT_TOKENS_BUCKETS) && INPUT_TOKENS_BUCKETS[0] >= 1);
    const unknown = HISTOGRAM_SIGNALS.unknownTokens.buckets;
    assert.ok(increasing(unknown));
    assert.deepEqual([unknown[0], unknown.at(-1)], [0, 1]);
  });

  it('lists every histogram signal among the drift signals, each with its own metric and metadata key', () => {
    const signals = Object.entries(HISTOGRAM_SIGNALS);
    for (const [name] of signals) assert.ok(DRIFT_SIGNALS.includes(name as never), name);
    assert.equal(new Set(signals.map(([, s]) => s.metric)).size, signals.length);
    assert.equal(new Set(signals.map(([, s]) => s.meta)).size, signals.length);
    assert.equal(HISTOGRAM_SIGNALS.confidence.buckets, CONFIDENCE_BUCKETS);
  });

  it('names every server metric sentiment_*, counters *_total', () => {
    for (const name of Object.values(SERVER_METRICS)) assert.match(name, /^sentiment_[a-z_]+$/);
    assert.equal(SERVER_METRICS.confidence, 'sentiment_prediction_confidence');
    assert.equal(SERVER_METRICS.baselineRatio, 'sentiment_baseline_ratio');
  });

  it('labels series by model and model_version', () => {
    assert.deepEqual(MODEL_SERIES_LABELS, ['model', 'model_version']);
  });

  it('keeps the stored keys: model metadata and annotations', () => {
    assert.equal(META.baselineConfidence, 'sentimentops.baseline.confidence');
    assert.equal(ANNOTATIONS.driftStatus, 'sentimentops.dev/drift-status');
  });
});

describe('the Prometheus text parser', () => {
  const text = [
    '# HELP sentiment_requests_total Requests',
    '# TYPE sentiment_requests_total counter',
    'sentiment_requests_total{route="/predict",code="200"} 3',
    'sentiment_requests_total{route="/predict",code="503"} 1',
    'sentiment_prediction_confidence_bucket{le="+Inf",model="a \\"b\\""} 7',
  ].join('\n');

  it('reads samples, labels (unescaped), types and sums', () => {
    const samples = parseMetrics(text);
    assert.equal(samples.length, 3);
    assert.equal(samples[2].labels.model, 'a "b"');
    assert.equal(samples[2].value, 7);
    assert.equal(sumOf(samples, 'sentiment_requests_total'), 4);
    assert.equal(sumOf(samples, 'sentiment_requests_total', { code: '503' }), 1);
    assert.deepEqual(
      [...byLabels(samples, 'sentiment_requests_total', ['code'])],
      [
        ['200', 3],
        ['503', 1],
      ],
    );
    assert.equal(metricTypes(text).get('sentiment_requests_total'), 'counter');
  });

  it('skips a line it cannot read, unless strict', () => {
    assert.equal(parseMetrics(`${text}\n}garbage`).length, 3);
    assert.throws(() => parseMetrics(`${text}\n}garbage`, { strict: true }), /unparseable/);
  });
});
