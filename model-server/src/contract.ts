// The BRIEF's model artifact and metrics contract, defined once. The trainer, the server and the
// operator's drift evaluator all import these names so they can never disagree.

export const INPUT_NAME = 'text';
export const OUTPUT_NAME = 'probabilities';
export const LABELS = ['negative', 'positive'] as const;
export type Label = (typeof LABELS)[number];

/** Upper edges of the `sentiment_prediction_confidence` histogram; confidence is max(p, 1-p). */
export const CONFIDENCE_BUCKETS = [0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 1] as const;

/**
 * The model server's Prometheus metrics. Every series also carries MODEL_SERIES_LABELS; the drift
 * evaluator reads `${SERVER_METRICS.confidence}_bucket` and `SERVER_METRICS.baselineRatio`.
 */
export const SERVER_METRICS = {
  /** counter {route, code} */
  requests: 'sentiment_requests_total',
  /** histogram {route} */
  requestDuration: 'sentiment_request_duration_seconds',
  /** counter {label} */
  predictions: 'sentiment_predictions_total',
  /** histogram of max(p, 1-p) over CONFIDENCE_BUCKETS */
  confidence: 'sentiment_prediction_confidence',
  /** gauge {le}: the model's baseline, cumulative over CONFIDENCE_BUCKETS; absent without a baseline */
  baselineRatio: 'sentiment_baseline_confidence_ratio',
  /** gauge: the baseline's share of positive predictions; absent without `sentimentops.baseline.positive_rate` */
  baselinePositiveRate: 'sentiment_baseline_positive_rate',
  /** gauge: predictions in the baseline histogram (its n); absent without a baseline */
  baselineSamples: 'sentiment_baseline_samples',
  /** histogram of the length of each text */
  inputChars: 'sentiment_input_chars',
  /** histogram of the number of texts per onnxruntime call */
  batchSize: 'sentiment_batch_size',
  /** gauge {sha256} = 1 */
  modelInfo: 'sentiment_model_info',
  /** counter {limit}: requests refused with 503 by an admission limit */
  overloadRejections: 'sentiment_overload_rejections_total',
  /** gauge: texts waiting for inference */
  queuedTexts: 'sentiment_queued_texts',
} as const;
export const MODEL_SERIES_LABELS = ['model', 'model_version'] as const;

/** The predicted label is positive when P(positive) is at least one half. */
export function isPositive(pPositive: number): boolean {
  return pPositive >= 0.5;
}

/** Confidence of a prediction, max(p, 1-p): what the histogram and the baseline are made of. */
export function confidenceOf(pPositive: number): number {
  return Math.max(pPositive, 1 - pPositive);
}

export const META = {
  labels: 'sentimentops.labels',
  version: 'sentimentops.version',
  metrics: 'sentimentops.metrics',
  baselineConfidence: 'sentimentops.baseline.confidence',
  baselinePositiveRate: 'sentimentops.baseline.positive_rate',
  training: 'sentimentops.training',
} as const;

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
