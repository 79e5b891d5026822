import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
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

  it('name the sample model by its current version and checksum wherever they serve imdb.onnx', () => {
    const bytes = readFileSync(path.join(dir, 'models', 'imdb.onnx'));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // sentimentops.version is a metadata string of the file; its "nblr-<12 hex>" form is unique in it
    const version = /nblr-[0-9a-f]{12}/.exec(bytes.toString('latin1'))![0];
    for (const file of files) {
      for (const d of parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))) {
        const m = (d.toJS() as { spec?: { model?: { uri?: string; version?: string; sha256?: string } } })
          .spec?.model;
        if (!m?.uri?.endsWith('/imdb.onnx')) continue;
        // a version of the trainer's form must be this file's; others ("v1") are the user's own labels
        if (m.version?.startsWith('nblr-')) assert.equal(m.version, version, `${file}: spec.model.version`);
        if (m.sha256 !== undefined) assert.equal(m.sha256, sha256, `${file}: spec.model.sha256`);
      }
    }
  });
});
