import { strict as assert } from 'node:assert';
import {
  SERVER_METRIC_NAMES,
  baselinePositiveRateQuery,
  baselineRatioQuery,
  baselineSamplesQuery,
  confidenceBucketsQuery,
  histogramBucketsQuery,
  predictionsByLabelQuery,
  quoteLabelValue,
  rangeSelector,
} from '../../src/drift/promql';

const imdb = { namespace: 'ml', model: 'imdb' };

describe('drift PromQL', () => {
  it('queries the metric names the model server defines (@sentiment-operator/contract)', () => {
    assert.equal(SERVER_METRIC_NAMES.confidence, 'sentiment_prediction_confidence');
    assert.equal(SERVER_METRIC_NAMES.baselineRatio, 'sentiment_baseline_ratio');
    assert.equal(SERVER_METRIC_NAMES.predictions, 'sentiment_predictions_total');
  });

  it('builds the live histogram query, summed over replicas by le', () => {
    assert.equal(
      confidenceBucketsQuery(imdb, '10m'),
      'sum by (le) (increase(sentiment_prediction_confidence_bucket{namespace="ml",model="imdb"}[10m]))',
    );
  });

  it("builds every histogram signal's live query from the contract's metric names", () => {
    assert.equal(
      histogramBucketsQuery('inputTokens', imdb, '10m'),
      'sum by (le) (increase(sentiment_input_tokens_bucket{namespace="ml",model="imdb"}[10m]))',
    );
    assert.equal(
      histogramBucketsQuery('unknownTokens', imdb, '5m'),
      'sum by (le) (increase(sentiment_input_unknown_tokens_ratio_bucket{namespace="ml",model="imdb"}[5m]))',
    );
    assert.equal(histogramBucketsQuery('confidence', imdb, '10m'), confidenceBucketsQuery(imdb, '10m'));
  });

  it('builds the baseline queries, one for the ratios of every signal', () => {
    assert.equal(
      baselineRatioQuery(imdb),
      'max by (signal, le) (sentiment_baseline_ratio{namespace="ml",model="imdb"})',
    );
    assert.equal(
      baselinePositiveRateQuery(imdb),
      'max(sentiment_baseline_positive_rate{namespace="ml",model="imdb"})',
    );
    assert.equal(baselineSamplesQuery(imdb), 'max(sentiment_baseline_samples{namespace="ml",model="imdb"})');
  });

  it('builds the per-label predictions query', () => {
    assert.equal(
      predictionsByLabelQuery(imdb, '1h30m'),
      'sum by (label) (increase(sentiment_predictions_total{namespace="ml",model="imdb"}[1h30m]))',
    );
  });

  it('escapes backslashes, double quotes and newlines in label values', () => {
    assert.equal(quoteLabelValue('a\\b"c\nd'), '"a\\\\b\\"c\\nd"');
    assert.equal(quoteLabelValue('plain-name'), '"plain-name"');
    assert.equal(
      baselineRatioQuery({ namespace: 'x"}) or vector(1', model: 'm' }),
      'max by (signal, le) (sentiment_baseline_ratio{namespace="x\\"}) or vector(1",model="m"})',
    );
  });

  it('accepts Prometheus durations only as the window', () => {
    for (const ok of ['10m', '60s', '1h30m', '500ms', '2d', '1w']) assert.equal(rangeSelector(ok), `[${ok}]`);
    for (const bad of ['', '10', '0m', '10m]) or vector(1', '30s10m', '1.5h', '-5m'])
      assert.throws(() => rangeSelector(bad), /not a Prometheus duration/, bad);
  });
});
