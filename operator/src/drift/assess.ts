// One drift evaluation from the parsed Prometheus answers to the figures status.drift reports. Pure:
// the evaluator fetches (see promql.ts), calls this, then applies hysteresis (classify.ts nextState).
import type { DriftSpec } from '../api/types';
import { BucketError, CumulativeBucket, binsFromBuckets, fractionsFromBaseline } from './bins';
import { Observation, classify } from './classify';
import { noiseFloor } from './noise-floor';
import { jsDistance, smoothedPsi } from './psi';
import { LabelCounts, meanConfidence, positiveRate } from './summary';

export interface WindowData {
  /** `sum by (le) (increase(sentiment_prediction_confidence_bucket[w]))`; empty before any scrape. */
  buckets: readonly CumulativeBucket[];
  /** `sentiment_baseline_confidence_ratio` by `le`; empty when the model carries no baseline. */
  baseline: readonly CumulativeBucket[];
  /** `sentiment_baseline_samples`: m of the noise floor; undefined when not exported. */
  baselineSamples?: number;
  /** Predictions per label in the window; undefined when the query returned nothing. */
  labels?: LabelCounts;
  /** `sentiment_baseline_positive_rate`; undefined when not exported. */
  baselinePositiveRate?: number;
}

export type DriftThresholds = Pick<DriftSpec, 'minSamples' | 'warningThreshold' | 'criticalThreshold'>;

export interface Assessment extends Observation {
  /** PSI; undefined without a baseline or without a single prediction. */
  score?: number;
  jsDistance?: number;
  meanConfidence?: number;
  positiveRate?: number;
  baselinePositiveRate?: number;
  /** Predictions in the window (may be fractional: `increase` extrapolates). */
  samples: number;
  /** The noise floor the thresholds were lifted to, if they were below it. */
  floor: number;
}

export function assess(data: WindowData, thresholds: DriftThresholds): Assessment {
  const common = {
    positiveRate: data.labels ? positiveRate(data.labels) : undefined,
    baselinePositiveRate: data.baselinePositiveRate,
  };
  try {
    // no series yet (nothing scraped, or no prediction since the server started) means no data
    const live = data.buckets.length > 0 ? binsFromBuckets(data.buckets) : undefined;
    const n = live?.n ?? 0;
    const m =
      data.baselineSamples !== undefined && data.baselineSamples > 0 ? data.baselineSamples : Infinity;
    const floor = noiseFloor(n, m);
    const baseline = data.baseline.length > 0 ? fractionsFromBaseline(data.baseline) : undefined;
    const compared = live && n > 0 && baseline;
    const score = compared ? smoothedPsi(live.fractions, n, baseline, m) : undefined;
    const verdict = classify({
      psi: score,
      n,
      minSamples: thresholds.minSamples,
      warning: thresholds.warningThreshold,
      critical: thresholds.criticalThreshold,
      floor,
      hasBaseline: baseline !== undefined,
    });
    return {
      ...verdict,
      ...common,
      score,
      jsDistance: compared ? jsDistance(live.fractions, baseline) : undefined,
      meanConfidence: live && n > 0 ? meanConfidence(live.fractions) : undefined,
      samples: n,
      floor,
    };
  } catch (err) {
    // a histogram with missing edges is a broken contract, not a reason to stop evaluating others
    if (!(err instanceof BucketError)) throw err;
    return { status: 'Unknown', message: err.message, ...common, samples: 0, floor: Infinity };
  }
}
