// Accuracy by domain and on short texts: what docs/model.md reports and `sentimentops.metrics`
// records beside the figures over the whole test set. One model serves IMDB reviews and one-line
// product sentences alike, so one overall figure would hide the part that goes wrong.
import { ModelMetrics, SliceMetrics, TestMetrics, isPositive } from '../contract';
import { classificationMetrics } from './metrics';

/** A text of at most this many words counts as short (docs/model.md). */
export const SHORT_TEXT_WORDS = 20;

export interface LabelledText {
  text: string;
  label: 0 | 1;
  domain?: string;
}

/** Words as a reader counts them: runs of non-space characters. */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter((w) => w !== '').length;
}

export function isShort(text: string): boolean {
  return wordCount(text) <= SHORT_TEXT_WORDS;
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

export function sliceMetrics(pPositive: ArrayLike<number>, labels: ArrayLike<number>): SliceMetrics {
  let predicted = 0;
  let actual = 0;
  for (let i = 0; i < labels.length; i++) {
    if (isPositive(pPositive[i])) predicted++;
    if (labels[i] === 1) actual++;
  }
  return {
    ...classificationMetrics(pPositive, labels),
    predicted_positive_rate: round(predicted / labels.length),
    actual_positive_rate: round(actual / labels.length),
  };
}

function pick<T>(xs: ArrayLike<T>, idx: readonly number[]): T[] {
  return idx.map((i) => xs[i]);
}

/**
 * The metrics over all rows, then per domain (in name order; rows without one are `unknown`) and
 * on the short texts; a part with no rows is left out.
 */
export function evaluate(pPositive: ArrayLike<number>, rows: readonly LabelledText[]): TestMetrics {
  const labels = rows.map((r) => r.label);
  const byDomain = new Map<string, number[]>();
  const short: number[] = [];
  rows.forEach((r, i) => {
    const d = r.domain ?? 'unknown';
    const list = byDomain.get(d);
    if (list) list.push(i);
    else byDomain.set(d, [i]);
    if (isShort(r.text)) short.push(i);
  });
  const out: TestMetrics = classificationMetrics(pPositive, labels);
  out.domains = {};
  for (const d of [...byDomain.keys()].sort()) {
    const idx = byDomain.get(d)!;
    out.domains[d] = sliceMetrics(pick(pPositive, idx), pick(labels, idx));
  }
  if (short.length > 0) {
    out.short = { ...sliceMetrics(pick(pPositive, short), pick(labels, short)), max_words: SHORT_TEXT_WORDS };
  }
  return out;
}

/** Mean of the domains' accuracies: every domain counts once, however many rows it has. */
export function macroAccuracy(m: TestMetrics): number {
  const ds = Object.values(m.domains ?? {});
  if (ds.length === 0) return m.accuracy;
  return ds.reduce((s, d) => s + d.accuracy, 0) / ds.length;
}

/** A fixed-width table of `evaluate`'s result, one line per part, for logs and `cli.js eval`. */
export function formatMetrics(m: TestMetrics): string[] {
  const col = (x: string | number): string =>
    (typeof x === 'number' ? (Number.isNaN(x) ? '-' : x.toFixed(4)) : x).padStart(9);
  const line = (name: string, s: ModelMetrics & Partial<SliceMetrics>): string =>
    name.padEnd(24) +
    String(s.n).padStart(7) +
    [s.accuracy, s.f1, s.auc].map(col).join('') +
    (s.predicted_positive_rate === undefined
      ? ''
      : col(s.predicted_positive_rate) + col(s.actual_positive_rate!));
  const out = [
    'part'.padEnd(24) + 'n'.padStart(7) + ['accuracy', 'f1', 'auc', 'pos.pred', 'pos.true'].map(col).join(''),
  ];
  out.push(line('all', m));
  for (const [d, s] of Object.entries(m.domains ?? {})) out.push(line(`  ${d}`, s));
  if (m.short) out.push(line(`  <= ${m.short.max_words} words`, m.short));
  return out;
}
