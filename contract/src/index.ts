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
 * Upper edges of the `sentiment_input_tokens` histogram: tokens per text as the model's tokenizer
 * counts them. Short texts (titles, tweets, review sentences) and full reviews each get several bins;
 * anything above the last edge is counted in the last bin by the drift evaluator.
 */
export const INPUT_TOKENS_BUCKETS = [4, 8, 12, 16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;

/**
 * Upper edges of the `sentiment_input_unknown_tokens_ratio` histogram: the share of a text's tokens
 * that are not in the model's vocabulary (0 for a text without tokens). The first bin, `le="0"`,
 * holds the texts whose every token is known.
 */
export const UNKNOWN_TOKENS_BUCKETS = [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 1] as const;

/**
 * The model server's Prometheus metrics. Every series also carries MODEL_SERIES_LABELS; the drift
 * evaluator reads each HISTOGRAM_SIGNALS metric's `_bucket` series and `SERVER_METRICS.baselineRatio`.
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
  /** histogram of the number of tokens in each text, over INPUT_TOKENS_BUCKETS; needs a model with the `input_tokens` output */
  inputTokens: 'sentiment_input_tokens',
  /** histogram of each text's share of tokens not in the vocabulary, over UNKNOWN_TOKENS_BUCKETS; needs the `unknown_tokens` output */
  unknownTokens: 'sentiment_input_unknown_tokens_ratio',
  /**
   * gauge {signal, le}: the model's baseline of one drift signal, cumulative over that signal's
   * buckets; a signal without a baseline in the model file has no series
   */
  baselineRatio: 'sentiment_baseline_ratio',
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
  baselineInputTokens: 'sentimentops.baseline.input_tokens',
  baselineUnknownTokens: 'sentimentops.baseline.unknown_tokens',
  baselinePositiveRate: 'sentimentops.baseline.positive_rate',
  training: 'sentimentops.training',
} as const;

/**
 * Optional outputs of the model graph beside `probabilities`, one float per text: the number of
 * tokens and how many of them are not in the vocabulary. The server exports the input-descriptor
 * histograms only for a model that has them.
 */
export const DESCRIPTOR_OUTPUTS = { inputTokens: 'input_tokens', unknownTokens: 'unknown_tokens' } as const;

/**
 * Shape of every `sentimentops.baseline.*` histogram in the model file: the held-out split's
 * histogram of one signal. `edges` are the signal's buckets; `counts[i]` is the number of texts in
 * (edges[i-1], edges[i]] (the first bin holds everything up to edges[0], the last everything above
 * edges[i-1]); `ratios` the cumulative fraction at each edge, as Prometheus `le` buckets report it.
 */
export interface BaselineHistogram {
  edges: number[];
  counts: number[];
  ratios: number[];
  n: number;
}

/** The drift signals read from a histogram the server exports, compared bin by bin with a baseline. */
export type HistogramSignal = 'confidence' | 'inputTokens' | 'unknownTokens';

/** Every drift signal: the histogram signals and the share of positive predictions. */
export type DriftSignal = HistogramSignal | 'positiveRate';

export interface HistogramSignalContract {
  /** the server's histogram of live traffic */
  metric: string;
  /** its upper bucket edges (the `le` labels, `+Inf` aside) */
  buckets: readonly number[];
  /** where the trainer writes the baseline in the model file */
  meta: string;
  /** what a shift of this signal means, for status messages and Events */
  meaning: string;
}

/**
 * The histogram signals in the order they are evaluated and listed. `sentiment_baseline_ratio`
 * carries the baseline of each, with `signal` set to the key here.
 */
export const HISTOGRAM_SIGNALS: Readonly<Record<HistogramSignal, HistogramSignalContract>> = {
  confidence: {
    metric: SERVER_METRICS.confidence,
    buckets: CONFIDENCE_BUCKETS,
    meta: META.baselineConfidence,
    meaning: 'the model is less sure of its predictions than on its validation data',
  },
  inputTokens: {
    metric: SERVER_METRICS.inputTokens,
    buckets: INPUT_TOKENS_BUCKETS,
    meta: META.baselineInputTokens,
    meaning: 'texts are longer or shorter than the model was trained on',
  },
  unknownTokens: {
    metric: SERVER_METRICS.unknownTokens,
    buckets: UNKNOWN_TOKENS_BUCKETS,
    meta: META.baselineUnknownTokens,
    meaning: 'inputs use words the model has not seen',
  },
};

export const DRIFT_SIGNALS: readonly DriftSignal[] = [
  'confidence',
  'inputTokens',
  'unknownTokens',
  'positiveRate',
];

/** Annotations the operator writes on a SentimentModel (drift) and on its pods (model version). */
export const ANNOTATIONS = {
  driftStatus: `${API_GROUP}/drift-status`,
  driftScore: `${API_GROUP}/drift-score`,
  driftEvaluatedAt: `${API_GROUP}/drift-evaluated-at`,
  /** On a model's pods: spec.model.version, so that a new version rolls the pods even when the URI stays. */
  modelVersion: `${API_GROUP}/model-version`,
} as const;

export { byLabels, metricTypes, parseMetrics, sumOf, type Sample } from './prometheus-text';
export * from './psi';
export * from './cumulative';
