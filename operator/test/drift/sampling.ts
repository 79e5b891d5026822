// Seeded random histograms for the drift property tests: reproducible, and fast enough to draw tens of
// millions of observations within a unit test's time budget.
import { CONFIDENCE_EDGES, CONFIDENCE_FLOOR } from '../../src/drift/bins';

/** mulberry32: a seeded generator of 32 random bits per call. Plenty for sampling; not for secrets. */
export function seededBits(seed: number): () => number {
  let state = seed | 0; // kept a signed int32 so V8 never boxes it
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const LEVELS = 65536;

/**
 * Draws bin indices from a categorical distribution by inverting its CDF on 16-bit uniforms: a table
 * of 65,536 entries answers each draw with one lookup, and each 32 random bits give two draws. The
 * bin probabilities are thereby rounded to multiples of 1/65,536; the baseline and the live traffic
 * of a test are drawn the same way, so "same distribution" still holds exactly.
 */
export class Categorical {
  private readonly table = new Uint8Array(LEVELS);
  private readonly bins: number;

  constructor(
    probabilities: readonly number[],
    private readonly bits: () => number,
  ) {
    this.bins = probabilities.length;
    const total = probabilities.reduce((s, p) => s + p, 0);
    let sum = 0;
    const cdf = probabilities.map((p) => (sum += p / total));
    cdf[cdf.length - 1] = 1;
    let bin = 0;
    for (let level = 0; level < LEVELS; level++) {
      while (cdf[bin] <= level / LEVELS) bin++;
      this.table[level] = bin;
    }
  }

  /** Counts per bin of n independent draws (a multinomial sample). */
  counts(n: number): number[] {
    const { table, bits } = this; // locals: this loop runs tens of millions of times per test
    const out = new Float64Array(this.bins);
    for (let j = 0; j < n; j += 2) {
      const r = bits();
      out[table[r >>> 16]]++;
      if (j + 1 < n) out[table[r & 0xffff]]++;
    }
    return Array.from(out);
  }
}

/**
 * Bin probabilities of confidence = 0.5 + 0.5·x with x Kumaraswamy(a, b) on [0, 1]: a Beta-like
 * family whose CDF 1 − (1 − x^a)^b is closed-form, so the bins need no numerical integration.
 * a > b puts the mass near confidence 1, as a trained classifier does.
 */
export function kumaraswamyBins(a: number, b: number): number[] {
  const cdf = (edge: number): number => {
    const x = Math.min(1, Math.max(0, (edge - CONFIDENCE_FLOOR) / (1 - CONFIDENCE_FLOOR)));
    return 1 - Math.pow(1 - Math.pow(x, a), b);
  };
  return CONFIDENCE_EDGES.map((edge, i) => cdf(edge) - (i === 0 ? 0 : cdf(CONFIDENCE_EDGES[i - 1])));
}
