// The model artifact's contract, for the trainer and the server. The names the operator relies on too
// (metric and label names, bucket edges, metadata keys) live in @sentiment-operator/contract and are
// re-exported here, so this package keeps one import for all of it.
export { CONFIDENCE_BUCKETS, META, MODEL_SERIES_LABELS, SERVER_METRICS } from '@sentiment-operator/contract';

export const INPUT_NAME = 'text';
export const OUTPUT_NAME = 'probabilities';
export const LABELS = ['negative', 'positive'] as const;
export type Label = (typeof LABELS)[number];

/** The predicted label is positive when P(positive) is at least one half. */
export function isPositive(pPositive: number): boolean {
  return pPositive >= 0.5;
}

/** Confidence of a prediction, max(p, 1-p): what the histogram and the baseline are made of. */
export function confidenceOf(pPositive: number): number {
  return Math.max(pPositive, 1 - pPositive);
}

/** Shape of `sentimentops.metrics`: measured on the test set through onnxruntime. */
export interface ModelMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  auc: number;
  n: number;
}

/**
 * Shape of `sentimentops.baseline.confidence`: the held-out split's confidence histogram over
 * CONFIDENCE_BUCKETS. `counts[i]` is the number of predictions in (edges[i-1], edges[i]]
 * (the first bin starts at 0.5), `ratios` the cumulative fraction at each edge, as Prometheus
 * `le` buckets would report it.
 */
export interface BaselineConfidence {
  edges: number[];
  counts: number[];
  ratios: number[];
  n: number;
}
