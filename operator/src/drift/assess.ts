// One drift evaluation from the parsed Prometheus answers to the figures of every enabled signal.
// Pure: the evaluator fetches (see promql.ts), calls this, then combine.ts applies the hysteresis
// per signal and makes the model's status of them.
import { SERVER_METRICS, type DriftSignal, type HistogramSignal } from '@sentiment-operator/contract';
import type { DriftSpec } from '../api/types';
import {
  BinnedHistogram,
  BucketError,
  CumulativeBucket,
  binCount,
  binsFromBuckets,
  fractionsFromBaseline,
} from './bins';
import { Observation, classify } from './classify';
import { noiseFloor, proportionNoiseFloor } from './noise-floor';
import { jsDistance, smoothedPsi } from './psi';
import { enabledSignals, isHistogramSignal, type SignalSettings } from './signals';
import { LabelCounts, meanConfidence, positiveRate } from './summary';

/** One histogram signal's two answers. */
export interface HistogramWindow {
  /** `sum by (le) (increase(<metric>_bucket[w]))`; empty before any scrape, or when the server does not export it. */
  buckets: readonly CumulativeBucket[];
  /** `sentiment_baseline_ratio{signal}` by `le`; empty when the model carries no baseline for the signal. */
  baseline: readonly CumulativeBucket[];
}

export interface WindowData {
  /** The histogram signals that were queried; one that was not counts as empty. */
  histograms: Partial<Record<HistogramSignal, HistogramWindow>>;
  /** `sentiment_baseline_samples`: m of the noise floor; undefined when not exported. */
  baselineSamples?: number;
  /** Predictions per label in the window; undefined when the query returned nothing. */
  labels?: LabelCounts;
  /** `sentiment_baseline_positive_rate`; undefined when not exported. */
  baselinePositiveRate?: number;
}

export type DriftThresholds = Pick<
  DriftSpec,
  'minSamples' | 'warningThreshold' | 'criticalThreshold' | 'signals'
>;

export interface SignalAssessment extends Observation {
  signal: DriftSignal;
  /** PSI, or for positiveRate |live − baseline|; undefined without a baseline or without a single observation. */
  score?: number;
  /** Observations in the window (may be fractional: `increase` extrapolates). */
  samples: number;
  /** The noise floor the thresholds were lifted to, if they were below it. */
  floor: number;
  /** The thresholds configured for the signal (before any lift to the floor). */
  warningThreshold: number;
  criticalThreshold: number;
}

export interface Assessment {
  /** Every enabled signal, in DRIFT_SIGNALS order. */
  signals: SignalAssessment[];
  /** Of the confidence histogram and its baseline, when confidence is enabled. */
  jsDistance?: number;
  meanConfidence?: number;
  positiveRate?: number;
  baselinePositiveRate?: number;
  /** Predictions in the window: the most any signal counted. */
  samples: number;
}

const baselineSize = (m: number | undefined): number => (m !== undefined && m > 0 ? m : Infinity);

/** The baseline series of a histogram signal, as a NoBaseline message names it. */
const baselineSeries = (signal: HistogramSignal): string =>
  `${SERVER_METRICS.baselineRatio}{signal="${signal}"}`;

interface HistogramResult {
  assessment: SignalAssessment;
  /** The live histogram, when the window holds one. */
  live?: BinnedHistogram;
  /** The live fractions and baseline, when both exist and the window is not empty. */
  compared?: { live: number[]; baseline: number[] };
}

/** PSI of one histogram signal against its baseline, classified. */
export function assessHistogram(
  settings: SignalSettings & { signal: HistogramSignal },
  window: HistogramWindow | undefined,
  m: number | undefined,
  minSamples: number,
): HistogramResult {
  const { signal, warningThreshold, criticalThreshold } = settings;
  const thresholds = { signal, warningThreshold, criticalThreshold };
  try {
    // no series yet (nothing scraped, or no prediction since the server started) means no data
    const live = window && window.buckets.length > 0 ? binsFromBuckets(window.buckets, signal) : undefined;
    const n = live?.n ?? 0;
    const size = baselineSize(m);
    const floor = noiseFloor(n, size, binCount(signal));
    const baseline =
      window && window.baseline.length > 0 ? fractionsFromBaseline(window.baseline, signal) : undefined;
    const compared = live && n > 0 && baseline ? { live: live.fractions, baseline } : undefined;
    const score = compared ? smoothedPsi(compared.live, n, compared.baseline, size) : undefined;
    const verdict = classify({
      score,
      n,
      minSamples,
      warning: warningThreshold,
      critical: criticalThreshold,
      floor,
      hasBaseline: baseline !== undefined,
      baselineSeries: baselineSeries(signal),
    });
    return { assessment: { ...verdict, ...thresholds, score, samples: n, floor }, live, compared };
  } catch (err) {
    // a histogram with missing edges is a broken contract, not a reason to stop evaluating others
    if (!(err instanceof BucketError)) throw err;
    return {
      assessment: { status: 'Unknown', message: err.message, ...thresholds, samples: 0, floor: Infinity },
    };
  }
}

/** The shift of the share of positive predictions against the baseline's, classified. */
export function assessPositiveRate(
  settings: SignalSettings,
  labels: LabelCounts | undefined,
  baselineRate: number | undefined,
  m: number | undefined,
  minSamples: number,
): SignalAssessment {
  const { warningThreshold, criticalThreshold } = settings;
  const n = labels ? Math.max(0, labels.positive) + Math.max(0, labels.negative) : 0;
  const live = labels ? positiveRate(labels) : undefined;
  const hasBaseline = baselineRate !== undefined && Number.isFinite(baselineRate);
  const score = hasBaseline && live !== undefined ? Math.abs(live - baselineRate) : undefined;
  const floor = hasBaseline ? proportionNoiseFloor(n, baselineRate, baselineSize(m)) : Infinity;
  const verdict = classify({
    score,
    scoreName: 'shift',
    n,
    minSamples,
    warning: warningThreshold,
    critical: criticalThreshold,
    floor,
    hasBaseline,
    baselineSeries: SERVER_METRICS.baselinePositiveRate,
  });
  return {
    ...verdict,
    signal: 'positiveRate',
    warningThreshold,
    criticalThreshold,
    score,
    samples: n,
    floor,
  };
}

const isHistogram = (s: SignalSettings): s is SignalSettings & { signal: HistogramSignal } =>
  isHistogramSignal(s.signal);

/** Every enabled signal of `thresholds` on the window `data`. */
export function assess(data: WindowData, thresholds: DriftThresholds): Assessment {
  const signals: SignalAssessment[] = [];
  const out: Assessment = {
    signals,
    positiveRate: data.labels ? positiveRate(data.labels) : undefined,
    baselinePositiveRate: data.baselinePositiveRate,
    samples: 0,
  };
  for (const settings of enabledSignals(thresholds)) {
    if (isHistogram(settings)) {
      const { assessment, live, compared } = assessHistogram(
        settings,
        data.histograms[settings.signal],
        data.baselineSamples,
        thresholds.minSamples,
      );
      signals.push(assessment);
      if (settings.signal === 'confidence' && live && live.n > 0) {
        out.meanConfidence = meanConfidence(live.fractions);
        if (compared) out.jsDistance = jsDistance(compared.live, compared.baseline);
      }
    } else {
      signals.push(
        assessPositiveRate(
          settings,
          data.labels,
          data.baselinePositiveRate,
          data.baselineSamples,
          thresholds.minSamples,
        ),
      );
    }
  }
  out.samples = signals.reduce((most, s) => Math.max(most, s.samples), 0);
  return out;
}

/** The assessment of an evaluation that could not query Prometheus: every enabled signal Unknown. */
export function failedAssessment(thresholds: DriftThresholds, message: string): Assessment {
  return {
    signals: enabledSignals(thresholds).map(({ signal, warningThreshold, criticalThreshold }) => ({
      signal,
      status: 'Unknown',
      message,
      warningThreshold,
      criticalThreshold,
      samples: 0,
      floor: Infinity,
    })),
    samples: 0,
  };
}
