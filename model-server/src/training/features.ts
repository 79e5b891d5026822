// Vocabulary, binary n-gram features and naive-Bayes log-count ratios (Wang & Manning's NBSVM
// features, used with logistic regression). A document is the sorted set of its known n-gram ids.
import { ngrams, tokenize } from './tokenize';

export interface Vocabulary {
  /** n-gram of id i+1 (id 0 is "unknown"). */
  terms: string[];
  index: Map<string, number>;
}

/**
 * Keeps n-grams found in at least `minDf` training documents, at most `maxFeatures` of them.
 * Ordered by document frequency, then by text, so the ids are reproducible.
 */
export function buildVocabulary(docs: readonly string[][], minDf: number, maxFeatures: number): Vocabulary {
  const df = new Map<string, number>();
  for (const grams of docs) {
    for (const g of new Set(grams)) df.set(g, (df.get(g) ?? 0) + 1);
  }
  const kept: [string, number][] = [];
  for (const e of df) if (e[1] >= minDf) kept.push(e);
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const terms = kept.slice(0, maxFeatures).map((e) => e[0]);
  return { terms, index: new Map(terms.map((t, i) => [t, i + 1])) };
}

export function textGrams(text: string): string[] {
  return ngrams(tokenize(text));
}

/** Sorted distinct ids of the known n-grams: the binary feature vector, as the graph sees it. */
export function encode(grams: readonly string[], vocab: Vocabulary): Int32Array {
  const ids = new Set<number>();
  for (const g of grams) {
    const id = vocab.index.get(g);
    if (id !== undefined) ids.add(id);
  }
  return Int32Array.from(ids).sort();
}

/**
 * r = log((p / |p|1) / (q / |q|1)) with p, q the smoothed counts of documents containing each
 * n-gram among positive and negative examples. Index 0 (unknown) gets 0.
 */
export function nbRatios(
  docs: readonly Int32Array[],
  labels: readonly number[],
  size: number,
  alpha: number,
): Float64Array {
  const p = new Float64Array(size + 1).fill(alpha);
  const q = new Float64Array(size + 1).fill(alpha);
  for (let i = 0; i < docs.length; i++) {
    const c = labels[i] === 1 ? p : q;
    for (const id of docs[i]) c[id] += 1;
  }
  let sp = 0;
  let sq = 0;
  for (let j = 1; j <= size; j++) {
    sp += p[j];
    sq += q[j];
  }
  const r = new Float64Array(size + 1);
  for (let j = 1; j <= size; j++) r[j] = Math.log(p[j] / sp / (q[j] / sq));
  return r;
}

/**
 * sign(r) · |r|^power for every ratio: power 1 keeps NBSVM's scaling, smaller powers pull it toward
 * plain binary features (power 0). The ratios come from counts dominated by the largest domain
 * (IMDB), so the full ratio trusts that domain's words too much on the others (docs/model.md).
 */
export function softenRatios(r: Float64Array, power: number): Float64Array {
  if (power === 1) return r;
  return r.map((x) => Math.sign(x) * Math.abs(x) ** power);
}
