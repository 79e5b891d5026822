import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { validateSpec } from '../src/api/validate';
import { repoRoot } from './support/cluster';

interface Doc {
  kind?: string;
  metadata?: { name?: string };
  spec?: unknown;
}

describe('samples/', () => {
  const dir = path.join(repoRoot, 'samples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('include basic.yaml: SentimentModel imdb, autoscaled 1–5 at 70 % CPU', () => {
    const doc = parseAllDocuments(readFileSync(path.join(dir, 'basic.yaml'), 'utf8'))[0].toJS() as Doc;
    assert.equal(doc.metadata?.name, 'imdb');
    const result = validateSpec(doc.spec, 'imdb');
    assert.ok(result.valid);
    const a = result.spec.autoscaling;
    assert.deepEqual([a.enabled, a.minReplicas, a.maxReplicas, a.targetCPUUtilization], [true, 1, 5, 70]);
  });

  for (const file of files) {
    it(`${file} holds only valid SentimentModel specs`, () => {
      const docs = parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((d) => d.toJS() as Doc);
      const models = docs.filter((d) => d.kind === 'SentimentModel');
      assert.ok(models.length > 0, 'no SentimentModel in the file');
      for (const m of models) {
        const result = validateSpec(m.spec, m.metadata?.name);
        assert.deepEqual(result.errors, [], `${m.metadata?.name}`);
      }
    });
  }
});
