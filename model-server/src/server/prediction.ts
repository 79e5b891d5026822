// From one row of the model's [N, 2] output to the label and confidence clients and metrics see.
// The rule matches the trainer's evaluation: positive when P(positive) >= 0.5, confidence
// max(p, 1 - p), so live confidences are comparable with the model's baseline histogram.
import { Label, LABELS, confidenceOf, isPositive } from '../contract';

export interface Prediction {
  label: Label;
  confidence: number;
  probabilities: Record<Label, number>;
}

/** Row `i` of a row-major [N, 2] (negative, positive) probability matrix. */
export function predictionAt(probs: Float32Array, i: number): Prediction {
  const negative = probs[2 * i];
  const positive = probs[2 * i + 1];
  return {
    label: isPositive(positive) ? LABELS[1] : LABELS[0],
    confidence: confidenceOf(positive),
    probabilities: { negative, positive },
  };
}
