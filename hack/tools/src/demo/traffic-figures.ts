// What a batch of traffic did to a model server's histograms: two scrapes of /metrics, before and
// after, become the drift figures the operator would compute for that traffic alone. Pure, so the
// arithmetic is tested without a server; measure-traffic.ts does the I/O.
import type { Sample } from '@sentiment-operator/contract';
import {
  binsFromBuckets,
  fractionsFromBaseline,
  type CumulativeBucket,
} from '@sentiment-operator/operator/dist/src/drift/bins';
import { SERVER_METRIC_NAMES as METRICS } from '@sentiment-operator/operator/dist/src/drift/promql';
import { smoothedPsi } from '@sentiment-operator/operator/dist/src/drift/psi';

const CONFIDENCE_BUCKET = `${METRICS.confidence}_bucket`;
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

/** Cumulative confidence buckets gained between two scrapes, in the form binsFromBuckets takes. */
export function bucketIncrease(
  before: readonly Sample[],
  after: readonly Sample[],
  model: string,
): CumulativeBucket[] {
  const earlier = new Map(ofModel(before, CONFIDENCE_BUCKET, model).map((s) => [leOf(s), s.value]));
  return ofModel(after, CONFIDENCE_BUCKET, model).map((s) => ({
    le: leOf(s),
    value: s.value - (earlier.get(leOf(s)) ?? 0),
  }));
}

/** The figures for the traffic sent between the `before` and `after` scrapes of one server. */
export function trafficFigures(
  before: readonly Sample[],
  after: readonly Sample[],
  model: string,
): TrafficFigures {
  const live = binsFromBuckets(bucketIncrease(before, after, model));
  if (live.n <= 0) throw new Error(`no predictions for model "${model}" between the two scrapes`);
  // sentiment_baseline_ratio carries every signal's baseline; these figures are the confidence signal's
  const baseline = fractionsFromBaseline(
    ofModel(after, METRICS.baselineRatio, model)
      .filter((s) => s.labels.signal === 'confidence')
      .map((s) => ({ le: leOf(s), value: s.value })),
    'confidence',
  );
  const m = ofModel(after, METRICS.baselineSamples, model)[0]?.value ?? Infinity;
  const gained = (name: string, labels?: Record<string, string>): number =>
    total(after, name, model, labels) - total(before, name, model, labels);
  const positive = gained(METRICS.predictions, { label: 'positive' });
  return {
    n: live.n,
    psi: smoothedPsi(live.fractions, live.n, baseline, m),
    meanConfidence: gained(CONFIDENCE_SUM) / live.n,
    positiveRate: positive / gained(METRICS.predictions),
  };
}
