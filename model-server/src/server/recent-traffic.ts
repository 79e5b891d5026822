// The last few hundred observations of each drift signal (HISTOGRAM_SIGNALS in
// @sentiment-operator/contract), binned over the signal's bucket edges as the server's histograms bin
// them: what the playground's live drift view compares with the model's baseline. Prometheus keeps the
// long history; this is only "what did the traffic of the last minutes look like", in one process,
// at a fixed cost: one byte and one timestamp per observation, O(1) to record, O(bins) to read.
import { HISTOGRAM_SIGNALS, bucketIndex, type HistogramSignal } from '@sentiment-operator/contract';

/** Observations kept per signal: enough for PSI to settle (docs/drift.md), small enough to be "recent". */
export const RECENT_WINDOW = 1000;

export interface RecentHistogram {
  /** observations per bin, in the order of the signal's bucket edges */
  counts: number[];
  /** observations in the window (at most the window's size) */
  n: number;
  /** when the oldest observation in the window was made (ms since the epoch); undefined when empty */
  oldest?: number;
  /** whether the signal was ever observed since the process started */
  fed: boolean;
}

class Ring {
  /** the bin of each observation (a histogram signal has far fewer than 256 bins) */
  readonly bins: Uint8Array;
  readonly times: Float64Array;
  readonly counts: number[];
  /** next slot to write */
  head = 0;
  size = 0;
  fed = false;

  constructor(
    readonly edges: readonly number[],
    capacity: number,
  ) {
    this.bins = new Uint8Array(capacity);
    this.times = new Float64Array(capacity);
    this.counts = new Array<number>(edges.length).fill(0);
  }
}

export class RecentTraffic {
  private readonly rings: Record<HistogramSignal, Ring>;

  constructor(
    readonly capacity = RECENT_WINDOW,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be >= 1, got ${capacity}`);
    this.rings = Object.fromEntries(
      Object.entries(HISTOGRAM_SIGNALS).map(([signal, c]) => [signal, new Ring(c.buckets, capacity)]),
    ) as Record<HistogramSignal, Ring>;
  }

  /** Records one observation; the oldest one leaves when the window is full. NaN is not a value: ignored. */
  observe(signal: HistogramSignal, value: number): void {
    if (Number.isNaN(value)) return;
    const r = this.rings[signal];
    const bin = bucketIndex(value, r.edges);
    if (r.size === this.capacity) r.counts[r.bins[r.head]]--;
    else r.size++;
    r.bins[r.head] = bin;
    r.times[r.head] = this.now();
    r.counts[bin]++;
    r.head = (r.head + 1) % this.capacity;
    r.fed = true;
  }

  histogram(signal: HistogramSignal): RecentHistogram {
    const r = this.rings[signal];
    const oldest = r.size === 0 ? undefined : r.times[(r.head - r.size + this.capacity) % this.capacity];
    return { counts: [...r.counts], n: r.size, oldest, fed: r.fed };
  }
}
