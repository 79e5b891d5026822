// The contract between the model server and the operator, defined once and imported by both
// (docs/metrics.md lists every metric): the server's metric names and the labels its series carry,
// the confidence histogram's bucket edges the drift evaluator bins by, the keys of the model file's
// metadata, and the annotations the operator writes. A rename here is a rename everywhere; the
// packages' tests pin what the other side relies on.

/** The API group of the SentimentModel resource; the operator's annotation and label keys live under it. */
export const API_GROUP = 'sentimentops.dev';

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

/** Labels on every series of the server (its MODEL_NAME and the model's version). */
export const MODEL_SERIES_LABELS = ['model', 'model_version'] as const;

/** Keys of the model file's metadata_props (ONNX): what the trainer writes and the server reads. */
export const META = {
  labels: 'sentimentops.labels',
  version: 'sentimentops.version',
  metrics: 'sentimentops.metrics',
  baselineConfidence: 'sentimentops.baseline.confidence',
  baselinePositiveRate: 'sentimentops.baseline.positive_rate',
  training: 'sentimentops.training',
} as const;

/** Annotations the operator writes on a SentimentModel (drift) and on its pods (model version). */
export const ANNOTATIONS = {
  driftStatus: `${API_GROUP}/drift-status`,
  driftScore: `${API_GROUP}/drift-score`,
  driftEvaluatedAt: `${API_GROUP}/drift-evaluated-at`,
  /** On a model's pods: spec.model.version, so that a new version rolls the pods even when the URI stays. */
  modelVersion: `${API_GROUP}/model-version`,
} as const;

export { byLabels, metricTypes, parseMetrics, sumOf, type Sample } from './prometheus-text';
