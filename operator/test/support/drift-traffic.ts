// The texts the drift tests and the sensitivity benchmark (hack/tools/src/bench/drift-sensitivity.ts)
// send: traffic like the sample model's held-out split, and two kinds of shift built from data we have
// (docs/drift.md, "Sensitivity"): the first sentence of each text (clients sending titles or previews)
// and prose from another domain, the repository's own documentation.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { firstSentence } from './imdb';

export { firstSentence };

interface Row {
  text: string;
}

const sharedDir = (root: string): string => process.env.SHARED_DIR ?? path.join(root, '..', 'shared');

function readRows(file: string): Row[] {
  if (!existsSync(file)) throw new Error(`${file} is missing: see ../shared/datasets (SHARED_DIR)`);
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
}

/**
 * `count` rows spread evenly over `rows`, then put in golden-ratio stride order: the files keep the
 * positives first (IMDB) or a domain's rows together, and any stretch of the traffic must be a fair
 * sample of all of them.
 */
function spread<T>(rows: readonly T[], count: number): T[] {
  const n = Math.min(count, rows.length);
  const step = rows.length / Math.max(1, n);
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let stride = Math.max(1, Math.round(n * 0.618));
  while (gcd(stride, n) !== 1) stride++;
  return Array.from({ length: n }, (_, i) => rows[Math.floor(((i * stride) % n) * step)]);
}

/**
 * The data sets the sample model is trained on (docs/model.md), by the `datasets/` folder under
 * ../shared; the in-distribution traffic mixes their test splits in the proportions of their train
 * splits, which is how the held-out split the baselines come from is made up.
 */
export const TRAINING_DATASETS = ['imdb', 'reviews'] as const;

/** `count` texts like the sample model's held-out split: each data set's test rows by its train share. */
export function inDistribution(root: string, count: number, datasets = TRAINING_DATASETS): string[] {
  const sets = datasets.map((name) => {
    const dir = path.join(sharedDir(root), 'datasets', name);
    return {
      train: readRows(path.join(dir, 'train.jsonl')).length,
      test: readRows(path.join(dir, 'test.jsonl')),
    };
  });
  const total = sets.reduce((s, d) => s + d.train, 0);
  const parts = sets.map((d) => spread(d.test, Math.round((count * d.train) / total)).map((r) => r.text));
  return interleave(parts);
}

/** Round-robin by share, so any stretch of the result has each part in about its proportion. */
function interleave(parts: readonly string[][]): string[] {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const taken = parts.map(() => 0);
  const out: string[] = [];
  for (let i = 0; i < total; i++) {
    // the part furthest behind its share so far goes next
    let best = 0;
    let lag = -Infinity;
    parts.forEach((p, k) => {
      const behind = ((i + 1) * p.length) / total - taken[k];
      if (taken[k] < p.length && behind > lag) [best, lag] = [k, behind];
    });
    out.push(parts[best][taken[best]++]);
  }
  return out;
}

/** The short-input shift: the first sentence of every text. */
export function shortInputs(texts: readonly string[]): string[] {
  return texts.map(firstSentence);
}

/**
 * Prose sentences of the repository's documentation (README and docs/), 6 to 40 words, with
 * markdown, code and tables left out: English from a domain no sentiment data set covers.
 */
export function otherDomain(root: string): string[] {
  const files = [
    path.join(root, 'README.md'),
    ...readdirSync(path.join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => path.join(root, 'docs', f)),
  ];
  const out: string[] = [];
  const keep = (paragraph: string[]): void => {
    const prose = paragraph
      .join(' ')
      .replace(/`[^`]*`/g, ' ')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[*_]/g, '')
      .replace(/\s+/g, ' ');
    for (const sentence of prose.split(/(?<=[.!?])\s+/)) {
      const words = sentence.trim().split(' ').length;
      if (words >= 6 && words <= 40) out.push(sentence.trim());
    }
  };
  for (const file of files) {
    let fenced = false;
    let paragraph: string[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.startsWith('```')) fenced = !fenced;
      // prose lines wrap, so a sentence is read over the whole paragraph; headings, lists, tables,
      // quotes and code end one
      if (!fenced && /^[A-Za-z(]/.test(line)) {
        paragraph.push(line);
        continue;
      }
      keep(paragraph);
      paragraph = [];
    }
    keep(paragraph);
  }
  if (out.length < 100) throw new Error(`only ${out.length} documentation sentences found under ${root}`);
  return out;
}

/**
 * `count` texts of which `share` come from `shifted` and the rest from `base`, spread evenly (any
 * window of the traffic holds about that share), each source read in order and cycled.
 */
export function mix(
  base: readonly string[],
  shifted: readonly string[],
  share: number,
  count: number,
): string[] {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`share must be in [0, 1], got ${share}`);
  let b = 0;
  let s = 0;
  return Array.from({ length: count }, (_, i) =>
    Math.floor((i + 1) * share) > Math.floor(i * share)
      ? shifted[s++ % shifted.length]
      : base[b++ % base.length],
  );
}
