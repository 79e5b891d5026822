// The PromQL the drift evaluator sends for one SentimentModel. The series come from every replica of
// the model server; the scrape config (ServiceMonitor) adds `namespace`, the server itself `model`.

import { HISTOGRAM_SIGNALS, SERVER_METRICS, type HistogramSignal } from '@sentiment-operator/contract';

/** The model server's metric names, from the contract both sides import (docs/metrics.md). */
export const SERVER_METRIC_NAMES = SERVER_METRICS;

export interface ModelSeries {
  namespace: string;
  model: string;
}

/**
 * A PromQL double-quoted string literal. PromQL unescapes like Go: a backslash or a double quote
 * would end or corrupt the literal, and a raw newline is a syntax error.
 */
export function quoteLabelValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Prometheus durations: one or more number-unit pairs, largest unit first (`1h30m`). */
const DURATION = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/;

/** The window as a range selector; refuses anything else, since it is pasted into the query. */
export function rangeSelector(window: string): string {
  if (window === '' || !DURATION.test(window) || !/[1-9]/.test(window))
    throw new RangeError(`drift window "${window}" is not a Prometheus duration such as 10m`);
  return `[${window}]`;
}

function selector({ namespace, model }: ModelSeries): string {
  return `{namespace=${quoteLabelValue(namespace)},model=${quoteLabelValue(model)}}`;
}

/** A histogram signal's live histogram over the window, summed over replicas: one sample per `le`. */
export function histogramBucketsQuery(signal: HistogramSignal, series: ModelSeries, window: string): string {
  const metric = HISTOGRAM_SIGNALS[signal].metric;
  return `sum by (le) (increase(${metric}_bucket${selector(series)}${rangeSelector(window)}))`;
}

/** Live confidence histogram over the window, summed over replicas: one sample per `le`. */
export function confidenceBucketsQuery(series: ModelSeries, window: string): string {
  return histogramBucketsQuery('confidence', series, window);
}

/**
 * Baseline cumulative ratios of every histogram signal at once, one sample per (`signal`, `le`);
 * every replica serves the same file, max picks one. A signal without a baseline has no samples.
 */
export function baselineRatioQuery(series: ModelSeries): string {
  return `max by (signal, le) (${SERVER_METRIC_NAMES.baselineRatio}${selector(series)})`;
}

/** Predictions per label over the window, summed over replicas. */
export function predictionsByLabelQuery(series: ModelSeries, window: string): string {
  return `sum by (label) (increase(${SERVER_METRIC_NAMES.predictions}${selector(series)}${rangeSelector(window)}))`;
}

/** The baseline's share of positive predictions; absent for a model without one. */
export function baselinePositiveRateQuery(series: ModelSeries): string {
  return `max(${SERVER_METRIC_NAMES.baselinePositiveRate}${selector(series)})`;
}

/** The size of the baseline histogram (m in the noise floor); absent for a model without one. */
export function baselineSamplesQuery(series: ModelSeries): string {
  return `max(${SERVER_METRIC_NAMES.baselineSamples}${selector(series)})`;
}
