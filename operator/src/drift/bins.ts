// Turns the cumulative `le` buckets Prometheus answers with into per-bin counts and fractions over
// one histogram signal's edges (confidence, inputTokens, unknownTokens; @sentiment-operator/contract
// HISTOGRAM_SIGNALS). Pure: the Prometheus client hands the parsed vectors in.
import {
  CONFIDENCE_BUCKETS,
  HISTOGRAM_SIGNALS,
  fractionsFromRatios,
  monotone,
  toBins,
  type HistogramSignal,
} from '@sentiment-operator/contract';

/** Upper edges of the `sentiment_prediction_confidence` histogram (@sentiment-operator/contract). */
export const CONFIDENCE_EDGES = CONFIDENCE_BUCKETS;

/** Confidence is max(p, 1 - p), so the first bin starts here, not at 0. */
export const CONFIDENCE_FLOOR = 0.5;

/** Bins of the confidence histogram. */
export const BIN_COUNT = CONFIDENCE_EDGES.length;

/** Upper edges of a histogram signal's bins: one bin per edge, the last also holding what lies above it. */
export function edgesOf(signal: HistogramSignal): readonly number[] {
  return HISTOGRAM_SIGNALS[signal].buckets;
}

/** Bins of a histogram signal (12 for confidence and inputTokens, 10 for unknownTokens). */
export function binCount(signal: HistogramSignal): number {
  return edgesOf(signal).length;
}

/** One sample of a `sum by (le)` or `max by (le)` answer; `le` is Infinity for `+Inf`. */
export interface CumulativeBucket {
  le: number;
  value: number;
}

export interface BinnedHistogram {
  /** Observations per bin: (edges[i-1], edges[i]], the first from 0.5. Not necessarily integers. */
  counts: number[];
  /** Total observations (the `+Inf` bucket after clean-up). */
  n: number;
  /** counts / n; all zero when n is 0, so callers must look at n before comparing. */
  fractions: number[];
}

export class BucketError extends Error {
  override readonly name = 'BucketError';
}

/** Prometheus 3 writes `le="1.0"` where prom-client wrote `1`: match numerically, not textually. */
const sameEdge = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

const formatLe = (le: number): string => (le === Infinity ? '+Inf' : String(le));

/**
 * The value at each wanted edge. Duplicates of one edge (`1` and `1.0` across a Prometheus upgrade)
 * are combined with `combine`; edges we do not use are ignored, which is safe for cumulative buckets.
 */
function valuesAt(
  buckets: readonly CumulativeBucket[],
  edges: readonly number[],
  what: string,
  combine: (a: number, b: number) => number,
): number[] {
  return edges.map((edge) => {
    let found: number | undefined;
    for (const b of buckets) {
      if (!sameEdge(b.le, edge) && !(edge === Infinity && b.le === Infinity)) continue;
      if (!Number.isFinite(b.value))
        throw new BucketError(`${what}: the value at le="${formatLe(edge)}" is ${b.value}`);
      found = found === undefined ? b.value : combine(found, b.value);
    }
    if (found === undefined) throw new BucketError(`${what}: no bucket le="${formatLe(edge)}"`);
    return found;
  });
}

/**
 * Live histogram: the answer of `sum by (le) (increase(..._bucket[w]))`, in any order. What `+Inf`
 * holds above the last edge is folded into the last bin, as the baseline counts it (the contract's
 * BaselineHistogram): a text longer than 1024 tokens is in the last inputTokens bin; for confidence
 * (at most 1) and the unknown-token share (at most 1) there is none.
 */
export function binsFromBuckets(
  buckets: readonly CumulativeBucket[],
  signal: HistogramSignal = 'confidence',
): BinnedHistogram {
  const edges = [...edgesOf(signal), Infinity];
  const cumulative = monotone(valuesAt(buckets, edges, `${signal} histogram`, (a, b) => a + b));
  const counts = toBins(cumulative);
  const overflow = counts.pop() ?? 0;
  counts[counts.length - 1] += overflow;
  const n = cumulative[cumulative.length - 1];
  return { counts, n, fractions: counts.map((c) => (n > 0 ? c / n : 0)) };
}

/**
 * Baseline: the `sentiment_baseline_ratio{signal, le}` gauge of one signal, cumulative fractions. The
 * model file rounds them (to 4 decimals for the sample model), so the last one need not be exactly 1:
 * the fractions are renormalised by it.
 */
export function fractionsFromBaseline(
  buckets: readonly CumulativeBucket[],
  signal: HistogramSignal = 'confidence',
): number[] {
  const edges = edgesOf(signal);
  const what = `${signal} baseline ratios`;
  const fractions = fractionsFromRatios(valuesAt(buckets, edges, what, Math.max));
  if (!fractions)
    throw new BucketError(
      `${what}: the ratio at le="${formatLe(edges[edges.length - 1])}" is 0, the baseline is empty`,
    );
  return fractions;
}
