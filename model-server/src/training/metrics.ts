// Classification metrics and the confidence histogram the drift evaluator compares against.
import { bucketIndex } from '@sentiment-operator/contract';
import { BaselineHistogram, CONFIDENCE_BUCKETS, ModelMetrics, confidenceOf, isPositive } from '../contract';

/** Rounding keeps the metadata byte-stable across float noise in the last digits. */
const round = (x: number, d = 6): number => Math.round(x * 10 ** d) / 10 ** d;

/** ROC AUC by the rank-sum statistic, with average ranks for ties. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]] === 1) {
        rankSumPos += avgRank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** `pPositive[i]` is the model's P(positive); the label is positive when it is at least 0.5. */
export function classificationMetrics(pPositive: ArrayLike<number>, labels: ArrayLike<number>): ModelMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const pred = isPositive(pPositive[i]) ? 1 : 0;
    if (pred === 1 && labels[i] === 1) tp++;
    else if (pred === 1) fp++;
    else if (labels[i] === 0) tn++;
    else fn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return {
    accuracy: round((tp + tn) / labels.length),
    precision: round(precision),
    recall: round(recall),
    f1: round(f1),
    auc: round(rocAuc(pPositive, labels)),
    n: labels.length,
  };
}

/** The baseline shape of the model file (BaselineHistogram) for any signal's values and edges. */
export function histogram(values: ArrayLike<number>, edges: readonly number[]): BaselineHistogram {
  const counts = new Array<number>(edges.length).fill(0);
  for (let i = 0; i < values.length; i++) counts[bucketIndex(values[i], edges)]++;
  const n = values.length;
  let cum = 0;
  const ratios = counts.map((c) => {
    cum += c;
    return round(cum / n);
  });
  return { edges: [...edges], counts, ratios, n };
}

export function confidenceHistogram(pPositive: ArrayLike<number>): BaselineHistogram {
  return histogram(Array.from(pPositive, confidenceOf), CONFIDENCE_BUCKETS);
}

export function positiveRate(pPositive: ArrayLike<number>): number {
  let pos = 0;
  for (let i = 0; i < pPositive.length; i++) if (isPositive(pPositive[i])) pos++;
  return round(pos / pPositive.length);
}
