// How large PSI gets by chance alone, so that a small window cannot raise a false alarm.
//
// When a live sample of n and a baseline sample of m come from the same distribution over B bins,
// PSI ≈ Σ (p_i − q_i)² / q_i, which is (1/n + 1/m) times Pearson's two-sample homogeneity statistic,
// asymptotically χ² with B − 1 degrees of freedom. The floor is a high quantile of that scaled χ²:
// PSI reaches it by chance in only 1 − FLOOR_QUANTILE of evaluations.
import { BIN_COUNT } from './bins';

/** 99.9 %: one evaluation in a thousand of an unchanged model exceeds the floor by chance. */
export const FLOOR_QUANTILE = 0.999;

/**
 * ln Γ(k/2) for a positive integer k, exactly, by Γ(a + 1) = a·Γ(a) from Γ(1) = 1 or Γ(½) = √π.
 * χ² only ever needs half-integers, so no general gamma approximation is needed.
 */
function logGammaHalf(k: number): number {
  let a = k % 2 === 0 ? 1 : 0.5;
  let log = k % 2 === 0 ? 0 : 0.5 * Math.log(Math.PI);
  for (; a < k / 2; a += 1) log += Math.log(a);
  return log;
}

/**
 * Regularized lower incomplete gamma P(a, x) for a = k/2: the power series below a + 1, where it
 * converges fast, and the continued fraction for 1 − P above (evaluated with the modified Lentz
 * method).
 */
function lowerGammaRegularized(k: number, x: number): number {
  const a = k / 2;
  if (x <= 0) return 0;
  const prefix = Math.exp(-x + a * Math.log(x) - logGammaHalf(k));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let i = 1; i < 1000 && Math.abs(term) > Math.abs(sum) * 1e-16; i++) {
      term *= x / (a + i);
      sum += term;
    }
    return Math.min(1, prefix * sum);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return Math.max(0, 1 - prefix * h);
}

/** CDF of the χ² distribution with k degrees of freedom (k a positive integer): P(k/2, x/2). */
export function chiSquareCdf(x: number, k: number): number {
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`degrees of freedom must be a positive integer, got ${k}`);
  return lowerGammaRegularized(k, x / 2);
}

/** The x with chiSquareCdf(x, k) = probability, by bisection (the CDF is increasing). */
export function chiSquareQuantile(probability: number, k: number): number {
  if (!(probability > 0 && probability < 1))
    throw new RangeError(`probability must be in (0, 1), got ${probability}`);
  let high = Math.max(1, k);
  while (chiSquareCdf(high, k) < probability) high *= 2;
  let low = 0;
  for (let i = 0; i < 200 && high - low > 1e-12 * high; i++) {
    const mid = (low + high) / 2;
    if (chiSquareCdf(mid, k) < probability) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** χ²₀.₉₉₉ by degrees of freedom: only a handful of bin counts ever occur, each computed once. */
const floorQuantiles = new Map<number, number>();
function floorChiSquare(degrees: number): number {
  let q = floorQuantiles.get(degrees);
  if (q === undefined) {
    q = chiSquareQuantile(FLOOR_QUANTILE, degrees);
    floorQuantiles.set(degrees, q);
  }
  return q;
}

/**
 * PSI that n live and m baseline observations of one distribution over `bins` bins exceed with
 * probability 1 − FLOOR_QUANTILE: (1/n + 1/m)·χ²₀.₉₉₉(B − 1), 31.26·(1/n + 1/m) for the 12 bins of
 * confidence and inputTokens, 27.88·(1/n + 1/m) for the 10 of unknownTokens. m is Infinity when the
 * baseline's size is unknown (then only the live sample's noise counts); n = 0 gives Infinity.
 */
export function noiseFloor(n: number, m = Infinity, bins: number = BIN_COUNT): number {
  if (!(n > 0)) return Infinity;
  const baselineTerm = m > 0 ? 1 / m : 0;
  return (1 / n + baselineTerm) * floorChiSquare(bins - 1);
}

/**
 * The same floor for the positive-rate signal, |p̂ − q|: live share p̂ of n predictions against the
 * baseline share q of m. Under no change p̂ − q is about normal with variance q(1 − q)(1/n + 1/m), and
 * its square over that variance is χ² with 1 degree of freedom (PSI over two bins is the same
 * statistic), so the floor is √(χ²₀.₉₉₉(1)·q(1 − q)·(1/n + 1/m)) = 3.29 standard deviations:
 * 0.074 at n = 500, q = ½, m unknown.
 */
export function proportionNoiseFloor(n: number, q: number, m = Infinity): number {
  if (!(n > 0)) return Infinity;
  const baselineTerm = m > 0 ? 1 / m : 0;
  const p = Math.min(1, Math.max(0, q));
  return Math.sqrt(floorChiSquare(1) * p * (1 - p) * (1 / n + baselineTerm));
}
