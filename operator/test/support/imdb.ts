// The IMDB test reviews of ../shared (SHARED_DIR), when present: in-distribution traffic for the demo
// and the drift tests, and the shift they both use.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where the test split is, relative to the repository root `root`. */
export function imdbTestFile(root: string): string {
  return path.join(
    process.env.SHARED_DIR ?? path.join(root, '..', 'shared'),
    'datasets',
    'imdb',
    'test.jsonl',
  );
}

/** `count` reviews spread evenly over `file` (it holds the positives first, then the negatives). */
export function imdbReviews(file: string, count: number): string[] {
  if (!existsSync(file))
    throw new Error(`${file} is missing: the IMDB test split of ../shared/datasets/imdb`);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const step = Math.max(1, Math.floor(lines.length / count));
  return Array.from(
    { length: Math.min(count, lines.length) },
    (_, i) => (JSON.parse(lines[i * step]) as { text: string }).text,
  );
}

/**
 * The shift: only the first sentence of a review. Same domain and vocabulary, far less evidence per
 * text, as when a client starts sending titles, previews or tweet-length comments.
 */
export function firstSentence(text: string): string {
  return text.split(/(?<=[.!?])\s/)[0];
}
