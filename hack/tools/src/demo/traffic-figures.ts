// What a batch of traffic did to a model server's histograms: two scrapes of /metrics, before and
// after, become the drift figures the operator would compute for that traffic alone. Pure, so the
// arithmetic is tested without a server; measure-traffic.ts does the I/O.
import { HISTOGRAM_SIGNALS, type HistogramSignal, type Sample } from '@sentiment-operator/contract';
import {
  binsFromBuckets,
  fractionsFromBaseline,
  type CumulativeBucket,
} from '@sentiment-operator/operator/dist/src/drift/bins';
import { SERVER_METRIC_NAMES as METRICS } from '@sentiment-operator/operator/dist/src/drift/promql';
import { smoothedPsi } from '@sentiment-operator/operator/dist/src/drift/psi';

const CONFIDENCE_SUM = `${METRICS.confidence}_sum`;

export interface TrafficFigures {
  /** Predictions between the two scrapes. */
  n: number;
  /** PSI against the model's baseline, smoothed exactly as the operator smooths it. */
  psi: number;
  /** Exact mean of max(p, 1-p), from the histogram's _sum. */
  meanConfidence: number;
  /** Share of those predictions labelled positive. */
  positiveRate: number;
}

const ofModel = (samples: readonly Sample[], name: string, model: string): Sample[] =>
  samples.filter((s) => s.name === name && s.labels.model === model);

const leOf = (s: Sample): number => (s.labels.le === '+Inf' ? Infinity : Number(s.labels.le));

function total(
  samples: readonly Sample[],
  name: string,
  model: string,
  labels: Record<string, string> = {},
): number {
  return ofModel(samples, name, model)
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Cumulative buckets of one signal gained between two scrapes, in the form binsFromBuckets takes. */
export function bucketIncrease(
  before: readonly Sample[],
  after: readonly Sample[],
  model: string,
  signal: HistogramSignal = 'confidence',
): CumulativeBucket[] {
  const bucket = `${HISTOGRAM_SIGNALS[signal].metric}_bucket`;
  const earlier = new Map(ofModel(before, bucket, model).map((s) => [leOf(s), s.value]));
  return ofModel(after, bucket, model).map((s) => ({
    le: leOf(s),
    value: s.value - (earlier.get(leOf(s)) ?? 0),
  }));
}

/**
 * PSI of one signal for the traffic between the scrapes against the model's baseline, smoothed as the
 * operator smooths it; undefined when the server exports no baseline (or no histogram) for it.
 */
export function signalPsi(
  before: readonly Sample[],
  after: readonly Sample[],
  model: string,
  signal: HistogramSignal,
): { n: number; psi: number } | undefined {
  const ratios = ofModel(after, METRICS.baselineRatio, model).filter((s) => s.labels.signal === signal);
  const increase = bucketIncrease(before, after, model, signal);
  if (ratios.length === 0 || increase.length === 0) return undefined;
  const live = binsFromBuckets(increase, signal);
  if (live.n <= 0) throw new Error(`no predictions for model "${model}" between the two scrapes`);
  const baseline = fractionsFromBaseline(
    ratios.map((s) => ({ le: leOf(s), value: s.value })),
    signal,
  );
  const m = ofModel(after, METRICS.baselineSamples, model)[0]?.value ?? Infinity;
  return { n: live.n, psi: smoothedPsi(live.fractions, live.n, baseline, m) };
}

/** The figures for the traffic sent between the `before` and `after` scrapes of one server. */
export function trafficFigures(
  before: readonly Sample[],
  after: readonly Sample[],
  model: string,
): TrafficFigures {
  const confidence = signalPsi(before, after, model, 'confidence');
  if (!confidence) throw new Error(`model "${model}" exports no confidence baseline`);
  const gained = (name: string, labels?: Record<string, string>): number =>
    total(after, name, model, labels) - total(before, name, model, labels);
  const positive = gained(METRICS.predictions, { label: 'positive' });
  return {
    n: confidence.n,
    psi: confidence.psi,
    meanConfidence: gained(CONFIDENCE_SUM) / confidence.n,
    positiveRate: positive / gained(METRICS.predictions),
  };
}
