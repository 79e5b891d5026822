// Cumulative `le` buckets to per-bin values, for every side that compares a histogram with a model's
// baseline: the operator's drift evaluator (operator/src/drift/bins.ts) and the model server's
// playground (model-server/src/server/playground/drift-view.ts) turn baselines into bins the same way.

/**
 * The bin of a value over upper `edges`: the first edge it does not exceed, as a Prometheus `le`
 * bucket counts it; above the last edge it is counted in the last bin, as the drift evaluator folds
 * `+Inf` into it. The trainer's baselines and the playground's recent traffic bin with it.
 */
export function bucketIndex(value: number, edges: readonly number[]): number {
  for (let i = 0; i < edges.length; i++) if (value <= edges[i]) return i;
  return edges.length - 1;
}

/**
 * Makes cumulative values usable: never negative and never decreasing. `increase()` is extrapolated
 * per series and a counter reset can land between the scrapes of neighbouring buckets, so a higher
 * edge can come back slightly below a lower one; a running maximum absorbs that without ever
 * producing a negative bin.
 */
export function monotone(values: readonly number[]): number[] {
  let high = 0;
  return values.map((v) => (high = Math.max(high, v)));
}

/** Per-bin values from cumulative ones (already monotone). */
export function toBins(cumulative: readonly number[]): number[] {
  return cumulative.map((c, i) => c - (i === 0 ? 0 : cumulative[i - 1]));
}

/**
 * Bin fractions from a baseline's cumulative ratios: made monotone, differenced and renormalised by
 * the last ratio (model files round the ratios, so it need not be exactly 1). Undefined when the
 * ratios hold nothing (the last is not positive) or are not finite numbers.
 */
export function fractionsFromRatios(ratios: readonly number[]): number[] | undefined {
  if (!ratios.every((r) => typeof r === 'number' && Number.isFinite(r))) return undefined;
  const cumulative = monotone(ratios);
  const total = cumulative.at(-1) ?? 0;
  if (!(total > 0)) return undefined;
  return toBins(cumulative).map((c) => c / total);
}
