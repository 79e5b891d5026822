// The two figures reported beside PSI: mean confidence, estimated from the histogram, and the share of
// positive predictions against the baseline's.
import { CONFIDENCE_EDGES, CONFIDENCE_FLOOR } from './bins';

/** Middle of each confidence bin: 0.525 for [0.5, 0.55], …, 0.995 for (0.99, 1]. */
export const BIN_MIDPOINTS: readonly number[] = CONFIDENCE_EDGES.map(
  (upper, i) => ((i === 0 ? CONFIDENCE_FLOOR : CONFIDENCE_EDGES[i - 1]) + upper) / 2,
);

/**
 * Mean confidence from bin fractions (or counts: they are normalised), each bin standing at its
 * midpoint. The error is at most half the widest bin (0.025) and far less in practice, because most
 * predictions fall in the narrow bins near 1. Undefined for an empty histogram.
 */
export function meanConfidence(bins: readonly number[]): number | undefined {
  if (bins.length !== BIN_MIDPOINTS.length)
    throw new RangeError(`expected ${BIN_MIDPOINTS.length} confidence bins, got ${bins.length}`);
  let total = 0;
  let weighted = 0;
  bins.forEach((b, i) => {
    const w = Math.max(0, b);
    total += w;
    weighted += w * BIN_MIDPOINTS[i];
  });
  return total > 0 ? weighted / total : undefined;
}

/** Predictions per label in the window: `sum by (label) (increase(sentiment_predictions_total[w]))`. */
export interface LabelCounts {
  negative: number;
  positive: number;
}

/** Share of positive predictions; undefined when there were none at all. */
export function positiveRate(counts: LabelCounts): number | undefined {
  const positive = Math.max(0, counts.positive);
  const total = positive + Math.max(0, counts.negative);
  return total > 0 ? positive / total : undefined;
}

/** Live minus baseline positive rate, in rate points; undefined when either is unknown. */
export function positiveRateShift(
  live: number | undefined,
  baseline: number | undefined,
): number | undefined {
  return live === undefined || baseline === undefined ? undefined : live - baseline;
}
