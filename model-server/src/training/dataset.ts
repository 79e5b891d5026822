// JSONL rows {"text", "label"} and optionally "domain". Any bad row stops training with file:line,
// before any model file is touched.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Read-only data shared with CI, beside the repository unless SHARED_DIR says otherwise. */
export const SHARED_DIR = process.env.SHARED_DIR ?? '../shared';
export const IMDB_TRAIN = `${SHARED_DIR}/datasets/imdb/train.jsonl`;
export const IMDB_TEST = `${SHARED_DIR}/datasets/imdb/test.jsonl`;

export interface Example {
  text: string;
  label: 0 | 1;
  /** where the text comes from (`amazon`, `tweets`, …); rows without one take their data set's name */
  domain?: string;
}

export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

export function parseJsonl(content: string, file: string): Example[] {
  const rows: Example[] = [];
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const where = `${file}:${i + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      throw new DatasetError(`${where}: malformed JSON (${(err as Error).message})`);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new DatasetError(`${where}: expected a JSON object with "text" and "label"`);
    }
    const { text, label, domain } = row as Record<string, unknown>;
    if (text === undefined) throw new DatasetError(`${where}: missing field "text"`);
    if (typeof text !== 'string') throw new DatasetError(`${where}: field "text" must be a string`);
    if (label === undefined) throw new DatasetError(`${where}: missing field "label"`);
    if (label !== 0 && label !== 1) {
      throw new DatasetError(`${where}: field "label" must be 0 or 1, got ${JSON.stringify(label)}`);
    }
    if (domain !== undefined && (typeof domain !== 'string' || domain === '')) {
      throw new DatasetError(`${where}: field "domain" must be a non-empty string`);
    }
    rows.push(domain === undefined ? { text, label } : { text, label, domain });
  }
  if (rows.length === 0) throw new DatasetError(`${file}: no rows (the file is empty)`);
  return rows;
}

export function readJsonl(file: string): { rows: Example[]; bytes: Buffer } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new DatasetError(`${file}: cannot read (${e.code ?? e.message})`);
  }
  return { rows: parseJsonl(bytes.toString('utf8'), file), bytes };
}

/**
 * The name a file's rows are reported under when they carry no `domain`: the data set's folder
 * (`…/datasets/imdb/train.jsonl` is `imdb`), or the file name without `.jsonl` at the top level.
 */
export function datasetName(file: string): string {
  const dir = basename(dirname(file));
  return dir === '' || dir === '.' || dir === '..' ? basename(file).replace(/\.jsonl$/, '') : dir;
}

/** `--data a --data b` and `--data a,b` both name two files. */
export function fileList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).filter((f) => f !== '');
}

/**
 * Reads several JSONL files as one training set: every row gets a domain (its own or
 * `datasetName`), and the sha256 covers every file's bytes in order, so the model records what it
 * was trained on.
 */
export function readDatasets(files: readonly string[]): { rows: Required<Example>[]; sha256: string } {
  if (files.length === 0) throw new DatasetError('no data file given');
  const hash = createHash('sha256');
  const rows: Required<Example>[] = [];
  for (const file of files) {
    const { rows: own, bytes } = readJsonl(file);
    hash.update(bytes);
    const fallback = datasetName(file);
    for (const r of own) rows.push({ text: r.text, label: r.label, domain: r.domain ?? fallback });
  }
  return { rows, sha256: hash.digest('hex') };
}

/** mulberry32: small, fast and fully determined by the seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle of indices, then the first `fraction` become the validation split. */
export function split<T>(
  rows: readonly T[],
  fraction: number,
  seed: number,
): { train: T[]; validation: T[] } {
  const idx = rows.map((_, i) => i);
  const rand = rng(seed);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const nVal = Math.round(rows.length * fraction);
  return { validation: idx.slice(0, nVal).map((i) => rows[i]), train: idx.slice(nVal).map((i) => rows[i]) };
}

/**
 * `split` inside each domain (domains in name order, each shuffled with the same seed), so the
 * validation split holds every domain in its share of the data, however small the domain.
 */
export function splitByDomain<T extends { domain: string }>(
  rows: readonly T[],
  fraction: number,
  seed: number,
): { train: T[]; validation: T[] } {
  const byDomain = new Map<string, T[]>();
  for (const r of rows) {
    const list = byDomain.get(r.domain);
    if (list) list.push(r);
    else byDomain.set(r.domain, [r]);
  }
  const out: { train: T[]; validation: T[] } = { train: [], validation: [] };
  for (const domain of [...byDomain.keys()].sort()) {
    const part = split(byDomain.get(domain)!, fraction, seed);
    out.train.push(...part.train);
    out.validation.push(...part.validation);
  }
  return out;
}
