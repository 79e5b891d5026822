// The playground's live drift view (GET /playground/drift): each drift signal's histogram of recent
// traffic beside the model's baseline, with PSI computed as the operator's drift evaluator computes it
// (operator/src/drift/assess.ts): the baseline's cumulative ratios turned into bin fractions and
// renormalised, the live counts into fractions, both smoothed by the contract's smoothedPsi. Pure
// apart from the window it reads; its answer is a few hundred numbers, whatever the traffic.
import {
  HISTOGRAM_SIGNALS,
  fractionsFromRatios,
  smoothedPsi,
  type HistogramSignal,
} from '@sentiment-operator/contract';
import type { ModelMetadata } from '../../model/metadata';
import type { RecentTraffic } from '../recent-traffic';

const SIGNALS = Object.entries(HISTOGRAM_SIGNALS) as [
  HistogramSignal,
  (typeof HISTOGRAM_SIGNALS)[HistogramSignal],
][];

export interface Baseline {
  /** share of the held-out texts in each bin; sums to 1 */
  fractions: number[];
  /** held-out texts it rests on; undefined when the file does not say */
  n?: number;
}

export type Baselines = Partial<Record<HistogramSignal, Baseline>>;

/**
 * The baseline of every histogram signal the model file carries, as bin fractions. The server
 * refuses a file whose baselines break the contract at startup (model/metadata.ts); one that still
 * holds nothing is left out, and its signal shows live traffic only.
 */
export function baselinesFromMetadata(baselines: ModelMetadata['baselines']): Baselines {
  const out: Baselines = {};
  for (const [signal] of SIGNALS) {
    const b = baselines[signal];
    const fractions = b && fractionsFromRatios(b.ratios);
    if (!b || !fractions) continue;
    out[signal] = { fractions, n: Number.isFinite(b.n) && b.n > 0 ? b.n : undefined };
  }
  return out;
}

export interface SignalView {
  signal: HistogramSignal;
  meaning: string;
  /** the server's Prometheus histogram of the same signal */
  metric: string;
  edges: readonly number[];
  live: {
    counts: number[];
    n: number;
    /** age of the oldest observation in the window; null when it is empty */
    oldestSeconds: number | null;
  };
  baseline: Baseline | null;
  /** PSI of the window against the baseline; null without a baseline or without observations */
  psi: number | null;
}

export interface DriftView {
  /** observations kept per signal */
  window: number;
  /** the signals that have a baseline or have been observed, in HISTOGRAM_SIGNALS order */
  signals: SignalView[];
}

export function driftView(recent: RecentTraffic, baselines: Baselines, now: number = Date.now()): DriftView {
  const signals: SignalView[] = [];
  for (const [signal, contract] of SIGNALS) {
    const live = recent.histogram(signal);
    const baseline = baselines[signal];
    // a signal this model's server never feeds (a graph without the descriptor outputs) and has no
    // baseline for would only ever show an empty chart
    if (!baseline && !live.fed) continue;
    const psi =
      baseline && live.n > 0
        ? smoothedPsi(
            live.counts.map((c) => c / live.n),
            live.n,
            baseline.fractions,
            baseline.n ?? Infinity,
          )
        : null;
    signals.push({
      signal,
      meaning: contract.meaning,
      metric: contract.metric,
      edges: contract.buckets,
      live: {
        counts: live.counts,
        n: live.n,
        oldestSeconds: live.oldest === undefined ? null : Math.max(0, (now - live.oldest) / 1000),
      },
      baseline: baseline ?? null,
      psi,
    });
  }
  return { window: recent.capacity, signals };
}
