// The model artifact's contract, for the trainer and the server. The names the operator relies on too
// (metric and label names, bucket edges, metadata keys) live in @sentiment-operator/contract and are
// re-exported here, so this package keeps one import for all of it.
export {
  CONFIDENCE_BUCKETS,
  DESCRIPTOR_OUTPUTS,
  HISTOGRAM_SIGNALS,
  INPUT_TOKENS_BUCKETS,
  META,
  MODEL_SERIES_LABELS,
  SERVER_METRICS,
  type BaselineHistogram,
  type HistogramSignal,
} from '@sentiment-operator/contract';

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

/**
 * Share of a text's tokens the vocabulary does not know: the `unknownTokens` drift signal. A text
 * without tokens has nothing unknown, so 0.
 */
export function unknownShare(tokens: number, unknown: number): number {
  return tokens > 0 ? unknown / tokens : 0;
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
 * What trainer 2 on writes to `sentimentops.metrics`: ModelMetrics over the whole test set, plus
 * the same per domain of the test rows and on its short texts (docs/model.md).
 */
export interface TestMetrics extends ModelMetrics {
  domains?: Record<string, SliceMetrics>;
  /** the test texts of at most `max_words` words */
  short?: SliceMetrics & { max_words: number };
}

/** One part of the test set, with the share it predicts positive against the share that is. */
export interface SliceMetrics extends ModelMetrics {
  predicted_positive_rate: number;
  actual_positive_rate: number;
}
