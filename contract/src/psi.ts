// Distances between two binned distributions: the Population Stability Index the operator's drift
// status is decided on (docs/drift.md), and the Jensen-Shannon distance reported beside it. Here, in
// the contract, so that the model server's playground shows the same PSI the operator computes.

/**
 * Pseudo-count added to every bin before PSI: Jeffreys' prior for a multinomial (the
 * Krichevsky-Trofimov estimator). PSI takes ln(p/q), so an empty bin would be infinite; half an
 * observation per bin is the smallest standard prior that keeps the log-ratio bounded, and on n
 * observations it moves B·0.5/(n + B·0.5) of the mass (1.2 % at n = 500, 12 bins), which shrinks
 * PSI a little towards 0: conservative for false alarms.
 */
export const PSEUDO_COUNT = 0.5;

/**
 * Additive smoothing for a histogram whose sample size is unknown (a baseline without its
 * `sentiment_baseline_samples` gauge): the resolution of the baseline ratios in the model file,
 * which are rounded to 4 decimals, so a bin written as 0 may hold up to that much.
 */
export const UNKNOWN_N_EPSILON = 1e-4;

function checkSameLength(p: readonly number[], q: readonly number[]): void {
  if (p.length !== q.length || p.length === 0)
    throw new RangeError(`distributions need the same, non-zero number of bins (${p.length}, ${q.length})`);
}

/**
 * Fractions of n observations smoothed with PSEUDO_COUNT per bin: (f·n + α) / (n + B·α). With n
 * unknown (Infinity) the pseudo-count is replaced by UNKNOWN_N_EPSILON of mass per bin. n = 0 gives
 * the uniform distribution. The result is strictly positive and sums to 1.
 */
export function smooth(fractions: readonly number[], n: number): number[] {
  const bins = fractions.length;
  if (Number.isFinite(n)) {
    const size = Math.max(0, n);
    return fractions.map((f) => (f * size + PSEUDO_COUNT) / (size + bins * PSEUDO_COUNT));
  }
  return fractions.map((f) => (f + UNKNOWN_N_EPSILON) / (1 + bins * UNKNOWN_N_EPSILON));
}

/**
 * PSI = Σ (p_i − q_i)·ln(p_i / q_i), the symmetric Kullback-Leibler divergence, on already smoothed
 * distributions (see `smooth`): every bin of both must be positive.
 */
export function psi(p: readonly number[], q: readonly number[]): number {
  checkSameLength(p, q);
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] > 0 && q[i] > 0))
      throw new RangeError(`PSI needs positive bins; bin ${i} is ${p[i]} vs ${q[i]} (smooth first)`);
    sum += (p[i] - q[i]) * Math.log(p[i] / q[i]);
  }
  return sum;
}

/** PSI of live fractions over n observations against baseline fractions over m, both smoothed. */
export function smoothedPsi(
  live: readonly number[],
  n: number,
  baseline: readonly number[],
  m: number,
): number {
  return psi(smooth(live, n), smooth(baseline, m));
}

/** Σ a·log2(a/b), with 0·log 0 = 0; b is never 0 where a is not, since b is a mixture containing a. */
function kl2(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > 0) sum += a[i] * Math.log2(a[i] / b[i]);
  return sum;
}

/**
 * Jensen-Shannon distance: the square root of the JS divergence with base-2 logarithms, so it lies
 * in [0, 1] (1 for disjoint supports) and is a metric. Needs no smoothing: the mixture is positive
 * wherever either side is. Inputs are normalised, so counts work as well as fractions.
 */
export function jsDistance(p: readonly number[], q: readonly number[]): number {
  checkSameLength(p, q);
  const normalise = (xs: readonly number[]): number[] => {
    const total = xs.reduce((s, x) => s + Math.max(0, x), 0);
    if (!(total > 0)) throw new RangeError('the Jensen-Shannon distance needs a non-empty distribution');
    return xs.map((x) => Math.max(0, x) / total);
  };
  const a = normalise(p);
  const b = normalise(q);
  const mix = a.map((x, i) => (x + b[i]) / 2);
  const divergence = (kl2(a, mix) + kl2(b, mix)) / 2;
  // rounding can leave a divergence of -1e-17 for identical inputs, or 1 + 1e-16 for disjoint ones
  return Math.sqrt(Math.min(1, Math.max(0, divergence)));
}
