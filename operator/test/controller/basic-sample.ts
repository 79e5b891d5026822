// samples/basic.yaml as the API server would store it: its spec defaulted by the schema, plus the
// metadata a stored object carries. Controller tests start from the sample users actually apply.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { SentimentModel } from '../../src/api/types';
import { repoRoot } from '../support/cluster';
import { sentimentModel } from '../support/models';

interface SampleDoc {
  metadata: { name: string };
  spec: Record<string, unknown>;
}

export function basicSampleSpec(): Record<string, unknown> {
  const doc = parse(readFileSync(path.join(repoRoot, 'samples', 'basic.yaml'), 'utf8')) as SampleDoc;
  return doc.spec;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The basic sample with `overrides` applied to its spec: sections are merged one level deep. */
export function basicModel(overrides: Record<string, unknown> = {}): SentimentModel {
  const spec = basicSampleSpec();
  for (const [field, value] of Object.entries(overrides)) {
    const current = spec[field];
    spec[field] = isObject(current) && isObject(value) ? { ...current, ...value } : value;
  }
  return sentimentModel(spec, 'imdb', 'ml');
}
