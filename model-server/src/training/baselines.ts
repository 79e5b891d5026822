// The model's reference distributions (docs/drift.md): what every drift signal looked like on the
// held-out split, measured through the exported graph so that the server's live histograms and
// these baselines come from the same computation. The operator compares the two.
import { HISTOGRAM_SIGNALS, HistogramSignal, META } from '../contract';
import type { OnnxModel, Predictions } from '../model/onnx-model';
import { signalValues } from '../model/signals';
import { histogram, positiveRate } from './metrics';

/** The `sentimentops.baseline.*` metadata entries for the held-out predictions `p`. */
export function baselineMetadata(p: Predictions): Record<string, string> {
  const out: Record<string, string> = {};
  const values = signalValues(p);
  for (const signal of Object.keys(HISTOGRAM_SIGNALS) as HistogramSignal[]) {
    const v = values[signal];
    if (v)
      out[HISTOGRAM_SIGNALS[signal].meta] = JSON.stringify(histogram(v, HISTOGRAM_SIGNALS[signal].buckets));
  }
  const n = p.probs.length / 2;
  out[META.baselinePositiveRate] = String(
    positiveRate(Array.from({ length: n }, (_, i) => p.probs[2 * i + 1])),
  );
  return out;
}

/** Predictions for many texts, in batches the size the server would send. */
export async function inferAll(
  model: OnnxModel,
  texts: readonly string[],
  batch = 256,
): Promise<Predictions> {
  const n = texts.length;
  const out: Predictions = { probs: new Float32Array(2 * n) };
  if (model.hasDescriptors) out.descriptors = { tokens: new Float32Array(n), unknown: new Float32Array(n) };
  for (let i = 0; i < n; i += batch) {
    const part = await model.infer(texts.slice(i, i + batch));
    out.probs.set(part.probs, 2 * i);
    if (out.descriptors && part.descriptors) {
      out.descriptors.tokens.set(part.descriptors.tokens, i);
      out.descriptors.unknown.set(part.descriptors.unknown, i);
    }
  }
  return out;
}
