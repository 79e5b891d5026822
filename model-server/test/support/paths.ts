import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../../..');
export const SHARED_DIR = process.env.SHARED_DIR ?? resolve(REPO_ROOT, '../shared');
export const IMDB_TRAIN = resolve(SHARED_DIR, 'datasets/imdb/train.jsonl');
export const IMDB_TEST = resolve(SHARED_DIR, 'datasets/imdb/test.jsonl');
export const REVIEWS_TRAIN = resolve(SHARED_DIR, 'datasets/reviews/train.jsonl');
export const SAMPLE_MODEL = resolve(REPO_ROOT, 'samples/models/imdb.onnx');
export const TRAIN_CLI = resolve(REPO_ROOT, 'model-server/dist/src/training/cli.js');

/** Fails (never skips) when a file the test needs is absent, saying how to get it. */
export function requireFile(path: string, how: string): string {
  if (!existsSync(path)) throw new Error(`missing ${path}: ${how}`);
  return path;
}
