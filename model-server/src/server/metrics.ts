// The model server's metrics (docs/metrics.md) on one prom-client registry. Names come from the contract;
// `model` and `model_version` are registry default labels, so every series carries them,
// the process metrics included.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  CONFIDENCE_BUCKETS,
  HISTOGRAM_SIGNALS,
  HistogramSignal,
  LABELS,
  SERVER_METRICS,
  isPositive,
} from '../contract';
import type { SignalValues } from '../model/signals';
import type { OverloadLimit } from './http-error';
import type { ServedModel } from './served-model';

export const REQUEST_DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
export const INPUT_CHARS_BUCKETS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 20000, 50000];

/** Powers of two below the largest batch, then the largest batch itself. */
export function batchSizeBuckets(maxBatchSize: number): number[] {
  const out: number[] = [];
  for (let b = 1; b < maxBatchSize; b *= 2) out.push(b);
  out.push(maxBatchSize);
  return out;
}

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'code'>;
  private readonly duration: Histogram<'route'>;
  private readonly predictions: Counter<'label'>;
  private readonly inputChars: Histogram;
  /** one histogram per drift signal; the descriptor ones only for a graph that returns them */
  private readonly signals: Partial<Record<HistogramSignal, Histogram>> = {};
  private readonly batchSize: Histogram;
  private readonly rejections: Counter<'limit'>;

  /** `queued` reads the texts waiting for inference at scrape time. */
  constructor(model: ServedModel, maxBatchSize: number, queued: () => number = () => 0) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ model: model.name, model_version: model.version });
    collectDefaultMetrics({ register: this.registry });

    this.requests = new Counter({
      name: SERVER_METRICS.requests,
      help: 'HTTP requests by route template and status code',
      labelNames: ['route', 'code'],
      registers,
    });
    this.duration = new Histogram({
      name: SERVER_METRICS.requestDuration,
      help: 'Time from request start to the response being written, by route template',
      labelNames: ['route'],
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    });
    this.predictions = new Counter({
      name: SERVER_METRICS.predictions,
      help: 'Predictions by predicted label',
      labelNames: ['label'],
      registers,
    });
    for (const label of LABELS) this.predictions.inc({ label }, 0);
    this.signals.confidence = new Histogram({
      name: SERVER_METRICS.confidence,
      help: 'Confidence max(p, 1-p) of each prediction; the drift evaluator compares it with the baseline',
      buckets: [...CONFIDENCE_BUCKETS],
      registers,
    });
    this.inputChars = new Histogram({
      name: SERVER_METRICS.inputChars,
      help: 'Length of each input text in UTF-16 code units',
      buckets: INPUT_CHARS_BUCKETS,
      registers,
    });
    if (model.metadata.hasDescriptors) {
      this.signals.inputTokens = new Histogram({
        name: SERVER_METRICS.inputTokens,
        help: "Tokens in each input text as the model's tokenizer counts them; a drift signal (inputTokens)",
        buckets: [...HISTOGRAM_SIGNALS.inputTokens.buckets],
        registers,
      });
      this.signals.unknownTokens = new Histogram({
        name: SERVER_METRICS.unknownTokens,
        help: "Share of each input text's tokens not in the model's vocabulary; a drift signal (unknownTokens)",
        buckets: [...HISTOGRAM_SIGNALS.unknownTokens.buckets],
        registers,
      });
    }
    this.batchSize = new Histogram({
      name: SERVER_METRICS.batchSize,
      help: 'Texts per onnxruntime call after micro-batching',
      buckets: batchSizeBuckets(maxBatchSize),
      registers,
    });
    this.rejections = new Counter({
      name: SERVER_METRICS.overloadRejections,
      help: 'Requests refused with 503 by an admission limit: queued_texts (MAX_QUEUED_TEXTS) or body_bytes (MAX_INFLIGHT_BODY_BYTES)',
      labelNames: ['limit'],
      registers,
    });
    for (const limit of ['queued_texts', 'body_bytes'] as const) this.rejections.inc({ limit }, 0);
    new Gauge({
      name: SERVER_METRICS.queuedTexts,
      help: 'Texts waiting for inference (admission refuses requests beyond MAX_QUEUED_TEXTS)',
      registers,
      collect() {
        this.set(queued());
      },
    });
    new Gauge({
      name: SERVER_METRICS.modelInfo,
      help: 'The served model file; always 1',
      labelNames: ['sha256'],
      registers,
    }).set({ sha256: model.sha256 }, 1);
    const { baselines } = model.metadata;
    const signals = Object.keys(baselines) as HistogramSignal[];
    if (signals.length > 0) {
      const ratio = new Gauge({
        name: SERVER_METRICS.baselineRatio,
        help: "Cumulative fraction of the held-out texts at or below each edge of a drift signal's histogram (the model's reference distribution)",
        labelNames: ['signal', 'le'],
        registers,
      });
      for (const signal of signals) {
        const b = baselines[signal]!;
        b.edges.forEach((edge, i) => ratio.set({ signal, le: String(edge) }, b.ratios[i]));
      }
      // the drift evaluator's noise floor depends on how many texts the baselines rest on (one
      // held-out split for all of them)
      const n = baselines.confidence?.n ?? baselines[signals[0]]!.n;
      if (Number.isFinite(n))
        new Gauge({
          name: SERVER_METRICS.baselineSamples,
          help: 'Texts in the held-out set the baseline histograms were computed on',
          registers,
        }).set(n);
    }
    const { baselinePositiveRate } = model.metadata;
    if (baselinePositiveRate !== undefined && Number.isFinite(baselinePositiveRate)) {
      new Gauge({
        name: SERVER_METRICS.baselinePositiveRate,
        help: 'Share of the held-out predictions labelled positive (the model reference positive rate)',
        registers,
      }).set(baselinePositiveRate);
    }
  }

  observeRequest(route: string, code: number, seconds: number): void {
    this.requests.inc({ route, code: String(code) });
    this.duration.observe({ route }, seconds);
  }

  observeRejection(limit: OverloadLimit): void {
    this.rejections.inc({ limit });
  }

  /**
   * One onnxruntime call: its size, every input's length, every prediction's label, and each drift
   * signal's value per text (signalValues: the descriptors only when the graph returns them).
   */
  observeBatch(texts: readonly string[], probs: Float32Array, values: SignalValues): void {
    this.batchSize.observe(texts.length);
    let positives = 0;
    for (let i = 0; i < texts.length; i++) {
      if (isPositive(probs[2 * i + 1])) positives++;
      this.inputChars.observe(texts[i].length);
    }
    for (const signal of Object.keys(values) as HistogramSignal[]) {
      const histogram = this.signals[signal];
      if (histogram) for (const v of values[signal]!) histogram.observe(v);
    }
    if (positives > 0) this.predictions.inc({ label: LABELS[1] }, positives);
    if (positives < texts.length) this.predictions.inc({ label: LABELS[0] }, texts.length - positives);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
