// The value of every drift signal (HISTOGRAM_SIGNALS in the contract) for each text of one model call:
// the trainer bins them into the model's baselines (training/baselines.ts) and the server into its
// live views, so both sides measure a signal the same way.
import { HistogramSignal, confidenceOf, unknownShare } from '../contract';
import type { Predictions } from './onnx-model';

/** Each histogram signal's value per text; a signal the graph cannot describe is left out. */
export type SignalValues = Partial<Record<HistogramSignal, number[]>>;

export function signalValues(p: Predictions): SignalValues {
  const n = p.probs.length / 2;
  const out: SignalValues = {
    confidence: Array.from({ length: n }, (_, i) => confidenceOf(p.probs[2 * i + 1])),
  };
  const d = p.descriptors;
  if (d) {
    out.inputTokens = Array.from(d.tokens);
    out.unknownTokens = Array.from(d.tokens, (t, i) => unknownShare(t, d.unknown[i]));
  }
  return out;
}
