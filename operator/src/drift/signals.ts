// The drift signals of one SentimentModel as the evaluator sees them: which are enabled, the
// thresholds in force for each, and the words status messages and Events use for them. The signals
// themselves, their metrics and what a shift of each means are defined in @sentiment-operator/contract
// (docs/drift.md describes them).
import {
  DRIFT_SIGNALS,
  HISTOGRAM_SIGNALS,
  type DriftSignal,
  type HistogramSignal,
} from '@sentiment-operator/contract';
import { POSITIVE_RATE_THRESHOLDS } from '../api/schema';
import type { DriftSpec } from '../api/types';

export interface SignalSettings {
  signal: DriftSignal;
  warningThreshold: number;
  criticalThreshold: number;
}

export type SignalSpec = Pick<DriftSpec, 'warningThreshold' | 'criticalThreshold' | 'signals'>;

export function isHistogramSignal(signal: DriftSignal): signal is HistogramSignal {
  return Object.hasOwn(HISTOGRAM_SIGNALS, signal);
}

/**
 * The enabled signals in DRIFT_SIGNALS order, each with its thresholds: its own from
 * spec.drift.signals, else spec.drift's PSI thresholds for a histogram signal (so confidence keeps
 * the meaning spec.drift.warningThreshold and criticalThreshold always had) and
 * POSITIVE_RATE_THRESHOLDS for positiveRate. A signal not listed is enabled.
 */
export function enabledSignals(spec: SignalSpec): SignalSettings[] {
  return DRIFT_SIGNALS.flatMap((signal) => {
    const own = spec.signals?.[signal];
    if (own?.enabled === false) return [];
    const defaults = isHistogramSignal(signal) ? spec : POSITIVE_RATE_THRESHOLDS;
    return [
      {
        signal,
        warningThreshold: own?.warningThreshold ?? defaults.warningThreshold,
        criticalThreshold: own?.criticalThreshold ?? defaults.criticalThreshold,
      },
    ];
  });
}

/** How messages name each signal. */
export const SIGNAL_TITLES: Readonly<Record<DriftSignal, string>> = {
  confidence: 'confidence',
  inputTokens: 'text length',
  unknownTokens: 'unknown-token share',
  positiveRate: 'positive rate',
};

/** What a shift of the positive rate means; the histogram signals' meanings are in the contract. */
export const POSITIVE_RATE_MEANING =
  'the model predicts positive more or less often than on its validation data';

export function meaningOf(signal: DriftSignal): string {
  return isHistogramSignal(signal) ? HISTOGRAM_SIGNALS[signal].meaning : POSITIVE_RATE_MEANING;
}
